"""A short, bounded load test through nginx on loopback.

8 concurrent clients for 30 seconds send a mix of valid and invalid uploads to
/api/predict. Expected: no 5xx, every valid upload answered with the same
verdict as when it was sent alone, every invalid one a 4xx JSON error, and the
gunicorn workers' memory stable. The figures are printed and written to
test-results/deployment.json.
"""

from __future__ import annotations

import json
import os
import random
import statistics
import threading
import time
from collections import Counter

from . import support

CLIENTS = 8
SECONDS = float(os.environ.get("DEPLOY_LOAD_SECONDS", "30"))
WARMUP_SECONDS = 5
VALID_SHARE = 0.6
MAX_RSS_GROWTH_KIB = 100 * 1024  # per worker, from after the warm-up to the end
PROBABILITY_TOLERANCE = 1e-4


def _check(sample, response: support.Response, reference: dict) -> str | None:
    """None if the answer is right for this sample, else what is wrong."""
    if sample.expected_status != 200:
        if response.status != sample.expected_status:
            return f"{sample.name}: HTTP {response.status}, expected {sample.expected_status}"
        if not support.is_api_error(response):
            return f"{sample.name}: error is not the API's JSON shape: {response.body[:200]!r}"
        return None
    if response.status != 200:
        return f"{sample.name}: HTTP {response.status}: {response.body[:200]!r}"
    body = response.json()
    label, probability = reference[sample.name]
    if body.get("filename") != sample.name:
        return f"{sample.name}: answer for {body.get('filename')!r}"
    if body.get("label") not in ("REAL", "FAKE") or not 0.0 <= body.get("probability_real", -1) <= 1.0:
        return f"{sample.name}: malformed answer {body}"
    if body["label"] != label or abs(body["probability_real"] - probability) > PROBABILITY_TOLERANCE:
        return f"{sample.name}: {body['label']} {body['probability_real']}, alone it was {label} {probability}"
    return None


def _run(url: str, samples: dict, reference: dict, seconds: float) -> dict:
    """CLIENTS threads posting random samples until the time is up."""
    lock = threading.Lock()
    statuses: Counter = Counter()
    kinds: Counter = Counter()
    latencies: list[float] = []
    problems: list[str] = []
    deadline = time.monotonic() + seconds

    def client(seed: int) -> None:
        rng = random.Random(seed)
        while time.monotonic() < deadline:
            pool = samples["valid"] if rng.random() < VALID_SHARE else samples["invalid"]
            sample = rng.choice(pool)
            started = time.monotonic()
            try:
                response = support.post_files(url, list(sample.files))
                problem = _check(sample, response, reference)
                status = response.status
            except (OSError, ValueError) as error:
                status, problem = "error", f"{sample.name}: {error!r}"
            elapsed = time.monotonic() - started
            with lock:
                statuses[status] += 1
                kinds["valid" if sample.expected_status == 200 else "invalid"] += 1
                latencies.append(elapsed)
                if problem and len(problems) < 50:
                    problems.append(problem)

    threads = [threading.Thread(target=client, args=(seed,)) for seed in range(CLIENTS)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.monotonic() - started
    latencies.sort()
    total = sum(statuses.values())
    return {
        "clients": CLIENTS,
        "seconds": round(wall, 1),
        "requests": total,
        "requests_per_second": round(total / wall, 1),
        "valid_uploads": kinds["valid"],
        "invalid_uploads": kinds["invalid"],
        "status_counts": {str(status): count for status, count in sorted(statuses.items(), key=str)},
        "latency_ms": {
            "p50": round(1000 * statistics.median(latencies), 1) if latencies else None,
            "p95": round(1000 * latencies[int(0.95 * (len(latencies) - 1))], 1) if latencies else None,
            "max": round(1000 * latencies[-1], 1) if latencies else None,
        },
        "problems": problems,
    }


def _rss(pids: list[int]) -> dict[str, int]:
    return {str(pid): support.rss_kib(pid) for pid in pids}


def test_load_through_nginx(site, backend, samples, deployment_report):
    url = f"{site.url}/api/predict"
    # What each valid sample gets when sent alone: the reference answers.
    reference = {}
    for sample in samples["valid"]:
        response = support.post_files(url, list(sample.files))
        assert response.status == 200, response.body[:300]
        reference[sample.name] = (response.json()["label"], response.json()["probability_real"])

    workers = backend.worker_pids()
    assert workers, "gunicorn has workers"
    rss_before_warmup = _rss(workers)
    warmup = _run(url, samples, reference, WARMUP_SECONDS)
    rss_start = _rss(workers)
    result = _run(url, samples, reference, SECONDS)
    rss_end = _rss(workers)
    workers_after = backend.worker_pids()

    growth = {pid: rss_end[pid] - rss_start[pid] for pid in rss_start}
    figures = {
        **result,
        "warmup": {key: warmup[key] for key in ("seconds", "requests", "status_counts")},
        "workers": len(workers),
        "worker_rss_kib": {"before_warmup": rss_before_warmup, "start": rss_start, "end": rss_end, "growth": growth},
        "workers_restarted": sorted(set(workers) ^ set(workers_after)),
    }
    deployment_report["load_test"] = figures
    print("\nload test through nginx:\n" + json.dumps(figures, indent=2))

    assert warmup["problems"] == [], warmup["problems"]
    assert not any(str(status).startswith("5") or status == "error" for status in result["status_counts"]), (
        result["status_counts"],
        result["problems"],
    )
    assert result["problems"] == []
    assert result["valid_uploads"] > 0 and result["invalid_uploads"] > 0
    assert figures["workers_restarted"] == [], "a worker died or was restarted under load"
    for pid, kib in growth.items():
        assert kib < MAX_RSS_GROWTH_KIB, f"worker {pid} grew by {kib} KiB during the load test"
