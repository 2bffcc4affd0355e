"""isobmff: the structure of HEIF and AVIF files and the AV1 sequence header, read as decoders read them."""

from __future__ import annotations

import hostile_files
import images
import pytest
from PIL import Image

from detector import isobmff
from detector.chunks import TooManyChunksError


def coded_sizes(data: bytes) -> list[tuple[str, tuple[int, int], tuple[int, int] | None]]:
    """Each AV1 picture's name, declared size and the largest frame its sequence headers allow."""
    pictures = isobmff.av1_pictures(data)
    return [
        (picture.name, picture.declared, frame)
        for picture, frame in zip(pictures, isobmff.largest_frames(pictures, len(data)), strict=True)
    ]


@pytest.mark.parametrize("size", [(1, 1), (65, 129), (4097, 3)])
def test_the_coded_size_of_an_avif_is_its_declared_size(size):
    data = images.encode(Image.new("RGB", size, (40, 120, 200)), "AVIF", quality=50, speed=10)
    assert coded_sizes(data) == [("item 1", size, size)]


def test_an_avif_with_transparency_has_a_picture_for_its_alpha():
    data = images.encode(Image.new("RGBA", (96, 64), (40, 120, 200, 100)), "AVIF", quality=50)
    assert coded_sizes(data) == [("item 1", (96, 64), (96, 64)), ("item 2", (96, 64), (96, 64))]


def test_an_animated_avif_has_its_track_as_well_as_its_first_frame_as_an_item():
    frames = [Image.new("RGB", (96, 64), colour) for colour in ((0, 0, 0), (9, 9, 9))]
    data = images.encode(frames[0], "AVIF", save_all=True, append_images=frames[1:], quality=50)
    assert coded_sizes(data) == [("item 1", (96, 64), (96, 64)), ("track 1", (96, 64), (96, 64))]


def test_understated_sizes_are_seen():
    assert coded_sizes(hostile_files.avif_understated(512, 64)) == [("item 1", (64, 64), (512, 512))]
    assert ("track 1", (64, 64), (256, 256)) in coded_sizes(hostile_files.avif_animation_understated())


class BitWriter:
    """Bits appended most significant first, as the AV1 specification writes them."""

    def __init__(self):
        self.bits = ""

    def put(self, value: int, count: int) -> BitWriter:
        self.bits += format(value, f"0{count}b") if count else ""
        return self

    def bytes(self) -> bytes:
        bits = self.bits + "1" + "0" * (-(len(self.bits) + 1) % 8)  # trailing bits
        return bytes(int(bits[i : i + 8], 2) for i in range(0, len(bits), 8))


def full_sequence_header(width: int, height: int) -> bytes:
    """A sequence header with timing and decoder model information and two operating points."""
    bits = BitWriter().put(0, 3).put(0, 1).put(0, 1)  # profile, still_picture, reduced_still_picture_header
    bits.put(1, 1).put(1001, 32).put(60000, 32)  # timing_info_present_flag, tick, time scale
    bits.put(1, 1).put(0b00101, 5)  # equal_picture_interval, uvlc() of 4: two zeros, a one, then 01
    bits.put(1, 1).put(9, 5).put(1, 32).put(4, 5).put(4, 5)  # decoder model info: buffer delay length 10
    bits.put(1, 1).put(1, 5)  # initial_display_delay_present_flag, two operating points
    for level in (9, 4):  # the first has a tier bit (level > 7)
        bits.put(0x101, 12).put(level, 5)
        if level > 7:
            bits.put(0, 1)
        bits.put(1, 1).put(5, 10).put(7, 10).put(0, 1)  # decoder model for this point: two delays, low delay
        bits.put(1, 1).put(3, 4)  # initial display delay for this point
    bits.put(13, 4).put(12, 4).put(width - 1, 14).put(height - 1, 13)
    return bits.bytes()


def test_a_sequence_header_with_timing_and_operating_points():
    assert isobmff.sequence_header_frame_size(full_sequence_header(16384, 4321)) == (16384, 4321)


def obu(kind: int, payload: bytes) -> bytes:
    """An AV1 unit with a size field (its size fits one LEB128 byte here)."""
    return bytes([kind << 3 | 0b010, len(payload)]) + payload


def test_every_sequence_header_in_the_data_counts():
    picture = isobmff.CodedPicture(
        "item 1",
        (64, 64),
        obu(2, b"") + obu(1, full_sequence_header(64, 64)) + obu(6, b"\x00" * 20) + obu(1, full_sequence_header(99, 7)),
    )
    assert isobmff.largest_frames([picture], 1000) == [(99, 64)]


def test_countless_units_are_refused():
    picture = isobmff.CodedPicture("item 1", (64, 64), obu(2, b"") * 200_000)  # 400 KB of empty units
    with pytest.raises(TooManyChunksError):
        isobmff.largest_frames([picture], 400_000)


def test_an_item_outside_the_file_is_a_container_error():
    data = images.encode(Image.new("RGB", (64, 64)), "AVIF", quality=50)
    # Version 0: after the type, version and flags, field sizes, item count, item ID, data reference
    # and extent count comes the first extent's offset.
    at = data.index(b"iloc") + 4 + 4 + 2 + 2 + 2 + 2 + 2
    assert data[at - 10 : at] == bytes.fromhex("4400 0001 0001 0000 0001")  # 4-byte offsets and lengths, item 1
    cut = data[:at] + (10**6).to_bytes(4, "big") + data[at + 4 :]
    with pytest.raises(isobmff.ContainerError, match="outside the file"):
        isobmff.av1_pictures(cut)


def test_a_box_running_past_its_parent_is_a_container_error():
    data = images.encode(Image.new("RGB", (64, 64)), "AVIF", quality=50)
    with pytest.raises(isobmff.ContainerError, match="'meta' box runs past"):
        isobmff.av1_pictures(data[:100])
