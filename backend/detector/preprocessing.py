"""Turn image bytes into the 32x32 RGB array the classifier sees.

Pure on purpose: no Flask and no TensorFlow, so the API, the command-line
prediction and the training data loader share one definition of "the pixels
the model sees", and training and serving cannot drift apart.

Decoding is the expensive step, and a small file can declare a huge picture.
Before anything is decoded, the header alone tells what decoding will cost
(`DecodeCost`), counted in plain pixels (what one pixel of an 8-bit PNG costs):
the pixels the decoder will produce, weighted by how slow the format's decoder
is per pixel, plus the coded bytes for decoders whose work grows with the bit
rate. A JPEG is decoded at 1/8 scale, so a 200-megapixel JPEG costs less than a
12-megapixel HEIC without a preview; a HEIC with one (as phones store) is read
from its preview. A picture is refused when it would cost more than
`DecodeLimits.max_pixels`, when its file is too short to hold the picture it
declares (truncated), or when it would cost more than its file size allows
(a likely decompression bomb). The caller may also charge the cost to a budget
shared by all images of a request.
"""

from __future__ import annotations

import dataclasses
import io
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pillow_heif
from PIL import Image, UnidentifiedImageError

from . import chunks, isobmff, previews

IMAGE_SIZE = 32
# Formats a browser or a phone produces (the JPEG decoder also reads phones'
# multi-picture MPO files; HEIF covers iPhones' HEIC). Other Pillow plugins
# (EPS, PSD, ...) are refused rather than exposed to untrusted uploads.
ALLOWED_FORMATS = ("JPEG", "PNG", "GIF", "WEBP", "BMP", "TIFF", "HEIF", "AVIF")
# The same list as people name the formats, for error messages.
SUPPORTED_FORMATS_TEXT = "JPEG, PNG, WebP, HEIC/HEIF, AVIF, GIF, BMP or TIFF"
# HEIF through libheif (bundled in pillow-heif's wheels, with its own limits on
# sizes, tiles and boxes left on); AVIF through Pillow's own plugin. Only the
# primary picture or its stored preview is ever decoded: no depth maps or auxiliary images.
pillow_heif.register_heif_opener(thumbnails=True, depth_images=False, aux_images=False)
# Pillow's own guard counts declared pixels and would refuse a 200-megapixel JPEG
# that costs less to decode than a 2-megapixel PNG; the cost model replaces it.
Image.MAX_IMAGE_PIXELS = None
# The most one picture may cost, in plain pixels (a smooth 49 MP PNG: about 0.6 s of CPU).
DEFAULT_MAX_PIXELS = 50_000_000
# Any file may cost this many (weighted) decoded pixels, about 0.2 s of CPU...
DEFAULT_FREE_PIXELS = 8_000_000
# ...and beyond that, at most this many per byte of the file. Photos hold well
# under one pixel per byte; only near-blank pictures or crafted files declaring
# a huge size in a few bytes go past 64.
DEFAULT_MAX_PIXELS_PER_BYTE = 64
# Ordinary progressive JPEGs have 6 to 12 scans, and every scan is a pass over
# the whole picture.
MAX_JPEG_SCANS = 64
# What each scan adds to a progressive JPEG pixel's cost, in plain pixels. The
# slowest scan, one refining the lowest bit of all 63 AC coefficients, costs
# 0.65 ms per megapixel, a 48th of a photo-like PNG's 31 ms, on the busy 2-core
# machine (scripts/benchmarks/hostile.py); a 32nd leaves a margin.
PROGRESSIVE_SCAN_WEIGHT = 1 / 32
# How many plain pixels one decoded pixel costs, by decoder, measured with
# scripts/benchmarks/hostile.py (CPU time and peak memory per pixel, whichever
# is worse, against an 8-bit PNG). Pillow decodes RLE-compressed BMP in Python.
# AVIF (AV1) has no reduced-scale decoding, nor has HEIF (HEVC) beyond its stored
# preview; their weights and the per-byte weights below are measured with
# scripts/benchmarks/decoding.py (rounded from three runs on a busy 2-core machine,
# against a photo-like PNG at about 30 ms per megapixel there): AVIF 20 ms per
# megapixel plus 100 per MB, JPEG at 1/8 scale about 14 ms per MB. HEVC costs
# most, so HEIF's weights put the one-picture limit where decoding takes 1 s on
# an idle 2-core machine (12 MP photo-like HEICs: about 30 ms per megapixel plus
# 180 per MB): a 12 MP HEIC of up to about 3.3 MB (phone photos: 0.7 to 2.7 MB).
DECODE_WEIGHTS = {"BMP/RLE": 40, "WEBP": 4, "alpha": 2, "32-bit": 2, "JPEG": 1, "HEIF": 1.5, "AVIF": 0.8}
# Plain pixels per byte of coded data, for decoders whose entropy decoding grows
# with the bit rate whatever the scale (a JPEG at 1/8 scale still reads every byte).
BYTE_WEIGHTS = {"JPEG": 0.5, "HEIF": 9.5, "AVIF": 3}
# libheif decodes each tile of a HEIF grid alone, at about 0.3 ms per tile
# whatever its size (a 98 KB grid of 961 tiles of 16x16 took 0.3 s): that much
# in plain pixels per tile, at the HEIF anchor of 20 ms per million.
TILE_SETUP_PIXELS = 15_000
# A phone's HEIC usually stores a preview of itself (an iPhone's is 320x240).
# Reading it is HEIF's reduced-scale decoding, as draft mode is JPEG's: pillow-heif's
# draft picks the smallest preview at least the requested size that is a scaled
# copy of the picture (same aspect, orientation, crop and colour profile).
# Choosing one decodes the candidates before the cost is charged, so a file is
# only drafted when its listed previews hold this many pixels at most in all.
MAX_PREVIEW_PIXELS = 1024 * 1024
# Entropy decoding reads a bounded number of bits per pixel (HEVC's syntax caps
# every coefficient); bytes past the preview's last coding unit are never decoded.
# (The previews' own coded data, where the file lists it, is counted when smaller.)
PREVIEW_BYTES_PER_PIXEL = 8
# A preview is read only where a few of the picture's tiles show the same (previews.py).
DIFFERENT_PREVIEW = "The preview stored in the file shows another picture than the file's own."
# Antialiased bicubic downscaling. reducing_gap first shrinks by whole factors
# with a box filter, which is much faster on large photos and visually the same.
RESAMPLE = Image.Resampling.BICUBIC
REDUCING_GAP = 3.0
# Transparent areas are shown on white, as browsers and viewers show them.
BACKGROUND = (255, 255, 255)
# EXIF Orientation tag value -> the transposition that displays the picture upright.
ORIENTATION = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}
HIGH_BIT_DEPTH_MODES = ("I;16", "I;16B", "I;16L", "I;16N", "I", "F")
# Deflate inflates at most 1032 bytes per compressed byte (RFC 1951 lengths).
DEFLATE_MAX_RATIO = 1032


