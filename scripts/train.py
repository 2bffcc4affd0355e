"""Train the CIFAKE real-vs-AI-generated classifier and save it as Keras HDF5.

The same command runs on a 2-core CPU and in a Google Colab GPU runtime:

    python scripts/train.py --data-dir dataset --epochs 30 --out backend/model/classifier.h5

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
import shutil
import time
from pathlib import Path

import numpy as np
from PIL import Image

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

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
import keras  # noqa: E402
import tensorflow as tf  # noqa: E402
from keras import layers  # noqa: E402

from detector.contract import LOGIT_LAYER, SINGLE_VIEW_MODEL  # noqa: E402

# Wide enough to see the generator's pixel-level artefacts at full resolution,
# small enough to train 30 epochs in about 70 minutes on 2 CPU cores (about 700 images/s).
STAGE_WIDTHS = (64, 128, 256)
STEM_WIDTH = 32
# JPEG re-compression at qualities users' uploads go through (phones, messengers,
# screenshots), shown instead of the original for half of each batch.
JPEG_QUALITY_RANGE = (30, 95)
JPEG_PROBABILITY = 0.5


def parse_args(argv=None) -> argparse.Namespace:
    """Command-line options."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data-dir", type=Path, default=DEFAULT_DATA_DIR,
                        help="folder with train/REAL and train/FAKE (default: $CIFAKE_DIR or dataset/)")
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--learning-rate", type=float, default=2e-3, help="peak learning rate after warm-up")
    parser.add_argument("--weight-decay", type=float, default=0.05)
    parser.add_argument("--val-fraction", type=float, default=0.1)
    parser.add_argument("--out", type=Path, default=DEFAULT_MODEL_PATH, help="where to write the .h5 model")
    parser.add_argument("--run-dir", type=Path, default=ROOT / "runs" / "train",
                        help="checkpoints, resume state, history.csv and TensorBoard logs")
    parser.add_argument("--history-out", type=Path, default=PERFORMANCE_DIR / "history.csv",
                        help="copy of the training history for the plots")
    parser.add_argument("--fresh", action="store_true", help="ignore a previous interrupted run in --run-dir")
    parser.add_argument("--calibrate-only", action="store_true",
                        help="skip training: calibrate and save the best checkpoint already in --run-dir")
    args = parser.parse_args(argv)
    if args.epochs < 1 or args.batch_size < 1 or not 0 < args.val_fraction < 1:
        parser.error("--epochs and --batch-size must be positive and --val-fraction in (0, 1)")
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


# Whole-pixel shifts of up to 4 pixels with mirrored borders: no interpolation,
# which would blur away the generator's pixel-level traces.
TRANSLATE = layers.RandomTranslation(0.125, 0.125, fill_mode="reflect", interpolation="nearest", seed=SEED)


def augment(originals: tf.Tensor, variants: tf.Tensor, labels: tf.Tensor) -> tuple[tf.Tensor, tf.Tensor]:
    """On a batch: the JPEG variant for JPEG_PROBABILITY of the images, random flips and shifts."""
    n = tf.shape(originals)[0]
    use_jpeg = tf.random.uniform((n, 1, 1, 1)) < JPEG_PROBABILITY
    images = tf.where(use_jpeg, variants, originals)
    flip = tf.random.uniform((n, 1, 1, 1)) < 0.5
    images = tf.where(flip, tf.reverse(images, axis=[2]), images)
    return TRANSLATE(tf.cast(images, tf.float32), training=True), labels


