"""The model contract shared by training, serving and evaluation, and its decision rule.

classifier.h5 takes float32 RGB pixels in 0..255 of shape (None, IMAGE_SIZE,
IMAGE_SIZE, 3), rescales them itself, and returns (None, 1): the sigmoid
probability that the image is REAL. Above the threshold means REAL, otherwise
FAKE. This module is the one place that says so: the classifier, the
metrics, training, export and the command line all decide through it.
"""

from __future__ import annotations

import numpy as np

IMAGE_SIZE = 32
# Label 1 is REAL; listed in label order, which Keras would otherwise make alphabetical.
CLASS_NAMES = ("FAKE", "REAL")
# The default; a model card may name its own.
THRESHOLD = 0.5

# Layer names that Grad-CAM and calibration look for (optional in other models):
# the pre-sigmoid score, and the network that scores one view when the model
# averages the image and its mirror image.
LOGIT_LAYER = "logit"
SINGLE_VIEW_MODEL = "single_view"


def predicted_real(probabilities, threshold: float = THRESHOLD) -> np.ndarray:
    """True where the decision is REAL, for one probability or an array of them."""
    return np.asarray(probabilities) > threshold


def label_of(probability_real: float, threshold: float = THRESHOLD) -> str:
    """REAL above the threshold, FAKE otherwise."""
    return CLASS_NAMES[int(predicted_real(probability_real, threshold))]


def confidence_of(probabilities, threshold: float = THRESHOLD):
    """The model's probability of the label it gives: P(REAL) for REAL, 1 - P(REAL) for FAKE."""
    probabilities = np.asarray(probabilities, dtype=float)
    return np.where(predicted_real(probabilities, threshold), probabilities, 1 - probabilities)
