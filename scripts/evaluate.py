"""Evaluate a trained model on the CIFAKE test split and the modern val split; draw the report's plots.

    python scripts/evaluate.py --data dataset --model backend/model/classifier.h5

--data is a folder in the Kaggle layout or the cifake-test.zip itself; --modern
(default: DATA/modern when present) is the folder with the modern set's
manifest. Each kind of input is scored with the calibration the product shows
for it: CIFAKE thumbnails as the model's raw output, modern pictures (photos)
after their own temperature. Modern val is reported overall, per source and
per generator, before and after calibration; because that temperature was
fitted on modern val itself, the calibrated figures are also given cross-fitted
(each source's temperature fitted on the other sources only).

Writes performance/metrics.json and the plots, and adds the metrics, the plot
list and the measured accuracy per kind of input to the model card.
"""

from __future__ import annotations

import argparse
import io
import json
import time
from pathlib import Path

import numpy as np
from PIL import Image
from training import plots
from training.common import (
    CLASS_NAMES,
    DEFAULT_DATA_DIR,
    DEFAULT_MODEL_PATH,
    PERFORMANCE_DIR,
    forward_moved,
    load_classifier,
    load_split,
    prepare_image,
    progress,
    run_main,
)
from training.metrics import accuracy, classification_report
from training.modern import default_folder, load_modern, whole_pictures
from training.plots import (
    PLOTS,
    plot_confusion,
    plot_curves,
    plot_jpeg,
    plot_per_source,
    plot_reliability,
    plot_reliability_photo,
    plot_roc,
    read_history,
)

from detector.calibration import (
    assess,
    calibrated_probability_real,
    confidence_bands,
    fit_temperature,
    kind_calibration,
    logit,
)
from detector.contract import confidence_of, predicted_real
from detector.provenance.credentials import absent
from detector.provenance.metadata import no_camera, no_generator
from detector.verdict import UNSURE, decide

# Code written when this file drew the plots itself still finds their names.
__getattr__ = forward_moved(__name__, plots)

JPEG_QUALITIES = (95, 90, 75, 60, 50, 40, 30, 20, 10)


def parse_args(argv=None) -> argparse.Namespace:
    """Command-line options."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--data",
        type=Path,
        default=DEFAULT_DATA_DIR,
        help="folder with test/REAL and test/FAKE, or cifake-test.zip (default: $CIFAKE_DIR or dataset/)",
    )
    parser.add_argument("--split", default="test")
    parser.add_argument("--model", type=Path, default=DEFAULT_MODEL_PATH)
    parser.add_argument("--out", type=Path, default=PERFORMANCE_DIR, help="where metrics.json and the plots go")
    parser.add_argument(
        "--history", type=Path, default=None, help="training history CSV for the curves (default: OUT/history.csv)"
    )
    parser.add_argument("--jpeg-qualities", type=int, nargs="*", default=list(JPEG_QUALITIES))
    parser.add_argument(
        "--modern",
        type=Path,
        default=None,
        help="folder with the modern set's manifest.csv.gz (default: DATA/modern if present)",
    )
    parser.add_argument("--no-card", action="store_true", help="do not write the metrics into model_card.json")
    args = parser.parse_args(argv)
    if args.modern is None and args.data.is_dir():
        args.modern = default_folder(args.data)
    return args


def predict_all(classifier, pixels: np.ndarray, batch_size: int = 1024) -> np.ndarray:
    """P(REAL) for every image, in batches."""
    return np.concatenate([classifier.predict(pixels[i : i + batch_size]) for i in range(0, len(pixels), batch_size)])


def recompress(pixels: np.ndarray, quality: int) -> np.ndarray:
    """Every image re-encoded as JPEG at quality and decoded again by the serving preprocessing."""
    out = np.empty_like(pixels)
    for i in progress(range(len(pixels)), f"JPEG q{quality}"):
        buffer = io.BytesIO()
        Image.fromarray(pixels[i]).save(buffer, format="JPEG", quality=quality)
        out[i] = prepare_image(buffer.getvalue()).pixels
    return out


def cross_fitted(probabilities: np.ndarray, labels: np.ndarray, sources: np.ndarray, threshold: float) -> np.ndarray:
    """Calibrated P(REAL) where each source's temperature is fitted on the other sources only."""
    out = np.empty_like(probabilities)
    logits = logit(probabilities, threshold)
    for source in np.unique(sources):
        held_out = sources == source
        temperature = fit_temperature(logits[~held_out], labels[~held_out])
        out[held_out] = calibrated_probability_real(probabilities[held_out], temperature, threshold)
    return out


