"""Measuring a detector the way the project judges its own model: on sources it never saw, per source.

The core (`measure_scores`) is pure: from each picture's P(REAL), label,
source and kind of picture, it gives the per-source and pooled ROC-AUC, the
mean of the per-source AUCs, calibration fitted across sources (each source's
temperature fitted on the others only, per kind of picture), and on those
held-out confidences the accuracy per confidence band, the ECE and the share
of confidently wrong answers. The edges read labelled folders, run the
detector in batches and write measurement.json beside the model.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .. import calibration, heldout
from ..contract import CLASS_NAMES, THRESHOLD, confidence_of, predicted_real
from ..preprocessing import ImageError, prepare_image
from .folder import DetectorFolder
from .inputs import Picture

FORMAT_VERSION = 1
# The keys of `detector models measure --json`, in order: the figures, nothing else.
REPORT_KEYS = (
    "detector",
    "pictures",
    "pooled_roc_auc",
    "mean_source_roc_auc",
    "sources",
    "bands",
    "ece",
    "confidently_wrong",
)
SOURCE_SEPARATOR = "__"
# Files read and run through the detector at once.
READ_BATCH = 32
# Calibration across sources needs at least this many sources of a kind of picture.
MIN_SOURCES = 2
# Logits are kept to this many decimals in measurement.json.
SCORE_DECIMALS = 5


class DataError(ValueError):
    """The labelled folders cannot be measured on; the message says why."""


@dataclass(frozen=True)
class LabelledFile:
    """One picture file to measure on: where it is, its label (1 = REAL) and its source."""

    path: Path
    label: int
    source: str


def labelled_files(folders: Sequence[Path]) -> list[LabelledFile]:
    """Every file under each folder's REAL/ and FAKE/, with its source: its name up to `__`, else the folder's name."""
    files = []
    for folder in folders:
        folder = Path(folder)
        classes = [name for name in CLASS_NAMES if (folder / name).is_dir()]
        if not classes:
            raise DataError(f"{folder} holds neither REAL/ nor FAKE/")
        for name in classes:
            for path in sorted((folder / name).rglob("*")):
                if path.is_file() and not path.name.startswith("."):
                    source = path.name.split(SOURCE_SEPARATOR, 1)[0] if SOURCE_SEPARATOR in path.name else ""
                    files.append(LabelledFile(path, CLASS_NAMES.index(name), source or folder.resolve().name))
    if not files:
        raise DataError("no pictures in " + ", ".join(str(folder) for folder in folders))
    return files


def fingerprint(digests: Sequence[str], labels: Sequence[int], sources: Sequence[str]) -> str:
    """sha256 over the sorted (file digest, label, source) of the pictures measured on."""
    lines = sorted(f"{digest} {label} {source}" for digest, label, source in zip(digests, labels, sources, strict=True))
    return hashlib.sha256("\n".join(lines).encode()).hexdigest()


def measure_scores(probability_real: np.ndarray, labels: np.ndarray, sources: np.ndarray, kinds: np.ndarray) -> dict:
    """The figures of a measurement from each picture's P(REAL), label (1 = REAL), source and kind of picture.

    Beyond the report's keys: `kinds`, the temperature fitted on all pictures of
    each kind calibrated across sources (what serving applies), and how many
    pictures and sources it rests on.
    """
    p = np.asarray(probability_real, dtype=np.float64)
    labels, sources, kinds = np.asarray(labels), np.asarray(sources), np.asarray(kinds)
    logits = np.asarray(calibration.logit(p))
    summary = heldout.summarise(sources, labels, logits, digits=None)
    held_out_p = np.full(len(p), np.nan)
    fitted: dict[str, dict] = {}
    bands: list[dict] = []
    for kind in sorted(set(kinds.tolist())):
        members = kinds == kind
        kind_sources = sorted(set(sources[members].tolist()))
        if len(kind_sources) < MIN_SOURCES:
            continue  # one source: no source to hold out, so no calibration and no band to rely on
        for _, held in heldout.leave_one_source_out(sources[members]):
            rest = np.flatnonzero(members)[~held]
            these = np.flatnonzero(members)[held]
            temperature = calibration.fit_temperature(logits[rest], labels[rest])
            held_out_p[these] = calibration.calibrated_probability_real(p[these], temperature)
        fitted[kind] = {
            "temperature": calibration.fit_temperature(logits[members], labels[members]),
            "pictures": int(members.sum()),
            "sources": len(kind_sources),
        }
        right = predicted_real(held_out_p[members]) == (labels[members] == 1)
        bands += [
            {"kind": kind, **band} for band in calibration.confidence_bands(confidence_of(held_out_p[members]), right)
        ]
    calibrated = ~np.isnan(held_out_p)
    return {
        "pictures": int(len(p)),
        "pooled_roc_auc": summary["pooled_auc"],
        "mean_source_roc_auc": summary["mean_source_auc"],
        "sources": {
            name: {"pictures": row["pictures"], "roc_auc": row["auc"], "share_right": row["right_side"]}
            for name, row in summary["per_source"].items()
        },
        "bands": bands,
        "ece": calibration.expected_calibration_error(held_out_p[calibrated], labels[calibrated])
        if calibrated.any()
        else None,
        "confidently_wrong": calibration.confidently_wrong_share(held_out_p[calibrated], labels[calibrated])
        if calibrated.any()
        else None,
        "kinds": fitted,
    }


@dataclass
class Scored:
    """What running a detector over labelled files gave: one row per picture it could read."""

    digests: list[str]
    labels: list[int]
    sources: list[str]
    kinds: list[str]
    probability_real: list[float]
    skipped: dict[str, int]


def score_files(detector, files: Sequence[LabelledFile], progress: Callable[[int], None] | None = None) -> Scored:
    """Run the detector over the files in batches; files that cannot be decoded are counted by reason and left out."""
    scored = Scored([], [], [], [], [], {})
    for batch in _batches(files, READ_BATCH):
        pictures, kept = [], []
        for item in batch:
            try:
                data = item.path.read_bytes()
                prepared = prepare_image(data)
            except (OSError, ImageError) as error:
                reason = type(error).__name__
                scored.skipped[reason] = scored.skipped.get(reason, 0) + 1
                continue
            pictures.append(Picture(data, prepared))
            kept.append((item, hashlib.sha256(data).hexdigest()))
        for (item, digest), picture, p in zip(kept, pictures, detector.probability_real(pictures), strict=True):
            scored.digests.append(digest)
            scored.labels.append(item.label)
            scored.sources.append(item.source)
            scored.kinds.append(calibration.input_kind(picture.prepared.width, picture.prepared.height))
            scored.probability_real.append(float(p))
        if progress is not None:
            progress(len(batch))
    if not scored.digests:
        raise DataError("none of the pictures could be read")
    return scored


def _batches(items: Sequence, size: int) -> Iterator[Sequence]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def measurement(folder: DetectorFolder, scored: Scored) -> dict:
    """The full measurement.json of a detector folder: the report's figures, what serving needs, and the scores."""
    figures = measure_scores(
        np.asarray(scored.probability_real),
        np.asarray(scored.labels),
        np.asarray(scored.sources),
        np.asarray(scored.kinds),
    )
    logits = np.round(np.asarray(calibration.logit(np.asarray(scored.probability_real))), SCORE_DECIMALS)
    return {
        "detector": folder.name,
        **figures,
        "format_version": FORMAT_VERSION,
        "threshold": THRESHOLD,
        "fingerprint": fingerprint(scored.digests, scored.labels, scored.sources),
        "model_digest": folder.digest(),
        "measured_at": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "skipped": scored.skipped,
        # Per picture, so that detectors measured on the same pictures can be combined later.
        "scores": {
            "digest": scored.digests,
            "label": scored.labels,
            "source": scored.sources,
            "kind": scored.kinds,
            "logit": logits.tolist(),
        },
    }


