"""The compose file, the Dockerfiles, the .dockerignore files and the nginx
configuration, checked without a Docker engine (`make container-check` builds
and runs them with Podman)."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from . import support
from .support import (
    BACKEND_DOCKERFILE,
    COMPOSE_FILE,
    FRONTEND_DOCKERFILE,
    NGINX_TEMPLATE,
    NGINX_TEMPLATE_IN_IMAGE,
    REPO,
)

HEALTHCHECK_TOOLS_MISSING_FROM_SLIM = ("curl", "wget")
DIGEST = r"@sha256:[0-9a-f]{64}"
# Settings changed from their defaults (one compose run serves every test that changes one).
CHANGED = {"MAX_UPLOAD_BYTES": "1234", "BACKEND_MEMORY_LIMIT": "5g", "BACKEND_CPUS": "3"}


@pytest.fixture(scope="module")
def compose() -> dict:
    """The compose file as Compose resolves it with every variable at its default."""
    return support.compose_config()


@pytest.fixture(scope="module")
def services(compose) -> dict:
    return compose["services"]


# --------------------------------------------------------------------------
# docker-compose.yml


def test_compose_has_the_two_services(services):
    assert set(services) == {"backend", "frontend"}


@pytest.mark.parametrize(
    ("name", "context", "dockerfile"),
    [("backend", ".", "backend/Dockerfile"), ("frontend", "frontend", "Dockerfile")],
)
def test_build_contexts_and_dockerfiles_exist(services, name, context, dockerfile):
    build = services[name]["build"]
    context_dir = (REPO / build["context"]).resolve()
    assert context_dir == (REPO / context).resolve()
    assert build.get("dockerfile", "Dockerfile") == dockerfile
    assert (context_dir / build.get("dockerfile", "Dockerfile")).is_file()


def test_only_the_frontend_is_published_on_one_port(services):
    assert "ports" not in services["backend"], "the backend is reached through nginx only"
    (published,) = services["frontend"]["ports"]
    host_ip, host_port, container_port = str(published).split(":")
    # nginx listens on an unprivileged port, the one the image's template uses.
    assert container_port == support.dockerfile_env(FRONTEND_DOCKERFILE)["NGINX_LISTEN"] == "8080"
    assert host_port == support.env_example()["HOST_PORT"] == "8080"
    assert host_ip == support.env_example()["HOST_ADDRESS"]


def test_backend_healthcheck_asks_the_api_without_curl(services):
    test = services["backend"]["healthcheck"]["test"]
    assert test[0] == "CMD" and test[1] == "python", test
    assert "/api/health" in test[-1]
    assert not any(tool in " ".join(test) for tool in HEALTHCHECK_TOOLS_MISSING_FROM_SLIM)


def test_frontend_healthcheck_asks_nginx_on_its_port(services):
    test = services["frontend"]["healthcheck"]["test"]
    port = support.dockerfile_env(FRONTEND_DOCKERFILE)["NGINX_LISTEN"]
    assert test[-1] == f"http://127.0.0.1:{port}/healthz", test
    assert test[1:] == support.dockerfile_exec_form(FRONTEND_DOCKERFILE, "HEALTHCHECK")


def test_frontend_waits_for_a_healthy_backend(services):
    assert services["frontend"]["depends_on"] == {"backend": {"condition": "service_healthy"}}


@pytest.mark.parametrize("name", ["backend", "frontend"])
def test_services_restart_unless_stopped(services, name):
    assert services[name]["restart"] == "unless-stopped"


@pytest.mark.parametrize("name", ["backend", "frontend"])
def test_nothing_writable_is_mounted(services, name):
    for volume in services[name].get("volumes", []):
        if isinstance(volume, str):
            assert volume.endswith(":ro"), volume
        else:
            assert volume.get("read_only") is True, volume


@pytest.mark.parametrize("name", ["backend", "frontend"])
def test_containers_are_read_only_without_capabilities(services, name):
    """Read-only root filesystem, no capability, no privilege gained through setuid."""
    service = services[name]
    assert service["read_only"] is True
    assert service["cap_drop"] == ["ALL"]
    assert "cap_add" not in service, "nothing needs a capability back"
    assert "no-new-privileges:true" in service["security_opt"]
    assert "privileged" not in service and "user" not in service  # the images' own unprivileged users


def test_frontend_writes_only_to_a_tmpfs(services):
    """nginx's rendered site, pid file and temporary files are all in /tmp."""
    (mount,) = services["frontend"]["tmpfs"]
    path, _, options = mount.partition(":")
    assert path == "/tmp" and "size=" in options
    assert support.dockerfile_env(FRONTEND_DOCKERFILE)["NGINX_ENVSUBST_OUTPUT_DIR"] == "/tmp"
    conf = support.NGINX_MAIN_CONF.read_text()
    assert re.search(r"^pid /tmp/", conf, re.M)
    for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"):
        assert re.search(rf"^\s*{kind}_temp_path /tmp/", conf, re.M), kind
    assert re.findall(r"^\s*include (.*);", conf, re.M) == ["mime.types", "/tmp/*.conf"]
    assert not re.search(r"^\s*user\s", conf, re.M), "nginx starts as the image's user, not as root"


