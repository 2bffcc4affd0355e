"""Files of a git repository at a pinned commit (or in its history), read straight from git objects.

Works on any local git directory: a bare mirror, a clone's `.git`, or a clone made here with
`git clone --bare`. Nothing is checked out, so a repository's files are never unpacked on disk.
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterable, Iterator
from pathlib import Path

# Extensions worth opening; files are still opened by content, so a PNG named .jpg is read as PNG.
IMAGE_EXTENSIONS = (".jpg", ".jpeg", ".png", ".webp", ".gif", ".bmp", ".tif", ".tiff", ".avif", ".heic", ".mpo")


class RepositoryMissing(Exception):
    """No local copy of a repository has the pinned commit, and none could be cloned."""


def _git(git_dir: Path, *args: str, data: bytes | None = None) -> bytes:
    return subprocess.run(["git", f"--git-dir={git_dir}", *args], input=data, capture_output=True, check=True).stdout


def has_commit(git_dir: Path, commit: str) -> bool:
    """Whether git_dir is a git directory holding this commit."""
    try:
        _git(git_dir, "cat-file", "-e", f"{commit}^{{commit}}")
    except (subprocess.CalledProcessError, FileNotFoundError, NotADirectoryError):
        return False
    return True


def candidate_dirs(mirrors: Path, repo: str) -> list[Path]:
    """Where a folder of mirrors may keep owner/name: owner+name/repo, owner+name, owner/name, name (and .git)."""
    owner, name = repo.split("/")
    folders = [
        mirrors / f"{owner}+{name}" / "repo",
        mirrors / f"{owner}+{name}",
        mirrors / owner / name,
        mirrors / name,
    ]
    return [path for folder in folders for path in (folder, folder / ".git", folder.with_name(folder.name + ".git"))]


def locate(repo: str, commit: str, mirrors: Path | None, clone_into: Path | None, url_base: str) -> Path:
    """A git directory holding commit: a local mirror if one has it, else a bare clone made in clone_into."""
    for path in candidate_dirs(mirrors, repo) if mirrors else []:
        if has_commit(path, commit):
            return path
    if clone_into is None:
        raise RepositoryMissing(f"no git directory under {mirrors} holds {repo} at {commit[:12]}; pass --clone-into")
    target = clone_into / repo.replace("/", "+")
    if not has_commit(target, commit):
        subprocess.run(["git", "clone", "--quiet", "--bare", f"{url_base}/{repo}.git", str(target)], check=True)
        if not has_commit(target, commit):
            raise RepositoryMissing(f"{url_base}/{repo} has no commit {commit}")
    return target


def tree_files(git_dir: Path, commit: str, all_history: bool) -> Iterator[tuple[str, str]]:
    """(path, blob id) of every image-named file in commit's tree, or in every tree of its history."""
    commits = _git(git_dir, "rev-list", commit).decode().split() if all_history else [commit]
    seen: set[tuple[str, str]] = set()
    for each in commits:
        for entry in _git(git_dir, "ls-tree", "-r", "-z", each).split(b"\0"):
            if not entry:
                continue
            info, path = entry.decode("utf-8", "surrogateescape").split("\t", 1)
            _mode, kind, blob = info.split()
            if kind == "blob" and path.lower().endswith(IMAGE_EXTENSIONS) and (path, blob) not in seen:
                seen.add((path, blob))
                yield path, blob


def read_blobs(git_dir: Path, blobs: Iterable[str]) -> Iterator[tuple[str, bytes | None]]:
    """(blob id, bytes) for each id, or None for a blob the repository lacks (a mirror may skip large files)."""
    process = subprocess.Popen(
        ["git", f"--git-dir={git_dir}", "cat-file", "--batch"], stdin=subprocess.PIPE, stdout=subprocess.PIPE
    )
    try:
        for blob in blobs:
            process.stdin.write(f"{blob}\n".encode())
            process.stdin.flush()
            header = process.stdout.readline().decode().split()
            if len(header) != 3:  # "<id> missing"
                yield blob, None
                continue
            data = process.stdout.read(int(header[2]))
            process.stdout.read(1)  # the newline after each object
            yield blob, data
    finally:
        process.stdin.close()
        process.wait()