def report(result: dict) -> dict:
    """Exactly the object `--json` prints."""
    return {key: result[key] for key in REPORT_KEYS}


def write_measurement(folder: DetectorFolder, result: dict) -> Path:
    """Write measurement.json beside the model (atomically: a reader never sees half of it)."""
    path = folder.measurement_path
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    temporary.write_text(json.dumps(result, indent=1) + "\n")
    os.replace(temporary, path)
    return path


def read_measurement(folder: DetectorFolder) -> tuple[dict | None, str]:
    """The folder's measurement if it still describes this model, else None and why not."""
    path = folder.measurement_path
    if not path.is_file():
        return None, f"not measured: run `detector models measure {folder.path} --data DIR`"
    try:
        result = json.loads(path.read_text())
        if result.get("format_version") != FORMAT_VERSION:
            return None, f"{path} was written by another version; measure it again"
        if result.get("model_digest") != folder.digest():
            return None, f"the model changed since {path} was written; measure it again"
        return result, ""
    except (OSError, ValueError, AttributeError) as error:
        return None, f"{path} cannot be read ({error}); measure it again"


def text_report(result: dict) -> str:
    """The measurement as a person reads it: per source, pooled, per band, calibration."""

    def figure(value, digits=3):
        return "n/a" if value is None else f"{value:.{digits}f}"

    lines = [f"{result['detector']}: {result['pictures']:,} pictures from {len(result['sources'])} sources", ""]
    width = max([len(name) for name in result["sources"]] + [6])
    lines.append(f"  {'source':<{width}}  pictures  ROC-AUC")
    for name, row in result["sources"].items():
        auc = figure(row["roc_auc"]) if row["roc_auc"] is not None else f"(one label: {row['share_right']:.0%} right)"
        lines.append(f"  {name:<{width}}  {row['pictures']:>8,}  {auc}")
    lines += [
        "",
        f"  mean of per-source ROC-AUCs  {figure(result['mean_source_roc_auc'])}  (detectors are ranked by it)",
        f"  pooled ROC-AUC               {figure(result['pooled_roc_auc'])}",
        "",
    ]
    if result["bands"]:
        lines.append("  accuracy per confidence band, calibrated on the other sources (held out one at a time):")
        for band in result["bands"]:
            if band["pictures"]:
                edges = f"{band['from']:.0%}-{band['to']:.0%}"
                lines.append(
                    f"    {band['kind']:<9} {edges:<8}  {band['pictures']:>6,} pictures  {band['accuracy']:>6.1%} right"
                )
        ece, wrong = figure(result["ece"], 4), figure(result["confidently_wrong"], 4)
        lines.append(f"  ECE {ece}, confidently wrong (over 90% sure and wrong) {wrong}")
    else:
        lines.append(
            f"  no calibration: each kind of picture needs pictures from at least {MIN_SOURCES} sources "
            "(name files <source>__<name>)"
        )
    skipped = result.get("skipped") or {}
    if skipped:
        lines.append("  skipped: " + ", ".join(f"{count} ({reason})" for reason, count in skipped.items()))
    return "\n".join(lines)


def progress_bar(total: int):
    """A tqdm bar on a terminal, else nothing; a function taking the number of files done."""
    if not sys.stderr.isatty():
        return None, lambda: None
    from tqdm import tqdm

    bar = tqdm(total=total, desc="measuring", unit="picture", dynamic_ncols=True)
    return bar.update, bar.close
