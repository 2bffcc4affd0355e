"""What small crafted uploads cost the server: CPU time and peak memory of the worker per request.

    python -m scripts.benchmarks.hostile   # every case, single and as a batch of 32
    python -m scripts.benchmarks.hostile --cases gif-screen-7000,bmp-rle8-7000

It makes the crafted files itself (backend/tests/hostile_files.py: RLE BMP,
16-bit PNG, lossless WebP, GIF screens, TIFF compressions, progressive JPEG
with many scans, a truncated JPEG, ...), starts gunicorn on loopback with the
project's settings, one worker, the real app and the shipped model, and sends
each file alone and as 32 copies in one request. For each request it reads the
worker's CPU time (/proc/PID/stat) and its peak resident memory above the idle
worker (VmHWM after resetting it through /proc/PID/clear_refs), and prints a
table with the worst cost per uploaded kilobyte.

Targets: no upload of at most 100 KB costs more than 250 ms of CPU or 150 MB
of peak memory above the idle worker; a batch of 32 such files costs at most 2 s;
no single file (a 12-megapixel photo in any format, any crafted file) more than 1 s.

When the hidden-scans JPEG (or the costliest progressive JPEG still decoded) is
among the cases, it then starts a second server as `make run` does
(gunicorn.conf.py's workers and threads), sends four of those files at once, as
many as that server decodes at a time, and an ordinary 8 KB upload right after
them: that one must be answered normally (200).
"""

from __future__ import annotations

import argparse
import http.client
import io
import json
import math
import os
import statistics
import sys
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from training.common import ROOT, run_main

from detector import DEFAULTS

from .api import free_port, jpeg_bytes, multipart, start_server, stop_server

sys.path.insert(0, str(ROOT / "backend" / "tests"))
import hostile_files  # noqa: E402

SMALL_UPLOAD_KB = 100
TARGET_CPU_MS = 250
TARGET_PEAK_MB = 150
TARGET_BATCH_CPU_MS = 2000
# A 12-megapixel photo in any supported format, and any crafted file whatever its size.
TARGET_LARGE_CPU_MS = 1000
BATCH = 32
# Under the server's upload limit, with room for the multipart framing.
BODY_LIMIT = DEFAULTS["MAX_CONTENT_LENGTH"] - 1024 * 1024
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
# The busy-server check: this many crafted uploads in flight, as many as a server started
# by `make run` decodes at once (2 workers, DECODE_SLOTS 2 each), then an ordinary one.
# The hidden scans (refused at once now), and the costliest progressive JPEG still decoded.
BUSY_CASES = ("jpeg-hidden-scans-2000x4000", "jpeg-refine-scans-1632x64")
BUSY_UPLOADS = 4
BUSY_WORKERS = 2  # gunicorn.conf.py's default WEB_CONCURRENCY


def worker_pid(server) -> int:
    """The one gunicorn worker's process id."""
    children = Path(f"/proc/{server.pid}/task/{server.pid}/children").read_text().split()
    if len(children) != 1:
        raise RuntimeError(f"expected one worker, found {children}")
    return int(children[0])


def cpu_ms(pid: int) -> float:
    """User plus system CPU time of a process (all its threads), in milliseconds."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) * 1000 / CLOCK_TICKS


def memory_kb(pid: int, field: str) -> int:
    """VmRSS or VmHWM of a process, in kB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise KeyError(field)


def measure(port: int, pid: int, files: list[bytes]) -> dict:
    """Send one request; the worker's CPU time and peak memory above its resident size before it."""
    body, content_type = multipart(files)
    Path(f"/proc/{pid}/clear_refs").write_text("5")  # reset VmHWM to the current VmRSS
    idle_kb = memory_kb(pid, "VmRSS")
    cpu_before = cpu_ms(pid)
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    conn.request("POST", "/api/predict", body, {"Content-Type": content_type})
    response = conn.getresponse()
    answer = json.loads(response.read())
    conn.close()
    if "results" in answer:
        statuses = Counter(item["error"]["code"] if "error" in item else 200 for item in answer["results"])
    else:
        statuses = Counter([response.status])
    return {
        "status": response.status,
        "statuses": dict(statuses),
        "description": answer.get("description", ""),
        "cpu_ms": cpu_ms(pid) - cpu_before,
        "peak_mb": max(0, memory_kb(pid, "VmHWM") - idle_kb) / 1024,
    }


