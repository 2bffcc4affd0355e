"""Bounded reading of a HEIF or AVIF file's structure, and of the AV1 sequence header.

Pure: bytes in, sizes and positions out. HEIF and AVIF files are ISO base
media files (ISO/IEC 14496-12, 23008-12): nested boxes. A still picture is an
item, whose size the file declares in an image-extents property ('ispe') and
whose coded data the item-location box ('iloc') points to; an animation is a
track, whose size the track header ('tkhd') declares and whose first sample
the sample tables point to. The cost of decoding is charged for the declared
size, but a decoder produces the size its coded data says (libavif then scales
it to the declared one), so `av1_pictures` gives both for every AV1 picture a
decoder may decode, and `largest_frames` the largest frame size that the AV1
sequence headers in their coded data allow (AV1 specification, 5.5).

Every walk is bounded like those of chunks.py (chunk_limit boxes and OBUs).
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

from .chunks import TooManyChunksError, chunk_limit

# Boxes that hold only other boxes (after a version and flags, for 'meta').
_CONTAINERS = {b"moov": 0, b"trak": 0, b"mdia": 0, b"minf": 0, b"stbl": 0, b"iprp": 0, b"ipco": 0, b"meta": 4}
# AV1 open bitstream unit (OBU) types.
OBU_SEQUENCE_HEADER = 1


class ContainerError(ValueError):
    """The file's boxes cannot be read: one runs past its parent, or an item's data lies outside the file."""


@dataclass(frozen=True)
class Box:
    """One box: its four-letter type, where its payload starts and where the box ends."""

    kind: bytes
    start: int  # the payload, after the size and type (and the 64-bit size, if any)
    end: int


@dataclass(frozen=True)
class Item:
    """One item of a HEIF or AVIF file's 'meta' box."""

    item_id: int
    kind: bytes  # 'av01', 'hvc1', 'grid', 'Exif', ...
    properties: tuple[Box, ...]  # from 'ipco', as 'ipma' associates them
    entry: Box  # its 'infe' box

    def property(self, kind: bytes) -> Box | None:
        """The item's first property of this kind."""
        return next((box for box in self.properties if box.kind == kind), None)


@dataclass(frozen=True)
class Grid:
    """A grid item: a picture made of tiles (phones store 512x512 ones), each decoded alone."""

    rows: int
    columns: int
    width: int  # the picture's size; the tiles may cover more, which is cut off
    height: int
    tiles: tuple[int, ...]  # item IDs, row by row


@dataclass(frozen=True)
class CodedPicture:
    """A picture a decoder may decode: what the file declares its size to be, and its coded data."""

    name: str  # "item 1", "track 1"
    declared: tuple[int, int]
    data: bytes | memoryview


class _Reader:
    """Big-endian fields read one after another from data[at:end]."""

    def __init__(self, data: bytes, at: int, end: int):
        self.data, self.at, self.end = data, at, end

    def read(self, size: int) -> int:
        if size == 0:
            return 0
        if self.at + size > self.end:
            raise ContainerError("The file's structure is cut short: a box ends before its fields do.")
        value = int.from_bytes(self.data[self.at : self.at + size], "big")
        self.at += size
        return value

    def kind(self) -> bytes:
        self.read(4)
        return self.data[self.at - 4 : self.at]


def boxes(data: bytes, start: int = 0, end: int | None = None) -> list[Box]:
    """The boxes between start and end (the whole file by default), refusing more than chunk_limit."""
    end = len(data) if end is None else end
    found, position, limit = [], start, chunk_limit(len(data))
    while position + 8 <= end:
        if len(found) >= limit:
            raise TooManyChunksError(
                f"The file holds more than {limit:,} boxes; ordinary ones hold a few dozen. "
                "Save it again with an ordinary editor."
            )
        size, kind = struct.unpack_from(">I4s", data, position)
        header = 8
        if size == 1:  # a 64-bit size follows the type
            if position + 16 > end:
                raise ContainerError("The file's structure is cut short.")
            size, header = struct.unpack_from(">Q", data, position + 8)[0], 16
        elif size == 0:  # the box runs to the end of its parent
            size = end - position
        if size < header or position + size > end:
            raise ContainerError(f"The file's {kind.decode('latin-1')!r} box runs past the end of its container.")
        found.append(Box(kind, position + header, position + size))
        position += size
    return found


