"""Judge pixel evidence on sources never trained on: grouped cross-validation and the fixed `val` split.

    python scripts/crossval.py --attempt shortcut                  # size/format/JPEG-quality baseline
    python scripts/crossval.py --attempt shipped                   # the shipped 32x32 model (reference)
    python scripts/crossval.py --attempt head32                    # its head retrained per unit on this data
    python scripts/crossval.py --attempt forensic --front-end npr  # train one forensic model per unit

Reads the data set `scripts/build_sources.py` wrote (--data, default dataset/native). Every attempt
adds its results to one report (--report, default performance/crossval.json): per unit (fold0..4,
val), per held-out source ROC-AUC, their mean, and the pooled AUC. Forensic runs keep checkpoints
and finished models under --run-dir, so an interrupted run resumes where it stopped.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
from training.common import PERFORMANCE_DIR, ROOT, run_main

ATTEMPTS = ("shortcut", "shipped", "head32", "forensic")


def parse_args(argv=None) -> argparse.Namespace:
    """Command-line options."""
    from forensic.network import FRONT_ENDS
    from forensic.training import Settings

    defaults = Settings()
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--attempt", choices=ATTEMPTS)
    parser.add_argument("--table", action="store_true", help="print the report's per-source tables and stop")
    parser.add_argument("--data", type=Path, default=ROOT / "dataset" / "native")
    parser.add_argument("--report", type=Path, default=PERFORMANCE_DIR / "crossval.json")
    parser.add_argument("--units", nargs="*", help="only these units (fold0 ... fold4, val); default all")
    parser.add_argument("--model", type=Path, default=ROOT / "backend" / "model" / "classifier.h5")
    parser.add_argument("--run-dir", type=Path, default=ROOT / "runs" / "forensic")
    parser.add_argument("--front-end", choices=FRONT_ENDS, default=defaults.front_end)
    parser.add_argument("--width", type=int, default=defaults.width, help="filters of the first layers")
    parser.add_argument("--crop", type=int, default=defaults.crop, help="training crop side (even)")
    parser.add_argument("--batch", type=int, default=defaults.batch)
    parser.add_argument("--epochs", type=int, default=defaults.epochs)
    parser.add_argument("--steps", type=int, default=defaults.steps, help="batches per epoch")
    parser.add_argument("--learning-rate", type=float, default=defaults.learning_rate)
    parser.add_argument("--name", help="the attempt's name in the report (default: attempt and front end)")
    args = parser.parse_args(argv)
    if not (args.attempt or args.table):
        parser.error("give --attempt or --table")
    return args


def shipped_logits(pixels: np.ndarray, model_path: Path) -> np.ndarray:
    """The shipped model's logit of P(REAL) for each 32x32 picture."""
    from training.common import load_classifier

    from detector.calibration import logit

    classifier = load_classifier(model_path)
    return np.asarray(logit(np.asarray(classifier.predict(pixels), dtype=np.float64)))


def thumbnails(data) -> np.ndarray:
    """Every picture shrunk whole to 32x32 by the serving preprocessing, as an upload of it is."""
    import zipfile

    from detector.preprocessing import prepare_image

    with zipfile.ZipFile(data.folder / "modern-images.zip") as archive:
        return np.stack([prepare_image(archive.read(row["file"])).pixels for row in data.rows])


def frozen_features(pixels: np.ndarray, model_path: Path) -> np.ndarray:
    """What the shipped network's head reads: the mean activations of its stages, and its CIFAKE score."""
    import keras
    from training.model import CIFAKE_LOGIT_LAYER, single_view_of

    network = single_view_of(model_path)
    features = keras.Model(
        network.input, [network.get_layer("stage_means").output, network.get_layer(CIFAKE_LOGIT_LAYER).output]
    )
    means, score = features.predict(pixels.astype("float32"), verbose=0)
    return np.concatenate([means, score], axis=1)


def head_scores(features, labels, sources, train, held_out) -> np.ndarray:
    """Held-out logits of a linear head on frozen features, sources and labels weighed equally."""
    from forensic.data import balanced_weights
    from forensic.protocol import logistic_scores

    weights = balanced_weights(sources[train], labels[train]) * len(train)
    return logistic_scores(features, labels, train, held_out, weights, strength=0.1)


def main(argv=None) -> int:
    """Run one attempt over the units and merge its results into the report."""
    args = parse_args(argv)
    from forensic import data as native
    from forensic import protocol

    if args.table:
        report = json.loads(args.report.read_text())
        for unit, title in (
            ("grouped_cv", "Grouped cross-validation (5 folds of whole sources)"),
            ("val", "Fixed val split"),
        ):
            print(f"{title}\n\n{protocol.markdown_table(report, unit)}\n")
        return 0

    data = native.load(args.data)
    labels, sources = data.labels, data.sources
    folds, splits = data.column("fold").astype(int), data.column("split")

    if args.attempt == "shortcut":
        features = protocol.container_features(data.rows)

        def unit_scores(name, train, held_out):
            return protocol.shortcut_scores(features, labels, train, held_out)

        name = args.name or "shortcut"
    elif args.attempt == "shipped":
        everything = shipped_logits(thumbnails(data), args.model)

        def unit_scores(name, train, held_out):
            return everything[held_out]

        name = args.name or "shipped"
    elif args.attempt == "head32":
        features = frozen_features(thumbnails(data), args.model)

        def unit_scores(name, train, held_out):
            return head_scores(features, labels, sources, train, held_out)

        name = args.name or "head32"
    else:
        from forensic.training import Settings, grid_logits, train

        settings = Settings(
            front_end=args.front_end,
            width=args.width,
            crop=args.crop,
            batch=args.batch,
            epochs=args.epochs,
            steps=args.steps,
            learning_rate=args.learning_rate,
        )
        name = args.name or f"forensic-{args.front_end}"

        def unit_scores(unit, train_indices, held_out):
            saved = args.run_dir / name / unit / "scores.npy"
            if saved.exists():
                return np.load(saved)
            model = train(data, train_indices, settings, args.run_dir / name / unit)
            scores = grid_logits(model, data.grid, held_out)
            np.save(saved, scores)
            return scores

    only = args.units
    if only and args.attempt == "forensic":  # units finished earlier count again, read from their saved scores
        only = sorted({*only, *(path.parent.name for path in (args.run_dir / name).glob("*/scores.npy"))})
    result = protocol.evaluate(unit_scores, folds, splits, sources, labels, only=only)
    report = json.loads(args.report.read_text()) if args.report.exists() else {}
    report[name] = {**report.get(name, {}), **result}
    args.report.parent.mkdir(parents=True, exist_ok=True)
    args.report.write_text(json.dumps(report, indent=2) + "\n")
    for unit, summary in [("grouped CV", result.get("grouped_cv")), ("val", result.get("val"))]:
        if summary:
            print(f"{name} {unit}: mean source AUC {summary['mean_source_auc']}, pooled {summary['pooled_auc']}")
    return 0


if __name__ == "__main__":
    run_main(main)
