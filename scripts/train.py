"""Train the real-vs-AI-generated classifier on CIFAKE and the modern set; save it as Keras HDF5.

The same command runs on a 2-core CPU and in a Google Colab GPU runtime:

    python scripts/train.py --data-dir dataset --no-modern --epochs 30 --out runs/cifake-only.h5 \
        --run-dir runs/cifake-only
    python scripts/train.py --data-dir dataset --base-model runs/cifake-only.h5 --epochs 4 \
        --learning-rate 1e-3 --modern-variants 8 --modern-weight 0.4 \
        --out backend/model/classifier.h5 --run-dir runs/train

(`make train` runs both: the CNN from scratch on CIFAKE, then that network
frozen with a head for today's pictures trained on CIFAKE and the modern set.)

CIFAKE comes from --data-dir (train/REAL, train/FAKE) and the modern pictures
from --modern (default: DATA_DIR/modern, filled by `scripts/dataset.py --modern`).
Modern pictures reach the network as uploads do: each is cropped at random,
re-encoded as JPEG and shrunk whole by the serving preprocessing. Sources are
weighted so that no single source, or its confounds, dominates.

Images are decoded once with the serving preprocessing (detector.preprocessing)
and held in memory; tf.data shuffles, augments, batches and prefetches them.
A stratified validation split is carved from train with a fixed seed and is
the only data used to choose anything: the test split is left to evaluate.py.

Interrupt at any time: rerunning the same command resumes from the last
finished epoch (Keras BackupAndRestore in --run-dir). The run directory also
holds the best checkpoint, history.csv and TensorBoard logs.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import time
from pathlib import Path

import keras
from training import calibration, model, model_card, pipeline, stages
from training.calibration import calibrate
from training.common import (
    DEFAULT_DATA_DIR,
    DEFAULT_MODEL_PATH,
    PERFORMANCE_DIR,
    ROOT,
    SEED,
    UserError,
    forward_moved,
    load_split,
    run_main,
)
from training.model_card import training_card
from training.modern import default_folder, load_modern, whole_pictures
from training.pipeline import split_indices, training_examples
from training.stages import fit, history_column

# Code written when this file held the whole of training still finds its names.
__getattr__ = forward_moved(__name__, model, pipeline, stages, calibration, model_card)


def parse_args(argv=None) -> argparse.Namespace:
    """Command-line options."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--data-dir",
        type=Path,
        default=DEFAULT_DATA_DIR,
        help="folder with train/REAL and train/FAKE (default: $CIFAKE_DIR or dataset/)",
    )
    parser.add_argument(
        "--modern",
        type=Path,
        default=None,
        help="folder with the modern set's manifest.csv.gz (default: DATA_DIR/modern if present)",
    )
    parser.add_argument("--no-modern", action="store_true", help="train on CIFAKE alone")
    parser.add_argument(
        "--modern-variants", type=int, default=8, help="random crops of each modern picture prepared per run"
    )
    parser.add_argument(
        "--modern-weight", type=float, default=1.0, help="mean loss weight of a modern picture relative to a CIFAKE one"
    )
    parser.add_argument(
        "--base-model",
        type=Path,
        default=None,
        help="an earlier CIFAKE network (.h5) to keep frozen and train a head for modern pictures on, "
        "instead of training from scratch",
    )
    parser.add_argument(
        "--balance-sources",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="weigh every (source, class) group of modern pictures the same, the confounded sources half",
    )
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--learning-rate", type=float, default=2e-3, help="peak learning rate after warm-up")
    parser.add_argument("--weight-decay", type=float, default=0.05)
    parser.add_argument("--val-fraction", type=float, default=0.1)
    parser.add_argument("--out", type=Path, default=DEFAULT_MODEL_PATH, help="where to write the .h5 model")
    parser.add_argument(
        "--run-dir",
        type=Path,
        default=ROOT / "runs" / "train",
        help="checkpoints, resume state, history.csv and TensorBoard logs",
    )
    parser.add_argument(
        "--history-out",
        type=Path,
        default=PERFORMANCE_DIR / "history.csv",
        help="copy of the training history for the plots",
    )
    parser.add_argument("--fresh", action="store_true", help="ignore a previous interrupted run in --run-dir")
    parser.add_argument(
        "--calibrate-only",
        action="store_true",
        help="skip training: calibrate and save the best checkpoint already in --run-dir",
    )
    args = parser.parse_args(argv)
    if args.epochs < 1 or args.batch_size < 1 or not 0 < args.val_fraction < 1:
        parser.error("--epochs and --batch-size must be positive and --val-fraction in (0, 1)")
    if args.no_modern:
        args.modern = None
    elif args.modern is None:
        args.modern = default_folder(args.data_dir)
    return args


