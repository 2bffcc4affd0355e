"""Helpers for the deployment tests: read the Docker and compose files, render
the nginx template as the official nginx image does, run processes, speak HTTP.

Standard library only (plus PyYAML for the compose file), so the tests need no
Docker engine.
"""

from __future__ import annotations

import http.client
import io
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import time
import uuid
from dataclasses import dataclass
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
NGINX_TEMPLATE = FRONTEND_DIR / "nginx" / "default.conf.template"
# Where the frontend image puts the template and renders it to.
NGINX_TEMPLATE_IN_IMAGE = "/etc/nginx/templates/default.conf.template"
RESULTS_DIR = REPO / "test-results"


# --------------------------------------------------------------------------
# Dockerfiles


@dataclass(frozen=True)
class Instruction:
    keyword: str  # upper case, e.g. "COPY"
    args: str  # the rest of the instruction, continuation lines joined
    stage: int  # index of the build stage (FROM) it belongs to


def dockerfile_instructions(path: Path) -> list[Instruction]:
    """The instructions of a Dockerfile, with comments dropped and `\\` lines joined."""
    instructions, current, stage = [], "", -1
    for raw in path.read_text().splitlines():
        line = raw.strip()
        if not current and (not line or line.startswith("#")):
            continue
        if current and line.startswith("#"):
            continue  # comment lines inside a continued instruction are ignored by Docker
        if line.endswith("\\"):
            current += line[:-1] + " "
            continue
        current += line
        keyword, _, args = current.strip().partition(" ")
        keyword = keyword.upper()
        if keyword == "FROM":
            stage += 1
        instructions.append(Instruction(keyword, args.strip(), stage))
        current = ""
    return instructions


def dockerfile_args(path: Path) -> dict[str, str]:
    """Defaults of the ARGs declared before the first FROM (usable in FROM lines)."""
    args = {}
    for ins in dockerfile_instructions(path):
        if ins.keyword == "FROM":
            break
        if ins.keyword == "ARG" and "=" in ins.args:
            name, _, value = ins.args.partition("=")
            args[name.strip()] = value.strip()
    return args


def dockerfile_base_images(path: Path) -> list[str]:
    """The image of each FROM, with ARG defaults substituted."""
    args = dockerfile_args(path)
    images = []
    for ins in dockerfile_instructions(path):
        if ins.keyword == "FROM":
            image = ins.args.split()[0]
            images.append(re.sub(r"\$\{(\w+)\}|\$(\w+)", lambda m: args.get(m[1] or m[2], ""), image))
    return images


def dockerfile_env(path: Path, stage: int = -1) -> dict[str, str]:
    """ENV of one build stage (the last one by default), unquoted as Docker does."""
    instructions = dockerfile_instructions(path)
    stages = sorted({ins.stage for ins in instructions})
    wanted = stages[stage]
    env = {}
    for ins in instructions:
        if ins.keyword == "ENV" and ins.stage == wanted:
            for token in docker_words(ins.args):
                name, _, value = token.partition("=")
                env[name] = value
    return env


def docker_words(text: str) -> list[str]:
    """Split an ENV line into words as Docker does: quotes removed; \\ escapes
    any character outside quotes, and only ", $ and \\ inside double quotes."""
    words, word, quote, in_word, i = [], "", None, False, 0
    while i < len(text):
        char = text[i]
        if quote == "'":
            if char == "'":
                quote = None
            else:
                word += char
        elif quote == '"':
            if char == "\\" and i + 1 < len(text) and text[i + 1] in '"$\\':
                i += 1
                word += text[i]
            elif char == '"':
                quote = None
            else:
                word += char
        elif char in "'\"":
            quote, in_word = char, True
        elif char == "\\" and i + 1 < len(text):
            i += 1
            word += text[i]
            in_word = True
        elif char.isspace():
            if in_word:
                words.append(word)
            word, in_word = "", False
        else:
            word += char
            in_word = True
        i += 1
    if in_word:
        words.append(word)
    return words


def dockerfile_exec_form(path: Path, keyword: str) -> list[str]:
    """The JSON (exec form) arguments of the last CMD or HEALTHCHECK ... CMD."""
    found = [ins for ins in dockerfile_instructions(path) if ins.keyword == keyword]
    if not found:
        raise AssertionError(f"{path.name} has no {keyword}")
    args = found[-1].args
    if keyword == "HEALTHCHECK":
        args = args[args.index("CMD") + len("CMD"):].strip()
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
# .dockerignore


def _ignore_pattern_regex(pattern: str) -> re.Pattern:
    """Docker's .dockerignore pattern (Go filepath.Match plus **) as a regex."""
    out, i = "", 0
    while i < len(pattern):
        char = pattern[i]
        if pattern.startswith("**/", i):
            out += "(?:.*/)?"
            i += 3
            continue
        if pattern.startswith("**", i):
            out += ".*"
            i += 2
            continue
        if char == "*":
            out += "[^/]*"
        elif char == "?":
            out += "[^/]"
        elif char == "[":
            end = pattern.index("]", i)
            out += pattern[i:end + 1]
            i = end
        else:
            out += re.escape(char)
        i += 1
    return re.compile(out + r"\Z")


def dockerignore_rules(path: Path) -> list[tuple[bool, re.Pattern]]:
    """(is_exception, regex) for each line of a .dockerignore."""
    rules = []
    for line in path.read_text().splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        exception = line.startswith("!")
        pattern = os.path.normpath(line.lstrip("!").strip()).lstrip("/")
        rules.append((exception, _ignore_pattern_regex(pattern)))
    return rules


