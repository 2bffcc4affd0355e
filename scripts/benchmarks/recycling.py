"""Does the service keep answering while it runs for a long time? Worker memory, replacements and health waits.

    python -m scripts.benchmarks.recycling                      # the project's settings
    python -m scripts.benchmarks.recycling --max-requests 1000  # recycling after about 1,000 requests

It starts gunicorn on loopback with the project's config, two workers and the
shipped model (MAX_REQUESTS, if given, turns request-count recycling on), and
sends mixed uploads (small JPEGs, a 12-megapixel photo, an RGBA PNG,
batches, refused bombs) from a few clients for --requests requests. Meanwhile
one client asks /api/health ten times a second and records how long each
answer took, and each worker's resident memory is read once a second. It
prints the longest health wait, how often it exceeded a second, every worker
replacement, and each worker's resident memory at each tenth of its life.
Health probes are requests too: they count towards MAX_REQUESTS.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import statistics
import sys
import threading
import time
from collections import Counter
from pathlib import Path

from training.common import ROOT, run_main

from .api import free_port, jpeg_bytes, multipart, stop_server

sys.path.insert(0, str(ROOT / "backend" / "tests"))
import hostile_files  # noqa: E402

HEALTH_EVERY_S = 0.1
SLOW_HEALTH_S = 1.0


def start(port: int, max_requests: int | None, log: Path):
    """gunicorn with the project's config and two workers; returns once it answers."""
    import subprocess

    env = {**os.environ, "BIND": f"127.0.0.1:{port}", "WEB_CONCURRENCY": "2", "TF_CPP_MIN_LOG_LEVEL": "2"}
    env.pop("MAX_REQUESTS", None)
    if max_requests is not None:
        env["MAX_REQUESTS"] = str(max_requests)
    command = [str(Path(sys.executable).with_name("gunicorn")), "-c", str(ROOT / "backend" / "gunicorn.conf.py")]
    command += ["--access-logfile", "/dev/null"]
    with log.open("wb") as output:
        server = subprocess.Popen(
            command, env=env, cwd=ROOT, start_new_session=True, stdout=output, stderr=subprocess.STDOUT
        )
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        if health(port, 2) is not None and len(workers(server)) == 2:
            return server
        time.sleep(0.5)
    stop_server(server)
    raise RuntimeError(f"gunicorn did not start: {log.read_text()[-2000:]}")


def workers(server) -> list[int]:
    """The arbiter's worker process ids."""
    return [int(pid) for pid in Path(f"/proc/{server.pid}/task/{server.pid}/children").read_text().split()]


def rss_mb(pid: int) -> float | None:
    """Resident memory of a process in MB, or None once it has gone."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def health(port: int, timeout: float) -> float | None:
    """Seconds /api/health took to answer 200 on a new connection, or None."""
    started = time.monotonic()
    try:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
        conn.request("GET", "/api/health")
        ok = conn.getresponse().status == 200
        conn.close()
    except OSError:
        return None
    return time.monotonic() - started if ok else None


def uploads() -> list[tuple[bytes, str]]:
    """The mix of request bodies the clients send in turn."""
    small = [jpeg_bytes((320, 240), seed) for seed in range(4)]
    mix = [multipart([picture]) for picture in small]
    mix.append(multipart([hostile_files.jpeg_photo()]))
    mix.append(multipart([hostile_files.png_rgba(600)]))
    mix.append(multipart(small * 8))  # a batch of 32
    mix.append(multipart([hostile_files.webp_lossless()]))  # refused from its header
    return mix


def tenths(samples: list[tuple[int, float]]) -> dict[int, int]:
    """The first sample at or after each tenth of the uploads a worker lived through."""
    first, last = samples[0][0], samples[-1][0]
    marks = {}
    for answered, mb in samples:
        mark = first + (last - first) * len(marks) // 10
        if answered >= mark and len(marks) <= 10:
            marks[answered] = round(mb)
    marks[last] = round(samples[-1][1])
    return marks


def main(argv=None) -> int:
    """Serve, send the traffic, watch health and memory, print what happened."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=3000, help="uploads to send in all")
    parser.add_argument("--clients", type=int, default=3, help="clients sending uploads at once")
    parser.add_argument("--max-requests", type=int, help="MAX_REQUESTS for gunicorn (default: the config's)")
    parser.add_argument("--json", type=Path, help="also write the measurements here")
    args = parser.parse_args(argv)

    bodies = uploads()
    port = free_port()
    log = Path(os.environ.get("TMPDIR", "/tmp")) / f"recycling-benchmark-{port}.log"
    server = start(port, args.max_requests, log)
    waits: list[float] = []
    failed_health = 0
    statuses: Counter = Counter()
    memory: dict[int, list[tuple[int, float]]] = {}  # worker: (uploads answered so far, MB)
    done = threading.Event()
    lock = threading.Lock()
    counter = iter(range(args.requests))
    sent = [0]

    def client(offset: int):
        for number in iter(lambda: next(counter, None), None):
            body, content_type = bodies[(number + offset) % len(bodies)]
            # A new connection per request, as nginx opens them, so that every worker gets a share.
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
            try:
                conn.request("POST", "/api/predict", body, {"Content-Type": content_type})
                response = conn.getresponse()
                response.read()
                status = response.status
            except OSError:
                status = "connection failed"
            finally:
                conn.close()
            with lock:
                statuses[status] += 1
                sent[0] += 1

    def prober():
        nonlocal failed_health
        while not done.is_set():
            wait = health(port, 60)
            if wait is None:
                failed_health += 1
            else:
                waits.append(wait)
            time.sleep(HEALTH_EVERY_S)

    def watcher():
        while not done.is_set():
            for pid in workers(server):
                value = rss_mb(pid)
                if value is not None:
                    memory.setdefault(pid, []).append((sent[0], value))
            time.sleep(1)

    started = time.monotonic()
    threads = [threading.Thread(target=prober, daemon=True), threading.Thread(target=watcher, daemon=True)]
    clients = [threading.Thread(target=client, args=(i,), daemon=True) for i in range(args.clients)]
    try:
        for thread in threads + clients:
            thread.start()
        for thread in clients:
            thread.join()
        done.set()
        for thread in threads:
            thread.join()
    finally:
        done.set()
        stop_server(server)
    seconds = time.monotonic() - started

    replaced = max(0, len(memory) - 2)
    slow = [wait for wait in waits if wait > SLOW_HEALTH_S]
    result = {
        "max_requests": args.max_requests,
        "uploads": args.requests,
        "seconds": round(seconds, 1),
        "statuses": {str(key): value for key, value in statuses.items()},
        "health_probes": len(waits),
        "health_failed": failed_health,
        "health_p50_ms": round(statistics.median(waits) * 1000, 1) if waits else None,
        "health_max_s": round(max(waits), 2) if waits else None,
        "health_over_1s": len(slow),
        "workers_replaced": replaced,
        # Each worker's resident memory at each tenth of the run (uploads answered by all workers: MB).
        "worker_memory_mb": {str(pid): tenths(samples) for pid, samples in memory.items()},
    }
    print(json.dumps(result, indent=2))
    if args.json:
        args.json.write_text(json.dumps(result, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    run_main(main)