def answer_bands(probabilities: np.ndarray, labels: np.ndarray, threshold: float) -> list[dict]:
    """How often answers were right per band of their confidence (what the verdict rule reads from the card)."""
    right = predicted_real(probabilities, threshold) == (labels == 1)
    return confidence_bands(confidence_of(probabilities, threshold), right)


def grouped_accuracy(probabilities, labels, groups, key: str, threshold: float) -> list[dict]:
    """Accuracy, and ROC-AUC where both classes occur, per group."""
    from sklearn.metrics import roc_auc_score

    rows = []
    for group in sorted(np.unique(groups)):
        members = groups == group
        both = len(np.unique(labels[members])) == 2
        rows.append(
            {
                key: str(group),
                "images": int(members.sum()),
                "real": int(np.sum(labels[members] == 1)),
                "fake": int(np.sum(labels[members] == 0)),
                "accuracy": round(accuracy(probabilities[members], labels[members], threshold), 4),
                "roc_auc": round(float(roc_auc_score(labels[members], probabilities[members])), 4) if both else None,
            }
        )
    return rows


def verdict_outcomes(
    probabilities: np.ndarray, labels: np.ndarray, original_sizes: np.ndarray, card: dict, threshold: float
) -> dict:
    """How often each verdict (REAL, FAKE, UNSURE) comes when nothing in the file settles it, and how often it is right.

    Each picture is assessed at its original size, as an upload of the original
    file would be, and given the verdict that verdict.py gives a file whose
    metadata says nothing (the modern set's files carry none). "right" counts a
    REAL or FAKE verdict that matches the truth, and for UNSURE a lean that does.
    """
    nothing = {"content_credentials": absent(), "generator_metadata": no_generator(), "camera_metadata": no_camera()}
    tally = {outcome: {"images": 0, "right": 0} for outcome in (*CLASS_NAMES, UNSURE)}
    for probability, label, (width, height) in zip(probabilities, labels, original_sizes, strict=True):
        verdict = decide(assess(float(probability), int(width), int(height), card, threshold), nothing)
        said = verdict["lean"] or verdict["label"]
        tally[verdict["label"]]["images"] += 1
        tally[verdict["label"]]["right"] += int(said == CLASS_NAMES[label])
    total = len(labels)
    return {
        outcome: {
            **counts,
            "share": round(counts["images"] / total, 4),
            "accuracy": round(counts["right"] / counts["images"], 4) if counts["images"] else None,
        }
        for outcome, counts in tally.items()
    }


def evaluate_modern(classifier, folder: Path, out: Path) -> tuple[dict, np.ndarray, np.ndarray]:
    """The modern val report: raw, calibrated as shown, cross-fitted; per source and generator."""
    data = load_modern(folder, "val")
    raw = predict_all(classifier, whole_pictures(data))
    threshold = classifier.threshold
    temperature = kind_calibration(classifier.card, "photo")["temperature"]
    shown = calibrated_probability_real(raw, temperature, threshold)
    held_out = cross_fitted(raw, data.labels, data.sources, threshold)
    report = {
        "data": f"modern val split: {len(data)} pictures from {len(np.unique(data.sources))} sources never "
        "used in training",
        "input_kind": "photo",
        "temperature": temperature,
        "raw": classification_report(raw, data.labels, threshold),
        "calibrated": classification_report(shown, data.labels, threshold),
        "calibrated_cross_fitted": classification_report(held_out, data.labels, threshold),
        # Bands of the cross-fitted confidence: each source's answers judged by a calibration fitted on the others.
        "bands": answer_bands(held_out, data.labels, threshold),
        "per_source": grouped_accuracy(raw, data.labels, data.sources, "source", threshold),
        "per_generator": grouped_accuracy(raw, data.labels, data.generators, "generator", threshold),
        "verdict_outcomes": verdict_outcomes(raw, data.labels, data.original_sizes, classifier.card, threshold),
    }
    plot_reliability_photo(raw, shown, data.labels, report, out / "reliability_photo.png")
    return report, raw, data.labels


