"""Evaluate a trained model on the CIFAKE test split and draw the report's plots.

    python scripts/evaluate.py --data dataset --model backend/model/classifier.h5

--data is a folder in the Kaggle layout or the cifake-test.zip itself. Writes
performance/metrics.json and the plots (loss, accuracy, confusion matrix, ROC
curve, reliability diagram, JPEG robustness), and records the metrics and plot
list in the model card next to the model.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import time
from pathlib import Path

import numpy as np
from PIL import Image

from common import (
    CLASS_NAMES,
    DEFAULT_DATA_DIR,
    DEFAULT_MODEL_PATH,
    PERFORMANCE_DIR,
    load_classifier,
    load_split,
    prepare_image,
    progress,
    run_main,
)
from metrics import accuracy, calibration_bins, classification_report

import matplotlib  # noqa: E402

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

JPEG_QUALITIES = (95, 90, 75, 60, 50, 40, 30, 20, 10)
PLOTS = (
    ("loss", "Loss per epoch", "loss.png"),
    ("accuracy", "Accuracy per epoch", "accuracy.png"),
    ("confusion_matrix", "Confusion matrix on the test split", "confusion_matrix.png"),
    ("roc_curve", "ROC curve on the test split", "roc_curve.png"),
    ("reliability_diagram", "Reliability diagram (calibration)", "reliability_diagram.png"),
    ("jpeg_robustness", "Accuracy after JPEG re-compression", "jpeg_robustness.png"),
)


def parse_args(argv=None) -> argparse.Namespace:
    """Command-line options."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA_DIR,
                        help="folder with test/REAL and test/FAKE, or cifake-test.zip (default: $CIFAKE_DIR or dataset/)")
    parser.add_argument("--split", default="test")
    parser.add_argument("--model", type=Path, default=DEFAULT_MODEL_PATH)
    parser.add_argument("--out", type=Path, default=PERFORMANCE_DIR, help="where metrics.json and the plots go")
    parser.add_argument("--history", type=Path, default=None,
                        help="training history CSV for the curves (default: OUT/history.csv)")
    parser.add_argument("--jpeg-qualities", type=int, nargs="*", default=list(JPEG_QUALITIES))
    parser.add_argument("--no-card", action="store_true", help="do not write the metrics into model_card.json")
    return parser.parse_args(argv)


def predict_all(classifier, pixels: np.ndarray, batch_size: int = 1024) -> np.ndarray:
    """P(REAL) for every image, in batches."""
    return np.concatenate([classifier.predict(pixels[i:i + batch_size]) for i in range(0, len(pixels), batch_size)])


def recompress(pixels: np.ndarray, quality: int) -> np.ndarray:
    """Every image re-encoded as JPEG at quality and decoded again by the serving preprocessing."""
    out = np.empty_like(pixels)
    for i in progress(range(len(pixels)), f"JPEG q{quality}"):
        buffer = io.BytesIO()
        Image.fromarray(pixels[i]).save(buffer, format="JPEG", quality=quality)
        out[i] = prepare_image(buffer.getvalue()).pixels
    return out


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
        ax.text(col, row, f"{count:,}\n{share:.1%}", ha="center", va="center",
                color="white" if count > matrix.max() / 2 else "black")
    ax.set(xticks=[0, 1], yticks=[0, 1], xticklabels=CLASS_NAMES, yticklabels=CLASS_NAMES,
           xlabel="predicted", ylabel="true", title="Confusion matrix (test split)")
    _save(fig, path)


def plot_roc(probabilities: np.ndarray, labels: np.ndarray, auc: float | None, path: Path) -> None:
    """ROC curve for REAL as the positive class."""
    from sklearn.metrics import roc_curve

    fpr, tpr, _ = roc_curve(labels, probabilities)
    fig, ax = plt.subplots(figsize=(4.8, 4.4))
    ax.plot(fpr, tpr, label=f"CNN (AUC = {auc:.4f})" if auc is not None else "CNN")
    ax.plot([0, 1], [0, 1], linestyle="--", color="grey", label="chance")
    ax.set(xlabel="false positive rate (FAKE called REAL)", ylabel="true positive rate (REAL called REAL)",
           title="ROC curve (test split)")
    ax.legend(loc="lower right")
    ax.grid(alpha=0.3)
    _save(fig, path)


