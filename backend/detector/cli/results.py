"""The results file of a scan: one JSON object per line, appended a whole batch at a time.

Each line starts with the file's `path`, so a later run can tell which files
are done by reading that one field. A run that was killed may have left part
of a line at the end; `open_results` cuts it off before appending. Summaries
and the CSV are made by streaming the file: a collection of any size fits.
"""

from __future__ import annotations

import csv
import fcntl
import hashlib
import json
import os
import stat
from collections import Counter
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import BinaryIO

import numpy as np

from .base import UserError
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
    """The results file opened for appending and locked, the paths it records, and the bytes of a cut-off last line.

    The file is created if need be. Anything else is refused with a UserError, before a byte
    of it changes: a symbolic link, what is not a regular file, a file another scan is writing,
    and a file that is not a results file (some line not a record, see record_path). Only a
    last line that starts as the scan writes a line, and so was cut by a crash, is removed.
    """
    out.parent.mkdir(parents=True, exist_ok=True)
    if out.is_symlink():
        raise UserError(f"{out} is a symbolic link: give the path of the results file itself")
    file = open(out, "a+b", opener=_open_regular)  # noqa: SIM115 - the caller owns it for the whole scan
    try:
        _lock(file, out)
        size = file.seek(0, os.SEEK_END)
        complete = _complete_length(file, size)
        recorded = RecordedPaths(path_key(path) for path in _recorded_paths(file, complete, out))
        if complete < size:
            file.seek(complete)
            if not PATH_PREFIX.encode().startswith(file.read(len(PATH_PREFIX))):
                raise _not_results(out, _line_count(file, complete) + 1, "is not a record")
            file.truncate(complete)
        file.seek(0, os.SEEK_END)
    except BaseException:
        file.close()
        raise
    return file, recorded, size - complete


def _open_regular(path: str, flags: int) -> int:
    """os.open for a regular file only: never through a link (one made since the check), never waiting on a pipe."""
    descriptor = os.open(path, flags | os.O_NOFOLLOW | os.O_NONBLOCK, 0o666)
    if not stat.S_ISREG(os.fstat(descriptor).st_mode):
        os.close(descriptor)
        raise UserError(f"{path} is not a regular file: give a results file")
    os.set_blocking(descriptor, True)
    return descriptor


def _lock(file: BinaryIO, path: Path) -> None:
    """Refuse a results file that another scan is writing."""
    try:
        fcntl.flock(file.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        raise UserError(f"another scan is writing {path}") from None
    except OSError:
        pass  # a file system without locks (some network shares): go on unguarded


def _not_results(out: Path, number: int, reason: str) -> UserError:
    return UserError(
        f"{out} is not a results file of detector scan: line {number:,} {reason}; "
        "it was left as it is (mend or remove that line, or give another --out)"
    )


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


def _line_count(file: BinaryIO, end: int) -> int:
    """The number of newlines in the file's first end bytes."""
    file.seek(0)
    return sum(1 for _ in _lines_before(file, end))


def _lines_before(file: BinaryIO, end: int) -> Iterator[bytes]:
    """The whole lines in the file's first end bytes (which end with a newline), from where it is."""
    position = file.tell()
    for line in file:
        position += len(line)
        if position > end:
            return
        yield line


def _recorded_paths(file: BinaryIO, end: int, out: Path) -> Iterator[str]:
    """The path of each whole line up to end, or a UserError naming the first line that is not a record."""
    file.seek(0)
    for number, line in enumerate(_lines_before(file, end), 1):
        if line.strip():  # blank lines are no records, and harm nothing
            try:
                yield record_path(line)
            except ValueError as error:
                raise _not_results(out, number, str(error)) from None


def record_path(line: bytes) -> str:
    """The path a results line records, or ValueError saying why the line is not a record.

    A record is a JSON object whose "path" is a file name. A line that starts as result_line
    writes it is read up to its path alone: a resume reads every line, and millions of lines
    are read in seconds this way. The fields after the path are checked where they are read.
    """
    try:
        if line.startswith(PATH_PREFIX.encode()):
            path = json.decoder.scanstring(line.decode(), len(PATH_PREFIX))[0]
        else:
            record = json.loads(line)
            if not isinstance(record, dict):
                raise ValueError
            path = record.get("path")
    except (ValueError, RecursionError):
        raise ValueError("is not a JSON object") from None
    if not isinstance(path, str):
        raise ValueError('has no "path" string')
    try:
        os.fsencode(path)
    except UnicodeError:
        raise ValueError('has a "path" that is not a file name') from None
    return path


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