class ImageError(ValueError):
    """The bytes are not an image this service can read."""


class UnsupportedImageError(ImageError):
    """Not an image, truncated, or a format outside ALLOWED_FORMATS."""


class TruncatedImageError(UnsupportedImageError):
    """The file ends long before the picture it declares."""


class ImageTooLargeError(ImageError):
    """Decoding the image would cost more than the configured limit."""


class ImageTooCostlyError(ImageTooLargeError):
    """Decoding the image would cost more than its file size or the request's budget allows."""


class UnderstatedSizeError(ImageTooCostlyError):
    """The coded picture is larger than the size the file declares, which is what its cost is charged for."""


@dataclass(frozen=True)
class DecodeLimits:
    """What decoding one image may cost (see the module docstring)."""

    max_pixels: int = DEFAULT_MAX_PIXELS
    free_pixels: int = DEFAULT_FREE_PIXELS
    max_pixels_per_byte: int = DEFAULT_MAX_PIXELS_PER_BYTE

    def allowance(self, file_size: int) -> int:
        """The weighted decoded pixels a file of file_size bytes may cost."""
        return max(self.free_pixels, file_size * self.max_pixels_per_byte)


@dataclass(frozen=True)
class DecodeCost:
    """What decoding an opened image will cost, known from its header alone."""

    decoded_pixels: int  # pixels the decoder produces (fewer than declared for JPEG draft decoding)
    weight: float  # plain pixels per decoded pixel, from DECODE_WEIGHTS
    decoder: str  # e.g. "PNG", "JPEG (progressive)", "BMP/RLE"
    coded_bytes: int = 0  # bytes the decoder reads whatever the scale, weighted by BYTE_WEIGHTS
    byte_weight: float = 0.0
    from_preview: bool = False  # a smaller copy stored in the file is decoded instead of the picture
    tiles: int = 0  # HEIF grid tiles, each decoded alone at a fixed cost (TILE_SETUP_PIXELS)
    preview_check: previews.Check | None = None  # the tiles decoded to check the preview against

    @property
    def pixels(self) -> int:
        """The cost in plain pixels: what limits and budgets count."""
        per_size = self.decoded_pixels * self.weight + self.coded_bytes * self.byte_weight
        return round(per_size) + self.tiles * TILE_SETUP_PIXELS