def is_ignored(rules: list[tuple[bool, re.Pattern]], relative_path: str) -> bool:
    """Whether Docker leaves this path out of the build context.

    A path is out when the last pattern matching it, or one of its parent
    directories, is not an exception (`!pattern`).
    """
    parts = relative_path.strip("/").split("/")
    candidates = ["/".join(parts[:n]) for n in range(1, len(parts) + 1)]
    ignored = False
    for exception, regex in rules:
        if any(regex.match(candidate) for candidate in candidates):
            ignored = not exception
    return ignored


# --------------------------------------------------------------------------
# docker-compose.yml


def load_compose() -> dict:
    import yaml

    return yaml.safe_load(COMPOSE_FILE.read_text())


_INTERPOLATION = re.compile(
    r"\$(?:(?P<escaped>\$)|\{(?P<braced>[A-Za-z_][A-Za-z0-9_]*)(?:(?P<op>:?[-?])(?P<arg>[^}]*))?\}"
    r"|(?P<named>[A-Za-z_][A-Za-z0-9_]*))"
)


def compose_variables(compose: dict) -> dict[str, str | None]:
    """Variables a parsed compose file interpolates, each with its default (None: none)."""
    found: dict[str, str | None] = {}

    def walk(value) -> None:
        if isinstance(value, dict):
            for item in value.values():
                walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)
        elif isinstance(value, str):
            for match in _INTERPOLATION.finditer(value):
                name = match["braced"] or match["named"]
                if name:
                    default = match["arg"] if match["op"] in (":-", "-") else None
                    if found.get(name) is None:
                        found[name] = default

    walk(compose)
    return found


def interpolate(value, env: dict[str, str]):
    """Compose's interpolation of ${VAR}, ${VAR:-default}, ${VAR-default}, ${VAR:?err}, $$."""
    if isinstance(value, dict):
        return {key: interpolate(item, env) for key, item in value.items()}
    if isinstance(value, list):
        return [interpolate(item, env) for item in value]
    if not isinstance(value, str):
        return value

    def replace(match: re.Match) -> str:
        if match["escaped"]:
            return "$"
        name = match["braced"] or match["named"]
        op, arg = match["op"], match["arg"]
        current = env.get(name)
        if op == ":-":
            return current if current else arg
        if op == "-":
            return current if current is not None else arg
        if op in (":?", "?") and not current:
            raise KeyError(f"{name}: {arg}")
        return current or ""

    return _INTERPOLATION.sub(replace, value)


def service_environment(service: dict, env: dict[str, str] | None = None) -> dict[str, str]:
    """A service's environment after interpolation (defaults when env is empty)."""
    environment = service.get("environment") or {}
    if isinstance(environment, list):
        environment = dict(item.split("=", 1) for item in environment)
    resolved = interpolate(environment, env or {})
    return {key: str(value) for key, value in resolved.items()}


def env_example() -> dict[str, str]:
    """NAME=value lines of .env.example."""
    values = {}
    for line in ENV_EXAMPLE.read_text().splitlines():
        line = line.strip()
        if line and not line.startswith("#") and "=" in line:
            name, _, value = line.partition("=")
            values[name.strip()] = value.strip()
    return values


# --------------------------------------------------------------------------
# nginx template


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


def nginx_main_conf(prefix: Path, conf_d: Path) -> str:
    """An nginx.conf like the official image's, with every writable path under prefix."""
    user = "user root;\n" if os.geteuid() == 0 else ""
    temp = "\n".join(
        f"    {kind}_temp_path {prefix / kind};" for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    return f"""{user}worker_processes auto;
error_log {prefix / 'error.log'} notice;
pid {prefix / 'nginx.pid'};

events {{
    worker_connections 1024;
}}

http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    log_format main '$remote_addr - $remote_user [$time_local] "$request" '
                    '$status $body_bytes_sent "$http_referer" '
                    '"$http_user_agent" "$http_x_forwarded_for"';
    access_log {prefix / 'access.log'} main;
    sendfile on;
    keepalive_timeout 65;
{temp}
    include {conf_d}/*.conf;
}}
"""


NGINX_CANDIDATES = ("/usr/sbin/nginx", "/usr/local/sbin/nginx", "/usr/local/nginx/sbin/nginx")


def find_nginx() -> str | None:
    """The nginx binary (Debian installs it in /usr/sbin, not always on PATH)."""
    found = shutil.which("nginx")
    if found:
        return found
    return next((path for path in NGINX_CANDIDATES if os.access(path, os.X_OK)), None)


def frontend_environment(compose: dict, **overrides: str) -> dict[str, str]:
    """The frontend container's environment: image ENV, then compose, then overrides."""
    env = dockerfile_env(FRONTEND_DOCKERFILE)
    env.update(service_environment(compose["services"]["frontend"]))
    env.update(overrides)
    return env


def render_site(prefix: Path, env: dict[str, str]) -> Path:
    """Render the template as the image's entrypoint does, and an nginx.conf around it."""
    conf_d = prefix / "conf.d"
    conf_d.mkdir(parents=True, exist_ok=True)
    rendered = envsubst(NGINX_TEMPLATE.read_text(), envsubst_filter_names(env))
    (conf_d / "default.conf").write_text(rendered)
    main = prefix / "nginx.conf"
    main.write_text(nginx_main_conf(prefix, conf_d))
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
        try:
            os.killpg(process.pid, sig)
        except ProcessLookupError:
            pass
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            pass
    try:
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
        fields = stat[stat.rindex(")") + 2:].split()
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


def request(method: str, url: str, body: bytes | None = None, headers: dict | None = None,
            timeout: float = 60) -> Response:
    """One HTTP request on a fresh connection (no redirects, no retries)."""
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout)
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    try:
        try:
            connection.request(method, path, body=body, headers=headers or {})
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server answered before reading the whole body (e.g. 413): read that answer
        response = connection.getresponse()
        return Response(response.status, response.headers, response.read())
    finally:
        connection.close()


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