def find(data: bytes, *path: bytes, within: Box | None = None) -> list[Box]:
    """The boxes at path (e.g. b"meta", b"iinf"), from the top of the file or within a box."""
    level = [within] if within else [Box(b"", 0, len(data))]
    for kind in path:
        nested = []
        for parent in level:
            skip = _CONTAINERS.get(parent.kind, 0)
            nested += [box for box in boxes(data, parent.start + skip, parent.end) if box.kind == kind]
        level = nested
    return level


def _first(data: bytes, *path: bytes, within: Box | None = None) -> Box | None:
    found = find(data, *path, within=within)
    return found[0] if found else None


def _count(data: bytes, reader: _Reader, size: int) -> int:
    """A count of entries to follow, refused past chunk_limit (each entry is read in Python)."""
    count, limit = reader.read(size), chunk_limit(len(data))
    if count > limit:
        raise TooManyChunksError(
            f"The file lists more than {limit:,} entries in one table; ordinary ones list a few. "
            "Save it again with an ordinary editor."
        )
    return count


def _full_box(data: bytes, box: Box) -> tuple[int, int, _Reader]:
    """A full box's version, flags and a reader of the fields after them."""
    reader = _Reader(data, box.start, box.end)
    version = reader.read(1)
    return version, reader.read(3), reader


def primary_item_id(data: bytes) -> int | None:
    """The item the file shows ('pitm'), or None without one."""
    box = _first(data, b"meta", b"pitm")
    if box is None:
        return None
    version, _flags, reader = _full_box(data, box)
    return reader.read(2 if version == 0 else 4)


def items(data: bytes) -> dict[int, Item]:
    """Every item of the file's 'meta' box with its type and properties, by item ID."""
    kinds, entries = {}, {}
    iinf = _first(data, b"meta", b"iinf")
    if iinf is not None:
        version, _flags, reader = _full_box(data, iinf)
        for infe in boxes(data, reader.at + (2 if version == 0 else 4), iinf.end):
            if infe.kind != b"infe":
                continue
            version, _flags, reader = _full_box(data, infe)
            if version >= 2:  # earlier versions name no item type
                item_id = reader.read(2 if version == 2 else 4)
                reader.read(2)  # protection index
                kinds[item_id], entries[item_id] = reader.kind(), infe
    properties = _item_properties(data)
    return {item_id: Item(item_id, kinds[item_id], properties.get(item_id, ()), entries[item_id]) for item_id in kinds}


def _item_properties(data: bytes) -> dict[int, tuple[Box, ...]]:
    """The properties 'ipma' associates with each item, in order."""
    ipco = _first(data, b"meta", b"iprp", b"ipco")
    listed = boxes(data, ipco.start, ipco.end) if ipco else []
    associated: dict[int, tuple[Box, ...]] = {}
    for ipma in find(data, b"meta", b"iprp", b"ipma"):
        version, flags, reader = _full_box(data, ipma)
        for _ in range(_count(data, reader, 4)):
            item_id = reader.read(2 if version < 1 else 4)
            chosen = []
            for _ in range(reader.read(1)):
                index = reader.read(2) & 0x7FFF if flags & 1 else reader.read(1) & 0x7F  # less the essential bit
                if 0 < index <= len(listed):
                    chosen.append(listed[index - 1])
            associated[item_id] = associated.get(item_id, ()) + tuple(chosen)
    return associated


