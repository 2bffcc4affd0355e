"""Helpers for the deployment tests: read the Docker and compose files, render
the nginx template as the nginx image does, run processes, speak HTTP.

The files are read by maintained libraries, so the tests need no Docker
engine: dockerfile-parse for the Dockerfiles, the Docker SDK's own
.dockerignore matcher, and podman-compose (which `make container-check` also
runs the stack with) for the compose file and its variables.
"""

from __future__ import annotations

import contextlib
import http.client
import io
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from urllib.parse import urlsplit

REPO = Path(__file__).resolve().parents[2]
COMPOSE_FILE = REPO / "docker-compose.yml"
ENV_EXAMPLE = REPO / ".env.example"
BACKEND_DOCKERFILE = REPO / "backend" / "Dockerfile"
FRONTEND_DIR = REPO / "frontend"
FRONTEND_DOCKERFILE = FRONTEND_DIR / "Dockerfile"
# The built app that nginx serves (npm run build); another build can be tested with DEPLOY_FRONTEND_DIST.
FRONTEND_DIST = Path(os.environ.get("DEPLOY_FRONTEND_DIST") or FRONTEND_DIR / "dist").resolve()
NGINX_DIR = FRONTEND_DIR / "nginx"
NGINX_TEMPLATE = NGINX_DIR / "default.conf.template"
NGINX_MAIN_CONF = NGINX_DIR / "nginx.conf"
SECURITY_HEADERS = NGINX_DIR / "security-headers.conf"
# Where the frontend image puts the template and renders it to.
NGINX_TEMPLATE_IN_IMAGE = "/etc/nginx/templates/default.conf.template"
RESULTS_DIR = REPO / "test-results"


# --------------------------------------------------------------------------
# Dockerfiles (dockerfile-parse)


@dataclass(frozen=True)
class Instruction:
    keyword: str  # upper case, e.g. "COPY"
    args: str  # the rest of the instruction, continuation lines joined
    stage: int  # index of the build stage (FROM) it belongs to


def _parser(path: Path):
    from dockerfile_parse import DockerfileParser

    return DockerfileParser(str(path), env_replace=True)


def dockerfile_instructions(path: Path) -> list[Instruction]:
    """The instructions of a Dockerfile in order, comments left out."""
    instructions, stage = [], -1
    for item in _parser(path).structure:
        keyword = item["instruction"].upper()
        if keyword == "COMMENT":
            continue
        if keyword == "FROM":
            stage += 1
        instructions.append(Instruction(keyword, item["value"].strip(), stage))
    return instructions


def dockerfile_base_images(path: Path) -> list[str]:
    """The image of each FROM, with the defaults of the ARGs before it substituted."""
    return list(_parser(path).parent_images)


def dockerfile_env(path: Path) -> dict[str, str]:
    """ENV of the last build stage (the image), unquoted as Docker does."""
    return dict(_parser(path).envs)


def dockerfile_exec_form(path: Path, keyword: str) -> list[str]:
    """The JSON (exec form) arguments of the last CMD or HEALTHCHECK ... CMD."""
    found = [ins for ins in dockerfile_instructions(path) if ins.keyword == keyword]
    if not found:
        raise AssertionError(f"{path.name} has no {keyword}")
    args = found[-1].args
    if keyword == "HEALTHCHECK":
        args = args[args.index("CMD") + len("CMD") :].strip()
    return json.loads(args)


def dockerfile_copy_sources(path: Path) -> list[str]:
    """Sources of COPY instructions that read the build context (not --from=)."""
    sources = []
    for ins in dockerfile_instructions(path):
        if ins.keyword != "COPY":
            continue
        words = ins.args.split()
        if any(word.startswith("--from") for word in words):
            continue
        words = [word for word in words if not word.startswith("--")]
        sources.extend(words[:-1])
    return sources


# --------------------------------------------------------------------------
# .dockerignore (the Docker SDK's matcher, which follows Docker's rules)


def dockerignore_rules(path: Path):
    """The patterns of a .dockerignore as the Docker SDK matches them."""
    from docker.utils.build import PatternMatcher

    lines = (line.strip() for line in path.read_text().splitlines())
    return PatternMatcher([line for line in lines if line and not line.startswith("#")])