@dataclass(frozen=True)
class PreparedImage:
    """The model input plus what the caller may want to report about the upload."""

    pixels: np.ndarray  # uint8, shape (IMAGE_SIZE, IMAGE_SIZE, 3)
    width: int  # as displayed, after the EXIF orientation
    height: int
    format: str
    cost: int = 0  # plain pixels (DecodeCost.pixels)
    decoded_pixels: int = 0  # pixels the decoder produced
    preview: tuple[int, int] | None = None  # the size of the stored preview read instead of the picture
    preview_tiles: tuple[int, int] | None = None  # how many of the picture's tiles it was checked against, of all
    different_preview: tuple[int, int] | None = None  # a stored preview of another picture, not read


def prepare_image(
    data: bytes,
    max_pixels: int | None = None,
    *,
    limits: DecodeLimits | None = None,
    charge: Callable[[int], None] | None = None,
) -> PreparedImage:
    """Decode image bytes and return the IMAGE_SIZE x IMAGE_SIZE RGB model input.

    charge, if given, is called with the weighted cost before any pixel is
    decoded; it may raise (an ImageError) to refuse the image.
    """
    limits = limits or DecodeLimits()
    if max_pixels is not None:
        limits = DecodeLimits(max_pixels, limits.free_pixels, limits.max_pixels_per_byte)
    if not data:
        raise UnsupportedImageError("The file is empty.")
    data = _bounded_container(data)
    try:
        return _decode(data, limits, charge, read_preview=True)
    except _DifferentPreview as rejected:
        # The picture itself is decoded instead, and charged as well: the check was paid for.
        try:
            prepared = _decode(data, limits, charge, read_preview=False)
        except ImageTooCostlyError as error:
            raise ImageTooCostlyError(f"{DIFFERENT_PREVIEW} {error}") from None
        return dataclasses.replace(prepared, different_preview=rejected.size)


class _DifferentPreview(Exception):
    """The stored preview (of this size as displayed) does not show the file's picture."""

    def __init__(self, size: tuple[int, int]):
        super().__init__(size)
        self.size = size


# EXIF orientations that swap a picture's width and height.
_TRANSPOSING = (
    Image.Transpose.TRANSPOSE,
    Image.Transpose.ROTATE_270,
    Image.Transpose.TRANSVERSE,
    Image.Transpose.ROTATE_90,
)


