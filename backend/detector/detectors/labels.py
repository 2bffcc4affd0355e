"""Which of a detector's output labels means AI-generated and which means a real photograph.

A Hugging Face classifier names its outputs in config.json's `id2label`
({"0": "artificial", "1": "human"}); a Keras detector names them in its
manifest. Each label is read against two small vocabularies, word by word and
case-insensitively. Every label must then fall on exactly one side, and both
sides must be present; otherwise the folder must say which label is which in
detector.json (`"ai_labels"` and, optionally, `"real_labels"`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

AI_WORDS = frozenset({"fake", "ai", "artificial", "generated", "synthetic", "deepfake"})
REAL_WORDS = frozenset({"real", "human", "authentic", "natural", "photo"})
MANIFEST = "detector.json"


class LabelError(ValueError):
    """The labels do not say which output means AI-generated."""


@dataclass(frozen=True)
class LabelSides:
    """Output indices that mean AI-generated and those that mean a real photograph."""

    ai: tuple[int, ...]
    real: tuple[int, ...]
    names: tuple[str, ...]

    def describe(self) -> str:
        """The reading in words, e.g. "REAL = 'human'; AI-generated = 'artificial'"."""
        real = ", ".join(repr(self.names[i]) for i in self.real)
        ai = ", ".join(repr(self.names[i]) for i in self.ai)
        return f"real = {real}; AI-generated = {ai}"


def words(label: str) -> set[str]:
    """The lower-case words of a label, a plural s dropped ("AI_Images" -> {"ai", "image"})."""
    split = re.sub(r"([a-z])([A-Z])", r"\1 \2", label).lower()
    return {word[:-1] if len(word) > 3 and word.endswith("s") else word for word in re.findall(r"[a-z0-9]+", split)}


def side_of(label: str) -> str | None:
    """'ai', 'real', or None when the label's words name neither side or both."""
    found = words(label)
    ai, real = bool(found & AI_WORDS), bool(found & REAL_WORDS)
    if ai == real:
        return None
    return "ai" if ai else "real"


def resolve(names: list[str], ai_labels: list[str] | None = None, real_labels: list[str] | None = None) -> LabelSides:
    """Split the output labels (in output order) into the AI and the real side, or LabelError saying what to name."""
    names = [str(name) for name in names]
    if len(names) < 2:
        raise LabelError(f"the model names {len(names)} output label(s) {names}; a detector needs at least two")
    if ai_labels or real_labels:
        return _named(names, ai_labels or [], real_labels or [])
    sides = [side_of(name) for name in names]
    ai = tuple(i for i, side in enumerate(sides) if side == "ai")
    real = tuple(i for i, side in enumerate(sides) if side == "real")
    if len(ai) + len(real) != len(names) or not ai or not real:
        unclear = [name for name, side in zip(names, sides, strict=True) if side is None] or names
        raise LabelError(
            f"cannot tell which of the labels {names} means AI-generated (unclear: {unclear}); "
            f'name it in {MANIFEST} beside the model, e.g. {{"ai_labels": ["{unclear[0]}"]}}'
        )
    return LabelSides(ai, real, tuple(names))


def _named(names: list[str], ai_labels: list[str], real_labels: list[str]) -> LabelSides:
    """The sides as the manifest names them; unnamed labels fall on the other side of those named."""
    unknown = [label for label in [*ai_labels, *real_labels] if label not in names]
    if unknown:
        raise LabelError(f"{MANIFEST} names labels {unknown} that the model does not have (it has {names})")
    if set(ai_labels) & set(real_labels):
        raise LabelError(f"{MANIFEST} puts {sorted(set(ai_labels) & set(real_labels))} on both sides")
    ai = [i for i, name in enumerate(names) if name in ai_labels]
    real = [i for i, name in enumerate(names) if name in real_labels]
    if not ai:
        ai = [i for i in range(len(names)) if i not in real]
    if not real:
        real = [i for i in range(len(names)) if i not in ai]
    if not ai or not real:
        raise LabelError(f"{MANIFEST} leaves no label on one side (labels {names})")
    return LabelSides(tuple(ai), tuple(real), tuple(names))
