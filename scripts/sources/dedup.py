"""Duplicates across the whole set: the same bytes, or the same picture re-encoded or resized."""

from __future__ import annotations

import imagehash
import numpy as np
from PIL import Image

# pHash bits that may differ for two files to count as one picture (the modern set's rule).
NEAR_DUPLICATE_BITS = 4


def perceptual_hash(pixels: np.ndarray) -> int:
    """The 64-bit pHash of a picture, as an integer."""
    return int(str(imagehash.phash(Image.fromarray(pixels))), 16)


def near_duplicate_groups(hashes: list[int], max_bits: int = NEAR_DUPLICATE_BITS) -> list[int]:
    """A group number per picture: pictures linked by chains of hashes within max_bits share one."""
    bits = np.unpackbits(np.asarray(hashes, dtype=np.uint64).view(np.uint8).reshape(-1, 8), axis=1)
    parent = list(range(len(hashes)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i in range(len(hashes)):
        distances = np.count_nonzero(bits[i + 1 :] != bits[i], axis=1)
        for j in np.flatnonzero(distances <= max_bits) + i + 1:
            parent[root(int(j))] = root(i)
    return [root(i) for i in range(len(hashes))]


def keep_one_per_group(groups: list[int], labels: list[str]) -> tuple[list[bool], int, int]:
    """Which pictures to keep: the first of each group, none of a group whose labels disagree.

    Returns the keep flags, the number of duplicates dropped and the number dropped for conflicting labels.
    """
    labels_of: dict[int, set[str]] = {}
    for group, label in zip(groups, labels, strict=True):
        labels_of.setdefault(group, set()).add(label)
    keep, seen, duplicates, conflicts = [], set(), 0, 0
    for group in groups:
        if len(labels_of[group]) > 1:
            keep.append(False)
            conflicts += 1
        elif group in seen:
            keep.append(False)
            duplicates += 1
        else:
            keep.append(True)
            seen.add(group)
    return keep, duplicates, conflicts
