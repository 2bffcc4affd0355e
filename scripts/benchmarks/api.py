"""Benchmark the API under gunicorn on loopback against a naive reference server.

    python -m scripts.benchmarks.api   # writes performance/api_benchmark.json

For each case (a 32x32 JPEG, a 12-megapixel JPEG, a batch of 32 small JPEGs)
at concurrency 1 and 8, it measures p50/p95 latency and requests per second
against (a) this project's server and (b) the usual tutorial handler: full
decode, `resize`, and `model.predict` on every request, served by the same
gunicorn settings. It also reports each worker's peak memory. The pictures
people bring from phones (12 and 48 MP HEICs with the preview an iPhone stores, a
12 MP HEIC without one, a 12 MP AVIF, JPEGs of 50 and 108 MP)
are measured at concurrency 1 against this project's server only (the
tutorial handler cannot read HEIC, and decodes a large JPEG whole).

    python -m scripts.benchmarks.api --scale 0.3 --cases "12 MP JPEG,12 MP HEIC"
"""

from __future__ import annotations

import argparse
import http.client
import io
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
from PIL import Image
from training.common import DEFAULT_MODEL_PATH, PERFORMANCE_DIR, ROOT, UserError, run_main

CONCURRENCIES = (1, 8)


def jpeg_case(size: tuple[int, int]):
    return lambda seed: jpeg_bytes(size, seed)


def phone_case(maker: str, *args, **options):
    """A photo-like picture (smooth colour fields, light grain) made by hostile_files.<maker>, like a phone's."""

    def make(seed: int) -> bytes:
        sys.path.insert(0, str(ROOT / "backend" / "tests"))
        import hostile_files

        return getattr(hostile_files, maker)(*args, seed=seed + 1, **options)

    return make


CASES = {
    # name: (file maker(seed), images per request, requests at concurrency 1, at concurrency 8 (0: not run),
    #        compared with the naive reference)
    "32x32 JPEG": (jpeg_case((32, 32)), 1, 400, 800, True),
    "12 MP JPEG": (jpeg_case((4000, 3000)), 1, 60, 120, True),
    "batch of 32 x 32x32 JPEG": (jpeg_case((32, 32)), 32, 60, 120, True),
    "12 MP HEIC": (phone_case("iphone_heic"), 1, 40, 0, False),
    "12 MP HEIC without preview": (phone_case("photo", "HEIF", noise=1.0), 1, 40, 0, False),
    "48 MP HEIC": (phone_case("iphone_heic", (8064, 6048)), 1, 40, 0, False),
    "12 MP AVIF": (phone_case("photo", "AVIF"), 1, 40, 0, False),
    "50 MP JPEG": (jpeg_case((8192, 6144)), 1, 40, 0, False),
    "108 MP JPEG": (jpeg_case((12000, 9000)), 1, 30, 0, False),
}


def naive_app():
    """The reference: a tutorial-style Flask handler (full decode, resize, model.predict per request)."""
    import keras
    from flask import Flask, jsonify, request

    app = Flask(__name__)
    model = keras.models.load_model(os.environ.get("FLASK_MODEL_PATH", str(DEFAULT_MODEL_PATH)), compile=False)

    @app.post("/api/predict")
    def predict():
        outputs = []
        for upload in request.files.getlist("image"):
            image = Image.open(upload.stream).convert("RGB").resize((32, 32))
            probability = float(model.predict(np.array(image, dtype="float32")[None], verbose=0)[0, 0])
            outputs.append({"label": "REAL" if probability > 0.5 else "FAKE", "probability_real": probability})
        return jsonify(outputs[0] if len(outputs) == 1 else {"results": outputs})

    return app


def jpeg_bytes(size: tuple[int, int], seed: int) -> bytes:
    """A photo-like JPEG: smooth colour gradients plus noise, so it compresses like a photo."""
    rng = np.random.default_rng(seed)
    width, height = size
    y, x = np.mgrid[0:height, 0:width].astype(np.float32)
    base = np.stack([x / width * 255, y / height * 255, np.full_like(x, rng.uniform(0, 255))], axis=-1)
    pixels = np.clip(base + rng.normal(0, 12, base.shape), 0, 255).astype(np.uint8)
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, format="JPEG", quality=90)
    return buffer.getvalue()


def multipart(files: list[bytes]) -> tuple[bytes, str]:
    """A multipart/form-data body with one `image` field per file, and its content type."""
    boundary = uuid.uuid4().hex
    parts = []
    for i, content in enumerate(files):
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="image"; filename="{i}.jpg"\r\n'
            "Content-Type: image/jpeg\r\n\r\n".encode()
            + content
            + b"\r\n"
        )
    return b"".join(parts) + f"--{boundary}--\r\n".encode(), f"multipart/form-data; boundary={boundary}"