def extents(data: bytes, item: Item) -> tuple[int, int] | None:
    """An item's declared width and height ('ispe'), or None without one."""
    ispe = item.property(b"ispe")
    if ispe is None:
        return None
    _version, _flags, reader = _full_box(data, ispe)
    return reader.read(4), reader.read(4)


def references(data: bytes, kind: bytes) -> dict[int, list[int]]:
    """The items each item refers to by references of this kind ('dimg': a grid's tiles, in order)."""
    found: dict[int, list[int]] = {}
    for iref in find(data, b"meta", b"iref"):
        version, _flags, reader = _full_box(data, iref)
        size = 2 if version == 0 else 4
        for reference in boxes(data, reader.at, iref.end):
            reader = _Reader(data, reference.start, reference.end)
            source = reader.read(size)
            targets = [reader.read(size) for _ in range(_count(data, reader, 2))]
            if reference.kind == kind:
                found.setdefault(source, []).extend(targets)
    return found


def grid(data: bytes, item: Item, locations: dict[int, tuple[int, list[tuple[int, int]]]]) -> Grid | None:
    """A grid item's layout ('grid' data: rows, columns, output size) and tiles ('dimg'); None if it is not one."""
    if item.kind != b"grid" or item.item_id not in locations:
        return None
    layout = bytes(_gather(data, *locations[item.item_id]))
    reader = _Reader(layout, 0, len(layout))
    reader.read(1)  # version
    wide = reader.read(1) & 1  # 32-bit output sizes
    rows, columns = reader.read(1) + 1, reader.read(1) + 1
    width, height = reader.read(4 if wide else 2), reader.read(4 if wide else 2)
    tiles = tuple(references(data, b"dimg").get(item.item_id, ()))
    if len(tiles) != rows * columns:
        raise ContainerError(f"The grid lists {len(tiles)} tiles for {rows} rows of {columns}.")
    return Grid(rows, columns, width, height, tiles)


def with_primary(data: bytes, item: Item) -> bytes:
    """A copy of the file that shows item (a grid's tile, say) as its picture: 'pitm' names it, and it is not hidden.

    Same length, only two fields changed, so every offset in the file still holds.
    """
    pitm = _first(data, b"meta", b"pitm")
    if pitm is None:
        raise ContainerError("The file names no primary item.")
    version, _flags, _reader = _full_box(data, pitm)
    size = 2 if version == 0 else 4
    if item.item_id >= 1 << (8 * size):
        raise ContainerError("The item's ID does not fit the file's primary item box.")
    patched = bytearray(data)
    patched[pitm.start + 4 : pitm.start + 4 + size] = item.item_id.to_bytes(size, "big")
    patched[item.entry.start + 3] &= 0xFE  # the 'infe' flags' lowest bit: hidden
    return bytes(patched)


def item_locations(data: bytes) -> dict[int, tuple[int, list[tuple[int, int]]]]:
    """Where each item's data is ('iloc'): its construction method and its extents (offset, length)."""
    iloc = _first(data, b"meta", b"iloc")
    if iloc is None:
        return {}
    version, _flags, reader = _full_box(data, iloc)
    sizes = reader.read(2)
    offset_size, length_size, base_size = sizes >> 12, (sizes >> 8) & 15, (sizes >> 4) & 15
    index_size = sizes & 15 if version in (1, 2) else 0
    id_size = 2 if version < 2 else 4
    locations = {}
    for _ in range(_count(data, reader, id_size)):
        item_id = reader.read(id_size)
        method = reader.read(2) & 15 if version in (1, 2) else 0
        reader.read(2)  # data reference index: this file
        base = reader.read(base_size)
        pieces = []
        for _ in range(_count(data, reader, 2)):
            reader.read(index_size)
            pieces.append((base + reader.read(offset_size), reader.read(length_size)))
        locations[item_id] = (method, pieces)
    return locations


