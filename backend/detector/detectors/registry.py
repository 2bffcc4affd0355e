"""The detectors a service (or a scan) runs: every folder under DETECTORS_DIR, and what each may say.

Loaded once per process. A folder that is not a detector, or whose model is
broken or asks for code, is refused with one line naming the file, and the
others still serve. A detector speaks only once measured (measurement.json
beside it, for this very model); one that is not is listed with the reason and
stays silent. Each picture gets one evidence line per measured detector: its
lean, its confidence calibrated for this kind of picture, and how often
answers in that confidence band were right on sources it never saw. Within a
request, a detector that would take longer than its share of the time left is
skipped with a note.
"""

from __future__ import annotations

import json
import logging
import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .. import calibration, verdict
from ..contract import CLASS_NAMES, THRESHOLD
from .combine import COMBINED, combine, combined_logit
from .folder import DetectorFolder, FolderError, read_folder
from .inputs import Picture
from .measure import read_measurement
from .runtime import BuiltinDetector, Detector, LoadError, load

MEASURED, NOT_MEASURED, FAILED, MODEL_CARD = "measured", "not_measured", "failed", "model_card"


@dataclass
class Entry:
    """One detector folder and what became of it at start."""

    name: str
    path: str
    format: str | None
    state: str
    reason: str | None = None
    detector: Detector | None = None
    measurement: dict | None = None


