"""The native-resolution data builder, on a tiny git repository each test session builds itself."""

from __future__ import annotations

import csv
import gzip
import io
import json
import subprocess
import zipfile
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from sources import build, catalogue, dedup, folds, pictures

COLUMNS = ["tag", "repo", "commit", "glob", "exclude", "history", "label", "image_files_at_commit",
           "generators", "licence", "split", "notes"]  # fmt: skip


def picture_bytes(seed: int, size=(200, 160), fmt="PNG", quality=90) -> bytes:
    """A distinct noisy picture (its own pHash) in the given format."""
    rng = np.random.default_rng(seed)
    coarse = rng.integers(0, 256, (8, 8, 3)).astype(np.uint8)
    pixels = np.asarray(Image.fromarray(coarse).resize(size, Image.Resampling.BICUBIC))
    pixels = np.clip(pixels + rng.normal(0, 4, pixels.shape), 0, 255).astype(np.uint8)
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, format=fmt, **({"quality": quality} if fmt == "JPEG" else {}))
    return buffer.getvalue()


def git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(repo), *args], capture_output=True, text=True, check=True).stdout.strip()


@pytest.fixture(scope="module")
def source_repo(tmp_path_factory) -> tuple[Path, str]:
    """owner+name/: a work tree whose history has real/ and fake/ pictures, with every trap the builder handles."""
    mirrors = tmp_path_factory.mktemp("mirrors")
    repo = mirrors / "owner+name"
    repo.mkdir()
    git(repo, "init", "-q")
    git(repo, "config", "user.email", "t@example.org")
    git(repo, "config", "user.name", "t")
    files = {
        **{f"real/r{i}.jpg": picture_bytes(i, fmt="JPEG") for i in range(6)},
        **{f"fake/f{i}.png": picture_bytes(100 + i) for i in range(6)},
        "fake/renamed.jpg": picture_bytes(200),  # PNG bytes under a .jpg name: opened by content
        "fake/same_as_real.png": picture_bytes(0, fmt="JPEG"),  # the bytes of real/r0.jpg: label conflict
        "real/r1_copy.jpg": picture_bytes(1, fmt="JPEG", quality=70),  # near-duplicate of r1, same label
        "real/tiny.png": picture_bytes(7, size=(100, 90)),  # shorter side < 128
        "real/broken.jpg": b"not a picture",
        "fake/skip/f9.png": picture_bytes(109),  # excluded by the rule
    }
    for path, data in files.items():
        (repo / path).parent.mkdir(parents=True, exist_ok=True)
        (repo / path).write_bytes(data)
    (repo / "real" / "old.png").write_bytes(picture_bytes(300))
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "first")
    git(repo, "rm", "-q", "real/old.png")  # only a rule reading all history finds it
    git(repo, "commit", "-qm", "second")
    return mirrors, git(repo, "rev-parse", "HEAD")


