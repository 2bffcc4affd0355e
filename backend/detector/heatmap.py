"""Encode the model input and its Grad-CAM grid as small PNG data URLs."""

from __future__ import annotations

import base64
import io

import numpy as np
from PIL import Image

from .contract import IMAGE_SIZE

HEAT_COLOUR = (230, 25, 25)
MAX_ALPHA = 0.8  # keep the picture visible under the hottest cells


def png_data_url(image: Image.Image) -> str:
    """A data: URL holding image as PNG."""
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=True)
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def heatmap_overlay(grid: np.ndarray, size: int = IMAGE_SIZE) -> Image.Image:
    """A red RGBA overlay whose opacity follows the grid (0..1), smoothly upscaled to size x size."""
    heat = Image.fromarray(np.clip(grid, 0, 1).astype(np.float32)).resize((size, size), Image.Resampling.BILINEAR)
    alpha = np.clip(np.asarray(heat) * MAX_ALPHA * 255, 0, 255).astype(np.uint8)
    rgba = np.empty((size, size, 4), np.uint8)
    rgba[..., :3] = HEAT_COLOUR
    rgba[..., 3] = alpha
    return Image.fromarray(rgba)


def explanation(pixels: np.ndarray, grid: np.ndarray) -> dict:
    """The `explanation` object of a prediction: Grad-CAM grid, overlay and model input."""
    return {
        "method": "grad-cam",
        "grid": np.round(grid, 3).tolist(),
        "heatmap_png": png_data_url(heatmap_overlay(grid)),
        "model_input_png": png_data_url(Image.fromarray(pixels)),
    }
