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
import csv
import hashlib
import io
import json
import os
import platform
import shlex
import shutil
import sys
import time
from pathlib import Path

import numpy as np
from common import (
    CLASS_NAMES,
    DEFAULT_DATA_DIR,
    DEFAULT_MODEL_PATH,
    IMAGE_SIZE,
    PERFORMANCE_DIR,
    ROOT,
    SEED,
    THRESHOLD,
    UserError,
    load_split,
    prepare_image,
    progress,
    run_main,
)
from modern import ModernImages, default_folder, load_modern, whole_pictures
from PIL import Image

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
import keras  # noqa: E402
import tensorflow as tf  # noqa: E402
from keras import layers  # noqa: E402

from detector.calibration import DEFAULT_UNSURE_BELOW, fit_temperature  # noqa: E402
from detector.contract import LOGIT_LAYER, SINGLE_VIEW_MODEL  # noqa: E402

# Wide enough to see the generator's pixel-level artefacts at full resolution,
# small enough to train 30 epochs in about 70 minutes on 2 CPU cores at about
# 700 images/s (other 2-core machines have measured 250 images/s: 3.3 hours).
STAGE_WIDTHS = (64, 128, 256)
STEM_WIDTH = 32
# JPEG re-compression at qualities users' uploads go through (phones, messengers,
# screenshots), shown instead of the original for half of each batch.
JPEG_QUALITY_RANGE = (30, 95)
JPEG_PROBABILITY = 0.5
# Modern pictures: random crops keeping 50-100% of the area with an aspect ratio
# changed by up to 4:3 (so shape, which leans FAKE for square pictures, pays
# less), re-encoded at the JPEG qualities of uploads, several per picture.
CROP_AREA_RANGE = (0.5, 1.0)
CROP_ASPECT_RANGE = (3 / 4, 4 / 3)
MODERN_JPEG_QUALITY_RANGE = (60, 95)
# Sources whose look gives the label away (PROVENANCE of the modern set): art vs
# ImageNet photos in visionprobe, a REAL-only benchmark in srbench. They count half.
DOWN_WEIGHTED_SOURCES = {"visionprobe": 0.5, "srbench": 0.5}
# Groups smaller than this count as this large, so 4 pictures cannot weigh as much as 400.
MIN_GROUP_SIZE = 30
# Checkpoints are chosen on modern val ROC-AUC, among those whose CIFAKE
# validation accuracy (averaged with the mirror image, as shipped) stays above
# this floor: the CIFAKE-only network has 97.89% there and 97.84% on test.
CIFAKE_ACCURACY_FLOOR = 0.976
# The head for today's pictures (see with_modern_head), as tried on modern val:
# 64 units; L2 1e-4 and 1e-3 scored alike.
HEAD_WIDTH = 64
HEAD_L2 = keras.regularizers.L2(1e-4)
CIFAKE_LOGIT_LAYER = "cifake_logit"
# What the model cannot do, written into the model card: the API, the web UI
# and the README show these words and no others.
LIMITATIONS = [
    f"Every picture is shrunk to {IMAGE_SIZE}x{IMAGE_SIZE} pixels before the model sees it, so the fine "
    "detail that gives away many of today's generators is lost.",
    "On today's photos and generators the model is right only a little more often than a coin toss "
    "(see the measured accuracy per kind of picture); on CIFAKE-like thumbnails it is right about 98% "
    "of the time. Its confidence is calibrated separately for each kind, so it rarely sounds sure on photos.",
    "Generators, edits and kinds of picture that none of its training sources contain (screenshots, "
    "scans, drawings, heavily edited photos) are outside what it was trained on.",
    "Content Credentials and generator metadata, when present, say more than the pixels; their absence "
    "proves nothing, because most platforms and screenshots remove them.",
    "A verdict is a statistical estimate, not proof: do not use it alone to accuse anyone of faking an image.",
]


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


def split_indices(labels: np.ndarray, val_fraction: float, seed: int = SEED) -> tuple[np.ndarray, np.ndarray]:
    """Stratified, seeded train/validation split of indices into labels."""
    rng = np.random.default_rng(seed)
    train, val = [], []
    for label in np.unique(labels):
        members = rng.permutation(np.flatnonzero(labels == label))
        n_val = max(1, round(len(members) * val_fraction))
        val.append(members[:n_val])
        train.append(members[n_val:])
    return np.sort(np.concatenate(train)), np.sort(np.concatenate(val))