def _bytes(size: str) -> int:
    number, unit = re.fullmatch(r"(\d+)([kmg]?)b?", str(size).lower()).groups()
    return int(number) * 1024 ** " kmg".index(unit or " ")


@pytest.mark.parametrize("name", ["backend", "frontend"])
def test_services_have_memory_cpu_and_pids_limits(services, name):
    service = services[name]
    assert _bytes(service["mem_limit"]) >= 256 * 1024**2
    assert 0 < float(service["cpus"]) <= 16
    assert 0 < int(service["pids_limit"]) <= 4096


def test_backend_limits_come_from_env(services):
    backend = support.compose_config(CHANGED)["services"]["backend"]
    assert (backend["mem_limit"], str(backend["cpus"])) == ("5g", "3")
    # Room for both workers' models and their budgets at the default settings.
    assert _bytes(services["backend"]["mem_limit"]) >= 2 * 1024**3


def test_frontend_workers_fit_the_pids_limit(services):
    workers = re.search(r"^worker_processes (\d+);", support.NGINX_MAIN_CONF.read_text(), re.M)
    assert workers, "a fixed worker count: 'auto' follows the host's cores, not the container's limit"
    assert int(workers[1]) + 1 < int(services["frontend"]["pids_limit"])


def test_no_development_server_settings():
    text = COMPOSE_FILE.read_text() + BACKEND_DOCKERFILE.read_text()
    for forbidden in ("FLASK_ENV", "FLASK_DEBUG", "flask run", "--reload"):
        assert forbidden not in text


def test_every_variable_has_a_default_documented_in_env_example(compose):
    """`docker compose up --build` works without .env, .env.example lists every
    setting with its default, and every entry there changes something."""
    documented = support.env_example()
    assert support.compose_variable_names() == set(documented), "the variables compose reads are .env.example's"
    assert support.compose_config(documented) == compose, ".env.example gives the defaults"
    marked = {name: f"9{index}7" for index, name in enumerate(sorted(documented))}
    text = repr(support.compose_config(marked))
    unused = [name for name, value in marked.items() if value not in text]
    assert not unused, f"set in .env.example but not used by compose: {unused}"


def test_docker_compose_config_passes():
    docker = shutil.which("docker")
    if docker is None:
        pytest.skip("no docker client: `docker compose config` not run")
    version = subprocess.run([docker, "compose", "version"], capture_output=True, text=True)
    if version.returncode != 0:
        pytest.skip("the Docker Compose plugin is not installed: `docker compose config` not run")
    result = subprocess.run(
        [docker, "compose", "-f", str(COMPOSE_FILE), "config", "-q"],
        capture_output=True,
        text=True,
        cwd=REPO,
    )
    assert result.returncode == 0, result.stderr


