"""prepare_image: known pixel values for every mode and format, and refusals."""

from __future__ import annotations

import functools
import io
import time

import hostile_files
import images
import numpy as np
import pillow_heif
import pytest
from hostile_files import photo_like
from PIL import Image

from detector.preprocessing import (
    BYTE_WEIGHTS,
    DECODE_WEIGHTS,
    IMAGE_SIZE,
    PREVIEW_BYTES_PER_PIXEL,
    TILE_SETUP_PIXELS,
    DecodeLimits,
    ImageTooLargeError,
    UnsupportedImageError,
    decode_cost,
    prepare_image,
)
from detector.previews import CHECKED_TILES


def test_32x32_png_passes_through_unchanged():
    original = images.noise((32, 32), seed=3)
    prepared = prepare_image(images.encode(original, "PNG"))
    assert prepared.pixels.dtype == np.uint8
    assert prepared.pixels.shape == (IMAGE_SIZE, IMAGE_SIZE, 3)
    np.testing.assert_array_equal(prepared.pixels, np.asarray(original))
    assert (prepared.width, prepared.height, prepared.format) == (32, 32, "PNG")


def test_large_image_is_shrunk_whole_with_antialiasing():
    # Vertical stripes one pixel wide average to grey; nearest-neighbour would keep pure black or white.
    stripes = np.zeros((256, 512, 3), np.uint8)
    stripes[:, ::2] = 255
    prepared = prepare_image(images.encode(Image.fromarray(stripes), "PNG"))
    assert prepared.pixels.shape == (32, 32, 3)
    assert (prepared.width, prepared.height) == (512, 256)
    assert np.all(np.abs(prepared.pixels.astype(int) - 128) <= 3)


def test_solid_colour_survives_resizing():
    prepared = prepare_image(images.encode(images.solid((10, 200, 90), (300, 170)), "PNG"))
    assert np.all(prepared.pixels == (10, 200, 90))


def test_transparency_is_composited_on_white():
    image = Image.new("RGBA", (32, 32), (255, 0, 0, 0))
    image.paste((0, 0, 255, 255), (16, 0, 32, 32))
    pixels = prepare_image(images.encode(image, "PNG")).pixels
    assert np.all(pixels[:, :16] == 255)
    assert np.all(pixels[:, 16:] == (0, 0, 255))


def test_palette_gif_with_transparency():
    prepared = prepare_image(images.transparent_gif())
    assert prepared.format == "GIF"
    assert np.all(prepared.pixels[:, :16] == 255)
    assert np.all(prepared.pixels[:, 16:] == (0, 255, 0))


def test_animated_gif_uses_the_first_frame():
    pixels = prepare_image(images.animated_gif()).pixels
    assert np.all(pixels == (255, 0, 0))


