"""Bounded walks over a file's container structure (PNG chunks, JPEG marker segments), shared by
decoding and provenance reading.

Pure: bytes in, positions out. A PNG is a signature followed by chunks
(length, type, data, CRC), a JPEG a series of marker segments before its
first scan; a real file has a few dozen plus its image data, but nothing in
either format stops a file from holding a million empty ones, and every
reader that walks them (Pillow walks them in Python) pays for each. So the
walk itself is bounded: a file may hold FREE_CHUNKS chunks or segments, and
one more per BYTES_PER_CHUNK bytes of file (image data in the 8 KB chunks
libpng writes stays far below that), and stops with TooManyChunksError as
soon as it passes that number.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
FREE_CHUNKS = 1000
BYTES_PER_CHUNK = 4096
# Chunk headers tried after a metadata chunk whose length is false (see _image_data_after).
MAX_RESYNC_CANDIDATES = 16
IEND = b"\x00\x00\x00\x00IEND\xaeB`\x82"
# What decoding the picture reads (image header and data, palette and transparency,
# EXIF for the orientation, APNG frame control); everything else is metadata.
PIXEL_CHUNKS = frozenset({b"IHDR", b"PLTE", b"tRNS", b"IDAT", b"eXIf", b"acTL", b"fcTL", b"fdAT", b"IEND"})


class TooManyChunksError(ValueError):
    """The file holds more chunks or segments than a file of its size may."""


class BrokenChunkError(ValueError):
    """A chunk before the image data runs past the end of the file, and no image data is found after it."""


@dataclass(frozen=True)
class Chunk:
    """One chunk's place in the file: its header starts at `start`."""

    kind: bytes
    start: int
    length: int  # as declared; may run past the end of the file
    complete: bool  # the whole chunk, CRC included, is in the file

    @property
    def end(self) -> int:
        """Where the next chunk starts."""
        return self.start + 12 + self.length


def is_png(data: bytes) -> bool:
    """Whether data starts with the PNG signature."""
    return data[:8] == PNG_SIGNATURE


def is_jpeg(data: bytes) -> bool:
    """Whether data starts with a JPEG start-of-image marker."""
    return data[:3] == b"\xff\xd8\xff"


def chunk_limit(file_size: int) -> int:
    """The most chunks or segments a file of file_size bytes may hold."""
    return FREE_CHUNKS + file_size // BYTES_PER_CHUNK


def _too_many(what: str, limit: int) -> TooManyChunksError:
    return TooManyChunksError(
        f"The file holds more than {limit:,} {what}; ordinary ones hold a few dozen besides their "
        "image data. Save it again with an ordinary editor."
    )


def png_chunks(data: bytes, start: int = len(PNG_SIGNATURE)) -> list[Chunk]:
    """The chunks of a PNG from start up to IEND, or up to the first that runs past the end of the file."""
    chunks, position, size, limit = [], start, len(data), chunk_limit(len(data))
    while position + 8 <= size:
        if len(chunks) >= limit:
            raise _too_many("PNG chunks", limit)
        length = int.from_bytes(data[position : position + 4], "big")
        chunk = Chunk(data[position + 4 : position + 8], position, length, position + 12 + length <= size)
        chunks.append(chunk)
        if chunk.kind == b"IEND" or not chunk.complete:
            break
        position = chunk.end
    return chunks


def _image_data_after(data: bytes, broken: Chunk) -> int | None:
    """Where the first intact IDAT chunk after a chunk with a false length starts, if one is found.

    Only the CRC tells a real chunk header from the same four letters inside
    other data, so a few candidates are checked, each by its CRC.
    """
    position, view = broken.start + 8, memoryview(data)  # CRCs over views: no copies
    for _ in range(MAX_RESYNC_CANDIDATES):
        found = data.find(b"IDAT", position)
        if found < 4:
            return None
        length = int.from_bytes(data[found - 4 : found], "big")
        end = found + 4 + length
        if end + 4 <= len(data) and zlib.crc32(view[found:end]) == int.from_bytes(data[end : end + 4], "big"):
            return found - 4
        position = found + 4
    return None


def check_jpeg_segments(data: bytes) -> None:
    """Walk a JPEG's marker segments up to its first scan, refusing more than chunk_limit of them."""
    position, size, limit, count = 2, len(data), chunk_limit(len(data)), 0
    while position + 4 <= size and data[position] == 0xFF:
        marker = data[position + 1]
        if marker == 0xFF:  # fill byte
            position += 1
            continue
        if marker in (0xD9, 0xDA):  # end of image, start of scan: the entropy-coded data follows
            return
        count += 1
        if count > limit:
            raise _too_many("JPEG marker segments", limit)
        if 0xD0 <= marker <= 0xD8 or marker == 0x01:  # standalone markers
            position += 2
            continue
        position += 2 + int.from_bytes(data[position + 2 : position + 4], "big")


def pixel_stream(data: bytes) -> bytes:
    """The PNG with only the chunks decoding reads, so its metadata can neither fail nor slow decoding.

    A chunk that runs past the end of the file after the image data (a
    damaged or hostile trailer) ends the stream there: the picture is whole.
    """
    chunks = png_chunks(data)
    last = chunks[-1] if chunks else None
    # A metadata chunk that declares more than the file holds (a hostile length) only ends the
    # file early after the image data; before it, the picture is still found after the chunk.
    hostile_length = last is not None and not last.complete and last.kind[:1].islower()
    if hostile_length and not any(chunk.kind == b"IDAT" for chunk in chunks):
        resume = _image_data_after(data, last)
        if resume is None:
            name = last.kind.decode("latin-1")
            raise BrokenChunkError(
                f"The PNG is damaged: its {name!r} chunk declares {last.length:,} bytes, "
                f"more than the {len(data) - last.start - 12:,} left in the file, before any image data."
            )
        chunks += png_chunks(data, resume)
    # Image data cut short stays: the decoder reads what there is and reports the truncation.
    kept = [chunk for chunk in chunks if chunk.kind in PIXEL_CHUNKS and (chunk.complete or chunk.kind == b"IDAT")]
    if len(kept) == len(chunks) or not kept:
        return data  # nothing to leave out, or no picture for the decoder to find
    parts = [PNG_SIGNATURE, *(data[chunk.start : chunk.end] for chunk in kept)]
    if kept[-1].kind != b"IEND" and kept[-1].complete:
        parts.append(IEND)
    return b"".join(parts)
