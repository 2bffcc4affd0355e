"""Small crafted image files that are expensive to decode, made in memory.

Shared by test_hostile.py and scripts/benchmarks/hostile.py. Each maker returns
the file's bytes; none is ever written to the repository. Most declare 7000x7000
pixels (49 megapixels, just under the per-image limit) while holding little data; those
named after AT_LIMIT sides are the largest that are still decoded.
"""

from __future__ import annotations

import functools
import io
import struct
import zlib
from pathlib import Path

import numpy as np
from PIL import Image

SIDE = 7000


def _save(image: Image.Image, fmt: str, **options) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=fmt, **options)
    return buffer.getvalue()


def _bmp(width: int, height: int, bits: int, compression: int, palette: bytes, data: bytes) -> bytes:
    """A BMP file (BITMAPINFOHEADER) around already-encoded pixel data."""
    offset = 14 + 40 + len(palette)
    header = struct.pack("<2sIHHI", b"BM", offset + len(data), 0, 0, offset)
    info = struct.pack(
        "<IiiHHIIiiII", 40, width, height, 1, bits, compression, len(data), 2835, 2835, len(palette) // 4, 0
    )
    return header + info + palette + data


def rle8_bmp(side: int = SIDE) -> bytes:
    """RLE8 BMP whose every row is "one pixel, then end of line" (~4 bytes per row)."""
    palette = b"".join(bytes((i, i, i, 0)) for i in range(256))
    data = b"\x01\x80\x00\x00" * side + b"\x00\x01"
    return _bmp(side, side, 8, 1, palette, data)


def rle4_bmp(side: int = SIDE) -> bytes:
    """RLE4 BMP whose every row is "two pixels, then end of line"."""
    palette = b"".join(bytes((i * 17, i * 17, i * 17, 0)) for i in range(16))
    data = b"\x02\x12\x00\x00" * side + b"\x00\x01"
    return _bmp(side, side, 4, 2, palette, data)


def png_16bit_grey(side: int = SIDE) -> bytes:
    """16-bit greyscale PNG of zeros (the issue's 95 KB, 7000x7000 file)."""
    return _save(Image.fromarray(np.zeros((side, side), np.uint16)), "PNG", compress_level=9)


def png_rgba(side: int = SIDE) -> bytes:
    """8-bit RGBA PNG of one colour: the most memory per pixel among 8-bit modes."""
    return _save(Image.new("RGBA", (side, side), (10, 20, 30, 128)), "PNG", compress_level=9)


def png_rgb(side: int = SIDE) -> bytes:
    """8-bit RGB PNG of one colour."""
    return _save(Image.new("RGB", (side, side), (10, 20, 30)), "PNG", compress_level=9)


def png_1bit(side: int = 20000) -> bytes:
    """1-bit PNG far over the pixel limit (a classic decompression bomb)."""
    return _save(Image.new("1", (side, side)), "PNG", optimize=True)


def webp_lossless(side: int = SIDE) -> bytes:
    """Lossless WebP of one colour: about 2 KB for 49 megapixels."""
    return _save(Image.new("RGB", (side, side), (90, 90, 90)), "WEBP", lossless=True, quality=0, method=0)


def webp_lossy(side: int = SIDE) -> bytes:
    """Lossy WebP of one colour."""
    return _save(Image.new("RGB", (side, side), (90, 90, 90)), "WEBP", quality=10, method=0)


def webp_animated(side: int = 4000, frames: int = 3) -> bytes:
    """Animated WebP whose canvas is side x side."""
    images = [Image.new("RGB", (side, side), (i * 30, 0, 0)) for i in range(frames)]
    return _save(images[0], "WEBP", save_all=True, append_images=images[1:], lossless=True, quality=0, method=0)


def _patch_gif_screen(data: bytes, width: int, height: int) -> bytes:
    """Rewrite a GIF's logical screen size, leaving its frames as they are."""
    return data[:6] + struct.pack("<HH", width, height) + data[10:]


def gif_screen(side: int = SIDE) -> bytes:
    """A 1x1 GIF frame on a logical screen that declares side x side (~35 bytes)."""
    return _patch_gif_screen(_save(Image.new("P", (1, 1), 0), "GIF"), side, side)


def gif_frames(side: int = SIDE, frames: int = 64) -> bytes:
    """Many 1x1 frames on a side x side screen."""
    images = [Image.new("L", (1, 1), i * 3) for i in range(frames)]
    data = _save(images[0], "GIF", save_all=True, append_images=images[1:], duration=10, disposal=1)
    return _patch_gif_screen(data, side, side)


