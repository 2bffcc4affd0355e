"""How a pixel model is judged: on whole sources it never trained on, per source, against a shortcut.

Two splits of the same built data set: grouped cross-validation (every source held out, whole, in
exactly one fold) and the fixed `val` split (the sources the modern set holds out). A model's score
is the logit of P(REAL); per held-out source it gets a ROC-AUC (sources with one label get only the
share it puts on the right side of 0). The shortcut baseline is a logistic regression on what a
file's container says (size, aspect, format, file size, bits per pixel, JPEG quality): a pixel model
that does not clearly beat it on the same folds, or whose per-source results flip, is not evidence.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

# The per-source judgement is the product's own (`detector models measure` uses it too).
from detector.heldout import per_source, summarise  # noqa: F401 - part of this module's interface

FORMATS = ("JPEG", "PNG", "WEBP")


def units(folds: np.ndarray, splits: np.ndarray) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """(train, held-out) picture indices of each evaluation unit: 'fold0'... and 'val'."""
    everything = np.arange(len(folds))
    result = {f"fold{k}": (everything[folds != k], everything[folds == k]) for k in sorted(set(folds.tolist()))}
    result["val"] = (everything[splits == "train"], everything[splits == "val"])
    return result


def evaluate(
    unit_scores: Callable[[str, np.ndarray, np.ndarray], np.ndarray],
    folds: np.ndarray,
    splits: np.ndarray,
    sources: np.ndarray,
    labels: np.ndarray,
    only: list[str] | None = None,
) -> dict:
    """Scores every unit (training on its train indices) and summarises grouped CV and the fixed split.

    unit_scores(name, train_indices, held_out_indices) returns held-out logits of P(REAL).
    """
    fold_scores = np.full(len(labels), np.nan)
    result: dict = {}
    for name, (train, held_out) in units(folds, splits).items():
        if only and name not in only:
            continue
        scores = unit_scores(name, train, held_out)
        if name == "val":
            result["val"] = summarise(sources[held_out], labels[held_out], scores)
        else:
            fold_scores[held_out] = scores
            result.setdefault("folds", {})[name] = summarise(sources[held_out], labels[held_out], scores)
    done = ~np.isnan(fold_scores)
    if done.any():
        result["grouped_cv"] = summarise(sources[done], labels[done], fold_scores[done])
        result["grouped_cv"]["complete"] = bool(done.all())
    return result


def container_features(rows: list[dict]) -> np.ndarray:
    """What a file's container gives away without its pixels: the shortcut baseline's inputs."""
    features = []
    for row in rows:
        width, height, size = float(row["orig_width"]), float(row["orig_height"]), float(row["file_size"])
        quality = float(row["jpeg_quality"] or 0)
        features.append(
            [
                np.log(width),
                np.log(height),
                np.log(width / height),
                float(width == height),
                np.log(size),
                np.log(size * 8 / (width * height)),
                quality,
                *(float(row["orig_format"] in (name, "MPO" if name == "JPEG" else name)) for name in FORMATS),
            ]
        )
    return np.asarray(features)


def logistic_scores(
    features: np.ndarray,
    labels: np.ndarray,
    train: np.ndarray,
    held_out: np.ndarray,
    weights: np.ndarray | None = None,
    strength: float = 1.0,
) -> np.ndarray:
    """Held-out logits of a logistic regression on standardised features, weighted per row or class-balanced.

    strength is scikit-learn's C: smaller regularises more.
    """
    balanced = "balanced" if weights is None else None
    model = make_pipeline(StandardScaler(), LogisticRegression(C=strength, class_weight=balanced, max_iter=2000))
    model.fit(features[train], labels[train], logisticregression__sample_weight=weights)
    return model.decision_function(features[held_out])


def shortcut_scores(features: np.ndarray, labels: np.ndarray, train: np.ndarray, held_out: np.ndarray) -> np.ndarray:
    """Held-out logits of a class-balanced logistic regression on container features."""
    return logistic_scores(features, labels, train, held_out)


def markdown_table(report: dict, unit: str) -> str:
    """Per held-out source ROC-AUC of every attempt in a report, for one unit ('grouped_cv' or 'val')."""
    attempts = [name for name, result in report.items() if unit in result]
    sources = sorted({source for name in attempts for source in report[name][unit]["per_source"]})

    def cell(row: dict | None) -> str:
        if row is None:
            return ""
        return f"{row['auc']:.2f}" if row["auc"] is not None else f"({row['right_side']:.0%} right)"

    lines = [
        "| held-out source | pictures | " + " | ".join(attempts) + " |",
        "| --- | ---: | " + " | ".join("---:" for _ in attempts) + " |",
    ]
    for source in sources:
        rows = [report[name][unit]["per_source"].get(source) for name in attempts]
        count = next(row["pictures"] for row in rows if row)
        lines.append(f"| {source} | {count} | " + " | ".join(cell(row) for row in rows) + " |")
    for key, title in (("mean_source_auc", "**mean of per-source AUCs**"), ("pooled_auc", "pooled AUC")):
        values = [report[name][unit][key] for name in attempts]
        lines.append(f"| {title} | | " + " | ".join(f"{v:.3f}" if v is not None else "" for v in values) + " |")
    return "\n".join(lines)