# --------------------------------------------------------------------------
# One upload limit in every layer


def test_one_upload_limit_for_backend_nginx_and_web_app(services):
    """MAX_UPLOAD_BYTES sets the backend's limit, nginx's, and the web app's
    build (VITE_MAX_UPLOAD_MB), with the same default everywhere."""
    from detector import DEFAULTS

    default = int(support.env_example()["MAX_UPLOAD_BYTES"])
    assert default == DEFAULTS["MAX_CONTENT_LENGTH"], "the backend's own default (make run)"
    assert int(support.service_environment("backend")["FLASK_MAX_CONTENT_LENGTH"]) == default
    assert int(support.service_environment("frontend")["MAX_UPLOAD_BYTES"]) == default
    assert int(support.build_args("frontend")["MAX_UPLOAD_BYTES"]) == default
    assert int(support.dockerfile_env(FRONTEND_DOCKERFILE)["MAX_UPLOAD_BYTES"]) == default
    # The web app's default when it is built without the variable (make run).
    env_ts = (support.FRONTEND_DIR / "src" / "config" / "env.ts").read_text()
    megabytes = re.search(r"DEFAULT_MAX_UPLOAD_MB = (\d+)", env_ts)
    assert megabytes and int(megabytes[1]) * 1024 * 1024 == default

    assert support.service_environment("backend", CHANGED)["FLASK_MAX_CONTENT_LENGTH"] == "1234"
    assert support.service_environment("frontend", CHANGED)["MAX_UPLOAD_BYTES"] == "1234"
    assert support.build_args("frontend", CHANGED)["MAX_UPLOAD_BYTES"] == "1234"


def test_web_app_build_takes_the_limit_from_the_build_argument():
    build = [ins for ins in support.dockerfile_instructions(FRONTEND_DOCKERFILE) if ins.stage == 0]
    keywords = [ins.keyword for ins in build]
    arg = keywords.index("ARG", keywords.index("FROM"))
    assert build[arg].args.startswith("MAX_UPLOAD_BYTES=")
    (run,) = [ins.args for ins in build[arg:] if ins.keyword == "RUN" and "npm run build" in ins.args]
    assert "VITE_MAX_UPLOAD_MB=" in run and "process.env.MAX_UPLOAD_BYTES" in run and "1048576" in run


def test_nginx_keeps_uploads_in_memory():
    text = NGINX_TEMPLATE.read_text()
    assert "client_max_body_size ${MAX_UPLOAD_BYTES};" in text
    assert "client_body_buffer_size ${MAX_UPLOAD_BYTES};" in text


# --------------------------------------------------------------------------
# Base images: pinned by digest, overridable for `make container-check`


@pytest.mark.parametrize(
    ("dockerfile", "args"),
    [
        (BACKEND_DOCKERFILE, {"PYTHON_IMAGE": "python"}),
        (FRONTEND_DOCKERFILE, {"NODE_IMAGE": "node", "NGINX_IMAGE": "nginx"}),
    ],
)
def test_base_images_are_build_arguments_pinned_by_digest(dockerfile, args):
    instructions = support.dockerfile_instructions(dockerfile)
    froms = [ins.args.split()[0] for ins in instructions if ins.keyword == "FROM"]
    assert froms == [f"${{{name}}}" for name in args], froms
    text = dockerfile.read_text()
    for name, repository in args.items():
        default = re.search(rf"^ARG {name}=(\S+)$", text, re.M)
        assert default, f"ARG {name} has no default"
        match = re.fullmatch(rf"({repository}:[\w.-]+){DIGEST}", default[1])
        assert match, f"{name} is not pinned by digest: {default[1]}"
        # The tag, in a comment right above, says what the digest is.
        above = text[: default.start()].rstrip().splitlines()[-1]
        assert above.startswith("#") and match[1] in above, above
    for image, repository in zip(support.dockerfile_base_images(dockerfile), args.values(), strict=False):
        assert re.fullmatch(rf"{repository}:[\w.-]+{DIGEST}", image), image


