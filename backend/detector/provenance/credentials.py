"""Content Credentials (C2PA): found, validated by the official c2pa library, put in words.

c2pa reads and validates the manifest store; this module only decides whether
to call it (files without a C2PA container are answered without it) and turns
its report into the `content_credentials` finding.
"""

from __future__ import annotations

import io
import json

from .. import chunks
from ..text import clean, excerpt
from . import trust as trust_lists
from .vocabulary import AI_EDITED, AI_GENERATED, CAPTURED, explain_failure, source_type

# Manifests larger than this are not handed to the validator (real ones are a
# few kB to a few hundred kB; the upload limit bounds the rest of the file).
MAX_MANIFEST_BYTES = 4 * 1024 * 1024
MAX_ACTIONS = 20
MAX_FAILURES = 10

# The UUID of a C2PA manifest store's JUMBF description box: the file says it carries credentials.
MANIFEST_STORE = b"jumd" + bytes.fromhex("6332706100110010800000aa00389b71")

DAMAGED = "the manifest is damaged or incomplete"

MIME_TYPES = {
    "JPEG": "image/jpeg",
    "MPO": "image/jpeg",
    "PNG": "image/png",
    "WEBP": "image/webp",
    "TIFF": "image/tiff",
    "GIF": "image/gif",
    # c2pa-python reads and signs manifests in HEIF (HEIC) and AVIF files, as ISO BMFF boxes.
    "HEIF": "image/heif",
    "AVIF": "image/avif",
}
_DECLARATION_ORDER = (AI_GENERATED, AI_EDITED, CAPTURED)


def absent(summary: str = "This file carries no Content Credentials (C2PA).") -> dict:
    """The finding for a file without credentials."""
    return {
        "present": False,
        "state": None,
        "summary": summary,
        "strength": "none",
        "declares": None,
        "signer": None,
        "trust_list": None,
        "claim_generator": None,
        "signed_at": None,
        "actions": [],
        "failures": [],
    }


def not_searched() -> dict:
    """The finding for a file whose structure is too large to search: nothing is known either way."""
    return absent("The file was not searched for Content Credentials: it holds more chunks than this service reads.")


def unreadable(reason: str) -> dict:
    """The finding for credentials that are there but cannot be checked: they decide nothing."""
    finding = absent(
        f"The file carries Content Credentials that could not be read ({reason}); they prove nothing either way."
    )
    finding.update(
        present=True,
        state="invalid",
        failures=[{"code": "general.error", "explanation": explain_failure("general.error")}],
    )
    return finding


def manifest_size(data: bytes, image_format: str | None, app_segments=()) -> int | None:
    """Bytes of C2PA manifest data in the file: 0 if there is none, None if unknown.

    Looks only at container structure (JPEG APP11 segments as Pillow lists them,
    PNG and WebP chunk headers), never inside the manifest, so files without
    credentials skip the validator entirely. A PNG chunk's size is as declared,
    which may be more than the file holds. Raises chunks.TooManyChunksError.
    """
    if image_format in ("JPEG", "MPO"):
        return sum(len(payload) for marker, payload in app_segments if marker == "APP11")
    if image_format == "PNG":
        return sum(chunk.length for chunk in chunks.png_chunks(data) if chunk.kind == b"caBX")
    if image_format == "WEBP":
        return _riff_chunk_bytes(data, b"C2PA")
    if image_format in ("TIFF", "GIF", "HEIF", "AVIF"):
        return None if b"jumb" in data else 0
    return 0


def _riff_chunk_bytes(data: bytes, wanted: bytes) -> int:
    """Total length of the chunks of one type in a RIFF (WebP) file, walking at most chunks.chunk_limit of them."""
    total, position, size, limit = 0, 12, len(data), chunks.chunk_limit(len(data))
    for _ in range(limit):
        if position + 8 > size:
            return total
        kind, length = data[position : position + 4], int.from_bytes(data[position + 4 : position + 8], "little")
        if kind == wanted:
            total += length
        position += 8 + length + (length & 1)  # RIFF chunks are padded to even sizes
    raise chunks.TooManyChunksError(f"The file holds more than {limit:,} RIFF chunks.")


def read_credentials(data: bytes, image_format: str | None, app_segments=(), lists=None) -> dict:
    """The `content_credentials` finding for an image file."""
    mime = MIME_TYPES.get(image_format or "")
    if mime is None:
        return absent()
    try:
        size = manifest_size(data, image_format, app_segments)
    except chunks.TooManyChunksError:
        return not_searched()
    if size == 0:
        return absent()
    if size is not None and size > len(data):
        return unreadable("the manifest declares more bytes than the file holds")
    if size is not None and size > MAX_MANIFEST_BYTES:
        return unreadable(f"{size / 1e6:.1f} MB of manifest data, more than this service checks")

    import c2pa

    try:
        with c2pa.Reader(mime, io.BytesIO(data), context=trust_lists.context_for(lists)) as reader:
            store = json.loads(reader.json())
    except c2pa.C2paError.ManifestNotFound:
        # The validator found no store it could parse; if the file labels one, it is damaged, not absent.
        return unreadable(DAMAGED) if MANIFEST_STORE in data else absent()
    except Exception:  # c2pa raises many error types for damaged manifests; all mean the same here
        return unreadable(DAMAGED)
    try:
        return describe(store)
    except Exception:
        return unreadable("the manifest has an unexpected structure")