def _decode(
    data: bytes, limits: DecodeLimits, charge: Callable[[int], None] | None, read_preview: bool
) -> PreparedImage:
    """prepare_image's work on the bounded container: cost, charge, decode, shrink."""
    with _open(data) as image:
        width, height = image.size
        image_format = image.format
        cost = decode_cost(image, data, read_preview=read_preview)
        preview = image.size if cost.from_preview else None
        # A small file declaring a huge picture is told so first: that is what is wrong with it.
        allowance = limits.allowance(len(data))
        if cost.pixels > allowance:
            raise ImageTooCostlyError(_too_costly(cost, width, height, len(data), allowance))
        if cost.pixels > limits.max_pixels:
            raise ImageTooCostlyError(_over_limit(cost, width, height, limits.max_pixels))
        if charge is not None:
            charge(cost.pixels)
        try:
            image.load()
            # After load: PNG keeps its EXIF chunk wherever it likes, even after the pixels.
            orientation = ORIENTATION.get(_orientation(image))
            if cost.preview_check and not previews.shows_picture(data, cost.preview_check, image):
                raise _DifferentPreview(preview[::-1] if orientation in _TRANSPOSING else preview)
            pixels = _to_model_input(image, orientation)
        except (OSError, ValueError, SyntaxError, EOFError, RuntimeError) as error:
            # The decoder's own words (its internals, bytes of the file) stay in the cause, for the log.
            raise UnsupportedImageError("The image data is corrupt or truncated.") from error
    if orientation in _TRANSPOSING:
        width, height = height, width
        preview = preview and preview[::-1]
    check = cost.preview_check
    return PreparedImage(
        pixels=pixels,
        width=width,
        height=height,
        format=image_format,
        cost=cost.pixels,
        decoded_pixels=cost.decoded_pixels,
        preview=preview,
        preview_tiles=(len(check.tiles), len(check.grid.tiles)) if check else None,
    )


def _bounded_container(data: bytes) -> bytes:
    """What the decoder is given: a JPEG of few enough segments, a PNG without its metadata chunks.

    The bound on chunks and segments keeps their walk cheap (chunks.py); a PNG's
    text, ICC and C2PA chunks are left out (chunks.pixel_stream), so that hostile
    metadata can neither fail nor slow decoding: provenance reads it instead.
    """
    try:
        if chunks.is_jpeg(data):
            chunks.check_jpeg_segments(data)
        elif chunks.is_png(data):
            return chunks.pixel_stream(data)
        return data
    except chunks.TooManyChunksError as error:
        raise ImageTooCostlyError(str(error)) from None
    except chunks.BrokenChunkError as error:
        raise UnsupportedImageError(str(error)) from None


def decode_cost(image: Image.Image, data: bytes, read_preview: bool = True) -> DecodeCost:
    """What decoding the opened (not yet loaded) image will cost; refuses truncated files.

    For JPEG this also chooses the reduced decoding scale (draft mode); for
    HEIF, with read_preview, a stored preview that a few tiles can check.
    """
    width, height = image.size
    declared = width * height
    weight, decoder = 1, image.format
    if image.format in ("JPEG", "MPO"):  # MPO: a phone's JPEG with extra pictures after the first
        _check_jpeg_length(width, height, len(data))
        if image.info.get("progressive"):
            scans = _jpeg_scan_count(data)
            if scans > MAX_JPEG_SCANS:
                raise ImageTooCostlyError(
                    f"The progressive JPEG has {scans:,} scans; the limit is {MAX_JPEG_SCANS} "
                    "(ordinary ones have about 10). Save it as a baseline JPEG."
                )
            # libjpeg keeps every coefficient of a progressive picture in memory, whatever the scale,
            # and passes over all of them in every scan.
            _draft(image)
            weight = DECODE_WEIGHTS["JPEG"] + scans * PROGRESSIVE_SCAN_WEIGHT
            return DecodeCost(declared, weight, "JPEG (progressive)")
        # libjpeg decodes at 1/2, 1/4 or 1/8 scale, never below the requested size.
        _draft(image)
        decoded = image.size[0] * image.size[1]
        return DecodeCost(decoded, DECODE_WEIGHTS["JPEG"], "JPEG", len(data), BYTE_WEIGHTS["JPEG"])
    check = _preview_check(image, data) if image.format == "HEIF" and read_preview else None
    if check is not None and _read_preview(image):
        preview = image.size[0] * image.size[1]
        bound = min(len(data), preview * PREVIEW_BYTES_PER_PIXEL)
        coded = min(bound, check.preview_bytes or bound) + check.coded_bytes
        return DecodeCost(
            preview + check.decoded_pixels,
            DECODE_WEIGHTS["HEIF"],
            "HEIF (preview)",
            coded,
            BYTE_WEIGHTS["HEIF"],
            from_preview=True,
            tiles=len(check.tiles),
            preview_check=check,
        )
    if image.format == "AVIF":
        # libavif decodes the coded frame whatever its size, then scales it to the declared one.
        # (libheif refuses a HEIF whose coded picture is larger than declared before decoding it.)
        _check_coded_sizes(data)
    if image.format in ("HEIF", "AVIF"):
        # Decoded at full size.
        tiling = image.info.get("tiling") or {}  # HEIF grids (phones store 512x512 tiles)
        tiles = tiling.get("num_columns", 0) * tiling.get("num_rows", 0)
        return DecodeCost(
            declared,
            DECODE_WEIGHTS[image.format],
            image.format,
            len(data),
            BYTE_WEIGHTS[image.format],
            tiles=tiles,
        )
    if image.format == "PNG":
        _check_png_length(width, height, data)
    if image.format == "BMP" and image.info.get("compression") in (1, 2):  # BI_RLE8, BI_RLE4
        weight, decoder = DECODE_WEIGHTS["BMP/RLE"], "BMP/RLE"
    elif image.format == "WEBP":
        weight = DECODE_WEIGHTS["WEBP"]
    elif image.mode in ("RGBA", "LA", "PA", "La", "RGBa") or "transparency" in image.info:
        # Compositing on white needs a second full-size copy.
        weight = DECODE_WEIGHTS["alpha"]
    elif image.mode in ("I", "F"):
        weight = DECODE_WEIGHTS["32-bit"]
    return DecodeCost(declared, weight, decoder)