def is_ignored(rules, relative_path: str) -> bool:
    """Whether Docker leaves this path out of the build context: the last
    pattern that matches it or one of its folders decides (moby's
    MatchesOrParentMatches, with the SDK's patterns)."""
    parts = relative_path.strip("/").split("/")
    candidates = ["/".join(parts[:n]) for n in range(1, len(parts) + 1)]
    ignored = False
    for pattern in rules.patterns:
        if any(pattern.match(candidate) for candidate in candidates):
            ignored = not pattern.exclusion
    return ignored


def build_context_files(context: Path, dockerfile: str = "Dockerfile") -> set[str]:
    """Every file Docker sends as the build context (paths relative to it)."""
    from docker.utils.build import exclude_paths

    ignore = context / ".dockerignore"
    lines = (line.strip() for line in ignore.read_text().splitlines()) if ignore.exists() else ()
    patterns = [line for line in lines if line and not line.startswith("#")]
    paths = exclude_paths(str(context), patterns, dockerfile=dockerfile)
    return {path for path in paths if (context / path).is_file()}


# --------------------------------------------------------------------------
# docker-compose.yml (podman-compose resolves it as Compose does)


def load_compose() -> dict:
    """The compose file as written, variables not substituted."""
    import yaml

    return yaml.safe_load(COMPOSE_FILE.read_text())


@lru_cache(maxsize=32)
def _compose_config(env_items: tuple[tuple[str, str], ...]) -> dict:
    import yaml

    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), **dict(env_items)}
    # --env-file /dev/null: a developer's .env must not change what the tests see;
    # --dry-run: `config` needs no podman.
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "podman_compose",
            "--dry-run",
            "-f",
            str(COMPOSE_FILE),
            "--env-file",
            os.devnull,
            "config",
        ],
        capture_output=True,
        text=True,
        env=env,
        cwd=REPO,
        timeout=300,
    )
    if result.returncode != 0:
        raise ValueError(f"podman-compose config failed: {result.stderr.strip()}")
    return yaml.safe_load(result.stdout)


def compose_config(env: dict[str, str] | None = None) -> dict:
    """The compose file with its variables substituted from env (nothing set: the defaults)."""
    return _compose_config(tuple(sorted((env or {}).items())))


def compose_variable_names() -> set[str]:
    """Names of the variables the compose file refers to (${NAME...})."""
    return set(re.findall(r"\$\{([A-Za-z_][A-Za-z0-9_]*)", COMPOSE_FILE.read_text()))


def service_environment(name: str, env: dict[str, str] | None = None) -> dict[str, str]:
    """A service's environment after interpolation (defaults when env is empty)."""
    environment = compose_config(env)["services"][name].get("environment") or {}
    if isinstance(environment, list):
        environment = dict(item.split("=", 1) for item in environment)
    return {key: str(value) for key, value in environment.items()}


def build_args(name: str, env: dict[str, str] | None = None) -> dict[str, str]:
    """A service's build arguments after interpolation."""
    args = compose_config(env)["services"][name]["build"].get("args") or {}
    if isinstance(args, list):
        args = dict(item.split("=", 1) for item in args)
    return {key: str(value) for key, value in args.items()}


def env_example() -> dict[str, str]:
    """NAME=value lines of .env.example."""
    from dotenv import dotenv_values

    return {name: value for name, value in dotenv_values(ENV_EXAMPLE).items() if value is not None}


# --------------------------------------------------------------------------
# nginx template


def security_headers() -> dict[str, str]:
    """The headers security-headers.conf defines, by name (their one source)."""
    return dict(re.findall(r'^add_header ([\w-]+) "([^"]*)" always;', SECURITY_HEADERS.read_text(), re.M))


_TEMPLATE_REFERENCE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\$([A-Za-z_][A-Za-z0-9_]*)")


def template_variables(text: str) -> set[str]:
    """Upper-case ${NAME} references of a template (nginx's own $variables are lower case)."""
    names = {match[1] or match[2] for match in _TEMPLATE_REFERENCE.finditer(text)}
    return {name for name in names if name.isupper()}


