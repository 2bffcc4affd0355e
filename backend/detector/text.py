"""Make text taken from a file or a request safe to show: bounded, printable, one line."""

from __future__ import annotations

import re

_UNPRINTABLE = re.compile(r"[\x00-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2066-\u2069\ufeff]+")


def clean(value: object, limit: int) -> str | None:
    """value as one printable line of at most limit characters, or None if it is not text or empty."""
    if isinstance(value, bytes):
        value = value[: limit * 4].decode("utf-8", "replace")
    if not isinstance(value, str):
        return None
    text = " ".join(_UNPRINTABLE.sub(" ", value[: limit * 4]).split())
    return excerpt(text, limit) or None


def excerpt(text: str, limit: int) -> str:
    """text cut to at most limit characters, marked with an ellipsis when cut."""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"
