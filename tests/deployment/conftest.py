"""Fixtures that run the deployment on loopback as the containers would.

gunicorn starts with the backend image's CMD and environment (its ENV and the
compose service's environment, at their defaults), except BIND, which is a free
loopback port. nginx (Debian's) runs the frontend image's template rendered the
way the image's entrypoint renders it, with the compose defaults, serving
frontend/dist and proxying to that gunicorn. Every process is started in its
own process group and stopped at the end of the session.

Preconditions of the live tests: an `nginx` binary (Debian: apt-get install
nginx) and a built frontend, frontend/dist/index.html (cd frontend && npm ci &&
npm run build); without either they are skipped. They also need gunicorn and the
backend's dependencies in the Python environment running pytest.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from . import support

BACKEND_START_TIMEOUT = 300  # seconds: each worker imports TensorFlow and loads the model


def find_gunicorn() -> str | None:
    """gunicorn of the Python environment running the tests."""
    beside = Path(sys.executable).parent / "gunicorn"
    if beside.is_file():
        return str(beside)
    return shutil.which("gunicorn")


@pytest.fixture(scope="session")
def nginx_binary() -> str:
    nginx = support.find_nginx()
    if nginx is None:
        pytest.skip("nginx is not installed (Debian: apt-get install nginx); the live deployment tests need it")
    return nginx


@pytest.fixture(scope="session")
def frontend_dist() -> Path:
    if not (support.FRONTEND_DIST / "index.html").is_file():
        pytest.skip(
            f"{support.FRONTEND_DIST} has no index.html: build the app first (cd frontend && npm ci && npm run build)"
        )
    return support.FRONTEND_DIST


# --------------------------------------------------------------------------
# gunicorn


@dataclass
class Backend:
    url: str
    port: int
    process: subprocess.Popen
    log: Path
    env: dict[str, str]

    def worker_pids(self) -> list[int]:
        return support.child_pids(self.process.pid)


def backend_environment(port: int) -> dict[str, str]:
    """The container's environment (image ENV, then compose), bound to loopback."""
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("FLASK_", "GUNICORN_")) and name not in ("BIND", "PORT", "WEB_CONCURRENCY")
    }
    env.update(support.dockerfile_env(support.BACKEND_DOCKERFILE))
    env.update(support.service_environment("backend"))
    env["BIND"] = f"127.0.0.1:{port}"
    # The load test follows each worker's memory over thousands of requests; the
    # container's recycling after MAX_REQUESTS would replace them mid-measurement.
    env["MAX_REQUESTS"] = "0"
    return env


@pytest.fixture(scope="session")
def backend(nginx_binary, frontend_dist, tmp_path_factory) -> Backend:
    """The real backend under gunicorn, started with the image's CMD."""
    gunicorn = find_gunicorn()
    if gunicorn is None:
        pytest.fail("gunicorn is not installed in the test environment (pip install -r backend/requirements.txt)")
    command = support.dockerfile_exec_form(support.BACKEND_DOCKERFILE, "CMD")
    assert command[0] == "gunicorn", command
    port = support.free_port()
    env = backend_environment(port)
    log = tmp_path_factory.mktemp("gunicorn") / "gunicorn.log"
    # The image's WORKDIR /app is the repository root.
    process = support.start_process([gunicorn, *command[1:]], log, cwd=support.REPO, env=env)
    server = Backend(f"http://127.0.0.1:{port}", port, process, log, env)
    try:
        support.wait_until_healthy(f"{server.url}/api/health", process, log, BACKEND_START_TIMEOUT)
        yield server
    finally:
        support.stop_process(process)


# --------------------------------------------------------------------------
# nginx


@dataclass
class NginxSite:
    url: str
    port: int
    prefix: Path
    process: subprocess.Popen
    env: dict[str, str]
    conf: str = field(repr=False)

    @property
    def error_log(self) -> Path:
        return self.prefix / "error.log"


@pytest.fixture(scope="session")
def start_nginx(nginx_binary, frontend_dist, backend, tmp_path_factory):
    """Factory: start nginx on a free loopback port in front of the backend."""
    started: list[subprocess.Popen] = []

    def start(**overrides: str) -> NginxSite:
        port = support.free_port()
        prefix = tmp_path_factory.mktemp("nginx")
        values = {
            "NGINX_LISTEN": f"127.0.0.1:{port}",
            "NGINX_ROOT": str(frontend_dist),
            "BACKEND_ADDR": f"127.0.0.1:{backend.port}",
        }
        values.update(overrides)
        env = support.frontend_environment(**values)
        main = support.render_site(prefix, env)
        command = support.nginx_command(nginx_binary, prefix, main)
        check = subprocess.run([*command, "-t"], capture_output=True, text=True)
        assert check.returncode == 0, check.stderr
        process = support.start_process([*command, "-g", "daemon off;"], prefix / "nginx.out")
        started.append(process)
        support.wait_until_healthy(f"http://127.0.0.1:{port}/healthz", process, prefix / "error.log", 30)
        conf = (prefix / "tmp" / "default.conf").read_text()
        return NginxSite(f"http://127.0.0.1:{port}", port, prefix, process, env, conf)

    try:
        yield start
    finally:
        for process in started:
            support.stop_process(process, timeout=10)