def gif_full(side: int = 4000) -> bytes:
    """A real side x side one-colour GIF: LZW at its best ratio."""
    return _save(Image.new("P", (side, side), 0), "GIF")


def apng(side: int = 4000, frames: int = 3) -> bytes:
    """Animated PNG with a side x side canvas."""
    images = [Image.new("RGB", (side, side), (0, i * 30, 0)) for i in range(frames)]
    return _save(images[0], "PNG", save_all=True, append_images=images[1:], compress_level=9)


def tiff(compression: str, side: int = SIDE, mode: str = "L") -> bytes:
    """One-colour TIFF with a libtiff compression (tiff_lzw, tiff_adobe_deflate, packbits, jpeg, raw)."""
    options = {"compression": compression} if compression != "raw" else {}
    if compression == "jpeg":
        options["quality"] = 30
    image = Image.new(mode, (side, side), 0) if mode != "RGB" else Image.new("RGB", (side, side), (5, 5, 5))
    return _save(image, "TIFF", **options)


def tiff_float(side: int = 4000) -> bytes:
    """32-bit float TIFF (mode F), deflate-compressed."""
    return _save(Image.fromarray(np.zeros((side, side), np.float32)), "TIFF", compression="tiff_adobe_deflate")


def tiff_int32(side: int = 4000) -> bytes:
    """32-bit integer TIFF (mode I), deflate-compressed."""
    return _save(Image.fromarray(np.zeros((side, side), np.int32)), "TIFF", compression="tiff_adobe_deflate")


def tiff_16bit(side: int = SIDE) -> bytes:
    """16-bit greyscale TIFF, deflate-compressed."""
    return _save(Image.fromarray(np.zeros((side, side), np.uint16)), "TIFF", compression="tiff_adobe_deflate")


def tiff_pages(side: int = 1000, pages: int = 32) -> bytes:
    """Multi-page deflate TIFF."""
    images = [Image.new("L", (side, side), i) for i in range(pages)]
    return _save(images[0], "TIFF", save_all=True, append_images=images[1:], compression="tiff_adobe_deflate")


def jpeg_truncated(side: int = SIDE) -> bytes:
    """A 16x16 baseline JPEG whose frame header claims side x side (~630 bytes)."""
    data = _save(Image.new("RGB", (16, 16), (200, 10, 10)), "JPEG", quality=90)
    at = data.index(b"\xff\xc0") + 5  # SOF0: length (2), precision (1), height, width
    return data[:at] + struct.pack(">HH", side, side) + data[at + 4 :]


