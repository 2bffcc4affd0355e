"""The native crops of the built data set, sampled per source and class and augmented alike for both labels.

Augmentations are applied to REAL and FAKE crops with the same probabilities, so a picture's size,
format and compression history pay less: random JPEG re-encoding, mild rescaling, blur, colour
jitter, masking, flips and quarter turns.
"""

from __future__ import annotations

import csv
import gzip
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import tensorflow as tf

# Chances that each augmentation touches a crop (the same for both labels).
P_JPEG, P_RESCALE, P_BLUR, P_COLOUR, P_MASK = 0.7, 0.15, 0.1, 0.5, 0.25
JPEG_QUALITY = (60, 100)


@dataclass
class NativeSet:
    """The manifest of a built data set and its crops (memory-mapped, never all in memory at once)."""

    folder: Path
    rows: list[dict]
    crops: np.ndarray  # (n, crops per picture, S, S, 3) uint8
    grid: np.ndarray  # (n, grid crops, S, S, 3) uint8

    @property
    def labels(self) -> np.ndarray:
        """1 = REAL, as the product's sigmoid."""
        return np.array([row["label"] == "REAL" for row in self.rows], dtype=np.int64)

    @property
    def sources(self) -> np.ndarray:
        return np.array([row["source"] for row in self.rows])

    def column(self, name: str) -> np.ndarray:
        return np.array([row[name] for row in self.rows])


def load(folder: Path) -> NativeSet:
    """The data set `scripts/build_sources.py` wrote into folder."""
    folder = Path(folder)
    with gzip.open(folder / "manifest.csv.gz", "rt", newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    crops = np.load(folder / "crops.npy", mmap_mode="r")
    grid = np.load(folder / "grid.npy", mmap_mode="r")
    if not len(rows) == len(crops) == len(grid):
        raise ValueError(f"{folder}: manifest, crops.npy and grid.npy disagree on the number of pictures")
    return NativeSet(folder, rows, crops, grid)


def balanced_weights(sources: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """Sampling weights: each label half the mass, shared equally by the sources that have it."""
    weights = np.zeros(len(labels), dtype=np.float64)
    for label in (0, 1):
        groups = sorted({source for source, y in zip(sources, labels, strict=True) if y == label})
        for source in groups:
            members = (sources == source) & (labels == label)
            weights[members] = 0.5 / len(groups) / members.sum()
    return weights / weights.sum()


def sampled_crops(data: NativeSet, indices: np.ndarray, per_epoch: int, seed: int):
    """A generator of (crop, label): pictures drawn with balanced weights, one stored crop of each at random."""
    weights = balanced_weights(data.sources[indices], data.labels[indices])
    labels = data.labels

    def generate():
        rng = np.random.default_rng(seed)
        while True:
            for index in rng.choice(indices, size=per_epoch, p=weights):
                yield data.crops[index, rng.integers(data.crops.shape[1])], np.float32(labels[index])

    return generate


def _maybe(chance: float, apply, crop):
    return tf.cond(tf.random.uniform([]) < chance, lambda: apply(crop), lambda: crop)


def _rescale(crop, size: int):
    factor = tf.random.uniform([], 0.8, 1.25)
    side = tf.maximum(tf.cast(tf.cast(tf.shape(crop)[0], tf.float32) * factor, tf.int32), size)
    return tf.image.resize(crop, [side, side], method="bilinear")


def _blur(crop):
    blurred = tf.nn.avg_pool2d(crop[None], ksize=3, strides=1, padding="SAME")[0]
    mix = tf.random.uniform([], 0.3, 1.0)
    return mix * blurred + (1 - mix) * crop


def _colour(crop):
    crop = tf.image.random_brightness(crop, 12.0)
    crop = tf.image.random_contrast(crop, 0.85, 1.15)
    return tf.image.random_saturation(crop, 0.85, 1.15)


def _jpeg(crop):
    encoded = tf.cast(tf.clip_by_value(tf.round(crop), 0, 255), tf.uint8)
    return tf.cast(tf.image.random_jpeg_quality(encoded, *JPEG_QUALITY), tf.float32)


def _mask(crop):
    size = tf.shape(crop)[0]
    side = tf.random.uniform([], size // 8, size // 2, dtype=tf.int32)
    top = tf.random.uniform([], 0, size - side, dtype=tf.int32)
    left = tf.random.uniform([], 0, size - side, dtype=tf.int32)
    hole = tf.pad(tf.ones([side, side, 1]), [[top, size - side - top], [left, size - side - left], [0, 0]])
    return crop * (1 - hole)


def augment(crop, label, size: int):
    """One training view of a stored crop: the same random treatment whatever its label."""
    crop = tf.cast(crop, tf.float32)
    crop = _maybe(P_RESCALE, lambda c: _rescale(c, size), crop)
    crop = tf.image.random_crop(crop, [size, size, 3])
    crop = tf.image.rot90(crop, tf.random.uniform([], 0, 4, dtype=tf.int32))
    crop = tf.image.random_flip_left_right(crop)
    crop = _maybe(P_COLOUR, _colour, crop)
    crop = _maybe(P_BLUR, _blur, crop)
    crop = tf.clip_by_value(crop, 0, 255)
    crop = _maybe(P_JPEG, _jpeg, crop)
    crop = _maybe(P_MASK, _mask, crop)
    return tf.ensure_shape(crop, [size, size, 3]), label


def training_dataset(data: NativeSet, indices: np.ndarray, size: int, batch: int, steps: int, seed: int):
    """Batches of augmented crops for `steps` steps per epoch, repeating forever (Keras counts the epochs)."""
    stored = data.crops.shape[2]
    dataset = tf.data.Dataset.from_generator(
        sampled_crops(data, indices, steps * batch, seed),
        output_signature=(tf.TensorSpec([stored, stored, 3], tf.uint8), tf.TensorSpec([], tf.float32)),
    )
    return (
        dataset.map(lambda crop, label: augment(crop, label, size), num_parallel_calls=tf.data.AUTOTUNE)
        .batch(batch, drop_remainder=True)
        .prefetch(tf.data.AUTOTUNE)
    )