def jpeg_variants(pixels: np.ndarray, seed: int = SEED) -> np.ndarray:
    """Each image re-encoded once as JPEG at a random quality in JPEG_QUALITY_RANGE.

    Done once up front with Pillow (the decoder serving uses) rather than per
    step in tf.data, where per-image JPEG ops cost more than the training step.
    """
    rng = np.random.default_rng(seed)
    qualities = rng.integers(JPEG_QUALITY_RANGE[0], JPEG_QUALITY_RANGE[1] + 1, len(pixels))
    variants = np.empty_like(pixels)
    for i in progress(range(len(pixels)), "JPEG variants"):
        buffer = io.BytesIO()
        Image.fromarray(pixels[i]).save(buffer, format="JPEG", quality=int(qualities[i]))
        variants[i] = prepare_image(buffer.getvalue()).pixels
    return variants


def random_crop(image: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A crop of CROP_AREA_RANGE of the picture's area with its aspect ratio changed within CROP_ASPECT_RANGE."""
    height, width = image.shape[:2]
    area = rng.uniform(*CROP_AREA_RANGE) * height * width
    ratio = np.exp(rng.uniform(*np.log(CROP_ASPECT_RANGE))) * width / height
    crop_w = int(min(width, max(8, round(np.sqrt(area * ratio)))))
    crop_h = int(min(height, max(8, round(np.sqrt(area / ratio)))))
    top = int(rng.integers(0, height - crop_h + 1))
    left = int(rng.integers(0, width - crop_w + 1))
    return image[top : top + crop_h, left : left + crop_w]


def upload_pixels(image: np.ndarray, quality: int) -> np.ndarray:
    """What the model sees when image is uploaded as a JPEG of that quality."""
    buffer = io.BytesIO()
    Image.fromarray(image).save(buffer, format="JPEG", quality=quality)
    return prepare_image(buffer.getvalue()).pixels


def modern_variants(images: list[np.ndarray], per_image: int, seed: int = SEED) -> np.ndarray:
    """per_image views of each picture, (len(images) * per_image, 32, 32, 3), picture-major.

    The first view of each picture is the whole picture, as evaluation and
    uploads see it; the others are random crops.
    """
    rng = np.random.default_rng(seed)
    views = np.empty((len(images) * per_image, IMAGE_SIZE, IMAGE_SIZE, 3), np.uint8)
    for i in progress(range(len(views)), "modern views"):
        image = images[i // per_image]
        view = image if i % per_image == 0 else random_crop(image, rng)
        views[i] = upload_pixels(np.ascontiguousarray(view), int(rng.integers(*MODERN_JPEG_QUALITY_RANGE)))
    return views


def source_weights(sources: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """Per-picture loss weights, mean 1: each (source, class) group weighs the same in total.

    Balancing groups rather than pictures keeps one large source (and its
    confounds) from deciding what the model learns about today's images.
    """
    groups = [f"{source}/{label}" for source, label in zip(sources, labels, strict=True)]
    names, inverse, counts = np.unique(groups, return_inverse=True, return_counts=True)
    weights = 1.0 / np.maximum(counts[inverse], MIN_GROUP_SIZE)
    weights *= np.asarray([DOWN_WEIGHTED_SOURCES.get(source, 1.0) for source in sources])
    return weights / weights.mean()


# Whole-pixel shifts of up to 4 pixels with mirrored borders: no interpolation,
# which would blur away the generator's pixel-level traces.
TRANSLATE = layers.RandomTranslation(0.125, 0.125, fill_mode="reflect", interpolation="nearest", seed=SEED)


def augment(originals: tf.Tensor, variants: tf.Tensor, labels: tf.Tensor, weights: tf.Tensor):
    """On a batch: the variant for JPEG_PROBABILITY of the images, random flips and shifts."""
    n = tf.shape(originals)[0]
    use_jpeg = tf.random.uniform((n, 1, 1, 1)) < JPEG_PROBABILITY
    images = tf.where(use_jpeg, variants, originals)
    flip = tf.random.uniform((n, 1, 1, 1)) < 0.5
    images = tf.where(flip, tf.reverse(images, axis=[2]), images)
    return TRANSLATE(tf.cast(images, tf.float32), training=True), labels, weights


def training_examples(data, train_idx, modern_train: ModernImages | None, args) -> tuple[np.ndarray, ...]:
    """(originals, variants, labels, weights) of every training example, CIFAKE then modern.

    A CIFAKE example's variant is its JPEG re-encoding; a modern picture's
    examples pair one random view with another of the same picture.
    """
    pixels = data.pixels[train_idx]
    parts = [(pixels, jpeg_variants(pixels), data.labels[train_idx], np.ones(len(train_idx)))]
    if modern_train is not None:
        k = args.modern_variants
        views = modern_variants(modern_train.images, 2 * k).reshape(len(modern_train), 2 * k, *pixels.shape[1:])
        if args.balance_sources:
            weights = source_weights(modern_train.sources, modern_train.labels) * args.modern_weight
        else:
            weights = np.full(len(modern_train), args.modern_weight)
        parts.append(
            (
                views[:, :k].reshape(-1, *pixels.shape[1:]),
                views[:, k:].reshape(-1, *pixels.shape[1:]),
                np.repeat(modern_train.labels, k),
                np.repeat(weights, k),
            )
        )
    return tuple(np.concatenate(column) for column in zip(*parts, strict=True))


def make_datasets(examples, val_pixels, val_labels, batch_size):
    """tf.data pipelines: shuffled and augmented for training, plain for validation."""
    autotune = tf.data.AUTOTUNE
    originals, variants, labels, weights = examples
    train = (
        tf.data.Dataset.from_tensor_slices((originals, variants, labels.astype("float32"), weights.astype("float32")))
        .cache()
        .shuffle(len(labels), seed=SEED, reshuffle_each_iteration=True)
        .batch(batch_size)
        .map(augment, num_parallel_calls=autotune)
        .prefetch(autotune)
    )
    val = (
        tf.data.Dataset.from_tensor_slices((val_pixels.astype("float32"), val_labels.astype("float32")))
        .batch(batch_size * 2)
        .cache()
        .prefetch(autotune)
    )
    return train, val


def conv_bn_relu(x, filters: int, name: str):
    """3x3 convolution, batch normalisation, ReLU."""
    x = layers.Conv2D(filters, 3, padding="same", use_bias=False, name=f"{name}_conv")(x)
    x = layers.BatchNormalization(name=f"{name}_bn")(x)
    return layers.ReLU(name=f"{name}_relu")(x)


def make_model(input_shape=(IMAGE_SIZE, IMAGE_SIZE, 3), modern_head: bool = False) -> keras.Model:
    """A small VGG-style CNN: raw 0..255 pixels in, P(REAL) out.

    Rescaling lives inside the model so every caller sends raw pixels. The
    pre-sigmoid logit layer is kept separate for Grad-CAM and calibration.

    With modern_head, the CIFAKE network's score (cifake_logit) is joined by a
    small head on the mean activations of all three stages, and the logit
    layer weighs the two; see with_modern_head.
    """
    inputs = keras.Input(shape=input_shape, name="pixels")
    x = layers.Rescaling(1.0 / 255, name="rescale")(inputs)
    x = conv_bn_relu(x, STEM_WIDTH, "stem")
    stage_outputs = []
    for stage, width in enumerate(STAGE_WIDTHS, start=1):
        x = layers.MaxPooling2D(name=f"pool{stage}")(x)
        x = conv_bn_relu(x, width, f"stage{stage}a")
        if stage < len(STAGE_WIDTHS):
            x = conv_bn_relu(x, width, f"stage{stage}b")
        stage_outputs.append(x)
    features = layers.GlobalAveragePooling2D(name="gap")(x)
    if modern_head:
        # The frozen CIFAKE score, without the dropout it was trained with.
        cifake_logit = layers.Dense(1, name=CIFAKE_LOGIT_LAYER)(features)
        pooled = [
            layers.GlobalAveragePooling2D(name=f"mean_stage{stage}")(output)
            for stage, output in enumerate(stage_outputs[:-1], start=1)
        ]
        x = layers.Concatenate(name="stage_means")([*pooled, features])
        # Fixed standardisation; a frozen batch normalisation rather than a Normalization
        # layer, whose adapted statistics a legacy .h5 file does not restore.
        x = layers.BatchNormalization(center=False, scale=False, epsilon=1e-7, name="stage_means_scaled")(x)
        x = layers.Dense(HEAD_WIDTH, activation="relu", kernel_regularizer=HEAD_L2, name="modern_hidden")(x)
        x = layers.Dropout(0.2, name="modern_dropout")(x)
        features = layers.Concatenate(name="scores")([cifake_logit, x])
    else:
        features = layers.Dropout(0.3, name="dropout")(features)
    logit = layers.Dense(1, name=LOGIT_LAYER)(features)
    outputs = layers.Activation("sigmoid", name="p_real")(logit)
    return keras.Model(inputs, outputs, name="cifake_cnn")


def single_view_of(path: Path) -> keras.Model:
    """The network that scores one view, inside an earlier mirror-averaged model (or the model itself)."""
    try:
        loaded = keras.models.load_model(path, compile=False)
    except Exception as error:  # h5py, Keras and OS errors all mean the same here
        raise UserError(f"cannot load --base-model {path}: {error}") from None
    names = {layer.name for layer in loaded.layers}
    return loaded.get_layer(SINGLE_VIEW_MODEL) if SINGLE_VIEW_MODEL in names else loaded


def with_modern_head(base_path: Path, sample_pixels: np.ndarray) -> keras.Model:
    """The CIFAKE network of base_path, frozen, with a trainable head for today's pictures.

    Fine-tuning the whole network on CIFAKE and modern pictures together cost
    it one to two points of CIFAKE accuracy for a modern val ROC-AUC near 0.60;
    a head on its frozen features learns the modern pictures from the same
    evidence without unlearning CIFAKE. The head starts silent (the logit layer
    weighs the CIFAKE score 1 and the head 0), so training starts from exactly
    the base network's answers. sample_pixels scale the head's inputs.
    """
    base = single_view_of(base_path)
    model = make_model(base.input_shape[1:], modern_head=True)
    for layer in base.layers:
        if layer.weights:
            name = CIFAKE_LOGIT_LAYER if layer.name == LOGIT_LAYER else layer.name
            try:
                target = model.get_layer(name)
            except ValueError:
                raise UserError(f"--base-model {base_path} is not a network of this architecture") from None
            target.set_weights(layer.get_weights())
            target.trainable = False
    means = keras.Model(model.inputs, model.get_layer("stage_means").output)
    features = means.predict(sample_pixels.astype("float32"), verbose=0)
    scaling = model.get_layer("stage_means_scaled")
    scaling.set_weights([features.mean(axis=0), features.var(axis=0)])
    scaling.trainable = False
    logit = model.get_layer(LOGIT_LAYER)
    kernel = np.zeros(logit.get_weights()[0].shape, np.float32)
    kernel[0, 0] = 1.0
    logit.set_weights([kernel, np.zeros(1, np.float32)])
    return model


def average_with_mirror(model: keras.Model) -> keras.Model:
    """The trained model made to score the image and its mirror image, averaging the two logits.

    A mirror image is as real or as fake as the original (training flips at
    random), so the average is a free two-member ensemble: on the validation
    split it is right more often than either view alone. Built from standard
    layers only (a frozen anti-diagonal Dense reverses the columns), so the .h5
    still loads with plain Keras and keeps the model contract.
    """
    single_view = keras.Model(model.inputs, model.get_layer(LOGIT_LAYER).output, name=SINGLE_VIEW_MODEL)
    inputs = keras.Input(shape=model.input_shape[1:], name="pixels")
    width = model.input_shape[2]
    columns_last = layers.Permute((1, 3, 2), name="columns_last")(inputs)
    reverse_columns = layers.Dense(width, use_bias=False, trainable=False, name="reverse_columns")
    mirrored = layers.Permute((1, 3, 2), name="mirror_image")(reverse_columns(columns_last))
    reverse_columns.set_weights([np.eye(width, dtype="float32")[::-1]])
    logit = layers.Average(name="mean_logit")([single_view(inputs), single_view(mirrored)])
    outputs = layers.Activation("sigmoid", name="p_real")(logit)
    return keras.Model(inputs, outputs, name="cifake_cnn_mirror_averaged")


def mean_logit_of(averaged: keras.Model) -> keras.Model:
    """The pre-sigmoid score of a model from average_with_mirror: what calibration and checkpoint selection use."""
    return keras.Model(averaged.inputs, averaged.get_layer("mean_logit").output)


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


def apply_temperature(model: keras.Model, temperature: float) -> None:
    """Fold the temperature into the logit layer, so the saved model is calibrated as is."""
    logit = model.get_layer(SINGLE_VIEW_MODEL).get_layer(LOGIT_LAYER)
    kernel, bias = logit.get_weights()
    logit.set_weights([kernel / temperature, bias / temperature])


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


def model_version(model_path: Path) -> str:
    """The training date and a digest of the model file: two models never share a version."""
    digest = hashlib.sha256(model_path.read_bytes()).hexdigest()[:8]
    return f"{time.strftime('%Y.%m.%d', time.gmtime())}+{digest}"


def hardware_description() -> str:
    """A short description of the machine, for the model card."""
    gpus = tf.config.list_physical_devices("GPU")
    if gpus:
        return f"{len(gpus)} GPU(s): " + ", ".join(
            tf.config.experimental.get_device_details(gpu).get("device_name", gpu.name) for gpu in gpus
        )
    return f"CPU only, {os.cpu_count()} cores ({platform.machine()})"


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

    model = average_with_mirror(keras.models.load_model(best_path))
    logit_model = mean_logit_of(model)
    val_pixels = data.pixels[val_idx].astype("float32")
    # Thumbnails: the temperature is folded into the model, so its raw output is
    # calibrated on CIFAKE-like input as the contract has always promised.
    temperature = fit_temperature(
        logit_model.predict(val_pixels, batch_size=512, verbose=0).ravel(), data.labels[val_idx]
    )
    apply_temperature(model, temperature)
    val_probs = model.predict(val_pixels, batch_size=512, verbose=0).ravel()
    val_accuracy = float(np.mean((val_probs > THRESHOLD) == (data.labels[val_idx] == 1)))
    kinds = {
        "thumbnail": {
            "temperature": 1.0,
            "measured_accuracy": round(val_accuracy, 5),
            "measured_on": f"{len(val_idx):,} CIFAKE validation thumbnails",
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

    args.out.parent.mkdir(parents=True, exist_ok=True)
    # The .h5 suffix selects the legacy HDF5 format the contract names; the
    # optimizer state would triple the file and is useless for serving.
    model.save(args.out, include_optimizer=False)
    args.history_out.parent.mkdir(parents=True, exist_ok=True)
    args.history_out.write_text(history_csv.read_text())

    wall_seconds = earlier_seconds + time.time() - started
    card = training_card(
        sys.argv[1:] if argv is None else argv,
        args,
        model,
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
        f"saved {args.out} ({args.out.stat().st_size / 1e6:.2f} MB, {model.count_params():,} parameters); "
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


def class_counts(labels: np.ndarray) -> dict[str, int]:
    """Images per class name."""
    return {name: int(np.sum(labels == index)) for index, name in enumerate(CLASS_NAMES)}


def training_card(
    argv: list[str],
    args,
    model,
    data,
    train_idx,
    val_idx,
    modern_train,
    modern_val,
    temperature,
    val_accuracy,
    kinds,
    wall_seconds,
) -> dict:
    """A fresh model card from this run's real inputs: nothing of an earlier model survives."""
    modern_note = (
        f"; modern set: {len(modern_train):,} training pictures from {len(set(modern_train.sources))} sources "
        f"({args.modern_variants} random crops each, "
        + (
            f"sources weighted equally per class, {', '.join(DOWN_WEIGHTED_SOURCES)} at half weight"
            if args.balance_sources
            else "every picture weighted alike"
        )
        + f", mean weight {args.modern_weight:g}), {len(modern_val):,} validation pictures from "
        f"{len(set(modern_val.sources))} other sources"
        if modern_train
        else ""
    )
    return {
        "name": "ai-image-detector-cnn",
        "version": model_version(args.out),
        "description": "Tells a real photograph from an AI-generated picture by its pixels, shrunk to "
        f"{IMAGE_SIZE}x{IMAGE_SIZE}: trained on CIFAKE thumbnails"
        + (" and on today's photos and generators." if modern_train else ".")
        + (
            f" A CNN trained on CIFAKE alone ({args.base_model.name}), frozen, with a head of {HEAD_WIDTH} units "
            "on the mean activations of its three stages trained on CIFAKE and the modern set together; the "
            "last layer weighs the CIFAKE score and the head."
            if args.base_model
            else ""
        ),
        "class_names": list(CLASS_NAMES),
        "positive_class": CLASS_NAMES[1],
        "threshold": THRESHOLD,
        "input": {
            "shape": [None, IMAGE_SIZE, IMAGE_SIZE, 3],
            "dtype": "float32",
            "range": [0, 255],
            "color": "RGB",
            "rescaling": "inside the model",
        },
        "output": {
            "shape": [None, 1],
            "meaning": "sigmoid probability that the image is REAL",
            "decision": f"REAL if > {THRESHOLD}, else FAKE",
        },
        "test_time_augmentation": "inside the model: it averages its logits for the image and its mirror image",
        "parameters": int(model.count_params()),
        "file_size_bytes": args.out.stat().st_size,
        "training": {
            "data": f"CIFAKE train split: {class_counts(data.labels)}, {args.val_fraction:.0%} held out for "
            f"validation (seed {SEED}){modern_note}",
            "cifake_images": class_counts(data.labels),
            "train_images": int(len(train_idx)),
            "validation_images": int(len(val_idx)),
            "modern_train_images": class_counts(modern_train.labels) if modern_train else None,
            "modern_validation_images": class_counts(modern_val.labels) if modern_val else None,
            "command": command_line(argv),
            "base_model": str(args.base_model) if args.base_model else None,
            "seed": SEED,
            "epochs": args.epochs,
            "batch_size": args.batch_size,
            "learning_rate": args.learning_rate,
            "augmentation": "random horizontal flips and whole-pixel shifts of up to 4 pixels; for a random half "
            "of each batch, the image re-encoded as JPEG (CIFAKE: quality "
            f"{JPEG_QUALITY_RANGE[0]}-{JPEG_QUALITY_RANGE[1]}); modern pictures: random crops of "
            f"{CROP_AREA_RANGE[0]:.0%}-{CROP_AREA_RANGE[1]:.0%} of the area, aspect changed up to 4:3, "
            f"re-encoded at JPEG quality {MODERN_JPEG_QUALITY_RANGE[0]}-{MODERN_JPEG_QUALITY_RANGE[1]} "
            "and shrunk whole by the serving preprocessing",
            "checkpoint_selection": "modern val ROC-AUC among epochs with a CIFAKE validation accuracy "
            "(averaged with the mirror image) >= "
            f"{CIFAKE_ACCURACY_FLOOR}"
            if modern_train
            else "CIFAKE validation accuracy",
            "calibration": f"temperature scaling on the CIFAKE validation split, T = {temperature:.3f}, folded "
            "into the model",
            "validation_accuracy": round(val_accuracy, 5),
            "finished_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "wall_time_seconds": round(wall_seconds),
            "hardware": hardware_description(),
        },
        "calibration": {"unsure_below": DEFAULT_UNSURE_BELOW, "kinds": kinds},
        "limitations": LIMITATIONS,
        "library_versions": {
            "tensorflow": tf.__version__,
            "keras": keras.__version__,
            "numpy": np.__version__,
            "python": platform.python_version(),
        },
    }


def command_line(argv: list[str]) -> str:
    """This run's command as typed, without machine-specific absolute paths."""
    root = str(ROOT) + os.sep
    return " ".join(["python scripts/train.py", *(shlex.quote(arg.replace(root, "")) for arg in argv)])


if __name__ == "__main__":
    run_main(main)
