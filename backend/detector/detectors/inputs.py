"""What a detector is fed: the uploaded picture, decoded once more at the size it needs, then its own preprocessing.

The built-in model reads the 32x32 picture that decoding already made. A
brought detector needs more pixels (224x224 is usual), so each picture is
decoded a second time, at a reduced scale where the format allows it (JPEG,
HEIF previews), and shrunk to the largest side any loaded detector needs;
each detector then applies its own steps, as its `preprocessor_config.json`
(Hugging Face image processors) or its manifest says: resize, centre crop,
rescale and normalise. Pillow and NumPy only.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field

import numpy as np
from PIL import Image, ImageOps

from ..preprocessing import BACKGROUND, HIGH_BIT_DEPTH_MODES, PreparedImage

# Pillow's resampling filters by the numbers Hugging Face configs store.
RESAMPLING = {
    0: Image.Resampling.NEAREST,
    1: Image.Resampling.LANCZOS,
    2: Image.Resampling.BILINEAR,
    3: Image.Resampling.BICUBIC,
    4: Image.Resampling.BOX,
    5: Image.Resampling.HAMMING,
}
# Where a picture is no larger than this on its shorter side, it is used as it is.
MAX_VIEW_SIDE = 1024


class SpecError(ValueError):
    """A preprocessing description this project cannot follow."""


@dataclass(frozen=True)
class ImageSpec:
    """How one detector turns a picture into its input tensor.

    resize: (height, width) to stretch to, or None; shortest_edge: resize so the
    shorter side has this length, keeping the aspect ratio; crop: (height,
    width) of the centre crop, or None. Then pixels (0..255) are multiplied by
    rescale, and (x - mean) / std is taken per channel.
    """

    resize: tuple[int, int] | None = None
    shortest_edge: int | None = None
    crop: tuple[int, int] | None = None
    resample: int = 3
    rescale: float = 1 / 255
    mean: tuple[float, float, float] = (0.0, 0.0, 0.0)
    std: tuple[float, float, float] = (1.0, 1.0, 1.0)
    channels_first: bool = True

    @property
    def output_size(self) -> tuple[int, int] | None:
        """(height, width) of the tensor this spec makes, or None when it follows the picture's shape."""
        return self.crop or self.resize

    @property
    def view_side(self) -> int:
        """The shorter side the decoded picture needs so that no step enlarges it."""
        sides = [*(self.resize or ()), *(self.crop or ()), self.shortest_edge or 0]
        return max(sides) if any(sides) else MAX_VIEW_SIDE

    def tensor(self, picture: Image.Image) -> np.ndarray:
        """The float32 input for one RGB picture: (3, H, W) channels first, else (H, W, 3)."""
        image = picture
        resample = RESAMPLING.get(self.resample, Image.Resampling.BICUBIC)
        if self.shortest_edge:
            width, height = image.size
            scale = self.shortest_edge / min(width, height)
            size = (max(1, round(width * scale)), max(1, round(height * scale)))
            image = image.resize(size, resample, reducing_gap=3.0)
        elif self.resize:
            image = image.resize((self.resize[1], self.resize[0]), resample, reducing_gap=3.0)
        if self.crop:
            image = _centre_crop(image, self.crop)
        values = np.asarray(image, dtype=np.float32) * np.float32(self.rescale)
        values = (values - np.asarray(self.mean, np.float32)) / np.asarray(self.std, np.float32)
        return np.ascontiguousarray(values.transpose(2, 0, 1) if self.channels_first else values)


def _centre_crop(image: Image.Image, size: tuple[int, int]) -> Image.Image:
    """The centre (height, width) of the picture, padded with black where it is smaller (as Hugging Face does)."""
    height, width = size
    left, top = (image.width - width) // 2, (image.height - height) // 2
    return image.crop((left, top, left + width, top + height))


