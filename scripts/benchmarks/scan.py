"""Benchmark `detector scan` against the API on the same pictures and the same machine.

    python -m scripts.benchmarks.scan --cifake ../shared/data/cifake/cifake-test.zip

Two collections, made in a temporary folder: 1,000 CIFAKE test thumbnails
(500 REAL and 500 FAKE, the first in name order, unpacked from the zip) and
100 generated 12-megapixel photo-like JPEGs. Each is scanned with `detector
scan` (the whole command: start, model loading in every worker, walk, writing
the results), then sent to the API under gunicorn with the same number of
workers, one file per request from 8 clients, and the thumbnails also in
requests of 32 files. Writes performance/scan_benchmark.json and prints a
table for docs/speed.md.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import os
import queue
import subprocess
import sys
import tempfile
import threading
import time
import zipfile
from pathlib import Path

from training.common import DEFAULT_MODEL_PATH, PERFORMANCE_DIR, UserError, run_main

from .api import free_port, jpeg_bytes, multipart, start_server, stop_server, worker_peak_rss_mb

THUMBNAILS = 1000
PHOTOS = 100
PHOTO_SIZE = (4000, 3000)
CLIENTS = 8
API_BATCH = 32


def unpack_thumbnails(archive: Path, dest: Path, count: int) -> list[Path]:
    """The first count/2 REAL and count/2 FAKE test pictures of a CIFAKE zip, written under dest."""
    if not archive.is_file():
        raise UserError(f"{archive} does not exist: pass --cifake with the path of cifake-test.zip")
    paths = []
    with zipfile.ZipFile(archive) as zf:
        for label in ("REAL", "FAKE"):
            names = sorted(n for n in zf.namelist() if n.startswith(f"test/{label}/") and n.endswith(".jpg"))
            for name in names[: count // 2]:
                path = dest / name
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_bytes(zf.read(name))
                paths.append(path)
    return paths


def write_photos(dest: Path, count: int) -> list[Path]:
    """count generated photo-like 12 MP JPEGs under dest (nested by tens)."""
    paths = []
    for seed in range(count):
        path = dest / f"{seed // 10:02d}" / f"photo{seed:03d}.jpg"
        path.parent.mkdir(parents=True, exist_ok=True)
        if not path.is_file():  # made by an earlier run in the same --workdir
            path.write_bytes(jpeg_bytes(PHOTO_SIZE, seed))
        paths.append(path)
    return paths


def children_rss(pid: int) -> dict[int, int]:
    """Resident memory (kB) of each child process of pid."""
    try:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        return {}
    memory = {}
    for child in children:
        try:
            status = Path(f"/proc/{child}/status").read_text()
        except OSError:
            continue
        rss = [int(line.split()[1]) for line in status.splitlines() if line.startswith("VmRSS:")]
        memory[int(child)] = rss[0] if rss else 0
    return memory


def run_scan(folder: Path, out: Path, workers: int, model: Path) -> dict:
    """Time one `detector scan` of folder from start to exit; the first result's time and the workers' peak memory."""
    command = [sys.executable, "-m", "detector.cli", "scan", str(folder), "--out", str(out), "--workers", str(workers)]
    started = time.perf_counter()
    process = subprocess.Popen([*command, "--model", str(model)], stderr=subprocess.PIPE, text=True)
    first = None
    peaks: dict[int, int] = {}
    while process.poll() is None:
        for pid, rss in children_rss(process.pid).items():
            peaks[pid] = max(peaks.get(pid, 0), rss)
        if first is None and out.exists() and out.stat().st_size:
            first = time.perf_counter() - started
        time.sleep(0.1)
    wall = time.perf_counter() - started
    stderr = process.stderr.read()
    if process.returncode != 0:
        raise UserError(f"detector scan failed ({process.returncode}): {stderr[-2000:]}")
    files = sum(1 for _ in out.open())
    after_first = wall - (first or 0)
    return {
        "files": files,
        "seconds": round(wall, 1),
        "files_per_second": round(files / wall, 1),
        "seconds_to_first_result": round(first or wall, 1),
        # the steady rate, once the workers have loaded the model
        "files_per_second_after_start": round(files / after_first, 1) if after_first > 0 else None,
        "worker_peak_rss_mb": sorted(round(kb / 1024) for kb in peaks.values() if kb > 100_000),
    }


def post_all(port: int, bodies: list[tuple[bytes, str]], clients: int) -> float:
    """Send every body once from clients keep-alive connections; seconds taken (every answer must be 200)."""
    work: queue.Queue = queue.Queue()
    for body in bodies:
        work.put(body)
    failures = []

    def client():
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        while True:
            try:
                body, content_type = work.get_nowait()
            except queue.Empty:
                return
            conn.request("POST", "/api/predict", body, {"Content-Type": content_type})
            response = conn.getresponse()
            response.read()
            if response.status != 200:
                failures.append(response.status)

    started = time.perf_counter()
    threads = [threading.Thread(target=client) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if failures:
        raise UserError(f"the API answered {failures[:5]} ...")
    return time.perf_counter() - started


def run_api(port: int, files: list[Path], per_request: int) -> dict:
    """Throughput of the API over files, per_request files in each request."""
    bodies = [
        multipart([path.read_bytes() for path in files[i : i + per_request]]) for i in range(0, len(files), per_request)
    ]
    post_all(port, bodies[: CLIENTS * 2], CLIENTS)  # warm-up
    seconds = post_all(port, bodies, CLIENTS)
    return {"files": len(files), "seconds": round(seconds, 1), "files_per_second": round(len(files) / seconds, 1)}


def main(argv=None) -> int:
    """Make both collections, scan them, send them to the API, and write the comparison."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cifake", type=Path, required=True, help="cifake-test.zip")
    parser.add_argument("--workers", type=int, default=os.cpu_count(), help="scan workers and gunicorn workers")
    parser.add_argument("--model", type=Path, default=DEFAULT_MODEL_PATH)
    parser.add_argument("--out", type=Path, default=PERFORMANCE_DIR / "scan_benchmark.json")
    parser.add_argument("--workdir", type=Path, help="keep the collections here between runs (default: a temp folder)")
    args = parser.parse_args(argv)

    report = {"machine": f"{os.cpu_count()} CPU cores", "workers": args.workers, "scan": {}, "api": {}}
    with contextlib.ExitStack() as stack:
        temp = args.workdir or Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="scan-benchmark-")))
        collections = {
            f"{THUMBNAILS} CIFAKE thumbnails": unpack_thumbnails(args.cifake, temp / "thumbnails", THUMBNAILS),
            f"{PHOTOS} photos of 12 MP": write_photos(temp / "photos", PHOTOS),
        }
        for name in ("thumbnails", "photos"):
            (temp / f"{name}.jsonl").unlink(missing_ok=True)  # each run scans from nothing
        for name, folder in zip(collections, ("thumbnails", "photos"), strict=True):
            result = run_scan(temp / folder, temp / f"{folder}.jsonl", args.workers, args.model)
            report["scan"][name] = result
            print(f"scan {name}: {result}", flush=True)
        server = start_server("", port := free_port(), args.workers)
        try:
            for name, files in collections.items():
                report["api"][f"{name}, one per request"] = run_api(port, files, 1)
                print(f"api {name}, one per request: {report['api'][f'{name}, one per request']}", flush=True)
            thumbnails = collections[f"{THUMBNAILS} CIFAKE thumbnails"]
            key = f"{THUMBNAILS} CIFAKE thumbnails, {API_BATCH} per request"
            report["api"][key] = run_api(port, thumbnails, API_BATCH)
            print(f"api {key}: {report['api'][key]}", flush=True)
            report["api_worker_peak_rss_mb"] = worker_peak_rss_mb(server)
        finally:
            stop_server(server)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2) + "\n")

    print("\n| collection | `detector scan` files/s (whole run) | after start | API files/s, one per request |")
    print("|---|---:|---:|---:|")
    for name, scan in report["scan"].items():
        api = report["api"][f"{name}, one per request"]["files_per_second"]
        print(f"| {name} | {scan['files_per_second']} | {scan['files_per_second_after_start']} | {api} |")
    return 0


if __name__ == "__main__":
    run_main(main)
