"""The two training stages and the Keras loop they share.

Stage one trains the CNN from scratch on CIFAKE; stage two (--base-model) keeps
that network frozen and trains a head for today's pictures on CIFAKE and the
modern set. Both keep the best epoch by the same selection score, log each
epoch, and resume an interrupted run from the state in the run directory.
"""

from __future__ import annotations

import argparse
import csv
import os
import time
from pathlib import Path

import keras
import numpy as np

from .common import SEED
from .model import average_with_mirror, make_model, mean_logit_of, with_modern_head
from .pipeline import make_datasets

# Checkpoints are chosen on modern val ROC-AUC, among those whose CIFAKE
# validation accuracy (averaged with the mirror image, as shipped) stays above
# this floor: the CIFAKE-only network has 97.89% there and 97.84% on test.
CIFAKE_ACCURACY_FLOOR = 0.976


def compile_model(model: keras.Model, steps_per_epoch: int, epochs: int, peak_lr: float, weight_decay: float):
    """AdamW with one epoch of linear warm-up, then cosine decay to zero."""
    warmup = min(steps_per_epoch, steps_per_epoch * epochs // 2)
    schedule = keras.optimizers.schedules.CosineDecay(
        initial_learning_rate=peak_lr / 20,
        decay_steps=max(1, steps_per_epoch * epochs - warmup),
        warmup_target=peak_lr,
        warmup_steps=warmup,
    )
    model.compile(
        optimizer=keras.optimizers.AdamW(learning_rate=schedule, weight_decay=weight_decay),
        loss="binary_crossentropy",
        metrics=["accuracy", keras.metrics.AUC(name="auc")],
    )


def history_column(history_csv: Path, column: str) -> list[float]:
    """Values of one column of a CSVLogger file (empty when there is no file or column)."""
    if not history_csv.exists():
        return []
    with history_csv.open() as handle:
        return [float(row[column]) for row in csv.DictReader(handle) if row.get(column)]


def selection_score(cifake_accuracy: float, modern_auc: float) -> float:
    """How good a checkpoint is: its modern val ROC-AUC, minus 1 per point of CIFAKE accuracy under the floor.

    The penalty outweighs any AUC gain, so an epoch under the floor is chosen
    only when none reaches it, and then the one closest to it.
    """
    return modern_auc - 100 * max(0.0, CIFAKE_ACCURACY_FLOOR - cifake_accuracy)


class ModernValidation(keras.callbacks.Callback):
    """Scores each epoch as it would ship, averaged with the mirror image, and logs the selection score.

    val_selection is the modern val ROC-AUC, lowered steeply once the mirror-
    averaged CIFAKE validation accuracy falls under CIFAKE_ACCURACY_FLOOR;
    without modern data it is the CIFAKE validation accuracy.
    """

    def __init__(self, cifake: tuple[np.ndarray, np.ndarray], modern: tuple[np.ndarray | None, np.ndarray | None]):
        super().__init__()
        self.cifake, self.modern = cifake, modern

    def on_epoch_end(self, epoch, logs=None):
        if logs is None:
            return
        modern_pixels, modern_labels = self.modern
        if modern_pixels is None:
            logs["val_selection"] = logs["val_accuracy"]
            return
        from sklearn.metrics import roc_auc_score

        shipped = mean_logit_of(average_with_mirror(self.model))

        def logits(pixels: np.ndarray) -> np.ndarray:
            return shipped.predict(pixels.astype("float32"), batch_size=512, verbose=0).ravel()

        cifake_pixels, cifake_labels = self.cifake
        logs["val_mirrored_accuracy"] = float(np.mean((logits(cifake_pixels) > 0) == (cifake_labels == 1)))
        modern_logits = logits(modern_pixels)
        logs["val_modern_accuracy"] = float(np.mean((modern_logits > 0) == (modern_labels == 1)))
        logs["val_modern_auc"] = float(roc_auc_score(modern_labels, modern_logits))
        logs["val_selection"] = selection_score(logs["val_mirrored_accuracy"], logs["val_modern_auc"])


class EpochTimer(keras.callbacks.Callback):
    """Adds each epoch's duration to the logs, so the CSV history keeps it across resumed runs."""

    def on_epoch_begin(self, epoch, logs=None):
        self.started = time.time()

    def on_epoch_end(self, epoch, logs=None):
        if logs is not None:
            logs["epoch_seconds"] = time.time() - self.started


def fit(args: argparse.Namespace, examples, data, val_idx, modern_val, run_dir: Path) -> None:
    """Train with checkpoints of the best epoch, resuming an interrupted run in run_dir."""
    train_ds, val_ds = make_datasets(examples, data.pixels[val_idx], data.labels[val_idx], args.batch_size)
    steps_per_epoch = int(np.ceil(len(examples[2]) / args.batch_size))
    if args.base_model:
        # Scale the head's inputs on a sample of the training examples, CIFAKE and modern alike.
        sample = np.random.default_rng(SEED).choice(len(examples[0]), min(8192, len(examples[0])), replace=False)
        model = with_modern_head(args.base_model, examples[0][np.sort(sample)])
    else:
        model = make_model()
    compile_model(model, steps_per_epoch, args.epochs, args.learning_rate, args.weight_decay)
    model.summary(print_fn=lambda line, **_: print(line))
    history_csv = run_dir / "history.csv"
    cifake_val = (data.pixels[val_idx], data.labels[val_idx])
    callbacks = [
        keras.callbacks.BackupAndRestore(str(run_dir / "backup")),
        ModernValidation(cifake_val, modern_val),  # before the checkpoint, which reads the score it logs
        keras.callbacks.ModelCheckpoint(
            str(run_dir / "best.keras"),
            monitor="val_selection",
            mode="max",
            save_best_only=True,
            initial_value_threshold=max(history_column(history_csv, "val_selection"), default=None),
        ),
        EpochTimer(),  # before CSVLogger, which writes the logs it adds
        keras.callbacks.CSVLogger(str(history_csv), append=True),
        keras.callbacks.TensorBoard(log_dir=str(run_dir / "logs")),
    ]
    # shuffle=False: the tf.data pipeline shuffles; Keras would only warn that it ignores the flag.
    model.fit(
        train_ds,
        validation_data=val_ds,
        epochs=args.epochs,
        callbacks=callbacks,
        shuffle=False,
        verbose=1 if os.isatty(1) else 2,
    )
