"""The network: a small VGG-style CNN on 32x32 pixels, the head for today's pictures, the mirror average.

Every model here takes raw 0..255 pixels and returns P(REAL); the pre-sigmoid
logit layer stays separate for Grad-CAM and calibration (detector.contract).
"""

from __future__ import annotations

from pathlib import Path

import keras
import numpy as np
from keras import layers

from detector.contract import LOGIT_LAYER, SINGLE_VIEW_MODEL

from .common import IMAGE_SIZE, UserError

# Wide enough to see the generator's pixel-level artefacts at full resolution,
# small enough to train 30 epochs in about 70 minutes on 2 CPU cores at about
# 700 images/s (other 2-core machines have measured 250 images/s: 3.3 hours).
STAGE_WIDTHS = (64, 128, 256)
STEM_WIDTH = 32
# The head for today's pictures (see with_modern_head), as tried on modern val:
# 64 units; L2 1e-4 and 1e-3 scored alike.
HEAD_WIDTH = 64
HEAD_L2 = keras.regularizers.L2(1e-4)
CIFAKE_LOGIT_LAYER = "cifake_logit"


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
