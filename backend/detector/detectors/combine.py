"""Stacking detectors that were measured on the same pictures: a logistic regression on their logits.

Fitted across held-out sources like everything else: each source's stacked
scores come from a fit on the other sources, and those held-out scores are
measured as a detector of their own. Whether the combination then leads is the
verdict's rule (verdict.lead_order): only where it beats the best single
detector's mean per-source ROC-AUC by a clear margin. Pure NumPy.
"""

from __future__ import annotations

import numpy as np

from .. import heldout
from .measure import measure_scores

COMBINED = "combined"
# L2 penalty on the standardised weights (scikit-learn's C = 1).
PENALTY = 1.0
NEWTON_STEPS = 50


def fit_logistic(features: np.ndarray, labels: np.ndarray, penalty: float = PENALTY) -> tuple[np.ndarray, float]:
    """Weights and bias of an L2-regularised logistic regression (Newton's method on standardised features)."""
    x = np.asarray(features, dtype=np.float64)
    y = np.asarray(labels, dtype=np.float64)
    mean, scale = x.mean(axis=0), x.std(axis=0)
    scale[scale == 0] = 1.0
    z = np.column_stack([(x - mean) / scale, np.ones(len(x))])
    weights = np.zeros(z.shape[1])
    ridge = np.full(z.shape[1], penalty)
    ridge[-1] = 0.0  # the bias is not penalised
    for _ in range(NEWTON_STEPS):
        p = 1 / (1 + np.exp(-(z @ weights)))
        gradient = z.T @ (p - y) + ridge * weights
        hessian = (z * (p * (1 - p))[:, None]).T @ z + np.diag(ridge) + 1e-9 * np.eye(z.shape[1])
        step = np.linalg.solve(hessian, gradient)
        weights -= step
        if np.max(np.abs(step)) < 1e-10:
            break
    slopes = weights[:-1] / scale
    return slopes, float(weights[-1] - slopes @ mean)


def aligned(measurements: list[dict]) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray] | None:
    """The detectors' logits side by side, one row per picture, with labels, sources and kinds; None unless all
    were measured on the same pictures."""
    if len(measurements) < 2 or len({m["fingerprint"] for m in measurements}) != 1:
        return None
    first = measurements[0]["scores"]
    order = np.argsort(first["digest"], kind="mergesort")
    columns = []
    for m in measurements:
        scores = m["scores"]
        by_digest = np.argsort(scores["digest"], kind="mergesort")
        if [scores["digest"][i] for i in by_digest] != [first["digest"][i] for i in order]:
            return None
        columns.append(np.asarray(scores["logit"], dtype=np.float64)[by_digest])
    pick = np.asarray(order)
    return (
        np.column_stack(columns),
        np.asarray(first["label"])[pick],
        np.asarray(first["source"])[pick],
        np.asarray(first["kind"])[pick],
    )


def combine(measurements: list[dict]) -> dict | None:
    """The measurement of the stacked detectors (with the weights fitted on every picture), or None when the
    detectors were not all measured on the same pictures."""
    rows = aligned(measurements)
    if rows is None:
        return None
    logits, labels, sources, kinds = rows
    if len(set(sources.tolist())) < 2 or len(set(labels.tolist())) < 2:
        return None
    held_out = np.empty(len(labels))
    for _, held in heldout.leave_one_source_out(sources):
        if len(set(labels[~held].tolist())) < 2:
            held_out[held] = 0.0  # nothing to fit on: no opinion
            continue
        slopes, bias = fit_logistic(logits[~held], labels[~held])
        held_out[held] = logits[held] @ slopes + bias
    figures = measure_scores(1 / (1 + np.exp(-held_out)), labels, sources, kinds)
    slopes, bias = fit_logistic(logits, labels)
    names = [m["detector"] for m in measurements]
    return {
        "detector": COMBINED,
        "combines": names,
        **figures,
        "weights": dict(zip(names, slopes.round(6).tolist(), strict=True)),
        "bias": round(bias, 6),
        "fingerprint": measurements[0]["fingerprint"],
    }


def combined_logit(weights: dict[str, float], bias: float, logits: dict[str, float]) -> float:
    """The stacked logit of P(REAL) for one picture from its members' logits."""
    return float(bias + sum(weight * logits[name] for name, weight in weights.items()))
