"""How pixel evidence is judged: per source it never saw, never only pooled.

A detector's score is the logit of P(REAL). Pictures are grouped by the
source they came from; each source gets its ROC-AUC (a source with one label
gets instead the share of its pictures on the right side of 0), and the mean
of the per-source AUCs is the figure a detector is ranked by: a pooled AUC can
be high only because one source's pictures differ from another's.

Pure NumPy on purpose: the serving image has no scikit-learn, and the
training scripts' protocol (scripts/forensic/protocol.py) uses these same
functions.
"""

from __future__ import annotations

import numpy as np


def roc_auc(labels: np.ndarray, scores: np.ndarray) -> float | None:
    """ROC-AUC of scores for labels (1 = positive), ties counted half; None unless both labels occur.

    The Mann-Whitney form: the probability that a random positive outscores a
    random negative, from the mid-ranks of all scores.
    """
    labels = np.asarray(labels).astype(bool)
    scores = np.asarray(scores, dtype=np.float64)
    positives = int(labels.sum())
    negatives = len(labels) - positives
    if positives == 0 or negatives == 0:
        return None
    order = np.argsort(scores, kind="mergesort")
    ordered = scores[order]
    # Mid-rank of each run of equal scores (ranks from 1).
    starts = np.flatnonzero(np.r_[True, ordered[1:] != ordered[:-1]])
    ends = np.r_[starts[1:], len(ordered)]
    mid_ranks = np.repeat((starts + ends + 1) / 2.0, ends - starts)
    ranks = np.empty_like(mid_ranks)
    ranks[order] = mid_ranks
    return float((ranks[labels].sum() - positives * (positives + 1) / 2.0) / (positives * negatives))


def per_source(sources: np.ndarray, labels: np.ndarray, scores: np.ndarray, digits: int | None = 4) -> dict[str, dict]:
    """Per source: pictures, REAL ones, ROC-AUC (None for a one-label source), share on the right side of 0.

    Figures are rounded to `digits` places (None: not rounded).
    """
    sources, labels, scores = np.asarray(sources), np.asarray(labels), np.asarray(scores, dtype=np.float64)
    table = {}
    for source in sorted(set(sources.tolist())):
        mask = sources == source
        y, s = labels[mask], scores[mask]
        auc = roc_auc(y, s)
        table[source] = {
            "pictures": int(mask.sum()),
            "real": int(y.sum()),
            "auc": _round(auc, digits),
            "right_side": _round(float(np.mean((s > 0) == (y == 1))), digits),
        }
    return table


def summarise(sources: np.ndarray, labels: np.ndarray, scores: np.ndarray, digits: int | None = 4) -> dict:
    """Per-source table, the mean of the per-source AUCs, and the pooled AUC."""
    table = per_source(sources, labels, scores, digits)
    aucs = [row["auc"] for row in table.values() if row["auc"] is not None]
    return {
        "mean_source_auc": _round(float(np.mean(aucs)), digits) if aucs else None,
        "pooled_auc": _round(roc_auc(labels, scores), digits),
        "per_source": table,
    }


def _round(value: float | None, digits: int | None) -> float | None:
    """value rounded to digits places; None stays None, and digits None leaves it whole."""
    return value if value is None or digits is None else round(value, digits)


def leave_one_source_out(sources: np.ndarray):
    """(source, held-out mask) for each source, in name order: fit on ~mask, judge on mask."""
    sources = np.asarray(sources)
    for source in sorted(set(sources.tolist())):
        yield source, sources == source