def free_port() -> int:
    """An unused TCP port on loopback."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(wsgi_app: str, port: int, workers: int) -> subprocess.Popen:
    """gunicorn with the project's config (only the app differs), in its own process group."""
    env = {
        **os.environ,
        "BIND": f"127.0.0.1:{port}",
        "WEB_CONCURRENCY": str(workers),
        "PYTHONPATH": str(ROOT),  # for scripts.benchmarks.api:naive_app()
        "TF_CPP_MIN_LOG_LEVEL": "2",
    }
    command = [
        str(Path(sys.executable).with_name("gunicorn")),
        "-c",
        str(ROOT / "backend" / "gunicorn.conf.py"),
        "--access-logfile",
        "/dev/null",
    ]
    if wsgi_app:
        command.append(wsgi_app)
    server = subprocess.Popen(
        command, env=env, cwd=ROOT, start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    deadline = time.time() + 120
    while time.time() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            body, content_type = multipart([jpeg_bytes((32, 32), 0)])
            conn.request("POST", "/api/predict", body, {"Content-Type": content_type})
            if conn.getresponse().status == 200:
                return server
        except OSError:
            time.sleep(0.5)
    stop_server(server)
    raise RuntimeError(f"server {wsgi_app or 'detector'} did not start: {server.stderr.read().decode()[-2000:]}")


def stop_server(server: subprocess.Popen) -> None:
    """Stop gunicorn and its workers."""
    try:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        os.killpg(server.pid, signal.SIGKILL)


def worker_peak_rss_mb(server: subprocess.Popen) -> list[float]:
    """Peak resident memory (VmHWM) of each gunicorn worker, in MB."""
    children = Path(f"/proc/{server.pid}/task/{server.pid}/children").read_text().split()
    peaks = []
    for pid in children:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                peaks.append(round(int(line.split()[1]) / 1024, 1))
    return peaks


def run_load(port: int, body: bytes, content_type: str, requests: int, concurrency: int) -> dict:
    """Send requests POSTs from concurrency keep-alive clients; latency percentiles and throughput."""
    latencies: list[float] = []
    errors = 0
    lock = threading.Lock()
    counter = iter(range(requests))

    def client():
        nonlocal errors
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        while True:
            with lock:
                if next(counter, None) is None:
                    break
            started = time.perf_counter()
            conn.request("POST", "/api/predict", body, {"Content-Type": content_type})
            response = conn.getresponse()
            response.read()
            elapsed = time.perf_counter() - started
            with lock:
                latencies.append(elapsed)
                errors += response.status != 200

    started = time.perf_counter()
    with ThreadPoolExecutor(concurrency) as pool:
        for future in [pool.submit(client) for _ in range(concurrency)]:
            future.result()
    wall = time.perf_counter() - started
    ordered = sorted(latencies)
    return {
        "requests": len(latencies),
        "errors": errors,
        "p50_ms": round(statistics.median(ordered) * 1000, 1),
        "p95_ms": round(ordered[int(0.95 * (len(ordered) - 1))] * 1000, 1),
        "requests_per_second": round(len(latencies) / wall, 1),
    }


def benchmark(name: str, wsgi_app: str, workers: int, scale: float, cases: list[str]) -> dict:
    """The given cases at every concurrency they are run at, against one server."""
    port = free_port()
    server = start_server(wsgi_app, port, workers)
    try:
        results = {}
        for case in cases:
            make, per_request, n1, n8, _ = CASES[case]
            files = [make(seed) for seed in range(per_request)]
            body, content_type = multipart(files)
            for concurrency in CONCURRENCIES:
                if concurrency > 1 and not n8:
                    continue
                requests = max(10, int((n1 if concurrency == 1 else n8) * scale))
                run_load(port, body, content_type, min(requests, 20), concurrency)  # warm-up
                result = run_load(port, body, content_type, requests, concurrency)
                result["file_mb"] = round(len(files[0]) / 1e6, 2)
                results[f"{case} @ c{concurrency}"] = result
                print(
                    f"{name:10} {case:26} c={concurrency}: p50 {result['p50_ms']:7.1f} ms  "
                    f"p95 {result['p95_ms']:7.1f} ms  {result['requests_per_second']:7.1f} req/s"
                    + (f"  ({result['errors']} errors)" if result["errors"] else ""),
                    flush=True,
                )
        return {"results": results, "worker_peak_rss_mb": worker_peak_rss_mb(server)}
    finally:
        stop_server(server)


def main(argv=None) -> int:
    """Run both servers and write the comparison."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers for both servers")
    parser.add_argument("--scale", type=float, default=1.0, help="multiply the request counts (0.1 for a quick run)")
    parser.add_argument("--out", type=Path, default=PERFORMANCE_DIR / "api_benchmark.json")
    parser.add_argument("--cases", help=f"comma-separated subset of: {', '.join(CASES)}")
    args = parser.parse_args(argv)
    cases = args.cases.split(",") if args.cases else list(CASES)
    unknown = set(cases) - set(CASES)
    if unknown:
        raise UserError(f"unknown cases: {', '.join(sorted(unknown))}")

    ours = benchmark("detector", "", args.workers, args.scale, cases)
    naive = benchmark(
        "naive", "scripts.benchmarks.api:naive_app()", args.workers, args.scale, [c for c in cases if CASES[c][4]]
    )
    ratios = {
        key: round(ours["results"][key]["requests_per_second"] / naive["results"][key]["requests_per_second"], 1)
        for key in naive["results"]
    }
    report = {
        "machine": f"{os.cpu_count()} CPU cores",
        "workers": args.workers,
        "detector": ours,
        "naive_reference": naive,
        "throughput_ratio": ratios,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2) + "\n")

    print("\n| case | p50 ms | p95 ms | req/s | naive p50 ms | naive req/s | speed-up |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for key, result in ours["results"].items():
        reference = naive["results"].get(key)
        compared = (
            f"{reference['p50_ms']} | {reference['requests_per_second']} | {ratios[key]}x"
            if reference
            else "n/a | n/a | n/a"
        )
        print(f"| {key} | {result['p50_ms']} | {result['p95_ms']} | {result['requests_per_second']} | {compared} |")
    print(f"\nworker peak RSS: detector {ours['worker_peak_rss_mb']} MB, naive {naive['worker_peak_rss_mb']} MB")
    return 0


if __name__ == "__main__":
    run_main(main)
