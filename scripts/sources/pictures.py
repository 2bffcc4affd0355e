"""One source file opened by content: its pixels at native resolution and the facts a shortcut could use."""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageOps

# Repositories are trusted more than uploads, but not unboundedly: 200 MP covers every listed photo.
MAX_PIXELS = 200_000_000
MIN_SHORT_SIDE = 128
MAX_ASPECT = 4.0
# The IJG luminance table at quality 50 (JPEG standard, Annex K): quality is read from how a file scaled it.
IJG_LUMINANCE = np.array(
    [16, 11, 10, 16, 24, 40, 51, 61, 12, 12, 14, 19, 26, 58, 60, 55, 14, 13, 16, 24, 40, 57, 69, 56,
     14, 17, 22, 29, 51, 87, 80, 62, 18, 22, 37, 56, 68, 109, 103, 77, 24, 35, 55, 64, 81, 104, 113, 92,
     49, 64, 78, 87, 103, 121, 120, 101, 72, 92, 95, 98, 112, 100, 103, 99],
    dtype=np.float64,
)  # fmt: skip


class Unusable(Exception):
    """A file the data set leaves out, with the reason the build report counts."""


@dataclass
class Picture:
    """Pixels at native resolution (EXIF orientation applied, RGB) and facts about the file."""

    pixels: np.ndarray | None  # (height, width, 3) uint8; None once the crops are cut
    width: int
    height: int
    format: str
    jpeg_quality: int | None
    file_size: int


def jpeg_quality(quantization: dict | None) -> int | None:
    """The IJG quality (1-100) whose scaling best explains a JPEG's luminance table; None for other formats."""
    if not quantization or 0 not in quantization:
        return None
    table = np.asarray(quantization[0], dtype=np.float64)  # Pillow gives it in the same (zigzag) order as Annex K
    scale = float(np.mean(table / IJG_LUMINANCE) * 100)
    quality = (200 - scale) / 2 if scale <= 100 else 5000 / scale
    return int(np.clip(round(quality), 1, 100))


def open_picture(data: bytes) -> Picture:
    """Decode a file by its content; Unusable if it is not a picture the data set can use."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
            if image.width * image.height > MAX_PIXELS:
                raise Unusable("over 200 MP")
            file_format = image.format or "unknown"
            quality = jpeg_quality(getattr(image, "quantization", None)) if file_format in ("JPEG", "MPO") else None
            image.seek(0)
            image = ImageOps.exif_transpose(image)
            pixels = np.asarray(_rgb(image))
    except Unusable:
        raise
    except Exception as error:  # noqa: BLE001 - any decoder failure means "not a usable picture"
        raise Unusable("not an image or undecodable") from error
    height, width = pixels.shape[:2]
    picture = Picture(pixels, width, height, file_format, quality, len(data))
    short, long = sorted((picture.width, picture.height))
    if short < MIN_SHORT_SIDE:
        raise Unusable(f"shorter side < {MIN_SHORT_SIDE} px")
    if long > MAX_ASPECT * short:
        raise Unusable(f"aspect ratio > {MAX_ASPECT:g}")
    return picture


def _rgb(image: Image.Image) -> Image.Image:
    """RGB pixels; transparency is composited on white, as a browser shows it."""
    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        return Image.alpha_composite(white, rgba).convert("RGB")
    return image.convert("RGB")


def shrunk_jpeg(picture: Picture, longest: int = 256, quality: int = 95) -> bytes:
    """The picture shrunk (never enlarged) to `longest` px on its longer side, as JPEG: the 32x32 network's material."""
    image = Image.fromarray(picture.pixels)
    image.thumbnail((longest, longest), Image.Resampling.LANCZOS)
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=quality)
    return buffer.getvalue()


def random_crops(pixels: np.ndarray, count: int, size: int, rng: np.random.Generator) -> np.ndarray:
    """`count` crops of size x size at random places, at native resolution (no resizing)."""
    height, width = pixels.shape[:2]
    tops = rng.integers(0, height - size + 1, count)
    lefts = rng.integers(0, width - size + 1, count)
    return np.stack([pixels[top : top + size, left : left + size] for top, left in zip(tops, lefts, strict=True)])


def grid_crops(pixels: np.ndarray, rows: int, columns: int, size: int) -> np.ndarray:
    """rows x columns crops of size x size spread evenly over the picture: the fixed set inference scores."""
    height, width = pixels.shape[:2]
    tops = np.linspace(0, height - size, rows).round().astype(int)
    lefts = np.linspace(0, width - size, columns).round().astype(int)
    return np.stack([pixels[top : top + size, left : left + size] for top in tops for left in lefts])
