"""How sure the pixel model is on the kind of picture in front of it.

The model's raw probability is calibrated for CIFAKE-like thumbnails only; on
today's larger photos the same number overstates what it knows. So the
product decides the kind of input from facts it has (the picture's original
size) and rescales the model's logit with a temperature fitted on validation
pictures of that kind (Guo et al., 2017). A temperature changes confidence,
never the label. The fitted values live in the model card; this module owns
the rule and the arithmetic, and nothing else re-thresholds.

Pure on purpose: no Flask and no TensorFlow.
"""

from __future__ import annotations

import math

import numpy as np

from .contract import CLASS_NAMES, IMAGE_SIZE, THRESHOLD, confidence_of

# Pictures no larger than this on their longer side are thumbnails like CIFAKE's.
THUMBNAIL_MAX_SIDE = 64
INPUT_KINDS = {
    "thumbnail": f"small pictures (at most {THUMBNAIL_MAX_SIDE} pixels on the longer side), like the CIFAKE "
    "thumbnails the model was first trained on",
    "photo": f"pictures larger than {THUMBNAIL_MAX_SIDE} pixels, like today's photos and generated images",
}
# Below this calibrated confidence the product says the model is unsure.
DEFAULT_UNSURE_BELOW = 0.65
# No training picture is smaller than 32 pixels on a side or stretched beyond 4:1
# (the modern set leaves such pictures out), so the model has never seen one.
SMALLEST_SEEN_SIDE = 32
WIDEST_SEEN_RATIO = 4.0
OUT_OF_DISTRIBUTION_NOTE = (
    "This picture is unlike the pictures the model was trained on, so its guess says little here."
)
UNSURE_NOTE = "The model is unsure about this picture: treat its guess as a coin toss."
# Calibrated confidence bands in which a measurement counts how often answers were right.
CONFIDENCE_BANDS = (0.5, 0.6, 0.7, 0.8, 0.9, 1.0)
# Bins of the expected calibration error, as the training scripts' reports use.
ECE_BINS = 15


def input_kind(width: int, height: int) -> str:
    """The kind of input a picture of this original size is."""
    return "thumbnail" if max(width, height) <= THUMBNAIL_MAX_SIDE else "photo"


def unlike_any_training_picture(width: int, height: int) -> bool:
    """True for shapes no training picture had: smaller than 32 pixels on a side, or stretched beyond 4:1."""
    short, long = sorted((width, height))
    return short < SMALLEST_SEEN_SIDE or long > WIDEST_SEEN_RATIO * short


def logit(probability: float | np.ndarray, threshold: float = THRESHOLD):
    """The model's score relative to its threshold: positive means REAL."""
    p = np.clip(np.asarray(probability, dtype=np.float64), 1e-7, 1 - 1e-7)
    t = min(max(threshold, 1e-7), 1 - 1e-7)
    return np.log(p / (1 - p)) - math.log(t / (1 - t))


def calibrated_probability_real(probability_real, temperature: float, threshold: float = THRESHOLD):
    """P(REAL) after temperature scaling around the threshold, so the label cannot change."""
    return 1.0 / (1.0 + np.exp(-logit(probability_real, threshold) / temperature))


def fit_temperature(logits: np.ndarray, labels: np.ndarray) -> float:
    """Temperature T minimising the log loss of sigmoid(logit / T) on labelled logits (1 = REAL)."""
    temperatures = np.exp(np.linspace(np.log(0.2), np.log(20.0), 600))
    signs = np.where(np.asarray(labels) == 1, 1.0, -1.0)
    # log(1 + exp(-y z / T)) is the binary log loss for y in {-1, 1}.
    losses = [np.mean(np.logaddexp(0.0, -signs * logits / t)) for t in temperatures]
    return float(temperatures[int(np.argmin(losses))])


def confidence_bands(confidence: np.ndarray, right: np.ndarray, edges=CONFIDENCE_BANDS) -> list[dict]:
    """Per band [from, to) of confidence (the last one closed): pictures, right answers and accuracy."""
    confidence, right = np.asarray(confidence, dtype=np.float64), np.asarray(right, dtype=bool)
    bands = []
    for low, high in zip(edges[:-1], edges[1:], strict=True):
        inside = (confidence >= low) & ((confidence < high) if high < edges[-1] else (confidence <= high))
        count = int(inside.sum())
        bands.append(
            {
                "from": low,
                "to": high,
                "pictures": count,
                "right": int(right[inside].sum()),
                "accuracy": round(float(right[inside].mean()), 4) if count else None,
            }
        )
    return bands


