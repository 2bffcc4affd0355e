"""One prediction result, built the same way for the API and the command line.

Pure (no Flask): the caller has decoded the picture and run the model; this
adds the calibrated model assessment, the provenance findings and the verdict.
"""

from __future__ import annotations

from . import calibration
from .preprocessing import PreparedImage
from .provenance import TrustLists, read_provenance
from .verdict import VERDICT_RULES, decide


def evidence(
    data: bytes | None,
    probability_real: float,
    width: int,
    height: int,
    card: dict,
    threshold: float,
    trust: TrustLists | None = None,
    provenance: dict | None = None,
    detectors: list[dict] | None = None,
    lead: list[str] | None = None,
) -> dict:
    """`model_assessment`, `provenance`, `detectors` and `verdict` for one picture (its bytes and the model's P(REAL)).

    provenance, when the caller has read it already, stands in for reading data;
    detectors are the brought detectors' lines for it, lead the order in which
    pixel evidence leads (detectors.registry.Registry).
    """
    assessment = calibration.assess(probability_real, width, height, card, threshold)
    if provenance is None:
        provenance = read_provenance(data, trust)
    detectors = detectors or []
    return {
        "model_assessment": assessment,
        "provenance": provenance,
        "detectors": detectors,
        "verdict": decide(assessment, provenance, detectors, lead),
    }


def prediction(
    filename: str | None,
    data: bytes | None,
    image: PreparedImage,
    probability_real: float,
    inference_ms: float,
    classifier,
    trust: TrustLists | None = None,
    provenance: dict | None = None,
    detectors: list[dict] | None = None,
    lead: list[str] | None = None,
) -> dict:
    """The full result for one picture, in the shape POST /api/predict answers."""
    label, confidence = classifier.decide(probability_real)
    return {
        "filename": filename,
        "label": label,
        "probability_real": round(float(probability_real), 6),
        "confidence": round(confidence, 6),
        "threshold": classifier.threshold,
        "model_version": classifier.version,
        "inference_ms": round(inference_ms, 3),
        "image": image_info(image),
        **evidence(
            data,
            probability_real,
            image.width,
            image.height,
            classifier.card,
            classifier.threshold,
            trust,
            provenance,
            detectors,
            lead,
        ),
    }


def image_info(image: PreparedImage) -> dict:
    """The `image` block: the picture's size as displayed, its format, and the stored preview read or refused."""
    info = {"width": image.width, "height": image.height, "format": image.format}
    if image.preview:
        checked, tiles = image.preview_tiles or (0, 0)
        info["preview"] = {"width": image.preview[0], "height": image.preview[1]}
        info["preview"].update(checked_tiles=checked, tiles=tiles)
    if image.different_preview:
        info["different_preview"] = {"width": image.different_preview[0], "height": image.different_preview[1]}
    return info


def decision(card: dict, threshold: float) -> dict:
    """The `decision` block of GET /api/model: the calibration summary and the verdict rule."""
    return {**calibration.decision_summary(card, threshold), "verdict_rules": list(VERDICT_RULES)}