def _check_coded_sizes(data: bytes) -> None:
    """Refuse an AVIF whose AV1 data codes a larger picture than the file declares for it."""
    try:
        pictures = isobmff.av1_pictures(data)
        frames = isobmff.largest_frames(pictures, len(data))
    except chunks.TooManyChunksError as error:
        raise ImageTooCostlyError(str(error)) from None
    except isobmff.ContainerError as error:
        raise UnsupportedImageError(f"The file is damaged. {error}") from None
    for picture, frame in zip(pictures, frames, strict=True):
        (width, height), (coded_width, coded_height) = picture.declared, frame or picture.declared
        if coded_width > width or coded_height > height:
            raise UnderstatedSizeError(
                f"The file declares a {width}x{height} picture, but its AV1 data codes one of up to "
                f"{coded_width}x{coded_height} ({coded_width * coded_height / 1e6:.1f} megapixels), which "
                "a decoder would produce instead: the file contradicts itself. Save the picture again with "
                "an ordinary editor."
            )


def _over_limit(cost: DecodeCost, width: int, height: int, limit: int) -> str:
    """Why a picture costs more than any one picture may, in plain words, naming its real size."""
    if cost.decoder == "JPEG":
        advice = "Send a smaller copy."
    else:
        fixed = cost.pixels - cost.decoded_pixels * cost.weight  # the bytes and tiles: not the pixels
        largest = (limit - fixed) / cost.weight
        advice = (
            f"Send a copy of at most {max(0.0, largest) / 1e6:.0f} megapixels, or a baseline JPEG, "
            "which is decoded at 1/8 scale."
        )
    return (
        f"The picture is {width}x{height} ({width * height / 1e6:.1f} megapixels): decoding it as {cost.decoder} "
        f"would cost {cost.pixels:,} pixels, more than the {limit:,} one picture may cost. {advice}"
    )


def _too_costly(cost: DecodeCost, width: int, height: int, file_size: int, allowance: int) -> str:
    """Why a picture costs too much to decode for its file size, in plain words."""
    weighted = f" (a {cost.decoder} pixel counts as {cost.weight:g})" if cost.weight > 1 else ""
    if cost.tiles:
        weighted += f" in {cost.tiles:,} tiles decoded one by one"
    return (
        f"The file declares a {width}x{height} picture ({width * height / 1e6:.1f} megapixels) but holds only "
        f"{file_size:,} bytes: decoding it "
        f"would cost {cost.pixels:,} pixels{weighted}, more than the {allowance:,} a file this small may "
        "cost. It looks like a decompression bomb; send the picture at a smaller size or in another format."
    )