def warm_up(port: int) -> None:
    """One small picture in every accepted format, so that no measurement pays for loading a decoder."""
    from PIL import Image

    hostile_files.heif(1)  # lets Pillow write HEIF
    pictures = []
    for fmt in ("JPEG", "PNG", "GIF", "WEBP", "BMP", "TIFF", "HEIF", "AVIF"):
        buffer = io.BytesIO()
        Image.new("RGB", (48, 48), (10, 120, 200)).save(buffer, format=fmt)
        pictures.append(buffer.getvalue())
    body, content_type = multipart(pictures)
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    conn.request("POST", "/api/predict", body, {"Content-Type": content_type})
    if conn.getresponse().status != 200:
        raise RuntimeError("warm-up request failed")
    conn.close()


def run_case(port: int, pid: int, data: bytes, repeats: int) -> dict:
    """Single and batched costs of one file: median CPU and largest peak over the repeats."""
    copies = min(BATCH, BODY_LIMIT // len(data))  # a batch must fit the upload limit
    row = {"kb": len(data) / 1024, "copies": copies}
    for kind, files in (("single", [data]), ("batch", [data] * copies)):
        if len(files) < 2 and kind == "batch":
            row[kind] = {"statuses": {}, "cpu_ms": 0.0, "peak_mb": 0.0}
            continue
        runs = [measure(port, pid, files) for _ in range(repeats)]
        row[kind] = {
            **runs[-1],
            "cpu_ms": statistics.median(run["cpu_ms"] for run in runs),
            "peak_mb": max(run["peak_mb"] for run in runs),
        }
    return row


def post(port: int, files: list[bytes]) -> tuple[int, float]:
    """One upload: the answer's status and the seconds it took."""
    body, content_type = multipart(files)
    started = time.perf_counter()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    conn.request("POST", "/api/predict", body, {"Content-Type": content_type})
    response = conn.getresponse()
    response.read()
    conn.close()
    return response.status, time.perf_counter() - started


def ordinary_upload_while_busy(crafted: bytes) -> dict:
    """A server as `make run` starts it; BUSY_UPLOADS crafted uploads at once, then an ordinary 8 KB one."""
    ordinary = jpeg_bytes((140, 140), 0)  # about 8 KB
    port = free_port()
    server = start_server("", port, workers=BUSY_WORKERS)
    try:
        with ThreadPoolExecutor(BUSY_UPLOADS) as pool:
            busy = [pool.submit(post, port, [crafted]) for _ in range(BUSY_UPLOADS)]
            time.sleep(0.2)  # the crafted uploads are sent and being decoded
            status, seconds = post(port, [ordinary])
            answers = [future.result() for future in busy]
    finally:
        stop_server(server)
    return {
        "ordinary_kb": len(ordinary) / 1024,
        "ordinary_status": status,
        "ordinary_ms": seconds * 1000,
        "crafted_statuses": dict(Counter(code for code, _seconds in answers)),
        "crafted_slowest_ms": max(seconds for _code, seconds in answers) * 1000,
    }


def outcome(result: dict) -> str:
    """The answers of one request, e.g. '200' or '422' or '200x4 413x28'."""
    statuses = result["statuses"]
    if not statuses:
        return "-"
    if len(statuses) == 1 and sum(statuses.values()) == 1:
        return str(next(iter(statuses)))
    return " ".join(f"{code}x{count}" for code, count in sorted(statuses.items()))


def misses(name: str, row: dict) -> list[str]:
    """Which targets a small upload missed."""
    found = []
    if row["single"]["cpu_ms"] > TARGET_LARGE_CPU_MS:
        found.append(f"{name}: {row['single']['cpu_ms']:.0f} ms CPU, over {TARGET_LARGE_CPU_MS} ms for any one file")
    if row["kb"] > SMALL_UPLOAD_KB:
        return found
    if row["single"]["cpu_ms"] > TARGET_CPU_MS:
        found.append(f"{name}: {row['single']['cpu_ms']:.0f} ms CPU")
    if row["single"]["peak_mb"] > TARGET_PEAK_MB:
        found.append(f"{name}: {row['single']['peak_mb']:.0f} MB peak")
    if row["copies"] == BATCH and row["batch"]["cpu_ms"] > TARGET_BATCH_CPU_MS:
        found.append(f"{name}: batch of {BATCH} {row['batch']['cpu_ms']:.0f} ms CPU")
    return found


def main(argv=None) -> int:
    """Make the files, serve, measure, print the table."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", default="", help="comma-separated case names (default: all)")
    parser.add_argument("--repeats", type=int, default=3, help="requests per measurement (median CPU, max peak)")
    parser.add_argument("--json", type=Path, help="also write the measurements here")
    args = parser.parse_args(argv)

    names = [name for name in args.cases.split(",") if name] or list(hostile_files.CASES)
    cases = {
        "photo-jpeg-12mp": (hostile_files.jpeg_photo, "12-megapixel photo JPEG (reference)", 200),
        "photo-jpeg-108mp": (
            lambda: hostile_files.jpeg_photo((12000, 9000)),
            "108-megapixel photo JPEG (reference)",
            200,
        ),
        "photo-jpeg-32x32": (lambda: jpeg_bytes((32, 32), 0), "32x32 JPEG (reference)", 200),
        **hostile_files.CASES,
    }
    unknown = set(names) - set(cases)
    if unknown:
        parser.error(f"unknown cases: {', '.join(sorted(unknown))}")
    if not args.cases:
        names = ["photo-jpeg-32x32", "photo-jpeg-12mp", "photo-jpeg-108mp", *names]
    print(f"making {len(names)} files...", flush=True)
    files = {name: cases[name][0]() for name in names}

    os.environ["MAX_REQUESTS"] = "0"  # no worker recycling while measuring one worker
    port = free_port()
    server = start_server("", port, workers=1)
    rows = {}
    try:
        pid = worker_pid(server)
        warm_up(port)
        for name in names:
            rows[name] = run_case(port, pid, files[name], args.repeats)
            row = rows[name]
            print(
                f"{name:28} {row['kb']:8.1f} KB  single {outcome(row['single']):>12} "
                f"{row['single']['cpu_ms']:6.0f} ms {row['single']['peak_mb']:6.1f} MB   "
                f"batch {outcome(row['batch']):>16} {row['batch']['cpu_ms']:6.0f} ms "
                f"{row['batch']['peak_mb']:6.1f} MB",
                flush=True,
            )
    finally:
        stop_server(server)

    print(f"\n| file | size KB | single: answer | CPU ms | peak MB | batch of {BATCH}: answers | CPU ms | peak MB |")
    print("|---|---:|---|---:|---:|---|---:|---:|")
    for name, row in rows.items():
        single, batch = row["single"], row["batch"]
        print(
            f"| {cases[name][1]} | {row['kb']:.1f} | {outcome(single)} | {single['cpu_ms']:.0f} | "
            f"{single['peak_mb']:.1f} | {outcome(batch)} | {batch['cpu_ms']:.0f} | {batch['peak_mb']:.1f} |"
        )

    # Per started kilobyte: a 37-byte file counts as one, like the request around it.
    def per_kb(row, kind, key):
        return row[kind][key] / max(1, math.ceil(row["kb"]))

    print()
    for key, unit in (("cpu_ms", "ms of CPU"), ("peak_mb", "MB of peak memory")):
        name, row = max(rows.items(), key=lambda item: per_kb(item[1], "single", key))
        print(f"worst cost per uploaded KB: {per_kb(row, 'single', key):.2f} {unit} ({name})")
    small = {name: row for name, row in rows.items() if row["kb"] <= SMALL_UPLOAD_KB}
    for key, unit in (("cpu_ms", "ms of CPU"), ("peak_mb", "MB of peak memory")) if small else ():
        name, row = max(small.items(), key=lambda item: item[1]["single"][key])
        batch_name, batch_row = max(small.items(), key=lambda item: item[1]["batch"][key])
        print(
            f"most expensive upload of at most {SMALL_UPLOAD_KB} KB: {row['single'][key]:.0f} {unit} ({name}); "
            f"batch of {BATCH}: {batch_row['batch'][key]:.0f} {unit} ({batch_name})"
        )
    missed = [miss for name, row in rows.items() for miss in misses(name, row)]
    missed += [
        f"{name}: answered {row['single']['status']}, expected {cases[name][2]}"
        for name, row in rows.items()
        if row["single"]["status"] != cases[name][2]
    ]
    busy = {name: ordinary_upload_while_busy(files[name]) for name in BUSY_CASES if name in files}
    for name, check in busy.items():
        print(
            f"ordinary {check['ordinary_kb']:.1f} KB upload while {BUSY_UPLOADS} x {name} were in flight "
            f"on {BUSY_WORKERS} workers: {check['ordinary_status']} in {check['ordinary_ms']:.0f} ms "
            f"(the crafted ones: {outcome({'statuses': check['crafted_statuses']})}, "
            f"the slowest in {check['crafted_slowest_ms']:.0f} ms)"
        )
        if check["ordinary_status"] != 200:
            missed.append(f"an ordinary upload during {name} uploads: answered {check['ordinary_status']}")
    print("targets met" if not missed else "targets missed: " + "; ".join(missed))
    if args.json:
        args.json.write_text(
            json.dumps({"machine": f"{os.cpu_count()} CPU cores", "batch": BATCH, "rows": rows, "busy": busy}, indent=2)
            + "\n"
        )
    return 0 if not missed else 1


if __name__ == "__main__":
    run_main(main)