def band_of(bands: list[dict], confidence: float) -> dict | None:
    """The band that holds a confidence, as answers show it (from, to, pictures, accuracy), or None."""
    for band in bands or ():
        if band["from"] <= confidence < band["to"] or (confidence == band["to"] == 1.0):
            return {key: band[key] for key in ("from", "to", "pictures", "accuracy")}
    return None


def expected_calibration_error(probability_real, labels, bins: int = ECE_BINS, threshold: float = 0.5) -> float:
    """Mean |accuracy - confidence| over equal-width confidence bins, weighted by the pictures in each."""
    confidence = confidence_of(probability_real, threshold)
    right = (np.asarray(probability_real) > threshold) == (np.asarray(labels) == 1)
    which = np.clip(np.digitize(confidence, np.linspace(0.5, 1.0, bins + 1)[1:-1]), 0, bins - 1)
    gap = 0.0
    for b in range(bins):
        members = which == b
        if members.any():
            gap += members.sum() * abs(right[members].mean() - confidence[members].mean())
    return float(gap / len(confidence)) if len(confidence) else 0.0


def confidently_wrong_share(probability_real, labels, threshold: float = 0.5, above: float = 0.9) -> float:
    """Share of all pictures given the wrong label with a confidence above `above`."""
    confidence = confidence_of(probability_real, threshold)
    wrong = (np.asarray(probability_real) > threshold) != (np.asarray(labels) == 1)
    return float(np.mean(wrong & (confidence > above))) if len(confidence) else 0.0


def kind_calibration(card: dict, kind: str) -> dict:
    """The card's calibration of one input kind; temperature 1 and nothing measured when it has none."""
    kinds = card.get("calibration", {}).get("kinds", {})
    return {"temperature": 1.0, "measured_accuracy": None, "measured_on": None, "bands": [], **kinds.get(kind, {})}


def assess(
    probability_real: float,
    width: int,
    height: int,
    card: dict,
    threshold: float = THRESHOLD,
    out_of_distribution: bool = False,
) -> dict:
    """The pixel model's answer calibrated for this kind of input: the `model_assessment` of the API.

    A picture unlike any training picture gets the photo calibration, the most
    cautious one, whatever its size.
    """
    kind = input_kind(width, height)
    out_of_distribution = out_of_distribution or unlike_any_training_picture(width, height)
    calibration = kind_calibration(card, "photo" if out_of_distribution else kind)
    p_real = float(calibrated_probability_real(probability_real, calibration["temperature"], threshold))
    label = CLASS_NAMES[1] if logit(probability_real, threshold) > 0 else CLASS_NAMES[0]
    confidence = p_real if label == CLASS_NAMES[1] else 1.0 - p_real
    unsure = confidence < unsure_below(card)
    note = OUT_OF_DISTRIBUTION_NOTE if out_of_distribution else UNSURE_NOTE if unsure else None
    return {
        "label": label,
        "confidence": round(confidence, 6),
        "input_kind": kind,
        "input_kind_description": INPUT_KINDS[kind],
        "measured_accuracy": calibration["measured_accuracy"],
        "measured_on": calibration["measured_on"],
        # Bands were measured on pictures like those trained on: none speaks for a picture unlike them.
        "band": None if out_of_distribution else band_of(calibration["bands"], confidence),
        "unsure": bool(unsure),
        "out_of_distribution": bool(out_of_distribution),
        "note": note,
    }


def unsure_below(card: dict) -> float:
    """The calibrated confidence under which the product calls the model unsure."""
    return float(card.get("calibration", {}).get("unsure_below", DEFAULT_UNSURE_BELOW))


def decision_summary(card: dict, threshold: float = THRESHOLD) -> dict:
    """What decides a model verdict and how sure it may sound: the `decision` block of GET /api/model."""
    return {
        "threshold": threshold,
        "input_size": IMAGE_SIZE,
        "class_names": list(CLASS_NAMES),
        "unsure_below": unsure_below(card),
        "input_kinds": [
            {
                "name": kind,
                "description": description,
                "max_side": THUMBNAIL_MAX_SIDE if kind == "thumbnail" else None,
                **kind_calibration(card, kind),
            }
            for kind, description in INPUT_KINDS.items()
        ],
    }