def main(argv=None) -> int:
    """Train, calibrate per input kind and save the model with a fresh model card."""
    args = parse_args(argv)
    keras.utils.set_random_seed(SEED)
    started = time.time()

    data = load_split(args.data_dir, "train")
    train_idx, val_idx = split_indices(data.labels, args.val_fraction)
    if len(train_idx) < args.batch_size // 4:
        raise UserError(f"only {len(train_idx)} training images: too few to train on")
    modern_train = load_modern(args.modern, "train") if args.modern else None
    modern_val = load_modern(args.modern, "val") if args.modern else None
    modern_val_pixels = whole_pictures(modern_val) if modern_val else None
    print(
        f"CIFAKE: {len(train_idx)} training and {len(val_idx)} validation images "
        f"({len(data.skipped)} unreadable skipped); modern: "
        + (f"{len(modern_train)} training and {len(modern_val)} validation pictures" if modern_train else "none")
    )
    run_dir = args.run_dir
    if args.fresh and run_dir.exists():
        shutil.rmtree(run_dir)
    run_dir.mkdir(parents=True, exist_ok=True)
    best_path = run_dir / "best.keras"
    history_csv = run_dir / "history.csv"
    # Epochs of an interrupted earlier run count towards the wall time too.
    earlier_seconds = sum(history_column(history_csv, "epoch_seconds"))
    if args.calibrate_only:
        if not best_path.exists():
            raise UserError(f"{best_path} does not exist: train first (without --calibrate-only).")
    else:
        examples = training_examples(data, train_idx, modern_train, args)
        modern_val_set = (modern_val_pixels, modern_val.labels) if modern_val else (None, None)
        fit(args, examples, data, val_idx, modern_val_set, run_dir)

    shipped, temperature, val_accuracy, kinds = calibrate(
        best_path, data.pixels[val_idx], data.labels[val_idx], modern_val, modern_val_pixels
    )
    args.out.parent.mkdir(parents=True, exist_ok=True)
    # The .h5 suffix selects the legacy HDF5 format the contract names; the
    # optimizer state would triple the file and is useless for serving.
    shipped.save(args.out, include_optimizer=False)
    args.history_out.parent.mkdir(parents=True, exist_ok=True)
    args.history_out.write_text(history_csv.read_text())

    wall_seconds = earlier_seconds + time.time() - started
    card = training_card(
        sys.argv[1:] if argv is None else argv,
        args,
        shipped,
        data,
        train_idx,
        val_idx,
        modern_train,
        modern_val,
        temperature,
        val_accuracy,
        kinds,
        wall_seconds,
    )
    args.out.with_name("model_card.json").write_text(json.dumps(card, indent=2) + "\n")
    print(
        f"saved {args.out} ({args.out.stat().st_size / 1e6:.2f} MB, {shipped.count_params():,} parameters); "
        f"CIFAKE validation accuracy {val_accuracy:.4f}, temperature {temperature:.3f}; "
        + (
            f"modern val accuracy {kinds['photo']['measured_accuracy']:.4f}, photo temperature "
            f"{kinds['photo']['temperature']:.3f}; "
            if "photo" in kinds
            else ""
        )
        + f"wall time {wall_seconds / 60:.1f} min"
    )
    return 0


if __name__ == "__main__":
    run_main(main)
