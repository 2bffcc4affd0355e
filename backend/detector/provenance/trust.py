"""The certificate lists that decide whether Content Credentials are trusted.

The lists ship inside the package (detector/trust/, refreshed by
scripts/refresh_trust_lists.py). Parsing them into a c2pa Context costs a few
milliseconds, so each process builds one Context per set of lists, on first
use, and every request after that reuses it. Contexts are not shared across
fork(): a forked gunicorn worker builds its own.
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass
from importlib import resources

OFFICIAL = "C2PA trust list"
INTERIM = "C2PA interim trust list (legacy)"

TRUST_PACKAGE_DIR = "trust"
FILES = {
    "official_anchors": "C2PA-TRUST-LIST.pem",
    "interim_anchors": "interim-anchors.pem",
    "interim_allowed": "interim-allowed.pem",
    "eku_config": "interim-store.cfg",
}
# Each list goes to c2pa as one named anchor set; c2pa reports the name of the
# set a trusted signer chained to (`trustListUri`), and an empty name when the
# signer's own certificate is on an allowed list, which only the interim list has.
_ALLOWED_LIST_HIT = ""


@dataclass(frozen=True)
class TrustLists:
    """PEM certificate lists (and accepted signer key usages) to validate signers against."""

    official_anchors: str = ""
    interim_anchors: str = ""
    interim_allowed: str = ""
    eku_config: str = ""

    def settings(self) -> dict:
        """c2pa settings: these lists, trust checked, and nothing fetched over the network.

        The time-stamp authority list is not passed: c2pa 0.91 would also accept
        claim signers that chain to an anchor set of kind "tsa".
        """
        anchors = []
        if self.official_anchors.strip():
            anchors.append({"trust_uri": OFFICIAL, "trust_kind": "manifest", "trust_anchors": self.official_anchors})
        if self.interim_anchors.strip() or self.interim_allowed.strip():
            interim = {"trust_uri": INTERIM, "trust_kind": "manifest", "trust_anchors": self.interim_anchors}
            if self.interim_allowed.strip():
                interim["allowed_list"] = self.interim_allowed
            if self.eku_config.strip():
                interim["trust_config"] = self.eku_config
            anchors.append(interim)
        return {
            "verify": {
                "verify_trust": True,
                "verify_after_reading": True,
                "remote_manifest_fetch": False,
                "ocsp_fetch": False,
            },
            "trust": {"anchors": anchors},
            "core": {"allowed_network_hosts": []},
        }


def list_name(anchor_set: object) -> str | None:
    """Which list a trusted signer chained to, from c2pa's validation results (`trustListUri`)."""
    if anchor_set == _ALLOWED_LIST_HIT:
        return INTERIM
    return anchor_set if anchor_set in (OFFICIAL, INTERIM) else None


_shipped: TrustLists | None = None
_contexts: dict[tuple[int, TrustLists], object] = {}
_lock = threading.Lock()


def shipped_lists() -> TrustLists:
    """The lists shipped in detector/trust/, read once per process."""
    global _shipped
    if _shipped is None:
        folder = resources.files("detector").joinpath(TRUST_PACKAGE_DIR)
        _shipped = TrustLists(
            **{
                field: folder.joinpath(name).read_text(encoding="utf-8") if folder.joinpath(name).is_file() else ""
                for field, name in FILES.items()
            }
        )
    return _shipped


def context_for(lists: TrustLists | None = None):
    """The c2pa Context for lists (default: the shipped ones), built once per process."""
    import c2pa

    lists = lists or shipped_lists()
    key = (os.getpid(), lists)
    context = _contexts.get(key)
    if context is None:
        with _lock:
            context = _contexts.get(key)
            if context is None:
                context = c2pa.Context.from_dict(lists.settings())
                _contexts[key] = context
    return context