def test_sixteen_bit_png_is_rescaled_not_clipped():
    pixels = prepare_image(images.sixteen_bit_png(value=65535 // 2)).pixels
    assert np.all(pixels == 127)


@pytest.mark.parametrize("mode", ["L", "LA", "1", "P", "I", "F"])
def test_every_mode_becomes_rgb(mode):
    image = Image.new(mode, (40, 40))
    fmt = "TIFF" if mode in ("I", "F") else "PNG"
    pixels = prepare_image(images.encode(image, fmt)).pixels
    assert pixels.shape == (32, 32, 3)


def test_cmyk_jpeg_becomes_rgb_cyan():
    pixels = prepare_image(images.cmyk_jpeg()).pixels.astype(int)
    red, green, blue = pixels[..., 0].mean(), pixels[..., 1].mean(), pixels[..., 2].mean()
    assert red < 40 and green > 215 and blue > 215


def test_exif_orientation_is_applied():
    prepared = prepare_image(images.exif_rotated_jpeg())
    pixels = prepared.pixels.astype(int)
    # Stored 64x32 with red left and blue right; displayed rotated: red on top, blue at the bottom.
    assert pixels[:12, :, 0].mean() > 200 and pixels[:12, :, 2].mean() < 60
    assert pixels[-12:, :, 2].mean() > 200 and pixels[-12:, :, 0].mean() < 60
    # Width and height as displayed, after the rotation.
    assert (prepared.width, prepared.height) == (32, 64)


def test_large_jpeg_uses_draft_decoding():
    data = images.jpeg(size=(4000, 3000), seed=1, quality=85)
    started = time.perf_counter()
    prepared = prepare_image(data)
    elapsed = time.perf_counter() - started
    assert prepared.pixels.shape == (32, 32, 3)
    assert (prepared.width, prepared.height) == (4000, 3000)
    # A full decode of 12 megapixels takes several times longer than a 1/8-scale draft;
    # this bound is loose enough for a slow machine yet fails without draft mode.
    assert elapsed < 1.0


def test_a_bomb_names_the_pictures_real_size():
    with pytest.raises(ImageTooLargeError, match=r"20000x20000 picture \(400.0 megapixels\) but holds only"):
        prepare_image(images.png_bomb(20000))


def test_a_bomb_below_pillows_guard_names_the_size():
    with pytest.raises(ImageTooLargeError, match=r"10000x6000 picture \(60.0 megapixels\)"):
        prepare_image(images.png_bomb_rect(10000, 6000))


def test_cost_limit_names_the_pictures_real_size_and_what_would_fit():
    data = images.png(size=(1200, 1000))  # noise: a file large enough for its pixels
    with pytest.raises(ImageTooLargeError) as refused:
        prepare_image(data, limits=DecodeLimits(max_pixels=1_000_000, free_pixels=1_000))
    assert "1200x1000 (1.2 megapixels)" in str(refused.value)
    assert "more than the 1,000,000 one picture may cost" in str(refused.value)
    assert "at most 1 megapixels" in str(refused.value)


def test_cost_limit_is_configurable():
    with pytest.raises(ImageTooLargeError, match="more than the 100 one picture may cost"):
        prepare_image(images.png((11, 10)), max_pixels=100)


@pytest.mark.parametrize("size", [(8192, 6144), (12000, 9000), (16320, 12240)], ids=["50MP", "108MP", "200MP"])
def test_large_jpeg_photos_are_accepted_for_their_decoding_cost(size):
    data = images.flat_jpeg(size)
    prepared = prepare_image(data)
    assert (prepared.width, prepared.height, prepared.format) == (*size, "JPEG")
    assert np.all(np.abs(prepared.pixels.astype(int) - 128) <= 2)
    # Decoded at 1/8 scale: each decoded pixel is one 8x8 block of the picture.
    assert prepared.decoded_pixels == -(-size[0] // 8) * -(-size[1] // 8)
    cost = decode_cost(Image.open(io.BytesIO(data)), data)
    assert (
        prepared.cost
        == cost.pixels
        == round(cost.decoded_pixels * DECODE_WEIGHTS["JPEG"] + len(data) * BYTE_WEIGHTS["JPEG"])
    )
    assert prepared.cost < DecodeLimits().max_pixels


def test_a_progressive_jpeg_too_costly_names_its_size():
    data = images.encode(Image.new("L", (9000, 6000), 128), "JPEG", progressive=True, quality=50)
    with pytest.raises(ImageTooLargeError, match=r"9000x6000 picture \(54.0 megapixels\)"):
        prepare_image(data)


@pytest.mark.parametrize("fmt", ["HEIF", "AVIF"])
def test_heif_and_avif_are_decoded_upright(fmt):
    prepared = prepare_image(images.exif_rotated(fmt, quality=95))
    assert prepared.format == fmt
    pixels = prepared.pixels.astype(int)
    # Stored 64x32 with red left and blue right; displayed rotated: red on top, blue at the bottom.
    assert pixels[:12, :, 0].mean() > 200 and pixels[:12, :, 2].mean() < 60
    assert pixels[-12:, :, 2].mean() > 200 and pixels[-12:, :, 0].mean() < 60
    assert (prepared.width, prepared.height) == (32, 64)


@pytest.mark.parametrize("fmt,make", [("HEIF", images.heic), ("AVIF", images.avif)])
def test_heif_and_avif_cost_their_full_size_and_their_bytes(fmt, make):
    data = make(size=(640, 480), colour=(30, 160, 90))
    prepared = prepare_image(data)
    assert prepared.format == fmt
    assert np.all(np.abs(prepared.pixels.astype(int) - (30, 160, 90)) <= 6)
    # No reduced-scale decoding: every pixel is decoded.
    assert prepared.decoded_pixels == 640 * 480
    assert prepared.cost == round(640 * 480 * DECODE_WEIGHTS[fmt] + len(data) * BYTE_WEIGHTS[fmt])


def photo_heic(size=(1024, 768), **options) -> bytes:
    """A grainy photo-like HEIC, optionally with previews (thumbnails=[longer sides]) and in tiles (tile_size)."""
    return images.encode(photo_like(size), "HEIF", quality=80, **options)


@functools.cache
def phone_heic(seed: int = 1) -> bytes:
    """A 1024x768 photo-like HEIC stored as phones store theirs: 8x6 tiles and a 320x240 preview.

    Grainy enough (800 KB) that reading the preview and the checked tiles costs less than the whole picture.
    """
    picture = photo_like((1024, 768), noise=8, seed=seed)
    return images.encode(picture, "HEIF", quality=90, thumbnails=[320], tile_size=128)


def decoded_in_full(data: bytes, **options):
    """prepare_image of a HEIC with its previews unlisted, so that the picture itself is decoded."""
    pillow_heif.options.THUMBNAILS = False
    try:
        return prepare_image(data, **options)
    finally:
        pillow_heif.options.THUMBNAILS = True


def test_a_heic_with_a_preview_is_read_from_it_like_the_full_picture():
    data = phone_heic()
    with_preview, full = prepare_image(data), decoded_in_full(data)
    # The picture's own size is reported; the model input comes from the 320x240 preview.
    assert (with_preview.width, with_preview.height) == (full.width, full.height) == (1024, 768)
    assert with_preview.preview == (320, 240) and full.preview is None
    assert with_preview.preview_tiles == (CHECKED_TILES, 48) and with_preview.different_preview is None
    assert full.decoded_pixels == 1024 * 768
    # The preview is coded on its own, so it differs a little (iPhone photos: 1 to 2.4 levels of 255).
    assert np.abs(with_preview.pixels.astype(int) - full.pixels).mean() < 5


def test_a_heic_preview_costs_its_own_pixels_the_checked_tiles_and_a_bounded_share_of_the_bytes():
    data = phone_heic()
    prepared = prepare_image(data)
    tiles = CHECKED_TILES * 128 * 128
    assert prepared.decoded_pixels == 320 * 240 + tiles
    # The coded bytes of the preview (at most 8 per pixel) and of the checked tiles come on top.
    pixels = round((320 * 240 + tiles) * DECODE_WEIGHTS["HEIF"]) + CHECKED_TILES * TILE_SETUP_PIXELS
    most_bytes = 320 * 240 * PREVIEW_BYTES_PER_PIXEL + len(data)
    assert pixels < prepared.cost < pixels + most_bytes * BYTE_WEIGHTS["HEIF"]
    # A HEIC too costly to decode in full is still read from its preview.
    full = decoded_in_full(data)
    limits = DecodeLimits(max_pixels=(prepared.cost + full.cost) // 2)
    assert prepare_image(data, limits=limits).preview == (320, 240)
    with pytest.raises(ImageTooLargeError, match=r"1024x768 \(0.8 megapixels\)"):
        decoded_in_full(data, limits=limits)


def test_a_preview_of_another_picture_is_not_read():
    picture, other = phone_heic(seed=1), phone_heic(seed=7)
    prepared = prepare_image(hostile_files.heic_with_preview_of(picture, other))
    # The picture itself was decoded and analysed, and the answer says the preview was another picture.
    assert prepared.preview is None and prepared.different_preview == (320, 240)
    assert np.array_equal(prepared.pixels, decoded_in_full(picture).pixels)
    # Before the check, the model input was the other picture's preview.
    assert np.abs(prepared.pixels.astype(int) - prepare_image(other).pixels).mean() > 20


def test_a_heic_too_costly_in_full_behind_a_preview_of_another_picture_says_both():
    picture, other = phone_heic(seed=1), phone_heic(seed=7)
    limits = DecodeLimits(max_pixels=(prepare_image(picture).cost + decoded_in_full(picture).cost) // 2)
    with pytest.raises(ImageTooLargeError, match="shows another picture.*1024x768"):
        prepare_image(hostile_files.heic_with_preview_of(picture, other), limits=limits)


def test_a_heic_preview_that_cannot_be_checked_is_not_read():
    # Not stored in tiles, or in too few of them (the 1600x1200 HEIC has 12 of 512x512).
    for data in (photo_heic(thumbnails=[320]), photo_heic(thumbnails=[320], tile_size=256)):
        prepared = prepare_image(data)
        assert prepared.preview is None and prepared.decoded_pixels == 1024 * 768


def test_a_rotated_heic_is_read_upright_from_its_preview():
    image = images.solid((255, 0, 0), (512, 256))
    image.paste((0, 0, 255), (256, 0, 512, 256))
    exif = Image.Exif()
    exif[0x0112] = 6  # the viewer rotates 90 degrees clockwise: red on top
    data = images.encode(image, "HEIF", exif=exif.tobytes(), quality=90, thumbnails=[128], tile_size=64)
    prepared = prepare_image(data)
    assert (prepared.width, prepared.height, prepared.preview) == (256, 512, (64, 128))
    pixels = prepared.pixels.astype(int)
    assert pixels[:12, :, 0].mean() > 200 and pixels[-12:, :, 2].mean() > 200


@pytest.mark.parametrize(
    "previews",
    [[48], [470, 480, 490, 500, 510]],
    ids=["smaller-than-twice-the-input", "too-many-pixels-listed"],
)
def test_unsuitable_previews_are_passed_over_for_the_full_picture(previews):
    prepared = prepare_image(photo_heic((512, 384), thumbnails=previews))
    assert prepared.preview is None and prepared.decoded_pixels == 512 * 384


def test_each_tile_of_a_heif_grid_costs_its_setup():
    data = images.encode(images.solid((40, 120, 200), (128, 128)), "HEIF", quality=50, tile_size=16)
    prepared = prepare_image(data)
    per_size = 128 * 128 * DECODE_WEIGHTS["HEIF"] + len(data) * BYTE_WEIGHTS["HEIF"]
    assert prepared.cost == round(per_size) + 64 * TILE_SETUP_PIXELS


@pytest.mark.parametrize("fmt,make", [("HEIF", images.heic), ("AVIF", images.avif)])
def test_truncated_heif_and_avif_are_refused(fmt, make):
    data = make(size=(256, 256))
    with pytest.raises(UnsupportedImageError):
        prepare_image(data[: len(data) // 2])


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"hello, this is text renamed to .jpg",
        bytes(range(256)) * 4,
        images.jpeg(size=(64, 64))[:200],
        images.png(size=(64, 64))[:120],
        images.heic_like(),
        b"%!PS-Adobe-3.0 EPSF-3.0\n",
    ],
    ids=["empty", "text", "random", "truncated-jpeg", "truncated-png", "heic-header-only", "eps"],
)
def test_unreadable_input_is_refused_cleanly(data):
    with pytest.raises(UnsupportedImageError):
        prepare_image(data)


def test_one_pixel_image_is_accepted():
    pixels = prepare_image(images.encode(images.solid((1, 2, 3), (1, 1)), "PNG")).pixels
    assert np.all(pixels == (1, 2, 3))


def test_webp_and_bmp_are_supported():
    for fmt in ("WEBP", "BMP"):
        prepared = prepare_image(
            images.encode(images.solid((0, 0, 0), (50, 50)), fmt, **({"lossless": True} if fmt == "WEBP" else {}))
        )
        assert prepared.format == fmt
        assert np.all(prepared.pixels == 0)