def envsubst(text: str, variables: dict[str, str]) -> str:
    """`envsubst '$A $B ...'`: replace $NAME and ${NAME} for the given names only.

    This is what the official nginx image's 20-envsubst-on-templates.sh does
    with every defined environment variable whose name matches
    NGINX_ENVSUBST_FILTER; any other $reference (nginx's $uri, $host, ...) is
    left as it is.
    """

    def replace(match: re.Match) -> str:
        name = match[1] or match[2]
        return variables[name] if name in variables else match[0]

    return _TEMPLATE_REFERENCE.sub(replace, text)


def envsubst_filter_names(env: dict[str, str]) -> dict[str, str]:
    """The defined variables the image's entrypoint substitutes (NGINX_ENVSUBST_FILTER)."""
    pattern = re.compile(env.get("NGINX_ENVSUBST_FILTER", ""))
    return {name: value for name, value in env.items() if pattern.search(name)}


def nginx_main_conf(prefix: Path) -> str:
    """The image's nginx.conf with its /tmp under prefix.

    In the container /tmp is a tmpfs (the rendered site, pid file and
    temporary files) and logs go to the container's output; here they are
    under prefix. As root (CI), the workers keep root's user so that they can
    use prefix, which only root may enter.
    """
    text = NGINX_MAIN_CONF.read_text()
    for old, new in (
        ("/tmp/", f"{prefix / 'tmp'}/"),
        ("error_log stderr", f"error_log {prefix / 'error.log'}"),
        ("access_log /dev/stdout", f"access_log {prefix / 'access.log'}"),
    ):
        assert old in text, f"{NGINX_MAIN_CONF.name} has no {old!r}"
        text = text.replace(old, new)
    return ("user root;\n" if os.geteuid() == 0 else "") + text


NGINX_CANDIDATES = ("/usr/sbin/nginx", "/usr/local/sbin/nginx", "/usr/local/nginx/sbin/nginx")


def find_nginx() -> str | None:
    """The nginx binary (Debian installs it in /usr/sbin, not always on PATH)."""
    found = shutil.which("nginx")
    if found:
        return found
    return next((path for path in NGINX_CANDIDATES if os.access(path, os.X_OK)), None)


def frontend_environment(**overrides: str) -> dict[str, str]:
    """The frontend container's environment: image ENV, then compose's defaults, then overrides."""
    env = dockerfile_env(FRONTEND_DOCKERFILE)
    env.update(service_environment("frontend"))
    env.update(overrides)
    return env


def render_site(prefix: Path, env: dict[str, str]) -> Path:
    """Lay out the image's /etc/nginx (prefix/etc) and /tmp (prefix/tmp),
    rendering the template as the image's entrypoint does; returns the main config."""
    etc, tmp = prefix / "etc", prefix / "tmp"
    etc.mkdir(parents=True, exist_ok=True)
    tmp.mkdir(parents=True, exist_ok=True)
    rendered = envsubst(NGINX_TEMPLATE.read_text(), envsubst_filter_names(env))
    (tmp / "default.conf").write_text(rendered)  # NGINX_ENVSUBST_OUTPUT_DIR
    shutil.copy(SECURITY_HEADERS, etc / SECURITY_HEADERS.name)
    shutil.copy("/etc/nginx/mime.types", etc / "mime.types")
    main = etc / "nginx.conf"
    main.write_text(nginx_main_conf(prefix))
    return main


def nginx_command(nginx: str, prefix: Path, main: Path) -> list[str]:
    """nginx with every path under prefix (add -t to test, or -g 'daemon off;' to run)."""
    return [nginx, "-p", f"{prefix}/", "-e", str(prefix / "error.log"), "-c", str(main)]


# --------------------------------------------------------------------------
# Processes


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_process(argv: list[str], log: Path, **kwargs) -> subprocess.Popen:
    """Start a process in its own process group, output to log."""
    with open(log, "ab") as out:
        return subprocess.Popen(
            argv, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True, **kwargs
        )


def stop_process(process: subprocess.Popen, sig: int = signal.SIGTERM, timeout: float = 30) -> None:
    """Stop a process group started by start_process: sig, then SIGKILL."""
    if process.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, sig)
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout)
    try:  # noqa: SIM105 (the except clause says why)
        os.killpg(process.pid, signal.SIGKILL)  # leftovers of the group, if any
    except ProcessLookupError:
        pass
    process.wait(5)


