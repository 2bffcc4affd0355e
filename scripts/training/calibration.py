"""Calibration after training: one temperature per kind of input, the thumbnails' folded into the model."""

from __future__ import annotations

from pathlib import Path

import keras
import numpy as np

from detector.calibration import fit_temperature
from detector.contract import LOGIT_LAYER, SINGLE_VIEW_MODEL

from .common import THRESHOLD
from .model import average_with_mirror, mean_logit_of
from .modern import ModernImages


def apply_temperature(model: keras.Model, temperature: float) -> None:
    """Fold the temperature into the logit layer, so the saved model is calibrated as is."""
    logit = model.get_layer(SINGLE_VIEW_MODEL).get_layer(LOGIT_LAYER)
    kernel, bias = logit.get_weights()
    logit.set_weights([kernel / temperature, bias / temperature])


def calibrate(
    best_path: Path,
    val_pixels: np.ndarray,
    val_labels: np.ndarray,
    modern_val: ModernImages | None,
    modern_val_pixels: np.ndarray | None,
) -> tuple[keras.Model, float, float, dict]:
    """The best checkpoint as shipped, calibrated: (model, thumbnail temperature, CIFAKE val accuracy, kinds).

    The model is mirror-averaged with the thumbnails' temperature folded in;
    kinds holds each kind of input's temperature and measured accuracy for the
    model card (photos only when modern val pictures are given).
    """
    model = average_with_mirror(keras.models.load_model(best_path))
    logit_model = mean_logit_of(model)
    val_pixels = val_pixels.astype("float32")
    # Thumbnails: the temperature is folded into the model, so its raw output is
    # calibrated on CIFAKE-like input as the contract has always promised.
    temperature = fit_temperature(logit_model.predict(val_pixels, batch_size=512, verbose=0).ravel(), val_labels)
    apply_temperature(model, temperature)
    val_probs = model.predict(val_pixels, batch_size=512, verbose=0).ravel()
    val_accuracy = float(np.mean((val_probs > THRESHOLD) == (val_labels == 1)))
    kinds = {
        "thumbnail": {
            "temperature": 1.0,
            "measured_accuracy": round(val_accuracy, 5),
            "measured_on": f"{len(val_labels):,} CIFAKE validation thumbnails",
        }
    }
    if modern_val:
        modern_logits = logit_model.predict(modern_val_pixels.astype("float32"), batch_size=512, verbose=0).ravel()
        modern_accuracy = float(np.mean((modern_logits > 0) == (modern_val.labels == 1)))
        kinds["photo"] = {
            "temperature": round(fit_temperature(modern_logits, modern_val.labels), 4),
            "measured_accuracy": round(modern_accuracy, 5),
            "measured_on": f"{len(modern_val):,} photos and AI pictures from {len(set(modern_val.sources))} "
            "sources never used in training",
        }
    return model, temperature, val_accuracy, kinds