def plot_reliability(probabilities: np.ndarray, labels: np.ndarray, ece: float, path: Path) -> None:
    """Accuracy against confidence per bin, with the diagonal of perfect calibration."""
    rows = calibration_bins(probabilities, labels)
    confidence, accuracy_per_bin, counts = (np.array(column) for column in zip(*rows))
    fig, ax = plt.subplots(figsize=(4.8, 4.4))
    ax.plot([0.5, 1], [0.5, 1], linestyle="--", color="grey", label="perfect calibration")
    ax.plot(confidence, accuracy_per_bin, marker="o", label=f"CNN (ECE = {ece:.2%})")
    for x, y, n in zip(confidence, accuracy_per_bin, counts):
        ax.annotate(f"{n}", (x, y), textcoords="offset points", xytext=(0, -12), ha="center", fontsize=7)
    ax.set(xlabel="confidence of the predicted label", ylabel="accuracy", xlim=(0.5, 1.0),
           title="Reliability diagram (test split)")
    ax.legend(loc="upper left")
    ax.grid(alpha=0.3)
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


def main(argv=None) -> int:
    """Measure, plot and record."""
    args = parse_args(argv)
    classifier = load_classifier(args.model)
    data = load_split(args.data, args.split)
    started = time.perf_counter()
    probabilities = predict_all(classifier, data.pixels)
    seconds = time.perf_counter() - started

    report = classification_report(probabilities, data.labels)
    report["skipped_files"] = len(data.skipped)
    report["images_per_second"] = round(len(data.labels) / seconds)
    report["jpeg_robustness"] = [
        {"quality": q, "accuracy": round(accuracy(predict_all(classifier, recompress(data.pixels, q)), data.labels), 5)}
        for q in args.jpeg_qualities
    ]

    args.out.mkdir(parents=True, exist_ok=True)
    history = read_history(args.history or args.out / "history.csv")
    plot_curves(history, "loss", args.out / "loss.png")
    plot_curves(history, "accuracy", args.out / "accuracy.png")
    plot_confusion(report["confusion_matrix"]["matrix"], args.out / "confusion_matrix.png")
    plot_roc(probabilities, data.labels, report["roc_auc"], args.out / "roc_curve.png")
    plot_reliability(probabilities, data.labels, report["ece"], args.out / "reliability_diagram.png")
    if report["jpeg_robustness"]:
        plot_jpeg(report["accuracy"], report["jpeg_robustness"], args.out / "jpeg_robustness.png")

    metrics = {"model_version": classifier.version, "data": f"CIFAKE {args.split} split", **report}
    (args.out / "metrics.json").write_text(json.dumps(metrics, indent=2) + "\n")
    if not args.no_card:
        card_path = args.model.with_name("model_card.json")
        card = json.loads(card_path.read_text()) if card_path.is_file() else {}
        card["metrics"] = metrics
        card["plots"] = [{"name": name, "title": title, "file": file} for name, title, file in PLOTS
                         if (args.out / file).is_file()]
        card_path.write_text(json.dumps(card, indent=2) + "\n")

    q40 = next((row["accuracy"] for row in report["jpeg_robustness"] if row["quality"] == 40), None)
    print(f"{report['test_images']} images: accuracy {report['accuracy']:.4f}, ROC-AUC {report['roc_auc']}, "
          f"ECE {report['ece']:.4f}" + (f", JPEG q40 accuracy {q40:.4f}" if q40 is not None else "")
          + f"; wrote {args.out / 'metrics.json'}")
    return 0


if __name__ == "__main__":
    run_main(main)