def test_backend_image_is_slim_python():
    (base,) = support.dockerfile_base_images(BACKEND_DOCKERFILE)
    assert re.fullmatch(rf"python:3\.\d+-slim(-\w+)?{DIGEST}", base), base


# --------------------------------------------------------------------------
# backend/Dockerfile


def test_backend_installs_pinned_dependencies_before_the_source():
    instructions = support.dockerfile_instructions(BACKEND_DOCKERFILE)
    keywords = [(ins.keyword, ins.args) for ins in instructions]
    copy_requirements = next(i for i, (k, a) in enumerate(keywords) if k == "COPY" and "requirements.txt" in a)
    pip_install = next(i for i, (k, a) in enumerate(keywords) if k == "RUN" and "pip install" in a)
    copy_source = next(i for i, (k, a) in enumerate(keywords) if k == "COPY" and "backend/detector" in a)
    assert copy_requirements < pip_install < copy_source
    assert "--mount=type=cache" in keywords[pip_install][1]
    for line in (REPO / "backend" / "requirements.txt").read_text().splitlines():
        line = line.split("#")[0].strip()
        if line:
            assert "==" in line, f"unpinned requirement: {line}"


def test_backend_runs_gunicorn_as_an_unprivileged_user():
    instructions = support.dockerfile_instructions(BACKEND_DOCKERFILE)
    users = [ins.args for ins in instructions if ins.keyword == "USER"]
    assert users and users[-1] not in ("root", "0"), users
    assert support.dockerfile_exec_form(BACKEND_DOCKERFILE, "CMD") == ["gunicorn", "-c", "backend/gunicorn.conf.py"]
    env = support.dockerfile_env(BACKEND_DOCKERFILE)
    assert env["PYTHONUNBUFFERED"] == "1"
    assert env["BIND"] == "0.0.0.0:8000"
    assert env["WEB_CONCURRENCY"].isdigit()
    # The worker count comes from the environment.
    assert "WEB_CONCURRENCY" in (REPO / "backend" / "gunicorn.conf.py").read_text()


def test_backend_healthcheck_needs_no_curl(services):
    command = support.dockerfile_exec_form(BACKEND_DOCKERFILE, "HEALTHCHECK")
    assert command[:2] == ["python", "-c"]
    assert "/api/health" in command[2]
    assert services["backend"]["healthcheck"]["test"][1:] == command, "the compose healthcheck is the image's"


def test_backend_image_ships_the_model_and_the_plots():
    sources = support.dockerfile_copy_sources(BACKEND_DOCKERFILE)
    assert "backend/model/" in sources
    assert "performance/" in sources
    assert "backend/gunicorn.conf.py" in sources


# --------------------------------------------------------------------------
# .dockerignore and the build contexts


ROOT_IGNORED = [
    "dataset/train/REAL/0001.jpg",
    ".venv/bin/python",
    "frontend/node_modules/react/index.js",
    "node_modules/x/index.js",
    "frontend/src/main.tsx",
    "runs/train/checkpoint.h5",
    "backend/detector/__pycache__/api.cpython-311.pyc",
    "train.log",
    "logs/app.log",
    ".git/HEAD",
    ".env",
    ".cache/container-check/python.tar",
    "test-results/deployment.json",
]


@pytest.mark.parametrize("path", ROOT_IGNORED)
def test_root_dockerignore_keeps_out(path):
    assert support.is_ignored(support.dockerignore_rules(REPO / ".dockerignore"), path)


