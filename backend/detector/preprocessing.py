"""Turn image bytes into the 32x32 RGB array the classifier sees.

Pure on purpose: no Flask and no TensorFlow, so the API, the command-line
prediction and the training data loader share one definition of "the pixels
the model sees", and training and serving cannot drift apart.
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

IMAGE_SIZE = 32
# Formats a browser or a phone produces (the JPEG decoder also reads phones'
# multi-picture MPO files). Other Pillow plugins (EPS, PSD, ...) are refused
# rather than exposed to untrusted uploads.
ALLOWED_FORMATS = ("JPEG", "PNG", "GIF", "WEBP", "BMP", "TIFF")
DEFAULT_MAX_PIXELS = 50_000_000
# Antialiased bicubic downscaling. reducing_gap first shrinks by whole factors
# with a box filter, which is much faster on large photos and visually the same.
RESAMPLE = Image.Resampling.BICUBIC
REDUCING_GAP = 3.0
# Transparent areas are shown on white, as browsers and viewers show them.
BACKGROUND = (255, 255, 255)


class ImageError(ValueError):
    """The bytes are not an image this service can read."""


class UnsupportedImageError(ImageError):
    """Not an image, truncated, or a format outside ALLOWED_FORMATS."""


class ImageTooLargeError(ImageError):
    """The image declares more pixels than the configured limit."""


@dataclass(frozen=True)
class PreparedImage:
    """The model input plus what the caller may want to report about the upload."""

    pixels: np.ndarray  # uint8, shape (IMAGE_SIZE, IMAGE_SIZE, 3)
    width: int
    height: int
    format: str


def prepare_image(data: bytes, max_pixels: int = DEFAULT_MAX_PIXELS) -> PreparedImage:
    """Decode image bytes and return the IMAGE_SIZE x IMAGE_SIZE RGB model input."""
    if not data:
        raise UnsupportedImageError("The file is empty.")
    with _open(data, max_pixels) as image:
        width, height = image.size
        if width * height > max_pixels:
            raise ImageTooLargeError(
                f"The image has {width * height:,} pixels ({width}x{height}); "
                f"the limit is {max_pixels:,}."
            )
        image_format = image.format
        try:
            pixels = _to_model_input(image)
        except (OSError, ValueError, SyntaxError, EOFError) as error:
            raise UnsupportedImageError(f"The image data is corrupt or truncated ({error}).") from None
    return PreparedImage(pixels=pixels, width=width, height=height, format=image_format)


def _open(data: bytes, max_pixels: int) -> Image.Image:
    """Open lazily (header only), refusing unknown formats and decompression bombs."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            return Image.open(io.BytesIO(data), formats=ALLOWED_FORMATS)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        # Pillow's own guard fires before ours for the largest images.
        raise ImageTooLargeError(
            f"The image has more than {Image.MAX_IMAGE_PIXELS:,} pixels; the limit is {max_pixels:,}."
        ) from None
    except UnidentifiedImageError:
        raise UnsupportedImageError(
            f"The file is not an image in a supported format ({', '.join(ALLOWED_FORMATS)})."
        ) from None
    except (OSError, ValueError, SyntaxError, EOFError) as error:
        raise UnsupportedImageError(f"The image header is corrupt ({error}).") from None


def _to_model_input(image: Image.Image) -> np.ndarray:
    """Orient, flatten to RGB and downscale an opened image (first frame of animations)."""
    # JPEG draft mode lets libjpeg decode at 1/2, 1/4 or 1/8 scale, never below
    # the requested size: a 12-megapixel photo decodes in a few milliseconds.
    # Twice the target size keeps enough detail for the antialiased resize.
    image.draft("RGB", (IMAGE_SIZE * 2, IMAGE_SIZE * 2))
    image = ImageOps.exif_transpose(image)
    image = _to_rgb(image)
    if image.size != (IMAGE_SIZE, IMAGE_SIZE):
        image = image.resize((IMAGE_SIZE, IMAGE_SIZE), RESAMPLE, reducing_gap=REDUCING_GAP)
    return np.asarray(image, dtype=np.uint8)


def _to_rgb(image: Image.Image) -> Image.Image:
    """Convert any Pillow mode to 8-bit RGB, compositing transparency on white."""
    if image.mode in ("I;16", "I;16B", "I;16L", "I;16N", "I", "F"):
        # Pillow's own I/F -> L conversion clips at 255 instead of rescaling, which
        # would turn a 16-bit greyscale PNG white; rescale the full range to 8 bits.
        values = np.asarray(image, dtype=np.float64)
        peak = 65535.0 if values.max(initial=0) > 255 or image.mode.startswith("I;16") else 255.0
        grey = np.clip(np.rint(values * (255.0 / peak)), 0, 255).astype(np.uint8)
        return Image.fromarray(grey).convert("RGB")
    if image.mode == "P" and "transparency" in image.info or image.mode in ("LA", "La", "PA"):
        image = image.convert("RGBA")
    if image.mode in ("RGBA", "RGBa"):
        canvas = Image.new("RGB", image.size, BACKGROUND)
        canvas.paste(image, mask=image.getchannel("A"))
        return canvas
    return image.convert("RGB") if image.mode != "RGB" else image
