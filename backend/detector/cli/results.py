"""The results file of a scan: one JSON object per line, appended a whole batch at a time.

Each line starts with the file's `path`, so a later run can tell which files
are done by reading that one field. A run that was killed may have left part
of a line at the end; `open_results` cuts it off before appending. Summaries
and the CSV are made by streaming the file: a collection of any size fits.
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
from collections import Counter
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import BinaryIO

import numpy as np

from .predict import HEADLINES

PATH_PREFIX = '{"path": "'
CSV_COLUMNS = [
    "path",
    "verdict",
    "basis",
    "lean",
    "verdict_confidence",
    "measured_accuracy",
    "pixel_evidence",
    "model_label",
    "probability_real",
    "input_kind",
    "width",
    "height",
    "format",
    "content_credentials",
    "generator",
    "camera",
    "error_code",
    "error",
]


def path_key(path: str) -> int:
    """A stable 64-bit number for a path: the same in every process, run and machine."""
    digest = hashlib.blake2b(os.fsencode(path), digest_size=8).digest()
    return int.from_bytes(digest, "big")


def in_shard(path: str, index: int, count: int) -> bool:
    """Whether the path belongs to shard index of count (each path to exactly one)."""
    return path_key(path) % count == index


def result_line(result: dict) -> str:
    """One result as one line of the file, its `path` first."""
    return json.dumps({"path": result["path"], **result}) + "\n"


class RecordedPaths:
    """The paths a results file already holds, kept as sorted 64-bit keys (8 bytes a file)."""

    def __init__(self, keys: Iterable[int]):
        self._keys = np.unique(np.fromiter(keys, dtype=np.uint64))

    def __len__(self) -> int:
        return len(self._keys)

    def __contains__(self, path: str) -> bool:
        key = np.uint64(path_key(path))
        at = np.searchsorted(self._keys, key)
        return bool(at < len(self._keys) and self._keys[at] == key)


def open_results(out: Path) -> tuple[BinaryIO, RecordedPaths, int]:
    """The results file opened for appending, the paths it records, and the bytes of a cut-off last line."""
    out.parent.mkdir(parents=True, exist_ok=True)
    file = open(out, "a+b")  # noqa: SIM115 - the caller owns it for the whole scan
    try:
        size = file.seek(0, os.SEEK_END)
        complete = _complete_length(file, size)
        if complete < size:
            file.truncate(complete)
        file.seek(0)
        recorded = RecordedPaths(path_key(path) for path in _recorded_paths(file))
        file.seek(0, os.SEEK_END)
    except BaseException:
        file.close()
        raise
    return file, recorded, size - complete


def _complete_length(file: BinaryIO, size: int, block: int = 65536) -> int:
    """The length of the file up to and including its last newline."""
    end = size
    while end > 0:
        start = max(0, end - block)
        file.seek(start)
        newline = file.read(end - start).rfind(b"\n")
        if newline >= 0:
            return start + newline + 1
        end = start
    return 0


def _recorded_paths(lines: Iterable[bytes]) -> Iterator[str]:
    """The `path` of each line, read without parsing the whole line when it starts as written."""
    for raw in lines:
        line = raw.decode("utf-8", "replace")
        try:
            if line.startswith(PATH_PREFIX):
                yield json.decoder.scanstring(line, len(PATH_PREFIX))[0]
            else:
                yield json.loads(line)["path"]
        except (ValueError, KeyError, TypeError):
            continue  # not a result line: it does not count as done


def read_results(out: Path) -> Iterator[dict]:
    """Every result in the file, one at a time."""
    with open(out, "rb") as file:
        for raw in file:
            try:
                result = json.loads(raw)
            except ValueError:
                continue
            if isinstance(result, dict) and "path" in result:
                yield result


def outcome_counts(results: Iterable[dict]) -> tuple[Counter, Counter]:
    """Files per (verdict label, basis), and errors per (code, name)."""
    verdicts, errors = Counter(), Counter()
    for result in results:
        if "error" in result:
            errors[(result["error"]["code"], result["error"]["name"])] += 1
        else:
            verdicts[(result["verdict"]["label"], result["verdict"]["basis"])] += 1
    return verdicts, errors


def format_summary(verdicts: Counter, errors: Counter) -> str:
    """The counts as a short table: one row per verdict outcome with its bases, then the errors."""
    total = sum(verdicts.values()) + sum(errors.values())
    rows = []
    for label in [*HEADLINES, *sorted({label for label, _ in verdicts} - set(HEADLINES))]:
        bases = sorted(((count, basis) for (each, basis), count in verdicts.items() if each == label), reverse=True)
        if bases:
            detail = ", ".join(f"{basis} {count:,}" for count, basis in bases)
            rows.append((HEADLINES.get(label, label), sum(count for count, _ in bases), f"by {detail}"))
    if errors:
        detail = ", ".join(f"{code} {name} {count:,}" for (code, name), count in sorted(errors.items()))
        rows.append(("errors", sum(errors.values()), detail))
    width = max([len(name) for name, _, _ in rows] + [10])
    lines = [f"{total:,} files"]
    lines += [f"  {name:<{width}} {count:>9,}  ({detail})" for name, count, detail in rows]
    return "\n".join(lines)


def csv_row(result: dict) -> dict:
    """One result as a flat row of CSV_COLUMNS."""
    if "error" in result:
        return {"path": result["path"], "error_code": result["error"]["code"], "error": result["error"]["description"]}
    verdict, assessment, provenance = result["verdict"], result["model_assessment"], result["provenance"]
    generator = provenance["generator_metadata"]
    return {
        "path": result["path"],
        "verdict": verdict["label"],
        "basis": verdict["basis"],
        "lean": verdict.get("lean") or "",
        "verdict_confidence": verdict["confidence"],
        "measured_accuracy": verdict["measured_accuracy"],
        "pixel_evidence": verdict.get("pixel_evidence") or "",
        "model_label": result["label"],
        "probability_real": result["probability_real"],
        "input_kind": assessment["input_kind"],
        "width": result["image"]["width"],
        "height": result["image"]["height"],
        "format": result["image"]["format"],
        "content_credentials": provenance["content_credentials"].get("state") or "",
        "generator": (generator.get("generator") or "yes") if generator["present"] else "",
        "camera": _camera(provenance["camera_metadata"]),
    }


def _camera(finding: dict) -> str:
    """The camera a file's EXIF names, "yes" for EXIF without make and model, or ""."""
    if not finding["present"]:
        return ""
    return " ".join(str(part) for part in (finding.get("make"), finding.get("model")) if part) or "yes"


def write_csv(results: Iterable[dict], path: Path) -> int:
    """Write the results as a flat table; the number of rows."""
    rows = 0
    with open(path, "w", newline="", encoding="utf-8", errors="surrogateescape") as file:
        writer = csv.DictWriter(file, CSV_COLUMNS)
        writer.writeheader()
        for result in results:
            writer.writerow(csv_row(result))
            rows += 1
    return rows
