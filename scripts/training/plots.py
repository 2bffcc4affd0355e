"""The evaluation report's figures: training curves, confusion matrix, ROC, reliability, JPEG and per source.

Each function draws one PNG; PLOTS names them for the model card, which the
web app reads to show them. matplotlib draws off-screen (Agg), so no display
is needed.
"""

from __future__ import annotations

import csv
from pathlib import Path

import matplotlib
import numpy as np

from .common import CLASS_NAMES
from .metrics import calibration_bins

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

PLOTS = (
    ("loss", "Loss per epoch", "loss.png"),
    ("accuracy", "Accuracy per epoch", "accuracy.png"),
    ("confusion_matrix", "Confusion matrix on the test split", "confusion_matrix.png"),
    ("roc_curve", "ROC curve on the test split", "roc_curve.png"),
    ("reliability_diagram", "Reliability diagram on thumbnails (CIFAKE test)", "reliability_diagram.png"),
    ("jpeg_robustness", "Accuracy after JPEG re-compression", "jpeg_robustness.png"),
    ("reliability_photo", "Reliability diagram on photos (modern val)", "reliability_photo.png"),
    ("accuracy_per_source", "Accuracy per source", "accuracy_per_source.png"),
)


def read_history(path: Path) -> dict[str, list[float]] | None:
    """Columns of a Keras CSVLogger file, or None when there is none."""
    if not path.is_file():
        return None
    with path.open() as handle:
        rows = list(csv.DictReader(handle))
    if not rows:
        return None
    return {key: [float(row[key]) for row in rows] for key in rows[0]}


def plot_curves(history: dict | None, metric: str, path: Path) -> None:
    """Training and validation curve of metric per epoch."""
    fig, ax = plt.subplots(figsize=(6, 4))
    if history:
        epochs = [int(e) + 1 for e in history["epoch"]]
        ax.plot(epochs, history[metric], label="training")
        ax.plot(epochs, history[f"val_{metric}"], label="validation")
        ax.legend()
    else:
        ax.text(0.5, 0.5, "no training history", ha="center", va="center", transform=ax.transAxes)
    ax.set(xlabel="epoch", ylabel=metric, title=f"{metric.capitalize()} per epoch")
    ax.grid(alpha=0.3)
    _save(fig, path)


def plot_confusion(matrix: list[list[int]], path: Path) -> None:
    """Confusion matrix with counts and row percentages."""
    matrix = np.asarray(matrix)
    fig, ax = plt.subplots(figsize=(4.8, 4.2))
    ax.imshow(matrix, cmap="Blues")
    for (row, col), count in np.ndenumerate(matrix):
        share = count / max(1, matrix[row].sum())
        ax.text(
            col,
            row,
            f"{count:,}\n{share:.1%}",
            ha="center",
            va="center",
            color="white" if count > matrix.max() / 2 else "black",
        )
    ax.set(
        xticks=[0, 1],
        yticks=[0, 1],
        xticklabels=CLASS_NAMES,
        yticklabels=CLASS_NAMES,
        xlabel="predicted",
        ylabel="true",
        title="Confusion matrix (test split)",
    )
    _save(fig, path)


def plot_roc(probabilities: np.ndarray, labels: np.ndarray, auc: float | None, path: Path) -> None:
    """ROC curve for REAL as the positive class."""
    from sklearn.metrics import roc_curve

    fpr, tpr, _ = roc_curve(labels, probabilities)
    fig, ax = plt.subplots(figsize=(4.8, 4.4))
    ax.plot(fpr, tpr, label=f"CNN (AUC = {auc:.4f})" if auc is not None else "CNN")
    ax.plot([0, 1], [0, 1], linestyle="--", color="grey", label="chance")
    ax.set(
        xlabel="false positive rate (FAKE called REAL)",
        ylabel="true positive rate (REAL called REAL)",
        title="ROC curve (test split)",
    )
    ax.legend(loc="lower right")
    ax.grid(alpha=0.3)
    _save(fig, path)


