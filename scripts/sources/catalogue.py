"""The source list: which files of which repository, at which commit, carry which label."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from wcmatch import glob

# `*` stays inside one folder, `**` crosses folders, `{a,b}` picks one of several names.
GLOB_FLAGS = glob.GLOBSTAR | glob.BRACE | glob.DOTMATCH
LABELS = ("REAL", "FAKE")
SPLITS = ("train", "val")


@dataclass(frozen=True)
class Rule:
    """Files of one repository whose path matches `glob` (and no `exclude` glob) carry `label`."""

    tag: str
    repo: str
    commit: str
    glob: str
    exclude: tuple[str, ...]
    all_history: bool
    label: str
    expected_files: int
    generators: str
    split: str

    def matches(self, path: str) -> bool:
        """Whether the rule labels the file at this repository path."""
        if not glob.globmatch(path, self.glob, flags=GLOB_FLAGS):
            return False
        return not any(glob.globmatch(path, pattern, flags=GLOB_FLAGS) for pattern in self.exclude)


def read_rules(path: Path) -> list[Rule]:
    """The rules of a sources.csv, checked: a bad row is refused with its line number."""
    rules = []
    with open(path, newline="", encoding="utf-8") as handle:
        for line, row in enumerate(csv.DictReader(handle), start=2):
            if row["label"] not in LABELS or row["split"] not in SPLITS:
                raise ValueError(f"{path}:{line}: label must be one of {LABELS} and split one of {SPLITS}")
            if row["history"] not in ("commit", "all"):
                raise ValueError(f"{path}:{line}: history must be 'commit' or 'all'")
            rules.append(
                Rule(
                    tag=row["tag"],
                    repo=row["repo"],
                    commit=row["commit"],
                    glob=row["glob"],
                    exclude=tuple(pattern for pattern in row["exclude"].split("|") if pattern),
                    all_history=row["history"] == "all",
                    label=row["label"],
                    expected_files=int(row["image_files_at_commit"] or 0),
                    generators=row["generators"],
                    split=row["split"],
                )
            )
    return rules
