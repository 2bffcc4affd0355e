"""The compose file, the Dockerfiles, the .dockerignore files and the nginx
template, checked without a Docker engine."""

from __future__ import annotations

import re
import shutil
import subprocess

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


@pytest.fixture(scope="module")
def compose() -> dict:
    return support.load_compose()


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
    ports = services["frontend"]["ports"]
    assert len(ports) == 1
    published = support.interpolate(ports[0], {})
    host_ip, host_port, container_port = published.split(":")
    assert container_port == "80"
    assert host_port == support.env_example()["HOST_PORT"] == "8080"
    assert host_ip == support.env_example()["HOST_ADDRESS"]


def test_backend_healthcheck_asks_the_api_without_curl(services):
    test = services["backend"]["healthcheck"]["test"]
    assert test[0] == "CMD" and test[1] == "python", test
    assert "/api/health" in test[-1]
    assert not any(tool in " ".join(test) for tool in HEALTHCHECK_TOOLS_MISSING_FROM_SLIM)
    assert services["frontend"].get("healthcheck"), "nginx has a healthcheck too"


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


def test_no_development_server_settings(compose):
    text = COMPOSE_FILE.read_text() + BACKEND_DOCKERFILE.read_text()
    for forbidden in ("FLASK_ENV", "FLASK_DEBUG", "flask run", "--reload"):
        assert forbidden not in text


def test_every_variable_has_a_default_documented_in_env_example():
    """`docker compose up --build` works without .env, and .env.example lists every setting."""
    variables = support.compose_variables(support.load_compose())
    documented = support.env_example()
    assert variables, "compose takes its settings from the environment"
    for name, default in variables.items():
        assert default is not None, f"${{{name}}} has no default"
        assert name in documented, f"{name} is not in .env.example"
        assert documented[name] == default, f"{name}: .env.example says {documented[name]}, compose {default}"
    assert set(documented) == set(variables), "every .env.example entry is used by compose"


def test_nginx_and_backend_share_the_upload_limit(services):
    backend_env = support.service_environment(services["backend"])
    frontend_env = support.service_environment(services["frontend"])
    assert backend_env["FLASK_MAX_CONTENT_LENGTH"] == frontend_env["MAX_UPLOAD_BYTES"]
    # Same variable on both sides, so a .env value changes both.
    for env in ({"MAX_UPLOAD_BYTES": "1234"},):
        assert support.service_environment(services["backend"], env)["FLASK_MAX_CONTENT_LENGTH"] == "1234"
        assert support.service_environment(services["frontend"], env)["MAX_UPLOAD_BYTES"] == "1234"


def test_upload_limit_default_matches_the_backend_default(services):
    from detector import DEFAULTS

    assert int(support.service_environment(services["backend"])["FLASK_MAX_CONTENT_LENGTH"]) == (
        DEFAULTS["MAX_CONTENT_LENGTH"]
    )


def test_docker_compose_config_passes():
    docker = shutil.which("docker")
    if docker is None:
        pytest.skip("no docker client: `docker compose config` not run")
    version = subprocess.run([docker, "compose", "version"], capture_output=True, text=True)
    if version.returncode != 0:
        pytest.skip("the Docker Compose plugin is not installed: `docker compose config` not run")
    result = subprocess.run(
        [docker, "compose", "-f", str(COMPOSE_FILE), "config", "-q"],
        capture_output=True, text=True, cwd=REPO,
    )
    assert result.returncode == 0, result.stderr


# --------------------------------------------------------------------------
# backend/Dockerfile


def test_backend_image_is_slim_python():
    (base,) = support.dockerfile_base_images(BACKEND_DOCKERFILE)
    assert re.fullmatch(r"python:3\.\d+-slim(-\w+)?", base), base


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


def test_backend_healthcheck_needs_no_curl():
    command = support.dockerfile_exec_form(BACKEND_DOCKERFILE, "HEALTHCHECK")
    assert command[:2] == ["python", "-c"]
    assert "/api/health" in command[2]
    compose_test = support.load_compose()["services"]["backend"]["healthcheck"]["test"]
    assert compose_test[1:] == command, "the compose healthcheck is the image's"


def test_backend_image_ships_the_model_and_the_plots():
    sources = support.dockerfile_copy_sources(BACKEND_DOCKERFILE)
    assert "backend/model/" in sources
    assert "performance/" in sources
    assert "backend/gunicorn.conf.py" in sources


# --------------------------------------------------------------------------
# .dockerignore


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
    "test-results/deployment.json",
]


