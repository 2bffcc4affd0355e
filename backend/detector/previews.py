"""Whether a HEIC's stored preview shows its picture, found by decoding a few of the picture's tiles.

A phone stores a HEIC's picture as a grid of tiles (an iPhone's are 512x512)
and a small preview of it (320x240). Reading the preview is what makes such
photos fast to analyse (preprocessing.py), but nothing in the format ties the
preview to the picture: a file may hold the preview of another picture. So
CHECKED_TILES tiles, chosen at random (a file cannot know which), are decoded
alone and compared, as BLOCKS x BLOCKS block averages, with the same part of
the preview, and the preview is used only if every one of them matches. A HEIC
without tiles, with too few of them or with a crop cannot be checked for a
fraction of its full decoding: its preview is not used.
"""

from __future__ import annotations

import io
import random
from dataclasses import dataclass

import numpy as np
from PIL import Image

from . import isobmff

CHECKED_TILES = 8
# With fewer tiles than this, decoding the whole picture costs about as much as the check.
MIN_TILES = 2 * CHECKED_TILES
# Each checked tile and its part of the preview are compared as BLOCKS x BLOCKS averages
# (128x128 pixels of an iPhone's tile, 10x10 of its preview).
BLOCKS = 4
# The largest mean difference (levels of 255, over a tile's blocks and colours) of a
# preview that shows the picture. Phones' previews differ from their pictures by 1
# to 2.4 levels at the model's 32x32 input (scripts/benchmarks/heif_preview.py). On
# 60 pictures of the modern set stored in 8x6 tiles with libheif's own previews
# (scaled without filtering: the worst case), a tile differed from its preview by
# at most 9.4 (the largest per picture: median 3.5), and from another picture's
# preview by 28 or more in 95 tiles of 100; none of the 60 substituted previews
# would pass CHECKED_TILES random tiles (the same script, --tile-check;
# performance/heif_preview_check.json).
MAX_DIFFERENCE = 16.0
# HEIF properties that turn the coded picture before it is shown, in the order listed.
ROTATION, MIRROR, CROP = b"irot", b"imir", b"clap"

_chooser = random.SystemRandom()


@dataclass(frozen=True)
class Check:
    """The tiles to decode to check a preview, and what decoding them costs."""

    grid: isobmff.Grid
    tiles: tuple[tuple[int, isobmff.Item], ...]  # (index in the grid, row by row; the tile's item)
    tile_size: tuple[int, int]
    turns: tuple[tuple[bytes, int], ...]  # the picture's rotation (quarter turns) and mirror (axis), in order
    coded_bytes: int  # the checked tiles' coded data
    preview_bytes: int | None  # all the listed previews' coded data; None if not known (a preview in tiles)

    @property
    def decoded_pixels(self) -> int:
        """The pixels decoding the checked tiles produces."""
        return len(self.tiles) * self.tile_size[0] * self.tile_size[1]


def plan(data: bytes, chooser: random.Random = _chooser, count: int | None = CHECKED_TILES) -> Check | None:
    """Which tiles to decode to check the file's preview (count of them, None: all); None if it cannot be."""
    items = isobmff.items(data)
    primary = items.get(isobmff.primary_item_id(data) or -1)
    locations = isobmff.item_locations(data)
    grid = primary and isobmff.grid(data, primary, locations)
    if not grid or len(grid.tiles) < MIN_TILES or primary.property(CROP):
        return None
    chosen = sorted(chooser.sample(range(len(grid.tiles)), count or len(grid.tiles)))
    tiles = tuple((index, items[grid.tiles[index]]) for index in chosen if grid.tiles[index] in items)
    sizes = {isobmff.extents(data, item) for _index, item in tiles}
    if len(tiles) < len(chosen) or len(sizes) != 1 or None in sizes:
        return None  # a tile that is not listed, or tiles of different sizes: not a grid a phone writes
    return Check(
        grid,
        tiles,
        sizes.pop(),
        _turns(data, primary),
        _coded_bytes(locations, [item for _index, item in tiles]),
        _preview_bytes(data, items, locations, primary),
    )