def plot_reliability(probabilities: np.ndarray, labels: np.ndarray, ece: float, path: Path) -> None:
    """Accuracy against confidence per bin, with the diagonal of perfect calibration."""
    rows = calibration_bins(probabilities, labels)
    confidence, accuracy_per_bin, counts = (np.array(column) for column in zip(*rows, strict=True))
    fig, ax = plt.subplots(figsize=(4.8, 4.4))
    ax.plot([0.5, 1], [0.5, 1], linestyle="--", color="grey", label="perfect calibration")
    ax.plot(confidence, accuracy_per_bin, marker="o", label=f"CNN (ECE = {ece:.2%})")
    for x, y, n in zip(confidence, accuracy_per_bin, counts, strict=True):
        ax.annotate(f"{n}", (x, y), textcoords="offset points", xytext=(0, -12), ha="center", fontsize=7)
    ax.set(
        xlabel="confidence of the predicted label",
        ylabel="accuracy",
        xlim=(0.5, 1.0),
        title="Reliability diagram (test split)",
    )
    ax.legend(loc="upper left")
    ax.grid(alpha=0.3)
    _save(fig, path)


def plot_reliability_photo(
    raw: np.ndarray, calibrated: np.ndarray, labels: np.ndarray, report: dict, path: Path
) -> None:
    """Reliability of the raw and the calibrated confidence on modern val."""
    fig, ax = plt.subplots(figsize=(4.8, 4.4))
    ax.plot([0.5, 1], [0.5, 1], linestyle="--", color="grey", label="perfect calibration")
    for probabilities, name, key in ((raw, "raw model", "raw"), (calibrated, "as shown", "calibrated")):
        rows = calibration_bins(probabilities, labels, bins=10)
        confidence, accuracy_per_bin, _ = (np.array(column) for column in zip(*rows, strict=True))
        ax.plot(confidence, accuracy_per_bin, marker="o", label=f"{name} (ECE = {report[key]['ece']:.1%})")
    ax.set(
        xlabel="confidence of the predicted label",
        ylabel="accuracy",
        xlim=(0.5, 1.0),
        ylim=(0, 1.02),
        title="Reliability on photos (modern val)",
    )
    ax.legend(loc="lower left", fontsize=8)
    ax.grid(alpha=0.3)
    _save(fig, path)


def plot_per_source(rows: list[dict], cifake_accuracy: float, path: Path) -> None:
    """Accuracy per modern val source, with CIFAKE test for comparison and chance as a line."""
    names = ["CIFAKE test"] + [f"{row['source']}\n(n={row['images']})" for row in rows]
    values = [cifake_accuracy] + [row["accuracy"] for row in rows]
    fig, ax = plt.subplots(figsize=(7, 4))
    bars = ax.bar(names, values, color=["#4c72b0"] + ["#dd8452"] * len(rows))
    ax.bar_label(bars, labels=[f"{v:.0%}" for v in values], fontsize=8)
    ax.axhline(0.5, linestyle="--", color="grey", label="chance")
    ax.set(ylim=(0, 1.05), ylabel="accuracy", title="Accuracy per source (modern val: sources never trained on)")
    ax.tick_params(axis="x", labelsize=8)
    ax.legend(loc="lower right")
    _save(fig, path)


def plot_jpeg(baseline: float, robustness: list[dict], path: Path) -> None:
    """Accuracy against JPEG quality."""
    fig, ax = plt.subplots(figsize=(6, 4))
    qualities = [row["quality"] for row in robustness]
    ax.plot(qualities, [row["accuracy"] for row in robustness], marker="o", label="re-compressed")
    ax.axhline(baseline, linestyle="--", color="grey", label=f"original files ({baseline:.2%})")
    ax.invert_xaxis()
    ax.set(xlabel="JPEG quality", ylabel="accuracy", title="Accuracy after JPEG re-compression (test split)")
    ax.legend(loc="lower left")
    ax.grid(alpha=0.3)
    _save(fig, path)


def _save(fig, path: Path) -> None:
    """Write fig as PNG and release it."""
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