def _gather(data: bytes, method: int, pieces: list[tuple[int, int]]) -> bytes | memoryview:
    """The bytes of an item's extents: offsets into the file (method 0) or into its 'idat' box (1).

    One extent is a view of the file, not a copy: many items may point at the same megabytes.
    """
    if method == 0:
        area = Box(b"", 0, len(data))
    elif method == 1 and (idat := _first(data, b"meta", b"idat")) is not None:
        area = idat
    else:
        raise ContainerError("An item's data is built from other items, which this service does not read.")
    views = []
    for offset, length in pieces:
        start = area.start + offset
        end = area.end if length == 0 else start + length  # length 0: to the end
        if end > area.end:
            raise ContainerError("An item's data lies outside the file.")
        views.append(memoryview(data)[start:end])
    return views[0] if len(views) == 1 else b"".join(views)


def av1_pictures(data: bytes) -> list[CodedPicture]:
    """Every AV1 picture a decoder may decode: each 'av01' item with its 'ispe', each AV1 track's first sample."""
    pictures, locations, copied = [], item_locations(data), 0
    for item in items(data).values():
        declared = extents(data, item)
        if item.kind == b"av01" and declared is not None and item.item_id in locations:
            coded = _gather(data, *locations[item.item_id])
            copied += len(coded) if isinstance(coded, bytes) else 0
            if copied > len(data):  # items in pieces, joined: never more than the file in all
                raise ContainerError("The file's pictures claim more data than the file holds.")
            pictures.append(CodedPicture(f"item {item.item_id}", declared, coded))
    for trak in find(data, b"moov", b"trak"):
        picture = _first_av1_sample(data, trak)
        if picture is not None:
            pictures.append(picture)
    return pictures


def _first_av1_sample(data: bytes, trak: Box) -> CodedPicture | None:
    """An AV1 track's size as its header ('tkhd') declares it, and its first sample; None for other tracks."""
    tkhd, stbl = _first(data, b"tkhd", within=trak), _first(data, b"mdia", b"minf", b"stbl", within=trak)
    stsd = stbl and _first(data, b"stsd", within=stbl)
    if tkhd is None or stsd is None or b"av01" not in {box.kind for box in boxes(data, stsd.start + 8, stsd.end)}:
        return None
    version, _flags, reader = _full_box(data, tkhd)
    wide = 8 if version == 1 else 4
    reader.read(2 * wide)  # creation and modification times
    track_id = reader.read(4)
    # reserved, duration, reserved, layer, alternate group, volume, reserved, matrix
    reader.read(4 + wide + 8 + 8 + 36)
    declared = (reader.read(4) >> 16, reader.read(4) >> 16)  # 16.16 fixed point
    stsz, chunk = _first(data, b"stsz", within=stbl), _first(data, b"stco", within=stbl)
    wide_chunk = _first(data, b"co64", within=stbl)
    if stsz is None or (chunk or wide_chunk) is None:
        return None
    _version, _flags, reader = _full_box(data, stsz)
    size, count = reader.read(4), reader.read(4)
    if count == 0:
        return None
    size = size or reader.read(4)
    _version, _flags, reader = _full_box(data, chunk or wide_chunk)
    if reader.read(4) == 0:
        return None
    offset = reader.read(4 if chunk else 8)  # the first sample starts the first chunk
    if offset + size > len(data):
        raise ContainerError("A track's first sample lies outside the file.")
    return CodedPicture(f"track {track_id}", declared, memoryview(data)[offset : offset + size])


def largest_frames(pictures: list[CodedPicture], file_size: int) -> list[tuple[int, int] | None]:
    """For each picture, the largest frame (width, height) its AV1 sequence headers allow; None without one.

    A decoder produces no frame larger than its sequence header's maximum, and
    every sequence header in a picture's data counts, wherever it is. The walk
    over the data's units (OBUs) stops past chunk_limit(file_size) in all.
    """
    largest, walked, limit = [], 0, chunk_limit(file_size)
    for picture in pictures:
        frame, units = _largest_frame(picture.data, limit - walked)
        largest.append(frame)
        walked += units
    return largest


