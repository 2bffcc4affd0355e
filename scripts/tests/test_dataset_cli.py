"""dataset.py and training.cifake: fills the Kaggle layout from zips or folders, idempotently, and checks counts."""

from __future__ import annotations

import zipfile

import pytest
from synthetic_data import write_dataset
from training import cifake
from training.common import UserError

import dataset


@pytest.fixture
def source_zips(tmp_path):
    """cifake-train.zip and cifake-test.zip in the Kaggle layout, made from synthetic images."""
    tree = write_dataset(tmp_path / "tree", per_class=3)
    folder = tmp_path / "zips"
    folder.mkdir()
    for split in ("train", "test"):
        with zipfile.ZipFile(folder / f"cifake-{split}.zip", "w") as archive:
            for path in sorted((tree / split).rglob("*.jpg")):
                archive.write(path, path.relative_to(tree))
            archive.writestr(f"{split}/README.txt", "not an image, ignored")
    return folder


def test_fills_from_zips_and_is_idempotent(source_zips, tmp_path, capsys):
    dest = tmp_path / "dataset"
    assert dataset.main(["--source", str(source_zips), "--dest", str(dest), "--allow-partial"]) == 0
    assert "12 file(s) written" in capsys.readouterr().out
    assert sorted(p.name for p in (dest / "train" / "REAL").iterdir()) == ["0.jpg", "1.jpg", "2.jpg"]
    assert not (dest / "train" / "README.txt").exists()
    assert dataset.main(["--source", str(source_zips), "--dest", str(dest), "--allow-partial"]) == 0
    assert "0 file(s) written" in capsys.readouterr().out


def test_fills_from_an_unpacked_folder(tmp_path):
    tree = write_dataset(tmp_path / "tree", per_class=2)
    dest = tmp_path / "dataset"
    assert dataset.main(["--source", str(tree), "--dest", str(dest), "--allow-partial"]) == 0
    assert cifake.count_images(dest)[("test", "FAKE")] == 2


def test_counts_must_match_a_release_unless_partial_is_allowed(source_zips, tmp_path):
    with pytest.raises(UserError, match="match no known CIFAKE release"):
        dataset.main(["--source", str(source_zips), "--dest", str(tmp_path / "dataset")])


def test_known_release_counts_are_recognised():
    counts = dict(cifake.KNOWN_COUNTS["de-duplicated"])
    assert cifake.check_counts(counts, allow_partial=False) == "de-duplicated"
    counts[("test", "FAKE")] = 0
    with pytest.raises(UserError, match="no images in test/FAKE"):
        cifake.check_counts(counts, allow_partial=True)


def test_source_without_the_layout_is_refused(tmp_path):
    (tmp_path / "photos").mkdir()
    with pytest.raises(UserError, match="Kaggle layout"):
        dataset.main(["--source", str(tmp_path / "photos"), "--dest", str(tmp_path / "dataset")])


def test_kaggle_failure_is_explained(monkeypatch, tmp_path):
    kagglehub = pytest.importorskip("kagglehub")

    def offline(handle):
        raise ConnectionError("network unreachable")

    monkeypatch.setattr(kagglehub, "dataset_download", offline)
    with pytest.raises(UserError, match="KAGGLE_USERNAME .* --source"):
        dataset.main(["--kaggle", "--dest", str(tmp_path / "dataset")])
