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


DUPLICATE = "near-duplicate"
CONFLICT = "near-duplicate, conflicting labels"


def drop_reasons(groups: list[int], labels: list[str]) -> list[str | None]:
    """Why each picture is dropped (None: kept): the first of a group stays, none of a group whose labels disagree."""
    labels_of: dict[int, set[str]] = {}
    for group, label in zip(groups, labels, strict=True):
        labels_of.setdefault(group, set()).add(label)
    reasons, seen = [], set()
    for group in groups:
        if len(labels_of[group]) > 1:
            reasons.append(CONFLICT)
        elif group in seen:
            reasons.append(DUPLICATE)
        else:
            reasons.append(None)
            seen.add(group)
    return reasons
