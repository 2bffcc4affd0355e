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
# c2pa reports which of its anchor sets a trusted signer chained to: the
# official list goes in as its trust anchors, the interim list as user anchors.
_LIST_BY_ANCHOR_SET = {"system_anchors": OFFICIAL, "user_anchors": INTERIM}


@dataclass(frozen=True)
class TrustLists:
    """PEM certificate lists (and accepted signer key usages) to validate signers against."""

    official_anchors: str = ""
    interim_anchors: str = ""
    interim_allowed: str = ""
    eku_config: str = ""

    def settings(self) -> dict:
        """c2pa settings: these lists, trust checked, and nothing fetched over the network."""
        trust = {
            "trust_anchors": self.official_anchors,
            "user_anchors": self.interim_anchors,
            "allowed_list": self.interim_allowed,
            "trust_config": self.eku_config,
        }
        return {
            "verify": {
                "verify_trust": True,
                "verify_after_reading": True,
                "remote_manifest_fetch": False,
                "ocsp_fetch": False,
            },
            "trust": {key: value for key, value in trust.items() if value.strip()},
            "core": {"allowed_network_hosts": []},
        }


def list_name(anchor_set: object) -> str | None:
    """Which list a trusted signer chained to, from c2pa's validation results."""
    if not isinstance(anchor_set, str) or not anchor_set:
        return None
    return _LIST_BY_ANCHOR_SET.get(anchor_set, INTERIM)


_shipped: TrustLists | None = None
_contexts: dict[tuple[int, TrustLists], object] = {}
_lock = threading.Lock()


def shipped_lists() -> TrustLists:
    """The lists shipped in detector/trust/, read once per process."""
    global _shipped
    if _shipped is None:
        folder = resources.files("detector").joinpath(TRUST_PACKAGE_DIR)
        _shipped = TrustLists(**{
            field: folder.joinpath(name).read_text(encoding="utf-8") if folder.joinpath(name).is_file() else ""
            for field, name in FILES.items()
        })
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