def spec_from_preprocessor_config(config: dict, channels_first: bool = True) -> ImageSpec:
    """The ImageSpec a Hugging Face image processor's preprocessor_config.json describes."""
    size = config.get("size") if config.get("do_resize", True) else None
    resize = shortest = None
    if isinstance(size, int):
        shortest = size
    elif isinstance(size, dict) and {"height", "width"} <= size.keys():
        resize = (int(size["height"]), int(size["width"]))
    elif isinstance(size, dict) and "shortest_edge" in size:
        shortest = int(size["shortest_edge"])
    elif size is not None:
        raise SpecError(f"preprocessor_config.json: size {size!r} is not supported (use height/width or shortest_edge)")
    crop = None
    if config.get("do_center_crop"):
        crop_size = config.get("crop_size", size)
        if isinstance(crop_size, int):
            crop = (crop_size, crop_size)
        elif isinstance(crop_size, dict) and {"height", "width"} <= crop_size.keys():
            crop = (int(crop_size["height"]), int(crop_size["width"]))
        else:
            raise SpecError(f"preprocessor_config.json: crop_size {crop_size!r} is not supported")
    elif shortest and config.get("crop_pct"):
        # ConvNeXt-style: resize to shortest_edge / crop_pct, then crop the centre square.
        crop, shortest = (shortest, shortest), int(shortest / float(config["crop_pct"]))
    rescale = float(config.get("rescale_factor", 1 / 255)) if config.get("do_rescale", True) else 1.0
    mean, std = (0.0,) * 3, (1.0,) * 3
    if config.get("do_normalize", True) and "image_mean" in config:
        mean = _triple(config["image_mean"], "image_mean")
        std = _triple(config.get("image_std", [1, 1, 1]), "image_std")
    return ImageSpec(resize, shortest, crop, int(config.get("resample", 3)), rescale, mean, std, channels_first)


def _triple(values, name: str) -> tuple[float, float, float]:
    """Three per-channel numbers (one number stands for all three)."""
    values = [values] * 3 if isinstance(values, (int, float)) else list(values)
    if len(values) != 3 or not all(isinstance(v, (int, float)) for v in values):
        raise SpecError(f"{name} must be three numbers, got {values!r}")
    if name == "image_std" and any(v == 0 for v in values):
        raise SpecError("image_std must not be 0")
    return (float(values[0]), float(values[1]), float(values[2]))


@dataclass
class Picture:
    """One decoded upload as detectors read it: its bytes, the built-in model's input, a larger view on demand."""

    data: bytes
    prepared: PreparedImage
    _views: dict[int, Image.Image] = field(default_factory=dict, repr=False)

    def view(self, side: int) -> Image.Image:
        """The picture upright in RGB, its shorter side at most `side` (never enlarged)."""
        if side not in self._views:
            self._views[side] = decode_view(self.data, side)
        return self._views[side]


def decode_view(data: bytes, side: int) -> Image.Image:
    """Decode, orient and flatten to RGB, shrunk so the shorter side is at most `side`.

    Only bytes that the upload's own decoding accepted within its limits come
    here, so the same decoder stays within the same bounds.
    """
    with Image.open(io.BytesIO(data)) as image:
        image.draft("RGB", (side, side))  # JPEG: the smallest 1/2^k scale still at least side on both sides
        image = ImageOps.exif_transpose(image)
        image = _flatten(image, side)
    if min(image.size) > side:
        scale = side / min(image.size)
        size = (max(1, round(image.width * scale)), max(1, round(image.height * scale)))
        image = image.resize(size, Image.Resampling.BICUBIC, reducing_gap=3.0)
    return image


def _flatten(image: Image.Image, side: int) -> Image.Image:
    """8-bit RGB, transparency composited on the background the built-in model's input uses."""
    if image.mode in HIGH_BIT_DEPTH_MODES:
        image = _high_bit_depth_to_grey(image, side)
    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        canvas = Image.new("RGB", rgba.size, BACKGROUND)
        canvas.paste(rgba, mask=rgba.getchannel("A"))
        return canvas
    return image.convert("RGB")


def _high_bit_depth_to_grey(image: Image.Image, side: int) -> Image.Image:
    """A 16-bit, 32-bit or float picture as 8-bit grey, shrunk by a whole factor first, its range rescaled."""
    if image.mode.startswith("I;16"):
        image = image.convert("I")
    factor = max(1, min(image.size) // side)
    values = np.asarray(image.reduce(factor) if factor > 1 else image, dtype=np.float32)
    high = float(values.max(initial=0.0))
    peak = 65535.0 if high > 255 else 1.0 if image.mode == "F" and high <= 1.0 else 255.0
    return Image.fromarray(np.clip(np.rint(values * (255.0 / peak)), 0, 255).astype(np.uint8), "L")