def make_datasets(pixels, labels, train_idx, val_idx, batch_size):
    """tf.data pipelines: shuffled and augmented for training, plain for validation."""
    autotune = tf.data.AUTOTUNE
    train_pixels = pixels[train_idx]
    train = (
        tf.data.Dataset.from_tensor_slices(
            (train_pixels, jpeg_variants(train_pixels), labels[train_idx].astype("float32")))
        .cache()
        .shuffle(len(train_idx), seed=SEED, reshuffle_each_iteration=True)
        .batch(batch_size)
        .map(augment, num_parallel_calls=autotune)
        .prefetch(autotune)
    )
    val = (
        tf.data.Dataset.from_tensor_slices((pixels[val_idx].astype("float32"), labels[val_idx].astype("float32")))
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


def make_model(input_shape=(IMAGE_SIZE, IMAGE_SIZE, 3)) -> keras.Model:
    """A small VGG-style CNN: raw 0..255 pixels in, P(REAL) out.

    Rescaling lives inside the model so every caller sends raw pixels. The
    pre-sigmoid logit layer is kept separate for Grad-CAM and calibration.
    """
    inputs = keras.Input(shape=input_shape, name="pixels")
    x = layers.Rescaling(1.0 / 255, name="rescale")(inputs)
    x = conv_bn_relu(x, STEM_WIDTH, "stem")
    for stage, width in enumerate(STAGE_WIDTHS, start=1):
        x = layers.MaxPooling2D(name=f"pool{stage}")(x)
        x = conv_bn_relu(x, width, f"stage{stage}a")
        if stage < len(STAGE_WIDTHS):
            x = conv_bn_relu(x, width, f"stage{stage}b")
    x = layers.GlobalAveragePooling2D(name="gap")(x)
    x = layers.Dropout(0.3, name="dropout")(x)
    logit = layers.Dense(1, name=LOGIT_LAYER)(x)
    outputs = layers.Activation("sigmoid", name="p_real")(logit)
    return keras.Model(inputs, outputs, name="cifake_cnn")


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


class EpochTimer(keras.callbacks.Callback):
    """Adds each epoch's duration to the logs, so the CSV history keeps it across resumed runs."""

    def on_epoch_begin(self, epoch, logs=None):
        self.started = time.time()

    def on_epoch_end(self, epoch, logs=None):
        if logs is not None:
            logs["epoch_seconds"] = time.time() - self.started


def fit_temperature(logits: np.ndarray, labels: np.ndarray) -> float:
    """Temperature T minimising the validation log loss of sigmoid(logit / T).

    Unlike a fitted shift, a temperature keeps the decision boundary, and so
    the accuracy, of the chosen checkpoint.
    """
    temperatures = np.exp(np.linspace(np.log(0.2), np.log(5.0), 500))
    signs = np.where(labels == 1, 1.0, -1.0)
    # log(1 + exp(-y z / T)) is the binary log loss for y in {-1, 1}.
    losses = [np.mean(np.logaddexp(0.0, -signs * logits / t)) for t in temperatures]
    return float(temperatures[int(np.argmin(losses))])


def apply_temperature(model: keras.Model, temperature: float) -> None:
    """Fold the temperature into the logit layer, so the saved model is calibrated as is."""
    logit = model.get_layer(SINGLE_VIEW_MODEL).get_layer(LOGIT_LAYER)
    kernel, bias = logit.get_weights()
    logit.set_weights([kernel / temperature, bias / temperature])


def fit(args: argparse.Namespace, data, train_idx, val_idx, run_dir: Path) -> None:
    """Train with checkpoints of the best epoch, resuming an interrupted run in run_dir."""
    train_ds, val_ds = make_datasets(data.pixels, data.labels, train_idx, val_idx, args.batch_size)
    steps_per_epoch = int(np.ceil(len(train_idx) / args.batch_size))
    model = make_model()
    compile_model(model, steps_per_epoch, args.epochs, args.learning_rate, args.weight_decay)
    model.summary(print_fn=lambda line, **_: print(line))
    history_csv = run_dir / "history.csv"
    callbacks = [
        keras.callbacks.BackupAndRestore(str(run_dir / "backup")),
        keras.callbacks.ModelCheckpoint(
            str(run_dir / "best.keras"), monitor="val_accuracy", mode="max", save_best_only=True,
            initial_value_threshold=max(history_column(history_csv, "val_accuracy"), default=None),
        ),
        EpochTimer(),  # before CSVLogger, which writes the logs it adds
        keras.callbacks.CSVLogger(str(history_csv), append=True),
        keras.callbacks.TensorBoard(log_dir=str(run_dir / "logs")),
    ]
    # shuffle=False: the tf.data pipeline shuffles; Keras would only warn that it ignores the flag.
    model.fit(train_ds, validation_data=val_ds, epochs=args.epochs, callbacks=callbacks, shuffle=False,
              verbose=1 if os.isatty(1) else 2)


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
    """Train, calibrate and save the model; write the training part of the model card."""
    args = parse_args(argv)
    keras.utils.set_random_seed(SEED)
    started = time.time()

    data = load_split(args.data_dir, "train")
    train_idx, val_idx = split_indices(data.labels, args.val_fraction)
    if len(train_idx) < args.batch_size // 4:
        raise UserError(f"only {len(train_idx)} training images: too few to train on")
    print(f"{len(train_idx)} training and {len(val_idx)} validation images "
          f"({len(data.skipped)} unreadable skipped)")
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
        fit(args, data, train_idx, val_idx, run_dir)

    model = average_with_mirror(keras.models.load_model(best_path))
    val_pixels = data.pixels[val_idx].astype("float32")
    logit_model = keras.Model(model.inputs, model.get_layer("mean_logit").output)
    val_logits = logit_model.predict(val_pixels, batch_size=512, verbose=0).ravel()
    temperature = fit_temperature(val_logits, data.labels[val_idx])
    apply_temperature(model, temperature)
    val_probs = model.predict(val_pixels, batch_size=512, verbose=0).ravel()
    val_accuracy = float(np.mean((val_probs > THRESHOLD) == (data.labels[val_idx] == 1)))

    args.out.parent.mkdir(parents=True, exist_ok=True)
    # The .h5 suffix selects the legacy HDF5 format the contract names; the
    # optimizer state would triple the file and is useless for serving.
    model.save(args.out, include_optimizer=False)
    args.history_out.parent.mkdir(parents=True, exist_ok=True)
    args.history_out.write_text(history_csv.read_text())

    wall_seconds = earlier_seconds + time.time() - started
    card_path = args.out.with_name("model_card.json")
    card = json.loads(card_path.read_text()) if card_path.exists() else {}
    card.update(
        name="cifake-cnn",
        version=model_version(args.out),
        description="Tells a real photograph (CIFAR-10) from an image made by Stable Diffusion 1.4 (CIFAKE).",
        class_names=list(CLASS_NAMES),
        positive_class="REAL",
        threshold=THRESHOLD,
        input={"shape": [None, IMAGE_SIZE, IMAGE_SIZE, 3], "dtype": "float32", "range": [0, 255],
               "color": "RGB", "rescaling": "inside the model"},
        output={"shape": [None, 1], "meaning": "sigmoid probability that the image is REAL",
                "decision": f"REAL if > {THRESHOLD}, else FAKE"},
        test_time_augmentation="inside the model: it averages its logits for the image and its mirror image",
        parameters=int(model.count_params()),
        file_size_bytes=args.out.stat().st_size,
        training={
            "data": "CIFAKE train split (de-duplicated): 50,000 REAL + 48,702 FAKE, "
                    f"{args.val_fraction:.0%} held out for validation (seed {SEED})",
            "train_images": int(len(train_idx)),
            "validation_images": int(len(val_idx)),
            "command": "python scripts/train.py --data-dir dataset "
                       f"--epochs {args.epochs} --out backend/model/classifier.h5",
            "epochs": args.epochs,
            "batch_size": args.batch_size,
            "augmentation": "random horizontal flips and whole-pixel shifts of up to 4 pixels; for a "
                            "random half of each batch, the image re-encoded as JPEG at a quality drawn "
                            f"once per image from {JPEG_QUALITY_RANGE[0]}-{JPEG_QUALITY_RANGE[1]}",
            "calibration": f"temperature scaling on the validation split, T = {temperature:.3f}",
            "validation_accuracy": round(val_accuracy, 5),
            "wall_time_seconds": round(wall_seconds),
            "hardware": hardware_description(),
        },
        library_versions={"tensorflow": tf.__version__, "keras": keras.__version__, "numpy": np.__version__,
                          "python": platform.python_version()},
    )
    card_path.write_text(json.dumps(card, indent=2) + "\n")
    print(f"saved {args.out} ({args.out.stat().st_size / 1e6:.2f} MB, {model.count_params():,} parameters); "
          f"validation accuracy {val_accuracy:.4f}, temperature {temperature:.3f}, "
          f"wall time {wall_seconds / 60:.1f} min")
    return 0


if __name__ == "__main__":
    run_main(main)
