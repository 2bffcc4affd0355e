"""Classification metrics on P(REAL): pure NumPy and scikit-learn, no TensorFlow."""

from __future__ import annotations

import numpy as np
from sklearn.metrics import confusion_matrix, precision_recall_fscore_support, roc_auc_score

from common import CLASS_NAMES, THRESHOLD

CALIBRATION_BINS = 15


def calibration_bins(probabilities: np.ndarray, labels: np.ndarray, bins: int = CALIBRATION_BINS):
    """Per equal-width bin of the predicted label's confidence: (confidence, accuracy, count)."""
    predicted_real = probabilities > THRESHOLD
    confidence = np.where(predicted_real, probabilities, 1 - probabilities)
    correct = predicted_real == (labels == 1)
    # Confidence of the predicted label lies in [0.5, 1].
    edges = np.linspace(0.5, 1.0, bins + 1)
    which = np.clip(np.digitize(confidence, edges[1:-1]), 0, bins - 1)
    rows = []
    for b in range(bins):
        members = which == b
        if members.any():
            rows.append((float(confidence[members].mean()), float(correct[members].mean()), int(members.sum())))
    return rows


def expected_calibration_error(probabilities: np.ndarray, labels: np.ndarray, bins: int = CALIBRATION_BINS) -> float:
    """Mean |accuracy - confidence| over bins, weighted by how many images fall in each."""
    rows = calibration_bins(probabilities, labels, bins)
    total = sum(count for _, _, count in rows)
    return float(sum(count * abs(accuracy - confidence) for confidence, accuracy, count in rows) / total)


def accuracy(probabilities: np.ndarray, labels: np.ndarray) -> float:
    """Share of images whose thresholded label is right."""
    return float(np.mean((probabilities > THRESHOLD) == (labels == 1)))


def classification_report(probabilities: np.ndarray, labels: np.ndarray) -> dict:
    """Accuracy, per-class precision/recall/F1, ROC-AUC, confusion matrix and ECE."""
    predicted = (probabilities > THRESHOLD).astype(int)
    precision, recall, f1, support = precision_recall_fscore_support(
        labels, predicted, labels=[0, 1], zero_division=0
    )
    has_both = len(np.unique(labels)) == 2
    return {
        "test_images": int(len(labels)),
        "accuracy": round(accuracy(probabilities, labels), 5),
        "roc_auc": round(float(roc_auc_score(labels, probabilities)), 5) if has_both else None,
        "ece": round(expected_calibration_error(probabilities, labels), 5),
        "per_class": {
            name: {"precision": round(float(precision[i]), 5), "recall": round(float(recall[i]), 5),
                   "f1": round(float(f1[i]), 5), "support": int(support[i])}
            for i, name in enumerate(CLASS_NAMES)
        },
        "confusion_matrix": {
            "labels": list(CLASS_NAMES),
            "matrix": confusion_matrix(labels, predicted, labels=[0, 1]).tolist(),
        },
    }