@pytest.fixture(scope="session")
def site(start_nginx) -> NginxSite:
    """nginx with a rate limit high enough never to get in the way of the functional tests."""
    return start_nginx(API_RATE_LIMIT="10000r/s", API_RATE_BURST="10000", API_RATE_DELAY="10000")


@pytest.fixture(scope="session")
def default_site(start_nginx) -> NginxSite:
    """nginx with every setting at its compose default (rate limit included)."""
    return start_nginx()


# --------------------------------------------------------------------------
# Upload samples: generated here, never taken from a data set.


@dataclass(frozen=True)
class Sample:
    name: str
    files: tuple  # (field, filename, bytes, content type) parts
    expected_status: int  # 200 for a valid single-image upload


def _image(mode: str, size: tuple[int, int], fmt: str, seed: int, **save) -> bytes:
    import numpy as np
    from PIL import Image

    rng = np.random.default_rng(seed)
    width, height = size
    channels = {"RGB": 3, "RGBA": 4, "L": 1}[mode]
    ramp = np.linspace(0, 255, width, dtype=np.float64)[None, :, None]
    noise = rng.normal(0, 40, (height, width, channels))
    pixels = np.clip(ramp + noise, 0, 255).astype(np.uint8)
    if mode == "RGBA":
        pixels[..., 3] = 200
    image = Image.fromarray(pixels[..., 0] if mode == "L" else pixels, mode)
    out = io.BytesIO()
    image.save(out, fmt, **save)
    return out.getvalue()


def _bomb_png(width: int, height: int) -> bytes:
    """A small, valid PNG that declares width x height pixels."""
    from PIL import Image

    out = io.BytesIO()
    Image.new("1", (width, height)).save(out, "PNG", optimize=False)
    return out.getvalue()


@pytest.fixture(scope="session")
def samples(backend) -> dict[str, list[Sample]]:
    """Valid and invalid uploads for /api/predict."""
    photo = _image("RGB", (640, 480), "JPEG", 1, quality=90)
    max_pixels = int(backend.env.get("FLASK_MAX_PIXELS", "50000000"))
    side = int(max_pixels**0.5) + 100  # just above the pixel limit
    valid = [
        Sample("photo.jpg", (("image", "photo.jpg", photo, "image/jpeg"),), 200),
        Sample("tiny.jpg", (("image", "tiny.jpg", _image("RGB", (32, 32), "JPEG", 2), "image/jpeg"),), 200),
        Sample("alpha.png", (("image", "alpha.png", _image("RGBA", (96, 64), "PNG", 3), "image/png"),), 200),
        Sample("grey.png", (("image", "grey.png", _image("L", (200, 150), "PNG", 4), "image/png"),), 200),
    ]
    invalid = [
        Sample("notes.jpg", (("image", "notes.jpg", b"this is not an image\n" * 40, "image/jpeg"),), 415),
        Sample("truncated.jpg", (("image", "truncated.jpg", photo[: len(photo) // 2], "image/jpeg"),), 415),
        Sample("empty.png", (("image", "empty.png", b"", "image/png"),), 400),
        Sample("wrong-field", (("file", "photo.jpg", photo, "image/jpeg"),), 400),
        Sample("bomb.png", (("image", "bomb.png", _bomb_png(side, side), "image/png"),), 422),
    ]
    return {"valid": valid, "invalid": invalid}


# --------------------------------------------------------------------------
# Figures: printed at the end of the run and kept in test-results/deployment.json

_REPORT: dict = {}


@pytest.fixture(scope="session")
def deployment_report() -> dict:
    yield _REPORT
    if _REPORT:
        support.RESULTS_DIR.mkdir(exist_ok=True)
        (support.RESULTS_DIR / "deployment.json").write_text(json.dumps(_REPORT, indent=2) + "\n")


def pytest_terminal_summary(terminalreporter):
    load = _REPORT.get("load_test")
    if load:
        rss = load["worker_rss_kib"]
        terminalreporter.section("deployment load test")
        terminalreporter.write_line(
            f"{load['clients']} clients, {load['seconds']} s: {load['requests']} requests "
            f"({load['requests_per_second']}/s; {load['valid_uploads']} valid, {load['invalid_uploads']} invalid), "
            f"status counts {load['status_counts']}, latency {load['latency_ms']}"
        )
        for pid in rss["start"]:
            terminalreporter.write_line(
                f"worker {pid}: RSS {rss['before_warmup'][pid] / 1024:.0f} MiB before warm-up, "
                f"{rss['start'][pid] / 1024:.0f} MiB at start, {rss['end'][pid] / 1024:.0f} MiB at end "
                f"({rss['growth'][pid] / 1024:+.1f} MiB)"
            )
    burst = _REPORT.get("rate_limit_burst")
    if burst:
        terminalreporter.write_line(f"rate-limit burst: {burst}")