def _coded_bytes(locations: dict, items: list[isobmff.Item]) -> int:
    """The coded data of these items, as 'iloc' lists it."""
    return sum(length for item in items for _offset, length in locations.get(item.item_id, (0, []))[1])


def _preview_bytes(data: bytes, items: dict, locations: dict, primary: isobmff.Item) -> int | None:
    """The coded data of every preview of the primary item ('thmb'), if each is one coded picture."""
    references = isobmff.references(data, b"thmb").items()
    listed = [items.get(source) for source, targets in references if primary.item_id in targets]
    if not listed or any(item is None or item.kind != b"hvc1" for item in listed):
        return None
    return _coded_bytes(locations, listed)


def _turns(data: bytes, item: isobmff.Item) -> tuple[tuple[bytes, int], ...]:
    """The item's rotations (anticlockwise quarter turns) and mirrors (0: left-right, 1: top-bottom), in order."""
    turns = (box for box in item.properties if box.kind in (ROTATION, MIRROR))
    return tuple((box.kind, data[box.start] & (3 if box.kind == ROTATION else 1)) for box in turns)


def tile_differences(data: bytes, check: Check, preview: Image.Image) -> list[float]:
    """For each checked tile, its mean difference from its part of the preview, in levels of 255.

    A tile that cannot be decoded, or decodes to another size, differs infinitely.
    """
    canvas = _as_coded(preview.convert("RGB"), check.turns)
    scale_x, scale_y = canvas.width / check.grid.width, canvas.height / check.grid.height
    tile_width, tile_height = check.tile_size
    differences = []
    for index, item in check.tiles:
        row, column = divmod(index, check.grid.columns)
        left, top = column * tile_width, row * tile_height
        right, bottom = min(left + tile_width, check.grid.width), min(top + tile_height, check.grid.height)
        if right <= left or bottom <= top:
            continue  # a tile wholly in the cut-off margin
        tile = _decode_tile(data, item)
        if tile is None or tile.size != check.tile_size:
            differences.append(float("inf"))
            continue
        blocks = max(1, min(BLOCKS, int(min((right - left) * scale_x, (bottom - top) * scale_y))))
        coded = tile.crop((0, 0, right - left, bottom - top)).resize((blocks, blocks), Image.Resampling.BOX)
        box = (left * scale_x, top * scale_y, right * scale_x, bottom * scale_y)
        shown = canvas.resize((blocks, blocks), Image.Resampling.BOX, box=box)
        differences.append(float(np.abs(np.asarray(coded, np.float32) - np.asarray(shown, np.float32)).mean()))
    return differences


def shows_picture(data: bytes, check: Check, preview: Image.Image) -> bool:
    """Whether the preview matches every checked tile of the picture."""
    return max(tile_differences(data, check, preview), default=0.0) <= MAX_DIFFERENCE


def _as_coded(preview: Image.Image, turns: tuple[tuple[bytes, int], ...]) -> Image.Image:
    """The preview turned back as the picture is coded: its rotations and mirrors undone, last first."""
    for kind, value in reversed(turns):
        if kind == ROTATION and value:
            preview = preview.rotate(-90 * value, expand=True)  # undo value anticlockwise quarter turns
        elif kind == MIRROR:
            preview = preview.transpose(Image.Transpose.FLIP_TOP_BOTTOM if value else Image.Transpose.FLIP_LEFT_RIGHT)
    return preview


def _decode_tile(data: bytes, item: isobmff.Item) -> Image.Image | None:
    """One tile of the grid, decoded alone as the picture of a copy of the file; None if it cannot be."""
    try:
        with Image.open(io.BytesIO(isobmff.with_primary(data, item)), formats=["HEIF"]) as tile:
            return tile.convert("RGB")
    except (OSError, ValueError, SyntaxError, EOFError, RuntimeError):
        return None
