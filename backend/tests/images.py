"""Build test images in memory with Pillow."""

from __future__ import annotations

import io

import numpy as np
from PIL import Image


def encode(image: Image.Image, fmt: str, **options) -> bytes:
    """image saved in fmt, as bytes."""
    buffer = io.BytesIO()
    image.save(buffer, format=fmt, **options)
    return buffer.getvalue()


def solid(colour=(200, 30, 60), size=(32, 32), mode="RGB") -> Image.Image:
    """One-colour image."""
    return Image.new(mode, size, colour)


def noise(size=(32, 32), seed=0) -> Image.Image:
    """Random RGB image, reproducible by seed."""
    pixels = np.random.default_rng(seed).integers(0, 256, (size[1], size[0], 3), dtype=np.uint8)
    return Image.fromarray(pixels)


def jpeg(size=(32, 32), seed=0, quality=90) -> bytes:
    """Random RGB image as JPEG bytes."""
    return encode(noise(size, seed), "JPEG", quality=quality)


def png(size=(32, 32), seed=0) -> bytes:
    """Random RGB image as PNG bytes."""
    return encode(noise(size, seed), "PNG")


def png_bomb(side=20000) -> bytes:
    """A tiny PNG file that declares side x side pixels."""
    return png_bomb_rect(side, side)


def png_bomb_rect(width, height) -> bytes:
    """A tiny PNG file that declares width x height pixels."""
    return encode(Image.new("1", (width, height)), "PNG", optimize=True)


def exif_rotated_jpeg() -> bytes:
    """A 64x32 JPEG, left half red and right half blue, tagged "rotate 90 clockwise to display"."""
    return exif_rotated("JPEG", quality=95)


def exif_rotated(fmt: str, **options) -> bytes:
    """A 64x32 picture in fmt, left half red and right half blue, tagged "rotate 90 clockwise to display".

    HEIF stores the rotation in its own box (pillow-heif writes it from the EXIF
    tag), AVIF keeps the EXIF tag; either way a viewer shows red on top.
    """
    image = Image.new("RGB", (64, 32), (255, 0, 0))
    image.paste((0, 0, 255), (32, 0, 64, 32))
    exif = Image.Exif()
    exif[0x0112] = 6  # Orientation: the viewer rotates 90 degrees clockwise
    exif[0x010F], exif[0x0110] = "Apple", "iPhone 15 Pro"
    return encode(image, fmt, exif=exif.tobytes(), **options)


def heic(size=(64, 48), colour=(30, 160, 90)) -> bytes:
    """A one-colour HEIC (HEIF with HEVC), as an iPhone writes them, made with pillow-heif."""
    import detector.preprocessing  # noqa: F401 - registers pillow-heif's plugin with the service's options

    return encode(solid(colour, size), "HEIF", quality=90)


def avif(size=(64, 48), colour=(30, 160, 90)) -> bytes:
    """A one-colour AVIF, made with Pillow's own encoder."""
    return encode(solid(colour, size), "AVIF", quality=90)


def flat_jpeg(size: tuple[int, int]) -> bytes:
    """A large one-colour greyscale JPEG: a camera-sized picture made in about a second and a few MB."""
    return encode(Image.new("L", size, 128), "JPEG", quality=75)


def sixteen_bit_png(value=65535 // 2) -> bytes:
    """A 16-bit greyscale PNG of one value."""
    array = np.full((32, 32), value, dtype=np.uint16)
    return encode(Image.fromarray(array), "PNG")


def cmyk_jpeg() -> bytes:
    """A CMYK JPEG of pure cyan."""
    return encode(Image.new("CMYK", (32, 32), (255, 0, 0, 0)), "JPEG", quality=95)


def transparent_gif() -> bytes:
    """A palette GIF whose left half is transparent and right half green."""
    image = Image.new("P", (32, 32), 0)
    image.putpalette([0, 0, 0, 0, 255, 0] + [0] * 762)
    image.paste(1, (16, 0, 32, 32))
    return encode(image, "GIF", transparency=0)


def animated_gif() -> bytes:
    """Two frames: red, then blue."""
    frames = [solid((255, 0, 0)), solid((0, 0, 255))]
    return encode(frames[0], "GIF", save_all=True, append_images=frames[1:], duration=100, loop=0)


def heic_like() -> bytes:
    """The start of an HEIC file (ISO-BMFF 'ftypheic' box) and nothing after it."""
    return b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + bytes(64)