def describe(store: dict) -> dict:
    """Turn c2pa's manifest store report into the finding."""
    manifests = store.get("manifests") or {}
    active = manifests.get(store.get("active_manifest")) or {}
    results = store.get("validation_results") or {}
    failures = _failures(store)
    state = {"Trusted": "trusted", "Valid": "untrusted"}.get(store.get("validation_state"), "invalid")

    actions = _actions(active)
    declares = _strongest(_declared(action) for action in actions)
    if declares is None:
        # A picture assembled from AI-generated ingredients is AI-edited even when
        # the last editor declared nothing itself.
        ingredient_claims = {
            _strongest(
                _declared(a)
                for a in _actions(manifests.get(i.get("active_manifest")) or manifests.get(i.get("manifest")) or {})
            )
            for i in active.get("ingredients") or []
            if isinstance(i, dict)
        }
        if ingredient_claims & {AI_GENERATED, AI_EDITED}:
            declares = AI_EDITED

    signature = active.get("signature_info") or {}
    signer = {"issuer": clean(signature.get("issuer"), 120), "common_name": clean(signature.get("common_name"), 120)}
    trust_list = trust_lists.list_name(results.get("trustListUri")) if state == "trusted" else None
    finding = {
        "present": True,
        "state": state,
        "summary": "",
        "strength": _strength(state, declares),
        "declares": declares if state != "invalid" else None,
        "signer": signer if any(signer.values()) else None,
        "trust_list": trust_list,
        "claim_generator": _claim_generator(active),
        "signed_at": clean(signature.get("time"), 40),
        "actions": [_public(action) for action in actions],
        "failures": failures,
    }
    finding["summary"] = _summary(finding, declares)
    return finding


def _failures(store: dict) -> list[dict]:
    """Failed checks of the active manifest, each with a plain explanation."""
    failures, seen = [], set()
    for status in store.get("validation_status") or []:
        code = status.get("code") if isinstance(status, dict) else None
        if not isinstance(code, str) or code in seen:
            continue
        seen.add(code)
        failures.append({"code": clean(code, 80), "explanation": explain_failure(code)})
    return failures[:MAX_FAILURES]


def _actions(manifest: dict) -> list[dict]:
    """The actions of a manifest's c2pa.actions assertions (v1 and v2), in order."""
    actions = []
    for assertion in manifest.get("assertions") or []:
        if not isinstance(assertion, dict) or not str(assertion.get("label", "")).startswith("c2pa.actions"):
            continue
        for action in (assertion.get("data") or {}).get("actions") or []:
            if isinstance(action, dict) and isinstance(action.get("action"), str):
                url = action.get("digitalSourceType")
                if url is None and isinstance(action.get("parameters"), dict):
                    url = action["parameters"].get("digitalSourceType")
                actions.append({"action": action["action"], "digital_source_type": url})
    return actions[:MAX_ACTIONS]


def _declared(action: dict) -> str | None:
    kind = source_type(action.get("digital_source_type"))
    return kind.declares if kind else None


def _strongest(declarations) -> str | None:
    found = set(declarations)
    return next((kind for kind in _DECLARATION_ORDER if kind in found), None)


def _public(action: dict) -> dict:
    kind = source_type(action["digital_source_type"])
    url = action["digital_source_type"]
    return {
        "action": clean(action["action"], 80),
        "digital_source_type": clean(url, 200) if isinstance(url, str) else None,
        "meaning": kind.meaning if kind else None,
    }


def _claim_generator(manifest: dict) -> str | None:
    """The software that wrote the manifest (claim v1 string, or v2 claim_generator_info)."""
    info = manifest.get("claim_generator_info")
    if isinstance(info, list) and info and isinstance(info[0], dict) and info[0].get("name"):
        name, version = info[0].get("name"), info[0].get("version")
        return clean(f"{name} {version}" if isinstance(version, str) else name, 120)
    return clean(manifest.get("claim_generator"), 120)


def _strength(state: str, declares: str | None) -> str:
    if state == "trusted":
        return "decisive" if declares else "weak"
    if state == "untrusted":
        return "strong" if declares in (AI_GENERATED, AI_EDITED) else "weak"
    return "none"


_SAYS = {
    AI_GENERATED: "declare that the picture was generated by AI",
    AI_EDITED: "declare that the picture was edited with generative AI",
    CAPTURED: "declare that the picture was captured by a camera",
    None: "say nothing about AI or a camera",
}


def _summary(finding: dict, declares: str | None) -> str:
    signer = finding["signer"] or {}
    who = signer.get("issuer") or signer.get("common_name") or "an unnamed signer"
    if finding["state"] == "trusted":
        return (
            f"Content Credentials signed by {who} (on the {finding['trust_list'] or 'trust list'}) "
            f"are valid and {_SAYS[declares]}."
        )
    if finding["state"] == "untrusted":
        return (
            f"Content Credentials signed by {who} are intact but the signer's certificate is on no known "
            f"trust list, so who made them is not verified; they {_SAYS[declares]}."
        )
    # "untrusted" accompanies most failures; the other failure is the news.
    reasons = [f["explanation"] for f in finding["failures"] if f["code"] != "signingCredential.untrusted"]
    reason = reasons[0] if reasons else "they failed validation"
    return (
        f"The file carries Content Credentials that do not check out ({excerpt(reason, 160)}); "
        "they prove nothing either way."
    )