def _progressive_parts(side: int, refine: bool = False) -> tuple[bytes, bytes, bytes]:
    """A progressive greyscale JPEG's header with its DC scan, its first AC scan, and each AC scan after it.

    The DC scan spends one bit per 8x8 block, as a complete file must; each AC
    scan costs the decoder a pass over every block yet takes ~20 bytes, because
    one Huffman code (EOB14 plus 14 bits) covers 32767 blocks. With refine, the
    first AC scan codes all but the lowest bit and every later one refines that
    bit: libjpeg then visits each of a block's 63 coefficients in every scan
    (about nine times the work of an AC scan that is not a refinement).
    """
    blocks = (-(-side // 8)) ** 2
    dqt = b"\xff\xdb" + struct.pack(">H", 67) + b"\x00" + bytes([1] * 64)
    sof = b"\xff\xc2" + struct.pack(">HBHHB", 11, 8, side, side, 1) + b"\x01\x11\x00"
    # Huffman tables holding one symbol with a 1-bit code: DC class 0 "difference 0", AC class 1 EOB14.
    dht = b"\xff\xc4" + struct.pack(">H", 2 + 2 * 17 + 2)
    dht += b"\x00" + bytes([1] + [0] * 15) + b"\x00" + b"\x10" + bytes([1] + [0] * 15) + b"\xe0"
    dc_scan = b"\xff\xda" + struct.pack(">HB", 8, 1) + b"\x01\x00" + bytes([0, 0, 0]) + bytes(-(-blocks // 8))
    # An end-of-block run may overrun the last block of a scan; the decoder just stops there.
    bits = ("0" + "1" * 14) * -(-blocks // 32767)
    bits += "1" * (-len(bits) % 8)
    payload = bytes(int(bits[i : i + 8], 2) for i in range(0, len(bits), 8)).replace(b"\xff", b"\xff\x00")

    def ac_scan(successive_approximation: int) -> bytes:  # spectral selection 1-63, then Ah << 4 | Al
        return b"\xff\xda" + struct.pack(">HB", 8, 1) + b"\x01\x00" + bytes([1, 63, successive_approximation]) + payload

    first, later = (ac_scan(0x01), ac_scan(0x10)) if refine else (ac_scan(0), ac_scan(0))
    return b"\xff\xd8" + dqt + sof + dht + dc_scan, first, later


def jpeg_progressive_scans(side: int = 4000, scans: int = 1000, refine: bool = False) -> bytes:
    """Progressive greyscale JPEG: one DC scan, then `scans` AC scans, each one run of end-of-blocks."""
    head, first, later = _progressive_parts(side, refine)
    return head + first + later * (scans - 1) + b"\xff\xd9"


def jpeg_hidden_scans(side: int = 2000, scans: int = 4000) -> bytes:
    """A progressive JPEG of `scans` refining AC scans, all but the last behind `FF 00 <length>`.

    A reader that walks segments takes `FF 00` at a segment boundary for a
    marker and jumps its length; libjpeg takes it for stray bytes, skips to the
    next marker and decodes every scan inside. Each hidden run follows an empty
    comment segment, so that it starts where a walker expects a marker. 72 KB
    by default, and seconds of CPU once decoded.
    """
    head, first, later = _progressive_parts(side, refine=True)
    hidden_scans = [first] + [later] * (scans - 2)
    per_run = (0xFF00 - 2) // len(later)  # the length's first byte must not read as a marker's FF
    runs = []
    for at in range(0, len(hidden_scans), per_run):
        hidden = b"".join(hidden_scans[at : at + per_run])
        runs.append(b"\xff\xfe\x00\x02" + b"\xff\x00" + struct.pack(">H", 2 + len(hidden)) + hidden)
    return head + b"".join(runs) + later + b"\xff\xd9"


def jpeg_progressive(side: int = 4000) -> bytes:
    """An ordinary progressive JPEG, for comparison."""
    return _save(Image.new("RGB", (side, side), (50, 100, 150)), "JPEG", progressive=True, quality=50)


def jpeg_photo(size=(4000, 3000), seed: int = 1) -> bytes:
    """A photo-like 12-megapixel JPEG: the 'one large photo' reference."""
    rng = np.random.default_rng(seed)
    width, height = size
    y, x = np.mgrid[0:height, 0:width].astype(np.float32)
    base = np.stack([x / width * 255, y / height * 255, np.full_like(x, 128)], axis=-1)
    pixels = np.clip(base + rng.normal(0, 12, base.shape), 0, 255).astype(np.uint8)
    return _save(Image.fromarray(pixels), "JPEG", quality=90)


# --- hostile containers and metadata around a small, ordinary picture ----------------------------

C2PA_SIGNED = Path(__file__).parent / "resources" / "c2pa" / "adobe-20220124-C.jpg"


def png_chunk(kind: bytes, payload: bytes = b"", length: int | None = None) -> bytes:
    """One PNG chunk: length (as given, or the payload's), type, payload, CRC."""
    declared = len(payload) if length is None else length
    return struct.pack(">I", declared) + kind + payload + struct.pack(">I", zlib.crc32(kind + payload))


def small_png(size=(128, 96)) -> bytes:
    """An ordinary small RGB PNG of noise."""
    pixels = np.random.default_rng(0).integers(0, 256, (size[1], size[0], 3), np.uint8)
    return _save(Image.fromarray(pixels), "PNG")


def png_with(chunks: bytes, after_image_data: bool = False) -> bytes:
    """small_png with chunks right after its header, or just before its end."""
    data = small_png()
    at = data.index(b"IEND") - 4 if after_image_data else 8 + 25
    return data[:at] + chunks + data[at:]


def png_many_chunks(count: int = 1_500_000) -> bytes:
    """A 128x96 PNG with count empty ancillary chunks before its image data (18 MB for 1.5 million)."""
    return png_with(png_chunk(b"quIt") * count)


def _deflate_bomb(megabytes: int = 50) -> bytes:
    return zlib.compress(bytes(megabytes << 20), 9)


def text_bomb_chunk(kind: str) -> bytes:
    """A zTXt, iTXt or iCCP chunk whose compressed text inflates to 50 MB (about 50 KB of file)."""
    payload = {
        "zTXt": b"parameters\x00\x00",
        "iTXt": b"parameters\x00\x01\x00\x00\x00",
        "iCCP": b"icc\x00\x00",
    }[kind] + _deflate_bomb()
    return png_chunk(kind.encode(), payload)


def png_text_bomb(kind: str) -> bytes:
    """small_png with a text_bomb_chunk."""
    return png_with(text_bomb_chunk(kind))


def png_text_flood(chunks: int = 200, inflated: int = 900_000) -> bytes:
    """chunks zTXt chunks that each inflate to inflated bytes (180 MB of text in all)."""
    text = zlib.compress(b"a" * inflated, 9)
    return png_with(b"".join(png_chunk(b"zTXt", b"key%d\x00\x00" % i + text) for i in range(chunks)))


def png_c2pa_overrun(after_image_data: bool = False) -> bytes:
    """A caBX (C2PA) chunk that declares 0xFFFFFFF0 bytes and holds 100."""
    return png_with(png_chunk(b"caBX", b"\x00" * 100, length=0xFFFFFFF0), after_image_data)


def jpeg_many_segments(count: int = 1_000_000) -> bytes:
    """A 128x96 JPEG with count empty comment segments before its frame (4 bytes each)."""
    data = _save(Image.new("RGB", (128, 96), (1, 2, 3)), "JPEG")
    return data[:2] + b"\xff\xfe\x00\x02" * count + data[2:]


def jpeg_c2pa_extended_length() -> bytes:
    """A signed JPEG whose manifest store's first box uses an extended (64-bit) length of 2**62."""
    data = C2PA_SIGNED.read_bytes()
    start = data.index(b"\xff\xeb")  # the first APP11 segment: CI, En, Z, then the store's box
    length = int.from_bytes(data[start + 2 : start + 4], "big")
    payload = data[start + 4 : start + 2 + length]
    # LBox 1 says the length follows the box type as an 8-byte XLBox.
    box = payload[:8] + struct.pack(">I", 1) + payload[12:16] + struct.pack(">Q", 2**62) + payload[16:]
    return data[:start] + b"\xff\xeb" + struct.pack(">H", len(box) + 2) + box + data[start + 2 + length :]


def xmp_packet(body: str) -> bytes:
    """An XMP packet with body inside its rdf:Description."""
    return (
        '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
        '<rdf:Description xmlns:Iptc4xmpExt="http://iptc.org/std/Iptc4xmpExt/2008-02-29/" '
        f'xmlns:xmp="http://ns.adobe.com/xap/1.0/">{body}</rdf:Description></rdf:RDF></x:xmpmeta>'
    ).encode()


def jpeg_two_xmp_packets() -> bytes:
    """A JPEG with two XMP segments: the first declares trainedAlgorithmicMedia, the last names a tool."""
    data = _save(Image.new("RGB", (128, 96), (1, 2, 3)), "JPEG")
    declared = xmp_packet(
        "<Iptc4xmpExt:DigitalSourceType>"
        "http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia"
        "</Iptc4xmpExt:DigitalSourceType>"
    )
    segments = b"".join(
        b"\xff\xe1" + struct.pack(">H", 2 + 29 + len(packet)) + b"http://ns.adobe.com/xap/1.0/\x00" + packet
        for packet in (declared, xmp_packet("<xmp:CreatorTool>Photo editor 2</xmp:CreatorTool>"))
    )
    return data[:2] + segments + data[2:]


def _heif_writer() -> None:
    """Let Pillow write HEIF: the service's module registers pillow-heif's plugin, with its own options."""
    import detector.preprocessing  # noqa: F401


def heif(side: int = 2300, colour=(40, 120, 200), **options) -> bytes:
    """One-colour HEIF (HEIC) side x side, made with pillow-heif."""
    _heif_writer()
    return _save(Image.new("RGB", (side, side), colour), "HEIF", quality=50, **options)


def avif(side: int = 3100, colour=(40, 120, 200), **options) -> bytes:
    """One-colour AVIF side x side, made with Pillow."""
    return _save(Image.new("RGB", (side, side), colour), "AVIF", quality=50, **options)


def _with_extents(data: bytes, width: int, height: int) -> bytes:
    """Rewrite the first image-extents box ('ispe': version and flags, then width and height)."""
    at = data.index(b"ispe") + 8
    return data[:at] + struct.pack(">II", width, height) + data[at + 8 :]


def heif_declaring(side: int = 100_000) -> bytes:
    """A 64x64 HEIF whose extents box declares side x side (about 400 bytes)."""
    return _with_extents(heif(64), side, side)


def avif_declaring(side: int = 30_000) -> bytes:
    """A 64x64 AVIF whose extents box declares side x side (about 300 bytes)."""
    return _with_extents(avif(64), side, side)


def avif_understated(side: int = 4096, declared: int = 64) -> bytes:
    """A one-colour side x side AVIF whose extents box says declared x declared.

    libavif decodes the whole AV1 frame, then scales it to the declared size.
    """
    coded = _save(Image.new("RGB", (side, side), (40, 120, 200)), "AVIF", quality=50, speed=10)
    return _with_extents(coded, declared, declared)


def heif_understated(side: int = 512, declared: int = 64) -> bytes:
    """A one-colour side x side HEIF whose extents box says declared x declared."""
    return _with_extents(heif(side), declared, declared)


def avif_animation_understated(side: int = 256, declared: int = 64) -> bytes:
    """A two-frame side x side AVIF whose track header says declared x declared."""
    frames = [Image.new("RGB", (side, side), colour) for colour in ((40, 120, 200), (200, 120, 40))]
    data = _save(frames[0], "AVIF", save_all=True, append_images=frames[1:], quality=50, speed=10)
    at = data.index(b"tkhd") + 4
    # After version and flags: times, track ID, reserved, duration, reserved, layer...volume, matrix.
    wide = 8 if data[at] == 1 else 4
    at += 4 + 2 * wide + 8 + wide + 8 + 8 + 36
    return data[:at] + struct.pack(">II", declared << 16, declared << 16) + data[at + 8 :]


def truncated_noise(image_format: str, size=(1024, 768)) -> bytes:
    """The first half of a HEIF or AVIF of random noise (the most coded bytes per pixel)."""
    _heif_writer()
    noise = np.random.default_rng(2).integers(0, 256, (size[1], size[0], 3), dtype=np.uint8)
    data = _save(Image.fromarray(noise), image_format, quality=90)
    return data[: len(data) // 2]


def heif_images(count: int = 200, side: int = 64) -> bytes:
    """One HEIF file holding count pictures (only the primary one is decoded)."""
    _heif_writer()
    frames = [Image.new("RGB", (side, side), (i % 256, 80, 160)) for i in range(count)]
    return _save(frames[0], "HEIF", save_all=True, append_images=frames[1:], quality=50)


def avif_frames(count: int = 200, side: int = 64) -> bytes:
    """An animated AVIF of count frames (only the first is decoded)."""
    frames = [Image.new("RGB", (side, side), (i % 256, 80, 160)) for i in range(count)]
    return _save(frames[0], "AVIF", save_all=True, append_images=frames[1:], quality=50)


def photo_like(size=(4032, 3024), noise: float = 2.0, seed: int = 1) -> Image.Image:
    """Smooth random colour fields plus Gaussian grain: it compresses like a photo with that much grain."""
    rng = np.random.default_rng(seed)
    width, height = size
    field = Image.fromarray(rng.integers(0, 256, (max(2, height // 48), max(2, width // 48), 3), dtype=np.uint8))
    base = np.asarray(field.resize(size, Image.Resampling.BICUBIC), dtype=np.float32)
    return Image.fromarray(np.clip(base + rng.normal(0, noise, base.shape), 0, 255).astype(np.uint8))


def photo(image_format: str, size=(4032, 3024), seed: int = 1, noise: float = 2.0, **options) -> bytes:
    """A photo-like 12-megapixel picture with light grain as HEIF or AVIF (a few MB, like a phone's)."""
    _heif_writer()
    return _save(photo_like(size, noise, seed), image_format, quality=75, **options)


@functools.cache
def iphone_heic(size=(4032, 3024), seed: int = 1) -> bytes:
    """A photo-like HEIC as an iPhone stores one: 512x512 tiles and a preview of 320 pixels on its longer side."""
    return photo("HEIF", size, seed, thumbnails=[320], tile_size=512)


def _point_item_at(data: bytes, item_id: int, offset: int, length: int) -> bytes:
    """data with an item's location (its one extent, in the file) rewritten as offset and length.

    For the 'iloc' boxes libheif writes: version 0 or 1, 4-byte offsets and
    lengths, a base offset of 0 or 4 bytes, no extent index.
    """
    at = data.index(b"iloc") + 4
    version, sizes = data[at], data[at + 4 : at + 6]
    if version > 1 or sizes not in (b"\x44\x00", b"\x44\x40"):
        raise ValueError("not an 'iloc' box as libheif writes them")
    base_size = sizes[1] >> 4
    count, at = struct.unpack_from(">H", data, at + 6)[0], at + 8
    for _ in range(count):
        this_id = struct.unpack_from(">H", data, at)[0]
        at += 2 + (2 if version == 1 else 0) + 2  # ID, construction method, data reference
        base_at, at = at, at + base_size
        extents, at = struct.unpack_from(">H", data, at)[0], at + 2
        if this_id == item_id:
            if extents != 1:
                raise ValueError(f"item {item_id} has {extents} extents")
            patched = bytearray(data)
            patched[base_at : base_at + base_size] = bytes(base_size)
            patched[at : at + 8] = struct.pack(">II", offset, length)
            return bytes(patched)
        at += 8 * extents
    raise ValueError(f"no item {item_id}")


def heic_with_preview_of(picture: bytes, other: bytes) -> bytes:
    """picture's HEIC with the stored preview of other (a HEIC of the same size and layout) in place of its own.

    The other preview's coded data is appended in a second 'mdat' box and the
    preview item's location pointed at it; nothing else changes.
    """
    from detector import isobmff

    def preview_data(data: bytes) -> tuple[int, bytes]:
        item_id = next(iter(isobmff.references(data, b"thmb")))
        _method, pieces = isobmff.item_locations(data)[item_id]
        return item_id, b"".join(data[offset : offset + length] for offset, length in pieces)

    preview_id, _own = preview_data(picture)
    _other_id, coded = preview_data(other)
    patched = _point_item_at(picture, preview_id, len(picture) + 8, len(coded))
    return patched + struct.pack(">I4s", 8 + len(coded), b"mdat") + coded


def heic_decoy_preview(size=(1600, 1200), tile: int = 512) -> bytes:
    """A photo-like HEIC in tiles whose stored 320-pixel preview is another photo-like picture's."""
    picture, other = (photo("HEIF", size, seed, thumbnails=[320], tile_size=tile) for seed in (1, 7))
    return heic_with_preview_of(picture, other)


def iphone_heic_decoy_preview() -> bytes:
    """iphone_heic with the preview of another 12-megapixel photo-like picture."""
    return heic_with_preview_of(iphone_heic(), iphone_heic(seed=7))


def heif_grid(side: int = 496, tile: int = 16) -> bytes:
    """A one-colour HEIF grid of (side / tile) squared tiles, each decoded alone (961 by default, 98 KB)."""
    return heif(side, tile_size=tile)


def heif_previews(count: int = 40) -> bytes:
    """A 512x384 HEIF listing count previews of 64 to 454 pixels (libheif refuses a file of 100 or more)."""
    _heif_writer()
    sides = [64 + 10 * i for i in range(count)]
    return _save(photo_like((512, 384), 2.0), "HEIF", quality=50, thumbnails=sides)


# Sides whose pixels, weighted as preprocessing.DECODE_WEIGHTS says, just fit the
# cost any small file may have (DEFAULT_FREE_PIXELS, 8 megapixels): the most
# expensive small files that are still decoded.
# A progressive JPEG of 64 scans costs 1 + 64 * PROGRESSIVE_SCAN_WEIGHT (3) per pixel.
AT_LIMIT = {"plain": 2828, "alpha": 2000, "32-bit": 2000, "WEBP": 1414, "BMP/RLE": 447, "JPEG/64 scans": 1632}
_PLAIN, _ALPHA, _WIDE, _WEBP, _RLE, _SCANS = (
    AT_LIMIT[key] for key in ("plain", "alpha", "32-bit", "WEBP", "BMP/RLE", "JPEG/64 scans")
)


def _at(maker, side, *args):
    return functools.partial(maker, *args, side) if args else functools.partial(maker, side)


# name: (maker, what it is, the answer the API gives it). The benchmark runs
# them all; the tests take those that are quick to make.
CASES = {
    "bmp-rle8-7000": (rle8_bmp, "RLE8 BMP 7000x7000, one pixel per row", 422),
    "bmp-rle4-7000": (rle4_bmp, "RLE4 BMP 7000x7000, two pixels per row", 422),
    f"bmp-rle8-{_RLE}": (_at(rle8_bmp, _RLE), f"RLE8 BMP {_RLE}x{_RLE} (at the limit)", 200),
    "png-16bit-grey-7000": (png_16bit_grey, "16-bit greyscale PNG 7000x7000", 422),
    f"png-16bit-grey-{_PLAIN}": (
        _at(png_16bit_grey, _PLAIN),
        f"16-bit greyscale PNG {_PLAIN}x{_PLAIN} (at the limit)",
        200,
    ),
    f"png-rgb-{_PLAIN}": (_at(png_rgb, _PLAIN), f"RGB PNG {_PLAIN}x{_PLAIN}, one colour (at the limit)", 200),
    "png-rgba-7000": (png_rgba, "RGBA PNG 7000x7000, one colour", 422),
    f"png-rgba-{_ALPHA}": (_at(png_rgba, _ALPHA), f"RGBA PNG {_ALPHA}x{_ALPHA} (at the limit)", 200),
    "png-1bit-20000": (png_1bit, "1-bit PNG 20000x20000", 422),
    f"png-1bit-{_PLAIN}": (_at(png_1bit, _PLAIN), f"1-bit PNG {_PLAIN}x{_PLAIN} (at the limit)", 200),
    "apng-4000x3": (apng, "APNG 4000x4000, 3 frames", 422),
    "webp-lossless-7000": (webp_lossless, "lossless WebP 7000x7000", 422),
    f"webp-lossless-{_WEBP}": (_at(webp_lossless, _WEBP), f"lossless WebP {_WEBP}x{_WEBP} (at the limit)", 200),
    "webp-lossy-7000": (webp_lossy, "lossy WebP 7000x7000", 422),
    "webp-animated-4000x3": (webp_animated, "animated lossless WebP 4000x4000, 3 frames", 422),
    "gif-screen-7000": (gif_screen, "GIF, 1x1 frame on a 7000x7000 screen", 422),
    f"gif-screen-{_PLAIN}": (
        _at(gif_screen, _PLAIN),
        f"GIF, 1x1 frame on a {_PLAIN}x{_PLAIN} screen (at the limit)",
        200,
    ),
    "gif-frames-7000x64": (gif_frames, "GIF, 64 1x1 frames on a 7000x7000 screen", 422),
    "gif-full-4000": (gif_full, "GIF 4000x4000, one colour", 422),
    "tiff-lzw-7000": (functools.partial(tiff, "tiff_lzw"), "TIFF LZW 7000x7000", 422),
    "tiff-deflate-7000": (functools.partial(tiff, "tiff_adobe_deflate"), "TIFF deflate 7000x7000", 422),
    f"tiff-deflate-{_PLAIN}": (
        _at(tiff, _PLAIN, "tiff_adobe_deflate"),
        f"TIFF deflate {_PLAIN}x{_PLAIN} (at the limit)",
        200,
    ),
    "tiff-packbits-2000": (functools.partial(tiff, "packbits", 2000), "TIFF PackBits 2000x2000", 200),
    "tiff-jpeg-2000": (functools.partial(tiff, "jpeg", 2000, "RGB"), "JPEG-in-TIFF 2000x2000", 200),
    "tiff-16bit-7000": (tiff_16bit, "16-bit TIFF 7000x7000, deflate", 422),
    "tiff-int32-4000": (tiff_int32, "32-bit integer TIFF 4000x4000, deflate", 422),
    "tiff-float-4000": (tiff_float, "32-bit float TIFF 4000x4000, deflate", 422),
    f"tiff-float-{_WIDE}": (_at(tiff_float, _WIDE), f"32-bit float TIFF {_WIDE}x{_WIDE} (at the limit)", 200),
    "tiff-pages-1000x32": (tiff_pages, "TIFF, 32 pages of 1000x1000", 200),
    "jpeg-truncated-7000": (jpeg_truncated, "JPEG declaring 7000x7000, 16x16 of data", 415),
    "jpeg-scans-4000x1000": (jpeg_progressive_scans, "progressive JPEG 4000x4000, 1001 scans", 422),
    "jpeg-hidden-scans-2000x4000": (
        jpeg_hidden_scans,
        "progressive JPEG 2000x2000, 4000 refining scans hidden behind FF 00",
        422,
    ),
    f"jpeg-refine-scans-{_PLAIN}x64": (
        functools.partial(jpeg_progressive_scans, _PLAIN, 63, refine=True),
        f"progressive JPEG {_PLAIN}x{_PLAIN}, 64 scans refining every coefficient",
        422,
    ),
    f"jpeg-refine-scans-{_SCANS}x64": (
        functools.partial(jpeg_progressive_scans, _SCANS, 63, refine=True),
        f"progressive JPEG {_SCANS}x{_SCANS}, 64 scans refining every coefficient (at the limit)",
        200,
    ),
    "jpeg-progressive-4000": (jpeg_progressive, "progressive JPEG 4000x4000, one colour", 422),
    "png-chunks-1500000": (png_many_chunks, "PNG 128x96 with 1.5 million empty chunks", 422),
    "jpeg-segments-1000000": (jpeg_many_segments, "JPEG 128x96 with a million empty segments", 422),
    "png-ztxt-bomb": (functools.partial(png_text_bomb, "zTXt"), "PNG with a zTXt chunk inflating to 50 MB", 200),
    "png-itxt-bomb": (functools.partial(png_text_bomb, "iTXt"), "PNG with an iTXt chunk inflating to 50 MB", 200),
    "png-iccp-bomb": (functools.partial(png_text_bomb, "iCCP"), "PNG with an iCCP profile inflating to 50 MB", 200),
    "png-ztxt-200x900k": (png_text_flood, "PNG with 200 zTXt chunks of 900 KB inflated", 200),
    "png-c2pa-overrun": (png_c2pa_overrun, "PNG with a caBX chunk declaring 0xFFFFFFF0 bytes", 200),
    "jpeg-c2pa-xlbox": (jpeg_c2pa_extended_length, "signed JPEG, manifest box length 2^62", 200),
    "jpeg-xmp-two": (jpeg_two_xmp_packets, "JPEG with two XMP packets, the first declaring AI", 200),
    "heif-declaring-100000": (heif_declaring, "HEIF 64x64 declaring 100000x100000", 422),
    "avif-declaring-30000": (avif_declaring, "AVIF 64x64 declaring 30000x30000", 415),
    "avif-ispe-64-of-4096": (avif_understated, "AVIF 4096x4096, one colour, its extents box saying 64x64", 422),
    "avif-tkhd-64-of-256": (
        avif_animation_understated,
        "animated AVIF 256x256, its track header saying 64x64",
        422,
    ),
    "heif-ispe-64-of-512": (
        heif_understated,
        "HEIF 512x512, one colour, its extents box saying 64x64",
        415,
    ),
    "heif-2300": (heif, "HEIF 2300x2300, one colour (at the limit)", 200),
    "heif-declaring-4000": (functools.partial(heif_declaring, 4000), "HEIF 64x64 declaring 4000x4000", 422),
    "avif-3100": (avif, "AVIF 3100x3100, one colour (at the limit)", 200),
    "avif-7000": (functools.partial(avif, 7000), "AVIF 7000x7000, one colour", 422),
    "heif-noise-truncated": (functools.partial(truncated_noise, "HEIF"), "HEIF 1024x768 of noise, cut in half", 415),
    "avif-noise-truncated": (functools.partial(truncated_noise, "AVIF"), "AVIF 1024x768 of noise, cut in half", 415),
    "heif-images-200": (heif_images, "HEIF holding 200 pictures of 64x64", 200),
    "avif-frames-200": (avif_frames, "animated AVIF, 200 frames of 64x64", 200),
    "heif-photo-12mp": (iphone_heic, "12-megapixel photo-like HEIC with a 320-pixel preview, as iPhones store", 200),
    "heif-photo-48mp": (
        functools.partial(iphone_heic, (8064, 6048)),
        "48-megapixel photo-like HEIC with a 320-pixel preview",
        200,
    ),
    "heif-photo-12mp-2mb": (
        functools.partial(photo, "HEIF", noise=1.0),
        "12-megapixel photo-like HEIC without a preview, 2 MB",
        200,
    ),
    "heif-photo-12mp-no-preview": (
        functools.partial(photo, "HEIF"),
        "12-megapixel photo-like HEIC without a preview, 3.6 MB",
        422,
    ),
    "heif-grid-961": (heif_grid, "HEIF grid of 961 tiles of 16x16", 422),
    "heif-preview-of-another-1024x768": (
        functools.partial(heic_decoy_preview, (1024, 768), 128),
        "HEIC 1024x768 in 48 tiles whose 320x240 preview is another picture's",
        200,
    ),
    "heif-preview-of-another-1600x1200": (
        heic_decoy_preview,
        "HEIC 1600x1200 in 12 tiles whose 320x240 preview is another picture's",
        200,
    ),
    "heif-preview-of-another-12mp": (
        iphone_heic_decoy_preview,
        "12-megapixel iPhone-like HEIC whose 320x240 preview is another picture's (too costly in full)",
        422,
    ),
    "heif-previews-40": (heif_previews, "HEIF 512x384 listing 40 previews", 200),
    "avif-photo-12mp": (functools.partial(photo, "AVIF"), "12-megapixel photo-like AVIF", 200),
}