def write_sources(path: Path, commit: str, history: str = "all") -> Path:
    with open(path, "w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=COLUMNS)
        writer.writeheader()
        common = {"repo": "owner/name", "commit": commit, "history": history, "licence": "", "notes": ""}
        writer.writerow({**common, "tag": "alpha", "glob": "real/*", "exclude": "", "label": "REAL",
                         "image_files_at_commit": 9, "generators": "", "split": "train"})  # fmt: skip
        writer.writerow({**common, "tag": "alpha", "glob": "fake/**", "exclude": "fake/skip/*", "label": "FAKE",
                         "image_files_at_commit": 9, "generators": "SomeGAN", "split": "train"})  # fmt: skip
    return path


def read_manifest(dest: Path) -> list[dict]:
    with gzip.open(dest / "manifest.csv.gz", "rt") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture(scope="module")
def built(source_repo, tmp_path_factory) -> Path:
    mirrors, commit = source_repo
    folder = tmp_path_factory.mktemp("built")
    sources = write_sources(folder / "sources.csv", commit)
    args = ["--sources", str(sources), "--mirrors", str(mirrors), "--dest", str(folder / "out"), "--folds", "1"]
    assert build.main([*args, "--crop-size", "64", "--crops", "3", "--grid", "2x2"]) == 0
    return folder / "out"


def test_manifest_lists_each_usable_picture_once_with_its_facts(built):
    rows = read_manifest(built)
    paths = {row["path"]: row for row in rows}
    # r0 and same_as_real share bytes across labels: both gone; r1_copy is a near-duplicate of r1.
    assert "real/r0.jpg" not in paths and "fake/same_as_real.png" not in paths
    assert ("real/r1.jpg" in paths) != ("real/r1_copy.jpg" in paths)
    assert "real/tiny.png" not in paths and "real/broken.jpg" not in paths and "fake/skip/f9.png" not in paths
    assert "real/old.png" in paths  # found in history
    assert paths["fake/renamed.jpg"]["orig_format"] == "PNG"
    assert paths["real/r2.jpg"]["orig_format"] == "JPEG" and paths["real/r2.jpg"]["jpeg_quality"] == "90"
    assert paths["real/r2.jpg"]["orig_width"] == "200" and paths["real/r2.jpg"]["orig_height"] == "160"
    assert {row["label"] for row in rows if row["path"].startswith("fake/")} == {"FAKE"}
    assert paths["fake/f1.png"]["generator"] == "SomeGAN" and paths["real/r2.jpg"]["generator"] == ""
    assert len(rows) == 5 + 1 + 6 + 1  # real r1..r5 less one duplicate, old, fake f0..f5, renamed


def test_crops_grid_and_shrunk_pictures_line_up_with_the_manifest(built):
    rows = read_manifest(built)
    crops, grid = np.load(built / "crops.npy"), np.load(built / "grid.npy")
    assert crops.shape == (len(rows), 3, 64, 64, 3) and grid.shape == (len(rows), 4, 64, 64, 3)
    with zipfile.ZipFile(built / "modern-images.zip") as archive:
        names = set(archive.namelist())
        first = Image.open(io.BytesIO(archive.read(rows[0]["file"])))
        assert max(first.size) <= 256
    assert {row["file"] for row in rows} == names
    report = json.loads((built / "build_report.json").read_text())
    assert report["pictures"] == len(rows)
    assert any("conflict" in reason for reason in report["dropped"])


def test_a_clone_gives_the_same_data_set_as_a_mirror(source_repo, built, tmp_path):
    mirrors, commit = source_repo
    sources = write_sources(tmp_path / "sources.csv", commit)
    dest = tmp_path / "out"
    args = ["--sources", str(sources), "--clone-into", str(tmp_path / "git"), "--url-base", str(mirrors)]
    # --url-base + owner/name.git: make the local repository reachable under that name.
    (mirrors / "owner").mkdir(exist_ok=True)
    if not (mirrors / "owner" / "name.git").exists():
        (mirrors / "owner" / "name.git").symlink_to(mirrors / "owner+name")
    assert (
        build.main([*args, "--dest", str(dest), "--folds", "1", "--crop-size", "64", "--crops", "3", "--grid", "2x2"])
        == 0
    )
    assert [row["sha1_original"] for row in read_manifest(dest)] == [
        row["sha1_original"] for row in read_manifest(built)
    ]
    assert np.array_equal(np.load(dest / "crops.npy"), np.load(built / "crops.npy"))


def test_commit_rules_ignore_deleted_files(source_repo, tmp_path):
    mirrors, commit = source_repo
    sources = write_sources(tmp_path / "sources.csv", commit, history="commit")
    build.main(["--sources", str(sources), "--mirrors", str(mirrors), "--dest", str(tmp_path / "out"), "--folds", "1"])
    assert "real/old.png" not in {row["path"] for row in read_manifest(tmp_path / "out")}


def test_a_missing_repository_is_a_clear_error(tmp_path):
    from detector.cli.base import UserError

    sources = write_sources(tmp_path / "sources.csv", "0" * 40)
    with pytest.raises(UserError, match="owner/name"):
        build.main(["--sources", str(sources), "--mirrors", str(tmp_path), "--dest", str(tmp_path / "out")])


@pytest.mark.parametrize(
    ("pattern", "path", "expected"),
    [
        ("real/*", "real/a.jpg", True),
        ("real/*", "real/sub/a.jpg", False),
        ("jpg/**", "jpg/a/b/c.jpg", True),
        ("public/images/{realistic,nature}/ai/*", "public/images/nature/ai/x.png", True),
        ("public/images/{realistic,nature}/ai/*", "public/images/painting/ai/x.png", False),
        ("data/*_HR.png", "data/img_001_SRF_2_HR.png", True),
    ],
)
def test_rule_globs_follow_the_documented_wildcards(pattern, path, expected):
    rule = catalogue.Rule("t", "o/n", "c", pattern, (), False, "REAL", 0, "", "train")
    assert rule.matches(path) is expected


def test_the_projects_source_list_parses_and_names_every_rule_once():
    rules = catalogue.read_rules(Path(__file__).resolve().parents[2] / "dataset" / "sources.csv")
    assert len({(rule.tag, rule.label, rule.glob) for rule in rules}) == len(rules) >= 40
    assert {rule.split for rule in rules} == {"train", "val"}


@pytest.mark.parametrize("quality", [30, 60, 85, 95, 100])
def test_jpeg_quality_is_read_back_from_the_quantisation_table(quality):
    data = picture_bytes(1, fmt="JPEG", quality=quality)
    assert abs(pictures.open_picture(data).jpeg_quality - quality) <= 1


def test_pictures_are_opened_by_content_and_oriented():
    image = Image.fromarray(np.zeros((150, 300, 3), dtype=np.uint8))
    exif = image.getexif()
    exif[0x0112] = 6  # rotate 90 degrees when shown
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", exif=exif)
    picture = pictures.open_picture(buffer.getvalue())
    assert (picture.width, picture.height) == (150, 300)
    with pytest.raises(pictures.Unusable, match="aspect"):
        pictures.open_picture(picture_bytes(1, size=(1000, 200)))


def test_grid_crops_cover_the_corners():
    pixels = np.arange(300 * 200 * 3, dtype=np.uint32).reshape(200, 300, 3).astype(np.uint8)
    grid = pictures.grid_crops(pixels, 2, 3, 64)
    assert np.array_equal(grid[0], pixels[:64, :64]) and np.array_equal(grid[-1], pixels[-64:, -64:])


def test_near_duplicates_chain_into_groups_and_conflicting_groups_are_dropped():
    hashes = [0b0, 0b11, 0b1111, 0xFFFF_0000, 0xFFFF_0001]
    groups = dedup.near_duplicate_groups(hashes, max_bits=2)
    assert groups[0] == groups[1] == groups[2] and groups[3] == groups[4] != groups[0]
    reasons = dedup.drop_reasons(groups, ["REAL", "REAL", "REAL", "REAL", "FAKE"])
    assert reasons == [None, dedup.DUPLICATE, dedup.DUPLICATE, dedup.CONFLICT, dedup.CONFLICT]


def test_folds_hold_every_source_out_once_and_balance_sizes():
    sources = ["a"] * 50 + ["b"] * 40 + ["c"] * 30 + ["d"] * 20 + ["e"] * 10 + ["f"] * 10
    fold_of = folds.assign_folds(sources, 3)
    assert set(fold_of) == set(sources) and set(fold_of.values()) == {0, 1, 2}
    totals = [sum(sources.count(s) for s, f in fold_of.items() if f == k) for k in range(3)]
    assert max(totals) - min(totals) <= 10
    with pytest.raises(ValueError):
        folds.assign_folds(["a", "b"], 3)