@pytest.mark.parametrize("path", ROOT_IGNORED)
def test_root_dockerignore_keeps_out(path):
    assert support.is_ignored(support.dockerignore_rules(REPO / ".dockerignore"), path)


def test_root_dockerignore_keeps_what_the_backend_image_copies():
    rules = support.dockerignore_rules(REPO / ".dockerignore")
    for source in support.dockerfile_copy_sources(BACKEND_DOCKERFILE):
        path = REPO / source
        assert path.exists(), f"COPY {source}: not in the repository"
        files = [path] if path.is_file() else [p for p in path.rglob("*") if p.is_file()]
        kept = [p for p in files if not support.is_ignored(rules, str(p.relative_to(REPO)))]
        assert kept, f"COPY {source}: nothing of it reaches the build context"
    assert not support.is_ignored(rules, "backend/model/classifier.h5")
    assert not support.is_ignored(rules, "backend/model/model_card.json")


@pytest.mark.parametrize("path", ["node_modules/react/index.js", "dist/index.html", ".env"])
def test_frontend_dockerignore_keeps_out(path):
    assert support.is_ignored(support.dockerignore_rules(support.FRONTEND_DIR / ".dockerignore"), path)


@pytest.mark.parametrize(
    "path", ["package.json", "package-lock.json", "src/main.tsx", "index.html", "nginx/default.conf.template"]
)
def test_frontend_dockerignore_keeps_the_sources(path):
    assert not support.is_ignored(support.dockerignore_rules(support.FRONTEND_DIR / ".dockerignore"), path)


# --------------------------------------------------------------------------
# frontend/Dockerfile and the nginx template


def test_frontend_image_builds_with_node_and_serves_with_nginx():
    images = support.dockerfile_base_images(FRONTEND_DOCKERFILE)
    assert len(images) >= 2 and images[0].startswith("node:") and images[-1].startswith("nginx:"), images
    copies = [ins.args for ins in support.dockerfile_instructions(FRONTEND_DOCKERFILE) if ins.keyword == "COPY"]
    assert any("--from=build" in args and "dist" in args for args in copies), copies
    assert any(args.endswith(NGINX_TEMPLATE_IN_IMAGE) and "nginx/default.conf.template" in args for args in copies)
    run = " ".join(ins.args for ins in support.dockerfile_instructions(FRONTEND_DOCKERFILE) if ins.keyword == "RUN")
    assert "npm ci" in run and "npm run build" in run


def test_every_template_variable_has_an_image_default_and_is_substituted():
    variables = support.template_variables(NGINX_TEMPLATE.read_text())
    env = support.dockerfile_env(FRONTEND_DOCKERFILE)
    substituted = support.envsubst_filter_names(env)
    assert variables == set(substituted), "NGINX_ENVSUBST_FILTER and the image ENV cover exactly the template"
    # The filter lets no other environment variable into the rendering.
    pattern = re.compile(env["NGINX_ENVSUBST_FILTER"])
    for other in ("PATH", "HOSTNAME", "HOME", "NGINX_VERSION", "BACKEND_ADDR_X", "X_BACKEND_ADDR"):
        assert not pattern.search(other), other


def test_compose_sets_only_template_variables_on_the_frontend(services):
    env = support.service_environment(services["frontend"])
    assert set(env) <= support.template_variables(NGINX_TEMPLATE.read_text())
    assert env["BACKEND_ADDR"] == "backend:8000"


def test_render_keeps_nginx_variables():
    env = support.dockerfile_env(FRONTEND_DOCKERFILE)
    rendered = support.envsubst(NGINX_TEMPLATE.read_text(), support.envsubst_filter_names(env))
    assert not support.template_variables(rendered)
    for nginx_variable in ("$uri", "$binary_remote_addr", "$host", "$proxy_add_x_forwarded_for", "$status"):
        assert nginx_variable in rendered
    assert "server backend:8000" in rendered
    assert "client_max_body_size 20971520;" in rendered
    assert "try_files $uri /index.html;" in rendered


def test_nginx_accepts_the_rendered_config(tmp_path):
    nginx = support.find_nginx()
    if nginx is None:
        pytest.skip("nginx is not installed (Debian: apt-get install nginx): `nginx -t` not run")
    # The container resolves `backend` through Docker's DNS; here any resolvable address will do.
    env = support.frontend_environment(
        support.load_compose(),
        NGINX_LISTEN=f"127.0.0.1:{support.free_port()}", NGINX_ROOT=str(tmp_path), BACKEND_ADDR="127.0.0.1:9",
    )
    main = support.render_site(tmp_path, env)
    result = subprocess.run([*support.nginx_command(nginx, tmp_path, main), "-t"], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert "test is successful" in result.stderr
