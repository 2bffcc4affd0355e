"""Fixtures: a tiny synthetic dataset in the Kaggle layout, and a model trained on it."""

from __future__ import annotations

from pathlib import Path

import pytest
from synthetic_data import write_dataset, write_modern


@pytest.fixture(scope="session")
def tiny_dataset(tmp_path_factory) -> Path:
    """A few dozen synthetic thumbnails in the Kaggle layout, and larger pictures in modern/ (never real data)."""
    root = write_dataset(tmp_path_factory.mktemp("cifake"))
    write_modern(root / "modern")
    return root


@pytest.fixture(scope="session")
def trained(tiny_dataset, tmp_path_factory):
    """Output folder of one epoch of train.py on the tiny dataset."""
    import train

    out = tmp_path_factory.mktemp("trained")
    status = train.main(
        [
            "--data-dir",
            str(tiny_dataset),
            "--epochs",
            "1",
            "--batch-size",
            "16",
            "--out",
            str(out / "model" / "classifier.h5"),
            "--run-dir",
            str(out / "run"),
            "--history-out",
            str(out / "performance" / "history.csv"),
        ]
    )
    assert status == 0
    return out
