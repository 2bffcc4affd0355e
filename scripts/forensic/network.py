"""A small CNN trained from scratch on native-resolution crops, behind a fixed high-pass front end.

The front ends keep what a generator's upsampling and a camera's demosaicing leave in neighbouring
pixels and throw away what the picture shows, so the network cannot lean on content:
- npr: the residual x - upsample(downsample(x)) (nearest neighbour, factor 2; Tan et al., CVPR 2024);
- srm: three steganalysis rich-model filters per colour channel (Fridrich and Kodovsky 2012);
- dwt: the three high bands of a one-level Haar wavelet transform.
All are standard Keras layers with frozen weights, so the model saves as .h5 and loads with plain Keras.
"""

from __future__ import annotations

import keras
import numpy as np
from keras import layers

FRONT_ENDS = ("npr", "srm", "dwt")

_SRM = [
    np.array([[0, 0, 0, 0, 0], [0, -1, 2, -1, 0], [0, 2, -4, 2, 0], [0, -1, 2, -1, 0], [0, 0, 0, 0, 0]]) / 4,
    np.array([[-1, 2, -2, 2, -1], [2, -6, 8, -6, 2], [-2, 8, -12, 8, -2], [2, -6, 8, -6, 2], [-1, 2, -2, 2, -1]]) / 12,
    np.array([[0, 0, 0, 0, 0], [0, 0, 0, 0, 0], [0, 1, -2, 1, 0], [0, 0, 0, 0, 0], [0, 0, 0, 0, 0]]) / 2,
]
# Haar high bands on a 2x2 block: horizontal, vertical and diagonal detail.
_HAAR = [np.array([[1, -1], [1, -1]]) / 2, np.array([[1, 1], [-1, -1]]) / 2, np.array([[1, -1], [-1, 1]]) / 2]


def _fixed_depthwise(kernels: list[np.ndarray], strides: int, padding: str, name: str) -> layers.DepthwiseConv2D:
    """A frozen depthwise convolution applying each kernel to each colour channel."""
    size = kernels[0].shape[0]
    weights = np.zeros((size, size, 3, len(kernels)), dtype=np.float32)
    for index, kernel in enumerate(kernels):
        weights[:, :, :, index] = kernel[:, :, None]
    return layers.DepthwiseConv2D(
        size,
        strides=strides,
        padding=padding,
        depth_multiplier=len(kernels),
        use_bias=False,
        depthwise_initializer=keras.initializers.Constant(weights),
        trainable=False,
        name=name,
    )


def front_end(pixels, kind: str):
    """The fixed high-pass view of pixels scaled to 0..1."""
    if kind == "npr":
        corner = _fixed_depthwise([np.ones((1, 1))], strides=2, padding="valid", name="npr_downsample")(pixels)
        return layers.Subtract(name="npr_residual")([pixels, layers.UpSampling2D(2, name="npr_upsample")(corner)])
    if kind == "srm":
        return _fixed_depthwise(_SRM, strides=1, padding="same", name="srm_filters")(pixels)
    if kind == "dwt":
        return _fixed_depthwise(_HAAR, strides=2, padding="valid", name="haar_high_bands")(pixels)
    raise ValueError(f"unknown front end {kind!r}; choose from {FRONT_ENDS}")


def make_model(kind: str = "npr", width: int = 32) -> keras.Model:
    """Raw 0-255 RGB crops of any even size -> the logit of P(REAL); about 0.6M parameters at width 32."""
    inputs = keras.Input((None, None, 3), name="pixels")
    x = front_end(layers.Rescaling(1 / 255, name="scale")(inputs), kind)
    # Full resolution first: pooling early would average away the traces the front end exposes.
    for index, (filters, strides) in enumerate(
        [(width, 1), (width, 1), (2 * width, 2), (2 * width, 1), (4 * width, 2), (4 * width, 1), (8 * width, 2)]
    ):
        x = layers.Conv2D(filters, 3, strides=strides, padding="same", use_bias=False, name=f"conv{index}")(x)
        x = layers.BatchNormalization(name=f"bn{index}")(x)
        x = layers.ReLU(name=f"relu{index}")(x)
    x = layers.GlobalAveragePooling2D(name="pool")(x)
    x = layers.Dropout(0.2, name="dropout")(x)
    logit = layers.Dense(1, dtype="float32", name="logit")(x)
    return keras.Model(inputs, logit, name=f"forensic_{kind}")