def _draft(image: Image.Image) -> tuple | None:
    """Draft mode: decode at the smallest scale (JPEG) or preview (HEIF) at least twice the model input."""
    # Twice the target size keeps enough detail for the antialiased resize.
    return image.draft("RGB", (IMAGE_SIZE * 2, IMAGE_SIZE * 2))


def _preview_check(image: Image.Image, data: bytes) -> previews.Check | None:
    """The tiles to check a listed preview against; None if the file lists none or it cannot be checked cheaply."""
    if not image.info.get("thumbnails"):
        return None
    try:
        return previews.plan(data)
    except (isobmff.ContainerError, chunks.TooManyChunksError):
        return None  # libheif reads the file as it can, in full


def _read_preview(image: Image.Image) -> bool:
    """HEIF's reduced-scale decoding: switch to a stored preview if a suitable one is cheap to find."""
    listed = image.info.get("thumbnails") or []  # the longer side of each preview
    if not listed or sum(side * side for side in listed) > MAX_PREVIEW_PIXELS:
        return False
    return _draft(image) is not None


def _check_jpeg_length(width: int, height: int, file_size: int) -> None:
    """Refuse a JPEG too short to hold the picture it declares.

    The first scan of any Huffman-coded JPEG, baseline or progressive, codes
    every 8x8 block of the brightness channel with at least one bit (only
    arithmetic coding, which browsers do not read, packs blocks tighter).
    libjpeg fills a picture whose data stops early with grey and only warns,
    so this is the check.
    """
    blocks = -(-width // 8) * -(-height // 8)
    needed = blocks // 8
    if needed > file_size:
        raise TruncatedImageError(
            f"The file is truncated: a {width}x{height} JPEG needs at least {needed:,} bytes "
            f"of image data, and the file has {file_size:,}."
        )


def _check_png_length(width: int, height: int, data: bytes) -> None:
    """Refuse a PNG too short to hold the picture it declares, even at deflate's best ratio.

    libpng-style decoders stop where the compressed data stops and Pillow keeps
    the rest of the picture blank, so this is the check.
    """
    # The IHDR chunk comes first: bit depth and colour type (grey, RGB, palette, grey+alpha, RGBA).
    bit_depth, colour_type = data[24], data[25]
    channels = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}.get(colour_type, 1)
    row = 1 + -(-width * bit_depth * channels // 8)  # filter byte + packed samples
    needed = row * height // DEFLATE_MAX_RATIO
    if needed > len(data):
        raise TruncatedImageError(
            f"The file is truncated: a {width}x{height} PNG needs at least {needed:,} bytes "
            f"of compressed data, and the file has {len(data):,}."
        )


def _jpeg_scan_count(data: bytes) -> int:
    """How many scans libjpeg may decode: every start-of-scan marker (FF DA) in the file, wherever it is.

    Not a walk over the segments: libjpeg skips bytes that are not a marker
    (such as an FF 00 where a segment should start) and decodes the next scan
    it finds, so a walker that reads them as a segment with a length misses
    the scans inside. Entropy-coded data never holds FF DA (an FF there is
    followed by 00 or a restart marker), so the count includes every scan; it
    may also include markers in metadata (an EXIF thumbnail's), which is
    harmless against a limit of dozens.
    """
    return data.count(b"\xff\xda")


def _open(data: bytes) -> Image.Image:
    """Open lazily (header only), refusing unknown formats."""
    try:
        return Image.open(io.BytesIO(data), formats=ALLOWED_FORMATS)
    except UnidentifiedImageError:
        raise UnsupportedImageError(
            f"The file is not an image in a supported format. Send a {SUPPORTED_FORMATS_TEXT} picture."
        ) from None
    except (OSError, ValueError, SyntaxError, EOFError, RuntimeError) as error:  # RuntimeError: libheif
        raise UnsupportedImageError(
            "The image header is corrupt, or it uses a feature of its format that this service cannot read."
        ) from error


def _orientation(image: Image.Image) -> int:
    """The EXIF Orientation tag (1 = upright), read from the header."""
    try:
        return int(image.getexif().get(0x0112, 1))
    except (OSError, ValueError, TypeError, SyntaxError, EOFError):
        return 1  # unreadable EXIF: show the picture as stored


def _to_model_input(image: Image.Image, orientation: Image.Transpose | None) -> np.ndarray:
    """Orient, flatten to RGB and downscale an opened image (first frame of animations)."""
    if image.mode in HIGH_BIT_DEPTH_MODES:
        # Shrink first, then convert: the full-size picture never exists in float.
        image = _high_bit_depth_to_rgb(image)
    if orientation is not None:
        image = image.transpose(orientation)
    if image.mode == "1":
        image = image.convert("L")
    # Grey shrinks to the same values alone as copied into three channels, at a third of the memory.
    shrink_first = image.mode in ("L", "RGB")
    if not shrink_first:
        image = _to_rgb(image)
    if image.size != (IMAGE_SIZE, IMAGE_SIZE):
        image = image.resize((IMAGE_SIZE, IMAGE_SIZE), RESAMPLE, reducing_gap=REDUCING_GAP)
    return np.asarray(_to_rgb(image), dtype=np.uint8)


def _high_bit_depth_to_rgb(image: Image.Image) -> Image.Image:
    """Shrink a 16-bit, 32-bit or float picture in float32, then rescale its range to 8-bit RGB.

    Pillow's own I/F -> L conversion clips at 255 instead of rescaling, which
    would turn a 16-bit greyscale PNG white.
    """
    low, high = image.getextrema()
    if image.mode.startswith("I;16"):
        # Pillow cannot resize 16-bit modes: box-average whole blocks in NumPy instead.
        values = _box_shrink_16bit(image, IMAGE_SIZE * REDUCING_GAP)
        peak = 65535.0
    else:
        values = image.reduce(_reduce_factor(image.size, IMAGE_SIZE * REDUCING_GAP))
        values = np.asarray(values, dtype=np.float32)
        # Integer pictures in 0..255 are 8-bit data in a wide mode; float pictures in 0..1 are normalised.
        peak = 65535.0 if high > 255 else 1.0 if image.mode == "F" and high <= 1.0 else 255.0
    shrunk = Image.fromarray(values.astype(np.float32), "F")
    if shrunk.size != (IMAGE_SIZE, IMAGE_SIZE):
        shrunk = shrunk.resize((IMAGE_SIZE, IMAGE_SIZE), RESAMPLE)
    grey = np.clip(np.rint(np.asarray(shrunk, dtype=np.float32) * (255.0 / peak)), 0, 255).astype(np.uint8)
    return Image.fromarray(grey, "L").convert("RGB")


def _reduce_factor(size: tuple[int, int], target: float) -> int:
    """The whole factor that shrinks size to no less than target on the shorter side."""
    return max(1, int(min(size) // target))


def _box_shrink_16bit(image: Image.Image, target: float) -> np.ndarray:
    """Average whole factor x factor blocks of a 16-bit picture in float32 (partial edge blocks dropped).

    Reads the picture a strip at a time, so no full-size copy is ever made.
    """
    width, height = image.size
    factor = _reduce_factor(image.size, target)
    rows, cols = height // factor, width // factor
    strip = max(1, (1 << 20) // (width * factor))  # output rows per strip: about 2 MB of input
    out = np.empty((rows, cols), np.float32)
    for first in range(0, rows, strip):
        last = min(rows, first + strip)
        values = np.asarray(image.crop((0, first * factor, cols * factor, last * factor)))
        out[first:last] = values.reshape(last - first, factor, cols, factor).mean(axis=(1, 3), dtype=np.float32)
    return out


def _to_rgb(image: Image.Image) -> Image.Image:
    """Convert any Pillow mode to 8-bit RGB, compositing transparency on white."""
    if image.mode == "P" and "transparency" in image.info or image.mode in ("LA", "La", "PA"):
        image = image.convert("RGBA")
    if image.mode in ("RGBA", "RGBa"):
        canvas = Image.new("RGB", image.size, BACKGROUND)
        canvas.paste(image, mask=image.getchannel("A"))
        return canvas
    return image.convert("RGB") if image.mode != "RGB" else image
