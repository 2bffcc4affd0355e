"""Plain meanings of the codes that provenance metadata uses.

Two vocabularies: the IPTC NewsCodes "digital source type" (how a picture came
into being; used by C2PA actions and by XMP `Iptc4xmpExt:DigitalSourceType`),
and the C2PA validation status codes (why Content Credentials failed a check).
"""

from __future__ import annotations

from dataclasses import dataclass

IPTC_PREFIX = "http://cv.iptc.org/newscodes/digitalsourcetype/"
C2PA_PREFIX = "http://c2pa.org/digitalsourcetype/"

AI_GENERATED = "ai_generated"
AI_EDITED = "ai_edited"
CAPTURED = "captured"


@dataclass(frozen=True)
class SourceType:
    """One digital source type: its URL, what it means, and what it declares about the picture."""

    url: str
    meaning: str
    declares: str | None  # AI_GENERATED, AI_EDITED, CAPTURED or None (says nothing either way)


def _iptc(code: str, meaning: str, declares: str | None) -> tuple[str, SourceType]:
    return code, SourceType(IPTC_PREFIX + code, meaning, declares)


# The whole IPTC vocabulary (2024 release), retired codes included because old
# files still carry them. Codes that say neither "a generator made it" nor "a
# camera recorded it" (a screenshot, a drawing, a chart) declare nothing.
DIGITAL_SOURCE_TYPES: dict[str, SourceType] = dict(
    [
        _iptc("digitalCapture", "captured from real life with a digital camera or recorder", CAPTURED),
        _iptc(
            "computationalCapture",
            "captured from real life by a camera that merged several frames "
            "(for example a phone's HDR mode), without generative AI",
            CAPTURED,
        ),
        _iptc("negativeFilm", "digitised from a photographic negative", CAPTURED),
        _iptc("positiveFilm", "digitised from a slide or other positive film", CAPTURED),
        _iptc("print", "digitised from a print or other non-transparent original", CAPTURED),
        _iptc("compositeCapture", "a composite of several pictures that were all captured from real life", CAPTURED),
        _iptc("minorHumanEdits", "captured media with minor human edits (retired code)", CAPTURED),
        _iptc("humanEdits", "media edited by a person, without generative AI", None),
        _iptc(
            "algorithmicallyEnhanced",
            "media changed by software that does not generate new content (for example noise reduction or sharpening)",
            None,
        ),
        _iptc("digitalCreation", "made by a person with digital tools, such as a drawing program", None),
        _iptc("digitalArt", "digital art made by a person (retired code)", None),
        _iptc("dataDrivenMedia", "a picture drawn from data, such as a chart or map", None),
        _iptc("screenCapture", "a screenshot of a computer or phone screen", None),
        _iptc("virtualRecording", "a recording of a virtual event", None),
        _iptc("composite", "a composite of several elements of unstated origin", None),
        _iptc("softwareImage", "created by software (retired code)", None),
        _iptc("trainedAlgorithmicMedia", "created by generative AI (a model trained on sample content)", AI_GENERATED),
        _iptc("trainedAlgorithmicData", "data created by generative AI", AI_GENERATED),
        _iptc(
            "algorithmicMedia", "created entirely by a computer algorithm, not captured from real life", AI_GENERATED
        ),
        _iptc(
            "compositeWithTrainedAlgorithmicMedia",
            "edited with generative AI (for example generative fill or an AI-expanded background)",
            AI_EDITED,
        ),
        _iptc("compositeSynthetic", "a composite that includes AI-generated or other synthetic elements", AI_EDITED),
    ]
)
# C2PA's own code for "the signer does not say".
DIGITAL_SOURCE_TYPES["empty"] = SourceType(C2PA_PREFIX + "empty", "origin not stated", None)


def source_type(value: object) -> SourceType | None:
    """The SourceType for a URL, a `digsrctype:` QCode or a bare code; None if unknown."""
    if not isinstance(value, str):
        return None
    code = value.strip().rstrip("/")
    for prefix in ("https://", "http://"):
        if code.startswith(prefix):
            code = code[len(prefix) :]
    code = code.rsplit("/", 1)[-1].removeprefix("digsrctype:")
    return DIGITAL_SOURCE_TYPES.get(code)


