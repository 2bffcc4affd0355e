"""Classification metrics on P(REAL): pure NumPy and scikit-learn, no TensorFlow.

The calibration error and the confidently-wrong share are the service's own (detector.calibration),
so that a model card and a brought detector's measurement count them the same way.
"""

from __future__ import annotations

import numpy as np
from sklearn.metrics import confusion_matrix, precision_recall_fscore_support, roc_auc_score

from detector.calibration import confidently_wrong_share, expected_calibration_error
from detector.contract import confidence_of, predicted_real

from .common import CLASS_NAMES, THRESHOLD

CALIBRATION_BINS = 15


def calibration_bins(
    probabilities: np.ndarray, labels: np.ndarray, bins: int = CALIBRATION_BINS, threshold: float = THRESHOLD
):
    """Per equal-width bin of the predicted label's confidence: (confidence, accuracy, count)."""
    confidence = confidence_of(probabilities, threshold)
    correct = predicted_real(probabilities, threshold) == (labels == 1)
    # Confidence of the predicted label lies in [0.5, 1].
    edges = np.linspace(0.5, 1.0, bins + 1)
    which = np.clip(np.digitize(confidence, edges[1:-1]), 0, bins - 1)
    rows = []
    for b in range(bins):
        members = which == b
        if members.any():
            rows.append((float(confidence[members].mean()), float(correct[members].mean()), int(members.sum())))
    return rows


def accuracy(probabilities: np.ndarray, labels: np.ndarray, threshold: float = THRESHOLD) -> float:
    """Share of images whose thresholded label is right."""
    return float(np.mean(predicted_real(probabilities, threshold) == (labels == 1)))


def classification_report(probabilities: np.ndarray, labels: np.ndarray, threshold: float = THRESHOLD) -> dict:
    """Accuracy, per-class precision/recall/F1, ROC-AUC, confusion matrix, ECE and confidently-wrong rate."""
    predicted = predicted_real(probabilities, threshold).astype(int)
    precision, recall, f1, support = precision_recall_fscore_support(labels, predicted, labels=[0, 1], zero_division=0)
    has_both = len(np.unique(labels)) == 2
    return {
        "test_images": int(len(labels)),
        "accuracy": round(accuracy(probabilities, labels, threshold), 5),
        "roc_auc": round(float(roc_auc_score(labels, probabilities)), 5) if has_both else None,
        "ece": round(expected_calibration_error(probabilities, labels, threshold=threshold), 5),
        "confidently_wrong": round(confidently_wrong_share(probabilities, labels, threshold), 5),
        "per_class": {
            name: {
                "precision": round(float(precision[i]), 5),
                "recall": round(float(recall[i]), 5),
                "f1": round(float(f1[i]), 5),
                "support": int(support[i]),
            }
            for i, name in enumerate(CLASS_NAMES)
        },
        "confusion_matrix": {
            "labels": list(CLASS_NAMES),
            "matrix": confusion_matrix(labels, predicted, labels=[0, 1]).tolist(),
        },
    }