def record_measured_accuracy(card: dict, metrics: dict) -> None:
    """Put the accuracy measured here on each kind of input into the card's calibration, which the UI quotes."""
    kinds = card.setdefault("calibration", {}).setdefault("kinds", {})
    card["calibration"].pop("bands_derived_from", None)  # measured now, not derived
    kinds.setdefault("thumbnail", {"temperature": 1.0}).update(
        measured_accuracy=metrics["accuracy"],
        measured_on=f"{metrics['test_images']:,} CIFAKE test thumbnails",
        bands=metrics["bands"],
    )
    if "modern_val" in metrics:
        modern = metrics["modern_val"]
        kinds.setdefault("photo", {"temperature": modern["temperature"]}).update(
            measured_accuracy=modern["raw"]["accuracy"],
            measured_on=f"{modern['raw']['test_images']:,} photos and AI pictures from "
            f"{len(modern['per_source'])} sources never used in training",
            bands=modern["bands"],
        )


def main(argv=None) -> int:
    """Measure, plot and record."""
    args = parse_args(argv)
    classifier = load_classifier(args.model)
    data = load_split(args.data, args.split)
    started = time.perf_counter()
    probabilities = predict_all(classifier, data.pixels)
    seconds = time.perf_counter() - started

    report = classification_report(probabilities, data.labels)
    report["bands"] = answer_bands(probabilities, data.labels, classifier.threshold)
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

    metrics = {
        "model_version": classifier.version,
        "data": f"CIFAKE {args.split} split",
        "input_kind": "thumbnail",
        **report,
    }
    if args.modern:
        metrics["modern_val"], *_ = evaluate_modern(classifier, args.modern, args.out)
        plot_per_source(metrics["modern_val"]["per_source"], report["accuracy"], args.out / "accuracy_per_source.png")
    (args.out / "metrics.json").write_text(json.dumps(metrics, indent=2) + "\n")
    if not args.no_card:
        card_path = args.model.with_name("model_card.json")
        card = json.loads(card_path.read_text()) if card_path.is_file() else {}
        card["metrics"] = metrics
        record_measured_accuracy(card, metrics)
        card["plots"] = [
            {"name": name, "title": title, "file": file} for name, title, file in PLOTS if (args.out / file).is_file()
        ]
        card_path.write_text(json.dumps(card, indent=2) + "\n")

    if "modern_val" in metrics:
        modern = metrics["modern_val"]
        print(
            f"modern val, {modern['raw']['test_images']} pictures: accuracy {modern['raw']['accuracy']:.4f}, "
            f"ROC-AUC {modern['raw']['roc_auc']}, ECE raw {modern['raw']['ece']:.4f} -> shown "
            f"{modern['calibrated']['ece']:.4f} (cross-fitted {modern['calibrated_cross_fitted']['ece']:.4f}), "
            f"confidently wrong raw {modern['raw']['confidently_wrong']:.4f} -> shown "
            f"{modern['calibrated']['confidently_wrong']:.4f}"
        )
        print(
            "modern val verdicts with nothing in the file: "
            + ", ".join(
                f"{outcome} {counts['images']} ({counts['share']:.1%}, right {counts['right']})"
                for outcome, counts in modern["verdict_outcomes"].items()
            )
        )
    q40 = next((row["accuracy"] for row in report["jpeg_robustness"] if row["quality"] == 40), None)
    print(
        f"{report['test_images']} images: accuracy {report['accuracy']:.4f}, ROC-AUC {report['roc_auc']}, "
        f"ECE {report['ece']:.4f}"
        + (f", JPEG q40 accuracy {q40:.4f}" if q40 is not None else "")
        + f"; wrote {args.out / 'metrics.json'}"
    )
    return 0


if __name__ == "__main__":
    run_main(main)
