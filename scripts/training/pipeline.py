"""What the network trains on: the validation split, the views of each picture, the loss weights, tf.data.

CIFAKE thumbnails are shown as they are or re-encoded as JPEG; modern pictures
reach the network as uploads do (cropped at random, re-encoded as JPEG, shrunk
whole by the serving preprocessing), weighted so that no single source, or its
confounds, dominates. Flips and shifts are applied per batch in tf.data.
"""

from __future__ import annotations

import io

import numpy as np
import tensorflow as tf
from keras import layers
from PIL import Image

from .common import IMAGE_SIZE, SEED, prepare_image, progress
from .modern import ModernImages

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