class Registry:
    """The loaded detectors, the order in which pixel evidence leads, and their evidence per picture."""

    def __init__(
        self,
        entries: list[Entry],
        builtin: Entry | None = None,
        unsure_below: float = 0.65,
        builtin_card_auc: float | None = None,
    ):
        self.entries = entries
        self.builtin = builtin
        if builtin is not None and builtin.measurement is None and builtin_card_auc is not None:
            builtin.reason = f"{builtin.reason}; the card's mean per-source ROC-AUC on modern val: {builtin_card_auc}"
        self.unsure_below = unsure_below
        measured = [e for e in [builtin, *entries] if e is not None and e.state == MEASURED]
        self.combination = _best_combination([e.measurement for e in measured])
        candidates = [
            {"name": e.name, "mean_source_roc_auc": e.measurement["mean_source_roc_auc"]}
            for e in measured
            if e is not builtin
        ]
        # The built-in model competes with its own measurement, else with the figure of its card.
        builtin_auc = (
            builtin.measurement["mean_source_roc_auc"] if builtin and builtin.measurement else builtin_card_auc
        )
        candidates.append({"name": verdict.BUILTIN, "mean_source_roc_auc": builtin_auc})
        if self.combination:
            candidates.append(
                {
                    "name": COMBINED,
                    "mean_source_roc_auc": self.combination["mean_source_roc_auc"],
                    "combines": self.combination["combines"],
                }
            )
        self.lead = verdict.lead_order(candidates)
        if COMBINED not in self.lead:
            self.combination = None  # it did not beat the best of its detectors by enough: not shown

    @classmethod
    def empty(cls) -> Registry:
        """No detectors: the built-in model alone."""
        return cls([])

    @classmethod
    def load(
        cls,
        folder: str | Path | None,
        classifier=None,
        model_path: str | Path | None = None,
        log: logging.Logger | None = None,
    ) -> Registry:
        """Every detector under folder (each subfolder one detector), with the built-in model's own measurement."""
        log = log or logging.getLogger(__name__)
        builtin = _builtin_entry(classifier, model_path) if model_path else None
        entries: list[Entry] = []
        if folder:
            root = Path(folder)
            if not root.is_dir():
                log.error("DETECTORS_DIR %s is not a folder: no detectors loaded", root)
            else:
                for path in sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith(".")):
                    entry = _load_entry(path, {e.name for e in entries} | {verdict.BUILTIN, COMBINED})
                    if entry.state == FAILED:
                        log.error("detector refused: %s", entry.reason)
                    else:
                        log.info("detector %s: %s", entry.name, entry.state.replace("_", " "))
                    entries.append(entry)
        card = getattr(classifier, "card", None) or _card_beside(model_path)
        return cls(entries, builtin, calibration.unsure_below(card), card_mean_source_auc(card))

    @property
    def speaking(self) -> list[Entry]:
        """The detectors that give evidence: measured and loaded."""
        return [entry for entry in self.entries if entry.state == MEASURED and entry.detector is not None]

    def status(self) -> list[dict]:
        """Every detector with its state and, once measured, its figures: the `detectors` of GET /api/model."""
        rows = []
        for entry in [self.builtin, *self.entries]:
            if entry is None:
                continue
            name = verdict.BUILTIN if entry is self.builtin else entry.name
            rows.append(
                {
                    "name": name,
                    "format": entry.format,
                    "state": entry.state,
                    "reason": entry.reason,
                    "lead_rank": self.lead.index(name) + 1 if name in self.lead else None,
                    "measurement": _summary(entry.measurement),
                }
            )
        if self.combination:
            rows.append(
                {
                    "name": COMBINED,
                    "format": "combination",
                    "state": MEASURED,
                    "reason": "stacks " + ", ".join(self.combination["combines"]),
                    "lead_rank": self.lead.index(COMBINED) + 1,
                    "measurement": _summary(self.combination),
                }
            )
        return rows

    def evidence(
        self,
        pictures: Sequence[Picture],
        builtin_probability_real: Sequence[float],
        deadline: float | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> list[list[dict]]:
        """Per picture, one evidence line per measured detector (and the combination where it leads)."""
        speaking = self.speaking
        probabilities: dict[str, np.ndarray] = {}
        notes: dict[str, str] = {}
        for index, entry in enumerate(speaking):
            left = math.inf if deadline is None else deadline - clock()
            share = left / (len(speaking) - index)
            expected = entry.detector.seconds_per_picture * len(pictures)
            if share <= 0 or expected > share:
                notes[entry.name] = (
                    f"Skipped for this request: it takes about {expected:.1f} s for these pictures, more than its "
                    f"share ({max(share, 0):.1f} s) of the time left."
                )
                continue
            try:
                probabilities[entry.name] = entry.detector.probability_real(pictures)
            except Exception as error:  # one detector failing must not fail the request
                notes[entry.name] = f"Skipped for this request: it failed on these pictures ({type(error).__name__})."
        probabilities[verdict.BUILTIN] = np.asarray(builtin_probability_real, dtype=np.float64)
        lines = []
        for i, picture in enumerate(pictures):
            kind = calibration.input_kind(picture.prepared.width, picture.prepared.height)
            row = []
            for entry in speaking:
                if entry.name in notes:
                    row.append(skipped_line(entry.name, entry.measurement, kind, notes[entry.name]))
                else:
                    p = float(probabilities[entry.name][i])
                    row.append(evidence_line(entry.name, entry.measurement, p, kind, self.unsure_below))
            if self.combination:
                row.append(self._combined_line(probabilities, i, kind))
            lines.append(row)
        return lines

    def _combined_line(self, probabilities: dict[str, np.ndarray], i: int, kind: str) -> dict:
        """The combination's line for picture i, or a note when one of its detectors was skipped."""
        members = self.combination["combines"]
        missing = [name for name in members if name not in probabilities]
        if missing:
            return skipped_line(COMBINED, self.combination, kind, f"Skipped: {', '.join(missing)} did not run.")
        logits = {name: float(calibration.logit(probabilities[name][i])) for name in members}
        z = combined_logit(self.combination["weights"], self.combination["bias"], logits)
        line = evidence_line(COMBINED, self.combination, 1 / (1 + math.exp(-z)), kind, self.unsure_below)
        return {**line, "combines": members}


def evidence_line(name: str, measurement: dict, probability_real: float, kind: str, unsure_below: float) -> dict:
    """One detector's answer on one picture, calibrated for its kind, with the band it falls in."""
    label = CLASS_NAMES[int(probability_real > THRESHOLD)]
    fitted = measurement["kinds"].get(kind)
    if fitted is None:
        confidence = max(probability_real, 1 - probability_real)
        note = f"Not measured on {kind}s from at least two sources: its answer cannot be judged."
        return _line(name, measurement, kind, label, confidence, None, False, False, note)
    p = float(calibration.calibrated_probability_real(probability_real, fitted["temperature"]))
    confidence = p if label == "REAL" else 1 - p
    band = calibration.band_of([b for b in measurement["bands"] if b["kind"] == kind], confidence)
    return _line(name, measurement, kind, label, confidence, band, confidence < unsure_below, True, None)


def skipped_line(name: str, measurement: dict, kind: str, note: str) -> dict:
    """A detector's line for a picture it did not answer, saying why."""
    return _line(name, measurement, kind, None, None, None, False, kind in measurement["kinds"], note)


def _line(name, measurement, kind, label, confidence, band, unsure, kind_measured, note) -> dict:
    fitted = measurement["kinds"].get(kind)
    measured_on = (
        f"{fitted['pictures']:,} {kind}s from {fitted['sources']} sources, each judged with a calibration "
        "fitted on the others"
        if fitted
        else None
    )
    return {
        "name": name,
        "label": label,
        "confidence": round(float(confidence), 6) if confidence is not None else None,
        "input_kind": kind,
        "band": band,
        "unsure": bool(unsure),
        "kind_measured": bool(kind_measured),
        "measured_on": measured_on,
        "mean_source_roc_auc": _rounded(measurement.get("mean_source_roc_auc")),
        "combines": None,
        "note": note,
    }


def _rounded(value: float | None) -> float | None:
    return round(float(value), 4) if value is not None else None


def _summary(measurement: dict | None) -> dict | None:
    """What GET /api/model shows of a measurement: its figures, not its per-picture scores."""
    if measurement is None:
        return None
    return {
        "pictures": measurement["pictures"],
        "sources": len(measurement["sources"]),
        "pooled_roc_auc": _rounded(measurement["pooled_roc_auc"]),
        "mean_source_roc_auc": _rounded(measurement["mean_source_roc_auc"]),
        "ece": _rounded(measurement["ece"]),
        "confidently_wrong": _rounded(measurement["confidently_wrong"]),
        "measured_at": measurement.get("measured_at"),
        "bands": [
            {key: band[key] for key in ("kind", "from", "to", "pictures", "accuracy")}
            for band in measurement["bands"]
            if band["pictures"]
        ],
    }


def _load_entry(path: Path, taken: set[str]) -> Entry:
    """Read, load and check one folder; a failure becomes a failed entry with the reason."""
    try:
        folder = read_folder(path)
    except FolderError as error:
        return Entry(path.name, str(path), None, FAILED, str(error))
    if folder.name in taken:
        return Entry(folder.name, str(path), folder.format, FAILED, f"{path}: another detector is named {folder.name}")
    try:
        detector = load(folder)
    except LoadError as error:
        return Entry(folder.name, str(path), folder.format, FAILED, str(error))
    measurement, why = read_measurement(folder)
    if measurement is None:
        return Entry(folder.name, str(path), folder.format, NOT_MEASURED, why)
    return Entry(folder.name, str(path), folder.format, MEASURED, None, detector, measurement)


def _builtin_entry(classifier, model_path: str | Path) -> Entry | None:
    """The built-in model as a detector: measured when measurement.json beside it describes it, else its card's.

    Without the classifier (listing only) it is described but not runnable.
    """
    try:
        folder: DetectorFolder = read_folder(Path(model_path).parent)
    except FolderError:
        return None
    measurement, why = read_measurement(folder)
    state = MEASURED if measurement else MODEL_CARD
    reason = None
    if measurement is None:
        reason = (
            f"figures from the model card; {why}"
            if folder.measurement_path.exists()
            else "figures from the model card (not measured here: `detector models measure builtin --data DIR`)"
        )
    return Entry(
        verdict.BUILTIN, str(folder.path), "builtin", state, reason, BuiltinDetector(folder, classifier), measurement
    )


def card_mean_source_auc(card: dict) -> float | None:
    """The mean per-source ROC-AUC the model card gives the built-in model on sources it never trained on."""
    rows = ((card.get("metrics") or {}).get("modern_val") or {}).get("per_source") or []
    aucs = [row["roc_auc"] for row in rows if row.get("roc_auc") is not None]
    return round(float(np.mean(aucs)), 4) if aucs else None


def _card_beside(model_path: str | Path | None) -> dict:
    """The model card next to a model file, or nothing."""
    path = Path(model_path).with_name("model_card.json") if model_path else None
    try:
        return json.loads(path.read_text()) if path and path.is_file() else {}
    except (OSError, ValueError):
        return {}


def _best_combination(measurements: list[dict]) -> dict | None:
    """The stacking of the detectors measured on the same pictures as the best one, if there are several."""
    if len(measurements) < 2:
        return None
    best = max(measurements, key=lambda m: m["mean_source_roc_auc"] or 0.0)
    group = [m for m in measurements if m["fingerprint"] == best["fingerprint"]]
    return combine(group) if len(group) >= 2 else None
