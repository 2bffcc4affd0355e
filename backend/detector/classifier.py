"""The Keras CNN behind the API: loaded once, warmed up, called on batches.

Model contract: float32 RGB pixels in 0..255, shape (None, 32, 32, 3), with
rescaling inside the model; output (None, 1) is the sigmoid P(REAL).
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import numpy as np

from .contract import IMAGE_SIZE, LOGIT_LAYER, SINGLE_VIEW_MODEL, THRESHOLD, confidence_of, label_of

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
import keras  # noqa: E402
import tensorflow as tf  # noqa: E402

INPUT_SPEC = tf.TensorSpec([None, IMAGE_SIZE, IMAGE_SIZE, 3], tf.float32)
# Grad-CAM on a 4x4 feature map says little about a 32x32 picture, so it uses
# the last convolutional feature map that is at least this many cells wide.
MIN_CAM_SIZE = 8


class ModelLoadError(RuntimeError):
    """The model file is missing, unreadable or breaks the model contract."""


class Classifier:
    """Batched P(REAL) and Grad-CAM explanations from a Keras model."""

    def __init__(self, model: keras.Model, card: dict | None = None, version: str | None = None):
        self.model = model
        self.card = card or {}
        self.threshold = float(self.card.get("threshold", THRESHOLD))
        self.version = version or str(self.card.get("version", "unversioned"))
        _check_contract(model)
        # One traced graph for any batch size: no retracing per request.
        self._forward = tf.function(lambda x: model(x, training=False), input_signature=[INPUT_SPEC])
        self._cam = _make_grad_cam(model)
        # Warm-up: trace both graphs now, so no request pays for it.
        blank = np.zeros((IMAGE_SIZE, IMAGE_SIZE, 3), np.uint8)
        self.predict(blank[None])
        self.explain(blank, "REAL")

    @classmethod
    def load(cls, path: str | Path) -> Classifier:
        """Load an .h5 model and the model_card.json next to it."""
        path = Path(path)
        if not path.is_file():
            raise ModelLoadError(f"model file {path} does not exist")
        try:
            model = keras.models.load_model(path, compile=False)
        except Exception as error:  # h5py, Keras and OS errors all mean the same here
            raise ModelLoadError(f"cannot load model {path}: {error}") from error
        card_path = path.with_name("model_card.json")
        card = json.loads(card_path.read_text()) if card_path.is_file() else {}
        version = card.get("version") or hashlib.sha256(path.read_bytes()).hexdigest()[:12]
        return cls(model, card, version)

    def predict(self, pixels: np.ndarray) -> np.ndarray:
        """P(REAL) for a batch of uint8 or float (n, 32, 32, 3) images, as a float array of n."""
        batch = tf.convert_to_tensor(np.asarray(pixels, dtype=np.float32))
        return self._forward(batch).numpy().reshape(-1).astype(float)

    def decide(self, probability_real: float) -> tuple[str, float]:
        """The label this model gives a P(REAL) under its card's threshold, and its probability."""
        return label_of(probability_real, self.threshold), float(confidence_of(probability_real, self.threshold))

    def explain(self, pixels: np.ndarray, label: str) -> np.ndarray:
        """Grad-CAM grid in 0..1 for one (32, 32, 3) image: where the evidence for the given label lies."""
        image = tf.convert_to_tensor(np.asarray(pixels, dtype=np.float32)[None])
        return self._cam(image, tf.constant(label == "REAL")).numpy()


def _check_contract(model: keras.Model) -> None:
    """Refuse a model whose input or output shape breaks the contract."""
    if tuple(model.input_shape[1:]) != (IMAGE_SIZE, IMAGE_SIZE, 3) or tuple(model.output_shape[1:]) != (1,):
        raise ModelLoadError(
            f"model takes {model.input_shape} and returns {model.output_shape}; "
            f"expected (None, {IMAGE_SIZE}, {IMAGE_SIZE}, 3) -> (None, 1)"
        )


def _make_grad_cam(model: keras.Model):
    """Build a compiled Grad-CAM function (Selvaraju et al., 2017) for model.

    A model that averages the image and its mirror image (a SINGLE_VIEW_MODEL
    inside) is explained through both views, the mirror's map flipped back, so
    the heatmap accounts for the whole averaged score.
    """
    layer_names = {layer.name for layer in model.layers}
    mirror_averaged = SINGLE_VIEW_MODEL in layer_names
    scorer = model.get_layer(SINGLE_VIEW_MODEL) if mirror_averaged else model
    feature_layer = next(
        (
            layer
            for layer in reversed(scorer.layers)
            if len(layer.output.shape) == 4 and (layer.output.shape[1] or 0) >= MIN_CAM_SIZE
        ),
        None,
    )
    if feature_layer is None:
        raise ModelLoadError("model has no convolutional feature map to explain")
    # Explain the pre-sigmoid score when the model exposes it: the sigmoid
    # saturates on confident images and its gradient vanishes.
    score_is_logit = LOGIT_LAYER in {layer.name for layer in scorer.layers}
    score_output = scorer.get_layer(LOGIT_LAYER).output if score_is_logit else scorer.output
    grad_model = keras.Model(scorer.inputs, [feature_layer.output, score_output])

    @tf.function(input_signature=[INPUT_SPEC, tf.TensorSpec([], tf.bool)])
    def grad_cam(image, is_real):
        views = tf.concat([image, tf.reverse(image, axis=[2])], axis=0) if mirror_averaged else image
        # Evidence for the verdict given: towards REAL for REAL, towards FAKE otherwise.
        with tf.GradientTape() as tape:
            features, scores = grad_model(views, training=False)
            score = tf.reduce_mean(scores)
            target = tf.where(is_real, score, -score if score_is_logit else 1.0 - score)
        gradients = tape.gradient(target, features)
        weights = tf.reduce_mean(gradients, axis=(1, 2), keepdims=True)
        maps = tf.reduce_sum(weights * features, axis=-1)  # one map per view
        if mirror_averaged:
            maps = tf.stack([maps[0], tf.reverse(maps[1], axis=[1])])
        cam = tf.nn.relu(tf.reduce_sum(maps, axis=0))
        peak = tf.reduce_max(cam)
        return tf.where(peak > 0, cam / peak, tf.zeros_like(cam))

    return grad_cam