# C2PA validation status codes that mean something failed, in words. Codes that
# are not listed get a general sentence, never the validator's own explanation
# (its words name its internals; the failure's code is kept beside the sentence).
FAILURE_EXPLANATIONS: dict[str, str] = {
    "signingCredential.untrusted": "the signer's certificate is not on any trust list this service knows",
    "signingCredential.invalid": "the signing certificate is malformed or not allowed to sign credentials",
    "signingCredential.revoked": "the signing certificate has been revoked",
    "signingCredential.ocsp.revoked": "the signing certificate has been revoked",
    "signingCredential.expired": "the signing certificate had expired when it was used",
    "claimSignature.missing": "the credentials are not signed",
    "claimSignature.mismatch": "the signature does not match the credentials: they were changed after signing",
    "claimSignature.outsideValidity": "the credentials were signed outside the certificate's period of validity",
    "timeStamp.mismatch": "the time stamp does not match the signature",
    "timeStamp.untrusted": "the time stamp comes from an authority on no known trust list",
    "timeStamp.outsideValidity": "the time stamp lies outside the certificate's period of validity",
    "timeStamp.malformed": "the time stamp is damaged",
    "assertion.dataHash.mismatch": "the picture was changed after it was signed",
    "assertion.dataHash.malformed": "the fingerprint of the picture in the credentials is damaged",
    "assertion.boxesHash.mismatch": "the picture was changed after it was signed",
    "assertion.bmffHash.mismatch": "the picture was changed after it was signed",
    "assertion.collectionHash.mismatch": "the picture was changed after it was signed",
    "assertion.hashedURI.mismatch": "a statement in the credentials was changed after signing",
    "assertion.missing": "a statement that the credentials refer to is missing",
    "assertion.undeclared": "the credentials contain a statement that the signer did not sign",
    "assertion.inaccessible": "a statement in the credentials could not be read",
    "assertion.multipleHardBindings": "the credentials bind themselves to the picture more than once",
    "assertion.json.invalid": "a statement in the credentials is damaged",
    "assertion.cbor.invalid": "a statement in the credentials is damaged",
    "assertion.action.ingredientMismatch": "an editing step refers to a source picture that does not match",
    "assertion.action.malformed": "an editing step in the credentials is damaged",
    "assertion.action.redacted": "an editing step was removed from the credentials",
    "assertion.notRedacted": "a statement that should have been removed is still there",
    "assertion.selfRedacted": "the credentials remove one of their own statements",
    "claim.missing": "the credentials have no claim",
    "claim.multiple": "the credentials have more than one claim",
    "claim.hardBindings.missing": "the credentials are not bound to the picture's contents",
    "claim.required.missing": "a required part of the credentials is missing",
    "claim.cbor.invalid": "the credentials are damaged",
    "manifest.inaccessible": "the credentials could not be reached",
    "manifest.multipleParents": "the credentials name more than one parent picture",
    "manifest.update.invalid": "an update to the credentials is not allowed",
    "manifest.update.wrongParents": "an update to the credentials names the wrong parent",
    "ingredient.hashedURI.mismatch": "the credentials of a source picture were changed",
    "ingredient.claimSignature.mismatch": "the signature of a source picture's credentials does not match",
    "ingredient.manifest.missing": "the credentials of a source picture are missing",
    "ingredient.manifest.mismatch": "the credentials of a source picture do not match it",
    "algorithm.unsupported": "the credentials use a signing method this service cannot check",
    "general.error": "the credentials could not be checked",
}


def explain_failure(code: str) -> str:
    """A plain sentence for a C2PA validation status code."""
    if code in FAILURE_EXPLANATIONS:
        return FAILURE_EXPLANATIONS[code]
    if code.endswith(".mismatch"):
        return "part of the credentials does not match what was signed"
    return "the credentials failed a check"
