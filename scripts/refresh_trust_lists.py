"""Refresh the Content Credentials trust lists shipped in backend/detector/trust/.

    python scripts/refresh_trust_lists.py                  # download from the lists' public sources
    python scripts/refresh_trust_lists.py --from DIR       # copy from a folder holding the same file names

--official-ref names the commit (or branch) of the official lists to download
and to record; the interim lists are frozen and always come from one commit.

Every file is checked before anything is replaced (each PEM file must hold at
least one X.509 certificate, the key-usage file at least one OID), then all are
written together with sources.json, which records where and when they came
from. Exit status 1 if a file is missing or malformed; nothing is changed then.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import re
import sys
import urllib.request
from pathlib import Path

TRUST_DIR = Path(__file__).resolve().parent.parent / "backend" / "detector" / "trust"
RAW = "https://raw.githubusercontent.com"
OFFICIAL = "official"  # stands for --official-ref: the official lists are maintained on their default branch
# The interim lists are frozen, so they are pinned to the commit the project reviewed.
SOURCES = {
    "C2PA-TRUST-LIST.pem": (
        "c2pa-org/conformance-public",
        OFFICIAL,
        "trust-list/C2PA-TRUST-LIST.pem",
        "the official C2PA trust list: root CAs for claim signing",
    ),
    "C2PA-TSA-TRUST-LIST.pem": (
        "c2pa-org/conformance-public",
        OFFICIAL,
        "trust-list/C2PA-TSA-TRUST-LIST.pem",
        "the official C2PA list of time-stamp authorities",
    ),
    "interim-anchors.pem": (
        "contentauth/verify-site",
        "506f98c31a027a2ebce73bcd9b11573fbd48ca22",
        "static/trust/anchors.pem",
        "the frozen interim trust anchors",
    ),
    "interim-allowed.pem": (
        "contentauth/verify-site",
        "506f98c31a027a2ebce73bcd9b11573fbd48ca22",
        "static/trust/allowed.pem",
        "the frozen interim list of allowed signer certificates",
    ),
    "interim-store.cfg": (
        "contentauth/verify-site",
        "506f98c31a027a2ebce73bcd9b11573fbd48ca22",
        "static/trust/store.cfg",
        "the extended key usages accepted for signers",
    ),
}
MAX_BYTES = 5 * 1024 * 1024
_OID = re.compile(r"^\s*\d+(\.\d+)+\s*$", re.M)


class TrustListError(ValueError):
    """A trust list file is missing or malformed."""


def parse_args(argv=None) -> argparse.Namespace:
    """Command-line options."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--from", dest="source_dir", type=Path, help="copy the files from this folder instead of downloading them"
    )
    parser.add_argument("--dest", type=Path, default=TRUST_DIR, help="folder to refresh (default: %(default)s)")
    parser.add_argument(
        "--official-ref", default="main", help="commit or branch of the official lists (default: %(default)s)"
    )
    parser.add_argument("--timeout", type=float, default=30.0, help="seconds per download")
    return parser.parse_args(argv)


def source_of(name: str, official_ref: str = "main") -> tuple[str, str, str]:
    """Repository, commit or branch, and path of a file."""
    repository, ref, path, _ = SOURCES[name]
    return repository, official_ref if ref == OFFICIAL else ref, path


def url_for(name: str, official_ref: str = "main") -> str:
    """Where a file is downloaded from."""
    repository, ref, path = source_of(name, official_ref)
    return f"{RAW}/{repository}/{ref}/{path}"


def fetch(name: str, source_dir: Path | None, timeout: float, official_ref: str = "main") -> bytes:
    """The new content of one file, from the folder or its public source."""
    if source_dir is not None:
        path = source_dir / name
        if not path.is_file():
            raise TrustListError(f"{path} does not exist")
        return path.read_bytes()[: MAX_BYTES + 1]
    # Only the fixed https URLs above are ever opened.
    with urllib.request.urlopen(url_for(name, official_ref), timeout=timeout) as response:  # noqa: S310
        return response.read(MAX_BYTES + 1)


def check(name: str, content: bytes) -> str:
    """content as text, if it is a plausible file of its kind; TrustListError otherwise."""
    if len(content) > MAX_BYTES:
        raise TrustListError(f"{name} is larger than {MAX_BYTES} bytes")
    try:
        text = content.decode("utf-8")
    except UnicodeDecodeError:
        raise TrustListError(f"{name} is not UTF-8 text") from None
    if name.endswith(".cfg"):
        if not _OID.search(text):
            raise TrustListError(f"{name} lists no extended key usage OIDs")
        return text
    from cryptography import x509

    try:
        certificates = x509.load_pem_x509_certificates(content)
    except ValueError as error:
        raise TrustListError(f"{name} is not a list of PEM certificates ({error})") from None
    if not certificates:
        raise TrustListError(f"{name} holds no certificates")
    return text


def refresh(source_dir: Path | None, dest: Path, timeout: float = 30.0, official_ref: str = "main") -> dict:
    """Fetch and check every file, then write them all and sources.json; return the record written."""
    contents = {name: check(name, fetch(name, source_dir, timeout, official_ref)) for name in SOURCES}
    dest.mkdir(parents=True, exist_ok=True)
    for name, text in contents.items():
        (dest / name).write_text(text, encoding="utf-8")
    record = {
        "refreshed": dt.date.today().isoformat(),
        "method": "copied from a local folder" if source_dir else "downloaded",
        "files": {
            name: dict(
                zip(("repository", "ref", "path"), source_of(name, official_ref), strict=True), what=SOURCES[name][3]
            )
            for name in SOURCES
        },
    }
    (dest / "sources.json").write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
    return record


def main(argv=None) -> int:
    """Refresh the lists and say what was written."""
    args = parse_args(argv)
    try:
        refresh(args.source_dir, args.dest, args.timeout, args.official_ref)
    except (TrustListError, OSError) as error:
        print(f"error: {error}; nothing was changed", file=sys.stderr)
        return 1
    for name in SOURCES:
        print(f"{args.dest / name}\t{(args.dest / name).stat().st_size} bytes")
    print("Restart the service: each worker reads the lists once, at its first credential check.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
