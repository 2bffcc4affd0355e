"""Cross-validation by source: every source is held out, whole, in exactly one fold."""

from __future__ import annotations

from collections import Counter


def assign_folds(sources: list[str], folds: int) -> dict[str, int]:
    """Fold of each source: largest sources first, each to the fold with fewest pictures so far (deterministic)."""
    sizes = Counter(sources)
    if len(sizes) < folds:
        raise ValueError(f"{folds} folds need at least {folds} sources; there are {len(sizes)}")
    totals = [0] * folds
    fold_of = {}
    for source, size in sorted(sizes.items(), key=lambda item: (-item[1], item[0])):
        fold = min(range(folds), key=lambda index: (totals[index], index))
        fold_of[source] = fold
        totals[fold] += size
    return fold_of