def _largest_frame(coded: bytes | memoryview, limit: int) -> tuple[tuple[int, int] | None, int]:
    """The largest frame the sequence headers in coded data allow, and how many units were walked."""
    largest, position, count = None, 0, 0
    while position < len(coded):
        count += 1
        if count > limit:
            raise TooManyChunksError("The file's AV1 data holds more units than a file of its size may.")
        header = coded[position]
        obu_type, extension, has_size = (header >> 3) & 15, (header >> 2) & 1, (header >> 1) & 1
        position += 1 + extension
        size, position = _leb128(coded, position) if has_size else (len(coded) - position, position)
        if obu_type == OBU_SEQUENCE_HEADER:
            width, height = sequence_header_frame_size(coded[position : position + size])
            largest = (max(width, largest[0]), max(height, largest[1])) if largest else (width, height)
        position += size
    return largest, count


def _leb128(data: bytes | memoryview, position: int) -> tuple[int, int]:
    """An unsigned LEB128 number (at most 8 bytes) at position, and where it ends."""
    value = 0
    for index in range(8):
        if position + index >= len(data):
            break
        byte = data[position + index]
        value |= (byte & 0x7F) << (7 * index)
        if not byte & 0x80:
            return value, position + index + 1
    raise ContainerError("An AV1 unit's size is cut short or too long.")


class _Bits:
    """Bits read most significant first, as the AV1 specification's f(n) and uvlc()."""

    def __init__(self, data: bytes | memoryview):
        self.data, self.at = data, 0

    def read(self, count: int) -> int:
        value = 0
        for _ in range(count):
            byte = self.at >> 3
            if byte >= len(self.data):
                raise ContainerError("An AV1 sequence header is cut short.")
            value = value << 1 | (self.data[byte] >> (7 - (self.at & 7))) & 1
            self.at += 1
        return value

    def uvlc(self) -> int:
        zeros = 0
        while not self.read(1):
            zeros += 1
        return (1 << 32) - 1 if zeros >= 32 else self.read(zeros) + (1 << zeros) - 1


def sequence_header_frame_size(payload: bytes | memoryview) -> tuple[int, int]:
    """max_frame_width and max_frame_height of an AV1 sequence header OBU's payload (specification 5.5.1)."""
    bits = _Bits(payload)
    bits.read(3)  # seq_profile
    bits.read(1)  # still_picture
    if bits.read(1):  # reduced_still_picture_header
        bits.read(5)  # seq_level_idx[0]
    else:
        decoder_model_info, buffer_delay_length = False, 0
        if bits.read(1):  # timing_info_present_flag
            bits.read(64)  # num_units_in_display_tick, time_scale
            if bits.read(1):  # equal_picture_interval
                bits.uvlc()  # num_ticks_per_picture_minus_1
            decoder_model_info = bool(bits.read(1))
            if decoder_model_info:
                buffer_delay_length = bits.read(5) + 1
                bits.read(32 + 5 + 5)  # decoding tick, removal time and presentation time lengths
        initial_display_delay = bits.read(1)
        for _ in range(bits.read(5) + 1):  # operating points
            bits.read(12)  # operating_point_idc
            if bits.read(5) > 7:  # seq_level_idx
                bits.read(1)  # seq_tier
            if decoder_model_info and bits.read(1):  # decoder_model_present_for_this_op
                bits.read(2 * buffer_delay_length + 1)  # decoder and encoder buffer delay, low_delay_mode_flag
            if initial_display_delay and bits.read(1):  # initial_display_delay_present_for_this_op
                bits.read(4)
    width_bits, height_bits = bits.read(4) + 1, bits.read(4) + 1
    return bits.read(width_bits) + 1, bits.read(height_bits) + 1