def test_backend_build_context_holds_what_the_image_copies_and_nothing_heavy():
    context = support.build_context_files(REPO, "backend/Dockerfile")
    for source in support.dockerfile_copy_sources(BACKEND_DOCKERFILE):
        source = source.rstrip("/")
        assert any(path == source or path.startswith(source + "/") for path in context), (
            f"COPY {source}: nothing of it reaches the build context"
        )
    assert {"backend/model/classifier.h5", "backend/model/model_card.json", "backend/detector/openapi.json"} <= context
    heavy = [
        path for path in context if path.split("/")[0] in {"dataset", ".venv", "frontend", "runs", ".git", ".cache"}
    ]
    assert heavy == []
    size = sum((REPO / path).stat().st_size for path in context)
    assert size < 100 * 1024**2, f"build context of {size / 1024**2:.0f} MiB"


@pytest.mark.parametrize("path", ["node_modules/react/index.js", "dist/index.html", ".env"])
def test_frontend_dockerignore_keeps_out(path):
    assert support.is_ignored(support.dockerignore_rules(support.FRONTEND_DIR / ".dockerignore"), path)


def test_frontend_build_context_holds_the_sources_and_the_nginx_files():
    context = support.build_context_files(support.FRONTEND_DIR)
    expected = {"package.json", "package-lock.json", "src/main.tsx", "index.html", "nginx/default.conf.template"}
    assert expected <= context
    for source in support.dockerfile_copy_sources(FRONTEND_DOCKERFILE):
        assert source in context or source == "." or any(path.startswith(source) for path in context), source
    assert not [path for path in context if path.startswith(("node_modules/", "dist/"))]


# --------------------------------------------------------------------------
# frontend/Dockerfile and the nginx configuration


def test_frontend_image_builds_with_node_and_serves_with_nginx():
    images = support.dockerfile_base_images(FRONTEND_DOCKERFILE)
    assert len(images) == 2 and images[0].startswith("node:") and images[-1].startswith("nginx:"), images
    copies = [ins.args for ins in support.dockerfile_instructions(FRONTEND_DOCKERFILE) if ins.keyword == "COPY"]
    assert any("--from=build" in args and "dist" in args for args in copies), copies
    assert any(args.endswith(NGINX_TEMPLATE_IN_IMAGE) and "nginx/default.conf.template" in args for args in copies)
    config = next(args for args in copies if "nginx/nginx.conf" in args)
    assert "nginx/security-headers.conf" in config and config.endswith(" /etc/nginx/")
    run = " ".join(ins.args for ins in support.dockerfile_instructions(FRONTEND_DOCKERFILE) if ins.keyword == "RUN")
    assert "npm ci" in run and "npm run build" in run


def test_frontend_runs_nginx_unprivileged_on_an_unprivileged_port():
    instructions = support.dockerfile_instructions(FRONTEND_DOCKERFILE)
    users = [ins.args for ins in instructions if ins.keyword == "USER" and ins.stage == 1]
    assert users == ["101:101"], "the nginx image's own user"
    port = int(support.dockerfile_env(FRONTEND_DOCKERFILE)["NGINX_LISTEN"])
    assert 1024 <= port < 65536, "no capability is needed to listen"
    assert [ins.args for ins in instructions if ins.keyword == "EXPOSE"] == [str(port)]


def test_every_template_variable_has_an_image_default_and_is_substituted():
    variables = support.template_variables(NGINX_TEMPLATE.read_text())
    env = support.dockerfile_env(FRONTEND_DOCKERFILE)
    substituted = support.envsubst_filter_names(env)
    assert variables == set(substituted), "NGINX_ENVSUBST_FILTER and the image ENV cover exactly the template"
    # The filter lets no other environment variable into the rendering.
    pattern = re.compile(env["NGINX_ENVSUBST_FILTER"])
    for other in ("PATH", "HOSTNAME", "HOME", "NGINX_VERSION", "BACKEND_ADDR_X", "X_BACKEND_ADDR"):
        assert not pattern.search(other), other


def test_compose_sets_only_template_variables_on_the_frontend():
    env = support.service_environment("frontend")
    assert set(env) <= support.template_variables(NGINX_TEMPLATE.read_text())
    assert env["BACKEND_ADDR"] == "backend:8000"