def tail(path: Path, lines: int = 40) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


def child_pids(pid: int) -> list[int]:
    """Direct children of a process (gunicorn master -> workers), from /proc."""
    children = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # pid (comm) state ppid ...; comm may contain spaces and parentheses.
        fields = stat[stat.rindex(")") + 2 :].split()
        if int(fields[1]) == pid:
            children.append(int(entry.name))
    return sorted(children)


def rss_kib(pid: int) -> int:
    """Resident set size of a process in KiB (VmRSS in /proc/<pid>/status)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise AssertionError(f"no VmRSS for {pid}")


# --------------------------------------------------------------------------
# HTTP


@dataclass
class Response:
    status: int
    headers: http.client.HTTPMessage
    body: bytes

    def header(self, name: str) -> str | None:
        return self.headers.get(name)

    def json(self):
        return json.loads(self.body)


def request(
    method: str, url: str, body: bytes | None = None, headers: dict | None = None, timeout: float = 60
) -> Response:
    """One HTTP request on a fresh connection (no redirects, no retries)."""
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout)
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    try:
        try:  # noqa: SIM105 (the except clause says why)
            connection.request(method, path, body=body, headers=headers or {})
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server answered before reading the whole body (e.g. 413): read that answer
        response = connection.getresponse()
        return Response(response.status, response.headers, response.read())
    finally:
        connection.close()


def raw_request(url: str, payload: bytes, timeout: float = 30) -> Response:
    """Send bytes as they are (a malformed request, say) and read the one answer."""
    parts = urlsplit(url)
    with socket.create_connection((parts.hostname, parts.port), timeout=timeout) as sock:
        try:  # noqa: SIM105 (the except clause says why)
            sock.sendall(payload)
        except (BrokenPipeError, ConnectionResetError):
            pass  # answered and closed before the whole request was read
        response = http.client.HTTPResponse(sock)
        response.begin()
        return Response(response.status, response.headers, response.read())


def get(url: str, headers: dict | None = None, timeout: float = 60) -> Response:
    return request("GET", url, headers=headers, timeout=timeout)


def multipart(files: list[tuple[str, str, bytes, str]]) -> tuple[bytes, str]:
    """multipart/form-data body from (field, filename, content, content_type) parts."""
    boundary = uuid.uuid4().hex
    out = io.BytesIO()
    for field, filename, content, content_type in files:
        out.write(f"--{boundary}\r\n".encode())
        out.write(f'Content-Disposition: form-data; name="{field}"; filename="{filename}"\r\n'.encode())
        out.write(f"Content-Type: {content_type}\r\n\r\n".encode())
        out.write(content)
        out.write(b"\r\n")
    out.write(f"--{boundary}--\r\n".encode())
    return out.getvalue(), f"multipart/form-data; boundary={boundary}"


def post_files(url: str, files: list[tuple[str, str, bytes, str]], timeout: float = 60) -> Response:
    body, content_type = multipart(files)
    return request("POST", url, body=body, headers={"Content-Type": content_type}, timeout=timeout)


def wait_until_healthy(url: str, process: subprocess.Popen, log: Path, timeout: float) -> None:
    """Poll url until it answers 200; fail early if the process exits."""
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"process exited with {process.returncode}:\n{tail(log)}")
        try:
            response = get(url, timeout=5)
            if response.status == 200:
                return
            last = f"HTTP {response.status}"
        except OSError as error:
            last = repr(error)
        time.sleep(0.5)
    raise RuntimeError(f"{url} not healthy after {timeout:.0f} s ({last}):\n{tail(log)}")


def is_api_error(response: Response) -> bool:
    """The API's one error shape: JSON {"code", "name", "description"} with code == status."""
    if not (response.header("Content-Type") or "").startswith("application/json"):
        return False
    try:
        body = response.json()
    except ValueError:
        return False
    return (
        isinstance(body, dict)
        and body.get("code") == response.status
        and isinstance(body.get("name"), str)
        and isinstance(body.get("description"), str)
        and body["description"] != ""
    )
