"""The results file of a scan: one JSON object per line, appended a whole batch at a time.

Each line starts with the file's `path`, so a later run can tell which files
are done by reading that one field. A run that was killed may have left part
of a line at the end; `open_results` cuts it off before appending, and refuses
a file with any other line that is not a record. Summaries and the CSV are made
by streaming the file: a collection of any size fits; a line without what they
read is left out with a warning naming it.
"""

from __future__ import annotations

import csv
import fcntl
import hashlib
import json
import os
import stat
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
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

# What the summary and the CSV read from a record, and its type: a line without all of it
# is no record (fields read with .get() are optional). The API's answer holds much more.
TEXT = ((str,), "a string")
WHOLE = ((int,), "a whole number")
NUMBER = ((int, float), "a number")
NUMBER_OR_NULL = ((int, float, type(None)), "a number or null")
FLAG = ((bool,), "true or false")
OBJECT = ((dict,), "an object")
ERROR_FIELDS = {"error": OBJECT, "error.code": WHOLE, "error.name": TEXT, "error.description": TEXT}
ANSWER_FIELDS = {
    "verdict": OBJECT,
    "verdict.label": TEXT,
    "verdict.basis": TEXT,
    "verdict.confidence": NUMBER_OR_NULL,
    "verdict.measured_accuracy": NUMBER_OR_NULL,
    "label": TEXT,
    "probability_real": NUMBER,
    "model_assessment.input_kind": TEXT,
    "image.width": WHOLE,
    "image.height": WHOLE,
    "image.format": TEXT,
    "provenance.content_credentials": OBJECT,
    "provenance.generator_metadata.present": FLAG,
    "provenance.camera_metadata.present": FLAG,
}
NOT_AN_OBJECT = "it is not a JSON object"
MISSING = object()  # a field a record lacks


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
                raise _not_results(out, _line_count(file, complete) + 1, "it is not a record")
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
        f"{out} is not a results file of detector scan (line {number:,}: {reason}); "
        "it was left as it is: mend or remove that line, or give another --out"
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

    A line that starts as result_line writes it is read up to its path alone: a resume reads
    every line, and millions of lines are read in seconds this way. The rest of the record is
    checked where it is read (parse_record).
    """
    if not line.startswith(PATH_PREFIX.encode()):  # written some other way: parsed whole, only its path checked
        return parse_record(line, fields={})["path"]
    try:
        path = json.decoder.scanstring(line.decode(), len(PATH_PREFIX))[0]
    except ValueError:
        raise ValueError(NOT_AN_OBJECT) from None
    return _check_path(path)


def parse_record(line: bytes, fields: dict | None = None) -> dict:
    """The record a results line holds, or ValueError saying what is wrong with it.

    fields: what it must hold besides its path (by default, what the summary and the CSV read).
    """
    try:
        record = json.loads(line)
    except (ValueError, RecursionError):
        raise ValueError(NOT_AN_OBJECT) from None
    if not isinstance(record, dict):
        raise ValueError(NOT_AN_OBJECT)
    _check_path(record.get("path"))
    if fields is None:
        fields = ERROR_FIELDS if "error" in record else ANSWER_FIELDS
    for name, (types, kind) in fields.items():
        value = _field(record, name)
        if value is MISSING:
            raise ValueError(f'its "{name}" is missing')
        if not isinstance(value, types):
            raise ValueError(f'its "{name}" is not {kind}')
    return record


def _field(record: dict, name: str):
    """record's field at a dotted name, or MISSING."""
    value = record
    for part in name.split("."):
        if not isinstance(value, dict) or part not in value:
            return MISSING
        value = value[part]
    return value


def _check_path(path) -> str:
    """path, if it is a file name; else ValueError."""
    if not isinstance(path, str):
        raise ValueError('it has no "path" string')
    try:
        os.fsencode(path)
    except UnicodeError:
        raise ValueError('its "path" is not a file name') from None
    return path


def read_results(out: Path, skip: Callable[[int, str], None]) -> Iterator[dict]:
    """Every record in the file, one at a time; a line that is not one goes to skip (its number and why) instead."""
    with open(out, "rb") as file:
        for number, line in enumerate(file, 1):
            if line.strip():
                try:
                    yield parse_record(line)
                except ValueError as error:
                    skip(number, str(error))


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