def test_render_keeps_nginx_variables():
    env = support.dockerfile_env(FRONTEND_DOCKERFILE)
    rendered = support.envsubst(NGINX_TEMPLATE.read_text(), support.envsubst_filter_names(env))
    assert not support.template_variables(rendered)
    for nginx_variable in ("$uri", "$binary_remote_addr", "$host", "$proxy_add_x_forwarded_for", "$status"):
        assert nginx_variable in rendered
    assert "server backend:8000" in rendered
    assert "listen 8080;" in rendered
    limit = env["MAX_UPLOAD_BYTES"]  # the image's default, the same as .env.example's (tested above)
    assert f"client_max_body_size {limit};" in rendered
    assert f"client_body_buffer_size {limit};" in rendered
    assert "try_files $uri /index.html;" in rendered


def test_nginx_header_limits_are_below_gunicorns():
    """nginx refuses oversized request lines and headers before gunicorn could."""
    import runpy

    gunicorn = runpy.run_path(str(REPO / "backend" / "gunicorn.conf.py"))
    text = NGINX_TEMPLATE.read_text()
    count, size = re.search(r"large_client_header_buffers (\d+) (\d+)k;", text).groups()
    buffer = int(size) * 1024
    # A request line or a header line has to fit one buffer with its CRLF
    # (gunicorn's defaults are 4094 and 8190 when its config does not say).
    assert buffer - 2 <= gunicorn.get("limit_request_line", 4094)
    assert buffer - 2 <= gunicorn.get("limit_request_field_size", 8190)
    # gunicorn's 100 header fields: the API gets only the headers nginx sets.
    assert "proxy_pass_request_headers off;" in text
    assert len(re.findall(r"^\s*proxy_set_header ", text, re.M)) < 20


def test_nginx_accepts_the_rendered_config(tmp_path):
    nginx = support.find_nginx()
    if nginx is None:
        pytest.skip("nginx is not installed (Debian: apt-get install nginx): `nginx -t` not run")
    # The container resolves `backend` through Docker's DNS; here any resolvable address will do.
    env = support.frontend_environment(
        NGINX_LISTEN=f"127.0.0.1:{support.free_port()}",
        NGINX_ROOT=str(tmp_path),
        BACKEND_ADDR="127.0.0.1:9",
    )
    main = support.render_site(tmp_path, env)
    result = subprocess.run([*support.nginx_command(nginx, tmp_path, main), "-t"], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert "test is successful" in result.stderr


def test_the_security_headers_are_written_once():
    """security-headers.conf is their one source: nginx includes it and no
    other nginx file or backend module writes a Content-Security-Policy."""
    assert "include security-headers.conf;" in NGINX_TEMPLATE.read_text()
    writers = [
        path.relative_to(REPO)
        for path in [*support.NGINX_DIR.iterdir(), *Path(REPO / "backend" / "detector").rglob("*.py")]
        if path.is_file()
        and path != support.SECURITY_HEADERS
        and "Content-Security-Policy" in path.read_text()
        and "security-headers.conf" not in path.read_text()
    ]
    assert writers == [], f"a second Content-Security-Policy: {writers}"
    names = re.findall(r"^add_header ([\w-]+) ", support.SECURITY_HEADERS.read_text(), re.M)
    assert {"Content-Security-Policy", "X-Content-Type-Options", "X-Frame-Options", "Referrer-Policy"} <= set(names)


def test_flask_serves_the_same_security_headers_and_leaves_them_to_nginx_in_the_image():
    """Under `make run` Flask reads security-headers.conf itself; the backend image, behind
    nginx, turns that off so that no header is sent twice."""
    from detector import DEFAULTS
    from detector.headers import read_headers

    assert (REPO / DEFAULTS["SECURITY_HEADERS"]).resolve() == support.SECURITY_HEADERS.resolve()
    assert read_headers(support.SECURITY_HEADERS) == support.security_headers()
    assert support.dockerfile_env(BACKEND_DOCKERFILE)["FLASK_SECURITY_HEADERS"] == ""
