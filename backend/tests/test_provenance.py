"""Provenance findings: Content Credentials, generator settings, XMP and EXIF, and their bounds."""

from __future__ import annotations

import datetime as dt
import io
import json
import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from images import encode, noise
from PIL import Image
from PIL.PngImagePlugin import PngInfo

from detector import provenance as provenance_module
from detector.provenance import NOTE, TrustLists, read_provenance
from detector.provenance import credentials as credentials_module
from detector.provenance import trust as trust_module
from detector.provenance.metadata import MAX_VALUE_BYTES, PROMPT_EXCERPT_CHARS
from detector.provenance.vocabulary import (
    AI_EDITED,
    AI_GENERATED,
    CAPTURED,
    DIGITAL_SOURCE_TYPES,
    IPTC_PREFIX,
    explain_failure,
    source_type,
)
from detector.verdict import decide

C2PA_DIR = Path(__file__).parent / "resources" / "c2pa"
TRAINED = IPTC_PREFIX + "trainedAlgorithmicMedia"
A1111 = (
    "a photo of an astronaut riding a horse on the moon, highly detailed\n"
    "Negative prompt: blurry, lowres\n"
    "Steps: 20, Sampler: DPM++ 2M Karras, CFG scale: 7, Seed: 1234, Size: 512x512, Model: sd_xl_base_1.0"
)
XMP_TEMPLATE = (
    '<?xpacket begin="" id="W5M0MpCehiHzreSzNTczkc9d"?>'
    '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
    '<rdf:Description rdf:about="" xmlns:Iptc4xmpExt="http://iptc.org/std/Iptc4xmpExt/2008-02-29/" '
    'xmlns:xmp="http://ns.adobe.com/xap/1.0/">{body}</rdf:Description></rdf:RDF></x:xmpmeta>'
    '<?xpacket end="w"?>'
)


def model_says(label="REAL", confidence=0.99):
    """A confident model_assessment, to show that evidence overrides it."""
    return {
        "label": label,
        "confidence": confidence,
        "input_kind": "thumbnail",
        "input_kind_description": "",
        "measured_accuracy": 0.97,
        "measured_on": "",
        "unsure": False,
        "out_of_distribution": False,
        "note": None,
    }


def xmp(body: str) -> bytes:
    return XMP_TEMPLATE.format(body=body).encode()


def png_with_text(**chunks) -> bytes:
    info = PngInfo()
    for key, value in chunks.items():
        info.add_text(key, value)
    return encode(noise((48, 32)), "PNG", pnginfo=info)


def jpeg_with_segment(marker: int, payload: bytes, image: bytes | None = None) -> bytes:
    """A JPEG with one more APPn segment right after the start-of-image marker."""
    image = image or encode(noise((48, 32)), "JPEG", quality=90)
    return image[:2] + bytes([0xFF, marker]) + (len(payload) + 2).to_bytes(2, "big") + payload + image[2:]


# --- signing: a certificate chain made once per test session ------------------------------------


@pytest.fixture(scope="session")
def signing():
    """A root CA, an intermediate and an ES256 claim-signing certificate as C2PA requires them."""
    c2pa = pytest.importorskip("c2pa")
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    now = dt.datetime.now(dt.timezone.utc)

    def name(common_name, organisation):
        return x509.Name(
            [
                x509.NameAttribute(NameOID.COMMON_NAME, common_name),
                x509.NameAttribute(NameOID.ORGANIZATION_NAME, organisation),
                x509.NameAttribute(NameOID.COUNTRY_NAME, "US"),
            ]
        )

    def certificate(subject, key, issuer, issuer_key, ca, path_length=None):
        builder = (
            x509.CertificateBuilder()
            .subject_name(subject)
            .issuer_name(issuer)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(days=1))
            .not_valid_after(now + dt.timedelta(days=30))
            .add_extension(x509.BasicConstraints(ca=ca, path_length=path_length), critical=True)
            # C2PA: end-entity keys sign (digitalSignature), CA keys sign certificates.
            .add_extension(
                x509.KeyUsage(
                    digital_signature=not ca,
                    content_commitment=False,
                    key_encipherment=False,
                    data_encipherment=False,
                    key_agreement=False,
                    key_cert_sign=ca,
                    crl_sign=ca,
                    encipher_only=False,
                    decipher_only=False,
                ),
                critical=True,
            )
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_key.public_key()), critical=False)
        )
        if not ca:
            # An extended key usage C2PA accepts for claim signing (and no "any").
            builder = builder.add_extension(
                x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION]), critical=False
            )
        return builder.sign(issuer_key, hashes.SHA256())

    root_key, intermediate_key, signer_key = (ec.generate_private_key(ec.SECP256R1()) for _ in range(3))
    root_name = name("Detector Test Root CA", "Detector Tests")
    root = certificate(root_name, root_key, root_name, root_key, ca=True, path_length=1)
    intermediate_name = name("Detector Test Intermediate CA", "Detector Tests")
    intermediate = certificate(intermediate_name, intermediate_key, root_name, root_key, ca=True, path_length=0)
    signer = certificate(
        name("Test Generator Signer", "Example Generator Inc."),
        signer_key,
        intermediate_name,
        intermediate_key,
        ca=False,
    )
    pem = serialization.Encoding.PEM
    return {
        "root_pem": root.public_bytes(pem).decode(),
        "signer_pem": signer.public_bytes(pem).decode(),
        "chain_pem": signer.public_bytes(pem) + intermediate.public_bytes(pem),  # leaf first, root left out
        "key_pem": signer_key.private_bytes(pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()),
        "context": c2pa.Context.from_dict({"builder": {"thumbnail": {"enabled": False}}}),
    }


def sign(signing, image: bytes, mime: str, source_type_url: str = TRAINED) -> bytes:
    """image with Content Credentials: created by a generator, with the given digital source type."""
    import c2pa

    manifest = {
        "claim_generator_info": [{"name": "Example Generator", "version": "2.0"}],
        "title": "generated",
        "assertions": [
            {
                "label": "c2pa.actions",
                "data": {
                    "actions": [
                        {
                            "action": "c2pa.created",
                            "digitalSourceType": source_type_url,
                            "softwareAgent": {"name": "Example Generator"},
                        }
                    ]
                },
            }
        ],
    }
    signer = c2pa.Signer.from_info(
        c2pa.C2paSignerInfo(c2pa.C2paSigningAlg.ES256, signing["chain_pem"], signing["key_pem"], None)
    )
    with c2pa.Builder(manifest, context=signing["context"]) as builder:
        output = io.BytesIO()
        builder.sign(signer, mime, io.BytesIO(image), output)
    return output.getvalue()


@pytest.fixture(scope="session")
def signed(signing):
    """A generated JPEG and PNG, each signed as AI-generated."""
    picture = noise((64, 48), seed=3)
    return {
        "JPEG": sign(signing, encode(picture, "JPEG", quality=92), "image/jpeg"),
        "PNG": sign(signing, encode(picture, "PNG"), "image/png"),
    }


@pytest.fixture(scope="session")
def test_root(signing):
    """Trust lists holding only the test root, as the official list."""
    return TrustLists(official_anchors=signing["root_pem"])


# --- C2PA conformance samples -------------------------------------------------------------------


@pytest.mark.parametrize(
    "name, state, code",
    [
        ("adobe-20220124-C.jpg", "untrusted", "signingCredential.untrusted"),
        ("adobe-20220124-E-dat-CA.jpg", "invalid", "assertion.dataHash.mismatch"),
        ("adobe-20220124-E-sig-CA.jpg", "invalid", "claimSignature.mismatch"),
        ("adobe-20220124-E-uri-CA.jpg", "invalid", "assertion.hashedURI.mismatch"),
        ("adobe-20220124-XCA.jpg", "invalid", "assertion.dataHash.mismatch"),
    ],
)
def test_conformance_samples(name, state, code):
    found = read_provenance((C2PA_DIR / name).read_bytes())["content_credentials"]
    assert found["present"] and found["state"] == state
    assert code in [failure["code"] for failure in found["failures"]]
    assert found["signer"] == {"issuer": "C2PA Test Signing Cert", "common_name": "C2PA Signer"}
    assert found["trust_list"] is None and found["declares"] is None
    assert found["actions"] and all(action["action"].startswith("c2pa.") for action in found["actions"])
    if state == "invalid":
        assert found["strength"] == "none" and "prove nothing" in found["summary"]
        assert explain_failure(code) in found["summary"]
    else:
        assert found["strength"] == "weak" and found["claim_generator"].startswith("make_test_images")
        assert found["signed_at"].startswith("2023-01-24")


def test_changed_pixels_are_explained_in_plain_words():
    found = read_provenance((C2PA_DIR / "adobe-20220124-E-dat-CA.jpg").read_bytes())["content_credentials"]
    explanations = {failure["code"]: failure["explanation"] for failure in found["failures"]}
    assert explanations["assertion.dataHash.mismatch"] == "the picture was changed after it was signed"


def test_photo_without_manifest():
    found = read_provenance((C2PA_DIR / "adobe-20220124-A.jpg").read_bytes())
    assert found["content_credentials"]["present"] is False and found["content_credentials"]["state"] is None
    camera = found["camera_metadata"]
    assert camera["present"] and camera["strength"] == "weak"
    assert (camera["make"], camera["model"]) == ("Canon", "Canon EOS REBEL T3")
    assert camera["captured_at"] == "2011:07:30 15:41:25"
    assert found["note"] == NOTE and "proves nothing" in NOTE


# --- credentials signed by the tests ------------------------------------------------------------


@pytest.mark.parametrize("kind", ["JPEG", "PNG"])
def test_signed_with_trusted_root_decides_fake(signed, test_root, kind):
    found = read_provenance(signed[kind], test_root)["content_credentials"]
    assert (found["present"], found["state"], found["declares"]) == (True, "trusted", AI_GENERATED)
    assert found["strength"] == "decisive" and found["failures"] == []
    assert found["trust_list"] == "C2PA trust list"
    assert found["signer"] == {"issuer": "Example Generator Inc.", "common_name": "Test Generator Signer"}
    assert found["claim_generator"] == "Example Generator 2.0"
    assert found["actions"] == [
        {"action": "c2pa.created", "digital_source_type": TRAINED, "meaning": source_type(TRAINED).meaning}
    ]
    for label in ("REAL", "FAKE"):
        verdict = decide(model_says(label), read_provenance(signed[kind], test_root))
        assert (verdict["label"], verdict["basis"], verdict["confidence"]) == ("FAKE", "content_credentials", None)
        assert "Example Generator Inc." in verdict["summary"]


@pytest.mark.parametrize("list_field, pem", [("interim_anchors", "root_pem"), ("interim_allowed", "signer_pem")])
def test_interim_list_is_named(signed, signing, list_field, pem):
    lists = TrustLists(**{list_field: signing[pem]})
    found = read_provenance(signed["PNG"], lists)["content_credentials"]
    assert (found["state"], found["trust_list"]) == ("trusted", "C2PA interim trust list (legacy)")


def test_an_unrelated_list_does_not_trust_the_signer(signed):
    lists = TrustLists(official_anchors=trust_module.shipped_lists().interim_anchors)
    assert read_provenance(signed["PNG"], lists)["content_credentials"]["state"] == "untrusted"


@pytest.mark.parametrize("kind", ["JPEG", "PNG"])
def test_signed_without_its_root_is_valid_but_untrusted(signed, kind):
    provenance = read_provenance(signed[kind])  # the shipped lists do not hold the test root
    found = provenance["content_credentials"]
    assert (found["state"], found["declares"], found["strength"]) == ("untrusted", AI_GENERATED, "strong")
    assert found["trust_list"] is None
    assert [failure["code"] for failure in found["failures"]] == ["signingCredential.untrusted"]
    assert "no known trust list" in found["summary"]
    verdict = decide(model_says("REAL"), provenance)
    assert (verdict["label"], verdict["basis"]) == ("FAKE", "metadata")


def test_camera_capture_decides_real_only_when_trusted(signing, test_root):
    photo = sign(signing, encode(noise((40, 30), seed=9), "JPEG"), "image/jpeg", IPTC_PREFIX + "digitalCapture")
    trusted = read_provenance(photo, test_root)
    assert trusted["content_credentials"]["declares"] == CAPTURED
    assert decide(model_says("FAKE"), trusted)["basis"] == "content_credentials"
    assert decide(model_says("FAKE"), trusted)["label"] == "REAL"
    assert decide(model_says("FAKE"), read_provenance(photo))["basis"] == "model"


def test_reencoded_copy_reads_invalid(signed, test_root):
    # Re-encoding drops the manifest (Pillow does not copy APP11), which proves nothing...
    reencoded = encode(Image.open(io.BytesIO(signed["JPEG"])), "JPEG", quality=70)
    assert read_provenance(reencoded, test_root)["content_credentials"]["present"] is False
    # ...and the manifest carried over into the re-encoded picture no longer matches it.
    segments = Image.open(io.BytesIO(signed["JPEG"])).applist
    manifest = b"".join(
        bytes([0xFF, 0xEB]) + (len(data) + 2).to_bytes(2, "big") + data
        for marker, data in segments
        if marker == "APP11"
    )
    transplanted = reencoded[:2] + manifest + reencoded[2:]
    found = read_provenance(transplanted, test_root)["content_credentials"]
    assert found["present"] and found["state"] == "invalid" and found["declares"] is None
    assert "assertion.dataHash.mismatch" in [failure["code"] for failure in found["failures"]]
    assert decide(model_says("REAL"), read_provenance(transplanted, test_root))["basis"] == "model"


@pytest.mark.parametrize("kind", ["JPEG", "PNG"])
def test_tampered_pixels_read_invalid(signed, test_root, kind):
    data = bytearray(signed[kind])
    # Flip bytes inside the compressed picture data, well away from the manifest.
    image_data = data.rfind(b"IDAT") + 8 if kind == "PNG" else len(data) - 40
    for offset in range(image_data, image_data + 8):
        data[offset] ^= 0x55
    found = read_provenance(bytes(data), test_root)["content_credentials"]
    assert found["state"] == "invalid"
    assert any(failure["explanation"] == "the picture was changed after it was signed" for failure in found["failures"])


def test_truncated_manifest_is_a_finding(signed):
    data = signed["JPEG"]
    start = data.find(b"\xff\xeb")
    length = int.from_bytes(data[start + 2 : start + 4], "big")
    payload = data[start + 4 : start + 2 + length]
    for cut in (payload[:40], payload[: len(payload) // 2], payload[:-1]):
        # A well-formed JPEG whose APP11 segment holds only part of the manifest.
        broken = data[:start] + b"\xff\xeb" + (len(cut) + 2).to_bytes(2, "big") + cut + data[start + 2 + length :]
        found = read_provenance(broken)["content_credentials"]
        assert (found["present"], found["state"], found["strength"], found["declares"]) == (
            True,
            "invalid",
            "none",
            None,
        )
        assert "could not be read" in found["summary"]
        assert found["failures"] == [{"code": "general.error", "explanation": "the credentials could not be checked"}]


@pytest.mark.parametrize("payload", [bytes(range(256)) * 4, b"JP\x00\x01" + b"jumb" + bytes(300)])
def test_garbage_in_the_manifest_segment_is_no_manifest(payload):
    found = read_provenance(jpeg_with_segment(0xEB, payload))["content_credentials"]
    assert found["present"] is False and found["state"] is None


def test_oversized_manifest_is_not_validated(monkeypatch, signed):
    monkeypatch.setattr(credentials_module, "MAX_MANIFEST_BYTES", 100)
    found = read_provenance(signed["JPEG"])["content_credentials"]
    assert found["present"] and found["state"] == "invalid" and "more than this service checks" in found["summary"]


def test_files_without_a_manifest_never_reach_the_validator(monkeypatch):
    import c2pa

    def refuse(*args, **kwargs):
        raise AssertionError("c2pa.Reader called for a file without C2PA data")

    monkeypatch.setattr(c2pa, "Reader", refuse)
    for data in (
        encode(noise(), "JPEG"),
        encode(noise(), "PNG"),
        encode(noise(), "WEBP"),
        encode(noise(), "GIF"),
        encode(noise(), "BMP"),
        encode(noise(), "TIFF"),
        (C2PA_DIR / "adobe-20220124-A.jpg").read_bytes(),
    ):
        assert read_provenance(data)["content_credentials"]["present"] is False


def test_trust_lists_are_parsed_once_per_process(test_root):
    assert trust_module.context_for() is trust_module.context_for()
    assert trust_module.context_for(test_root) is trust_module.context_for(test_root)
    assert trust_module.context_for(test_root) is not trust_module.context_for()
    assert trust_module.shipped_lists() is trust_module.shipped_lists()


def test_shipped_lists_are_packaged():
    lists = trust_module.shipped_lists()
    assert lists.official_anchors.count("BEGIN CERTIFICATE") >= 20
    assert lists.interim_anchors.count("BEGIN CERTIFICATE") >= 10
    assert "1.3.6.1.5.5.7.3.36" in lists.eku_config
    official, interim = lists.settings()["trust"]["anchors"]
    assert (official["trust_uri"], interim["trust_uri"]) == ("C2PA trust list", "C2PA interim trust list (legacy)")
    assert {"trust_anchors", "allowed_list", "trust_config"} <= set(interim)
    assert lists.settings()["verify"]["remote_manifest_fetch"] is False


# --- generator settings, XMP and EXIF -----------------------------------------------------------


def test_png_parameters_chunk():
    provenance = read_provenance(png_with_text(parameters=A1111))
    found = provenance["generator_metadata"]
    assert found == {
        "present": True,
        "summary": found["summary"],
        "strength": "strong",
        "declares": AI_GENERATED,
        "generator": "Stable Diffusion web UI (AUTOMATIC1111)",
        "found_in": "PNG text chunk 'parameters'",
        "prompt_excerpt": "a photo of an astronaut riding a horse on the moon, highly detailed",
        "digital_source_type": None,
        "ai_label": None,
    }
    verdict = decide(model_says("REAL"), provenance)
    assert (verdict["label"], verdict["basis"]) == ("FAKE", "metadata")
    assert "AUTOMATIC1111" in verdict["summary"]


def test_png_comfyui_chunks():
    graph = {
        "3": {"class_type": "KSampler", "inputs": {"seed": 1, "positive": ["6", 0], "negative": ["7", 0]}},
        "6": {"class_type": "CLIPTextEncode", "inputs": {"text": "a lighthouse at dusk, oil painting"}},
        "7": {"class_type": "CLIPTextEncode", "inputs": {"text": "ugly, watermark"}},
    }
    found = read_provenance(png_with_text(prompt=json.dumps(graph), workflow=json.dumps({"nodes": []})))
    found = found["generator_metadata"]
    assert (found["generator"], found["declares"]) == ("ComfyUI", AI_GENERATED)
    assert found["prompt_excerpt"] == "a lighthouse at dusk, oil painting"
    assert found["found_in"] == "PNG text chunks 'prompt' and 'workflow'"


@pytest.mark.parametrize(
    "chunks, generator, prompt",
    [
        (
            {"invokeai_metadata": json.dumps({"positive_prompt": "a red fox", "model": {"name": "sdxl"}})},
            "InvokeAI",
            "a red fox",
        ),
        (
            {"sd-metadata": json.dumps({"image": {"prompt": [{"prompt": "a blue bird", "weight": 1}]}})},
            "InvokeAI",
            "a blue bird",
        ),
        (
            {
                "Software": "NovelAI",
                "Source": "NovelAI Diffusion V4",
                "Description": "1girl, library",
                "Comment": json.dumps({"prompt": "1girl, library", "steps": 28}),
            },
            "NovelAI",
            "1girl, library",
        ),
        (
            {
                "parameters": json.dumps({"Prompt": "a castle", "Performance": "Speed", "Version": "Fooocus v2.5"}),
                "fooocus_scheme": "fooocus",
            },
            "Fooocus",
            "a castle",
        ),
        ({"parameters": json.dumps({"sui_image_params": {"prompt": "a robot", "seed": 1}})}, "SwarmUI", "a robot"),
        ({"prompt": "a cat in a hat", "use_stable_diffusion_model": "sd-v1-4"}, "Easy Diffusion", "a cat in a hat"),
        (
            {"parameters": A1111.replace("Model: sd_xl_base_1.0", "Version: f2.0.1v1.10.1")},
            "Stable Diffusion web UI Forge",
            None,
        ),
    ],
)
def test_other_generators(chunks, generator, prompt):
    found = read_provenance(png_with_text(**chunks))["generator_metadata"]
    assert (found["generator"], found["declares"], found["strength"]) == (generator, AI_GENERATED, "strong")
    if prompt:
        assert found["prompt_excerpt"] == prompt


def test_jpeg_with_a1111_parameters_in_exif_user_comment():
    exif = Image.Exif()
    exif.get_ifd(0x8769)[0x9286] = b"UNICODE\x00" + A1111.encode("utf-16-be")
    found = read_provenance(encode(noise(), "JPEG", exif=exif))["generator_metadata"]
    assert (found["generator"], found["found_in"]) == ("Stable Diffusion web UI (AUTOMATIC1111)", "EXIF UserComment")
    assert found["prompt_excerpt"].startswith("a photo of an astronaut")


def test_jpeg_with_xmp_digital_source_type():
    data = encode(noise(), "JPEG", xmp=xmp(f"<Iptc4xmpExt:DigitalSourceType>{TRAINED}</Iptc4xmpExt:DigitalSourceType>"))
    provenance = read_provenance(data)
    found = provenance["generator_metadata"]
    assert (found["present"], found["declares"], found["digital_source_type"]) == (True, AI_GENERATED, TRAINED)
    assert found["found_in"] == "XMP Iptc4xmpExt:DigitalSourceType" and found["generator"] is None
    assert decide(model_says("REAL"), provenance)["basis"] == "metadata"


def test_xmp_iptc_ai_fields_and_attribute_form():
    body = (
        "<Iptc4xmpExt:AISystemUsed>Example Diffusion</Iptc4xmpExt:AISystemUsed>"
        "<Iptc4xmpExt:AISystemVersionUsed>3.1</Iptc4xmpExt:AISystemVersionUsed>"
        "<Iptc4xmpExt:AIPromptInformation>a misty forest</Iptc4xmpExt:AIPromptInformation>"
        f'<Iptc4xmpExt:DigitalSourceType rdf:resource="{IPTC_PREFIX}compositeWithTrainedAlgorithmicMedia"/>'
    )
    found = read_provenance(encode(noise(), "JPEG", xmp=xmp(body)))["generator_metadata"]
    assert (found["generator"], found["prompt_excerpt"]) == ("Example Diffusion 3.1", "a misty forest")
    assert found["declares"] == AI_EDITED  # the explicit IPTC code says "edited with AI"


def test_xmp_declaring_a_capture_decides_nothing():
    body = f"<Iptc4xmpExt:DigitalSourceType>{IPTC_PREFIX}digitalCapture</Iptc4xmpExt:DigitalSourceType>"
    provenance = read_provenance(encode(noise(), "PNG", pnginfo=_xmp_chunk(xmp(body))))
    found = provenance["generator_metadata"]
    assert (found["present"], found["declares"], found["strength"]) == (True, None, "none")
    assert decide(model_says("FAKE"), provenance)["basis"] == "model"


def _xmp_chunk(packet: bytes) -> PngInfo:
    info = PngInfo()
    info.add_itxt("XML:com.adobe.xmp", packet.decode())
    return info


def test_known_generator_in_exif_software():
    exif = Image.Exif()
    exif[0x0131] = "Adobe Firefly"
    found = read_provenance(encode(noise(), "JPEG", exif=exif))
    assert (found["generator_metadata"]["generator"], found["generator_metadata"]["found_in"]) == (
        "Adobe Firefly",
        "EXIF Software",
    )
    assert found["camera_metadata"]["present"] is False


def test_jpeg_with_camera_exif():
    exif = Image.Exif()
    exif[0x010F], exif[0x0110], exif[0x0131] = "NIKON CORPORATION", "NIKON D850", "Ver.1.10"
    exif.get_ifd(0x8769)[0x9003] = "2024:06:01 09:30:00"
    provenance = read_provenance(encode(noise(), "JPEG", exif=exif))
    camera = provenance["camera_metadata"]
    assert camera == {
        "present": True,
        "summary": camera["summary"],
        "strength": "weak",
        "make": "NIKON CORPORATION",
        "model": "NIKON D850",
        "captured_at": "2024:06:01 09:30:00",
        "software": "Ver.1.10",
    }
    assert "weak hint" in camera["summary"] and "NIKON D850" in camera["summary"]
    assert provenance["generator_metadata"]["present"] is False
    assert decide(model_says("FAKE"), provenance)["basis"] == "model"  # EXIF never decides


def test_plain_files_have_nothing():
    for data in (encode(noise(), "PNG"), encode(noise(), "JPEG"), encode(noise(), "WEBP"), encode(noise(), "GIF")):
        found = read_provenance(data)
        assert [found[key]["present"] for key in ("content_credentials", "generator_metadata", "camera_metadata")] == [
            False,
            False,
            False,
        ]
        assert all(
            found[key]["strength"] == "none" for key in ("content_credentials", "generator_metadata", "camera_metadata")
        )


# --- bounds and hostile metadata -----------------------------------------------------------------


def test_prompt_excerpt_is_short_and_printable():
    long_prompt = "a \x1b[31mvery\x00 long prompt " * 200
    found = read_provenance(png_with_text(parameters=long_prompt + "\nSteps: 20, Sampler: Euler, Seed: 1"))
    excerpt = found["generator_metadata"]["prompt_excerpt"]
    assert len(excerpt) <= PROMPT_EXCERPT_CHARS and excerpt.endswith("…")
    assert "\x1b" not in excerpt and "\x00" not in excerpt


def test_oversized_chunk_is_named_but_not_parsed():
    huge = json.dumps({"1": {"class_type": "CLIPTextEncode", "inputs": {"text": "x" * (MAX_VALUE_BYTES + 10)}}})
    found = read_provenance(png_with_text(prompt=huge))["generator_metadata"]
    assert found["generator"] == "ComfyUI" and found["prompt_excerpt"] is None


@pytest.mark.parametrize(
    "packet",
    [
        b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]>'
        b'<x:xmpmeta xmlns:x="adobe:ns:meta/">&b;</x:xmpmeta>',
        b"<x:xmpmeta xmlns:x='adobe:ns:meta/'>" + b"<a>" * 5000 + b"</a>" * 5000 + b"</x:xmpmeta>",
        b"<x:xmpmeta not xml at all",
        b"\xff\xfe\x00garbage",
    ],
)
def test_hostile_xmp_is_a_finding(packet):
    data = jpeg_with_segment(0xE1, b"http://ns.adobe.com/xap/1.0/\x00" + packet)
    found = read_provenance(data)["generator_metadata"]
    assert found["present"] is False


def test_oversized_xmp_is_not_parsed(monkeypatch):
    monkeypatch.setattr(provenance_module.metadata, "MAX_VALUE_BYTES", 100)
    data = encode(noise(), "JPEG", xmp=xmp(f"<Iptc4xmpExt:DigitalSourceType>{TRAINED}</Iptc4xmpExt:DigitalSourceType>"))
    found = read_provenance(data)["generator_metadata"]
    assert found["present"] is False and "too large" in found["summary"]


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"not an image",
        b"\x89PNG\r\n\x1a\n" + b"\x00" * 20,
        b"\xff\xd8\xff\xe1\xff\xff" + b"Exif\x00\x00" + b"\x00" * 50,
    ],
)
def test_unreadable_files_give_findings(data):
    found = read_provenance(data)
    assert set(found) == {"content_credentials", "generator_metadata", "camera_metadata", "note"}
    assert found["content_credentials"]["present"] is False


# --- vocabulary -----------------------------------------------------------------------------------


def test_every_iptc_code_has_a_meaning():
    current = [
        "digitalCapture",
        "computationalCapture",
        "negativeFilm",
        "positiveFilm",
        "print",
        "humanEdits",
        "compositeWithTrainedAlgorithmicMedia",
        "algorithmicallyEnhanced",
        "digitalCreation",
        "dataDrivenMedia",
        "trainedAlgorithmicMedia",
        "algorithmicMedia",
        "screenCapture",
        "virtualRecording",
        "composite",
        "compositeCapture",
        "compositeSynthetic",
    ]
    retired = ["minorHumanEdits", "digitalArt", "softwareImage"]
    for code in current + retired:
        kind = source_type(IPTC_PREFIX + code)
        assert kind is not None and kind.meaning and kind.url == IPTC_PREFIX + code
    assert {code for code, kind in DIGITAL_SOURCE_TYPES.items() if kind.declares == AI_GENERATED} == {
        "trainedAlgorithmicMedia",
        "trainedAlgorithmicData",
        "algorithmicMedia",
    }
    assert {code for code, kind in DIGITAL_SOURCE_TYPES.items() if kind.declares == AI_EDITED} == {
        "compositeWithTrainedAlgorithmicMedia",
        "compositeSynthetic",
    }
    assert source_type("screenCapture").declares is None
    assert source_type("digsrctype:digitalCapture").declares == CAPTURED


@pytest.mark.parametrize(
    "value",
    [
        TRAINED,
        TRAINED.replace("http:", "https:"),
        TRAINED + "/",
        "trainedAlgorithmicMedia",
        " digsrctype:trainedAlgorithmicMedia ",
    ],
)
def test_source_type_spellings(value):
    assert source_type(value).declares == AI_GENERATED


def test_unknown_failure_codes_still_get_words_of_the_services_own():
    assert explain_failure("assertion.newThing.mismatch") == "part of the credentials does not match what was signed"
    assert explain_failure("something.else") == "the credentials failed a check"


def test_the_validators_own_explanation_never_reaches_the_summary():
    store = {
        "validation_state": "Invalid",
        "validation_status": [{"code": "something.new", "explanation": "internal detail from the validator"}],
    }
    finding = credentials_module.describe(store)
    assert finding["failures"] == [{"code": "something.new", "explanation": "the credentials failed a check"}]
    assert "internal detail" not in json.dumps(finding)


# --- the refresh command --------------------------------------------------------------------------


def _script(name: str):
    """A module of scripts/, imported by path (the backend tests may run without scripts/ on sys.path)."""
    import importlib.util

    path = Path(__file__).resolve().parents[2] / "scripts" / f"{name}.py"
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_refresh_trust_lists_from_a_folder(tmp_path):
    refresh_trust_lists = _script("refresh_trust_lists")
    source, dest = tmp_path / "source", tmp_path / "dest"
    shutil.copytree(Path(trust_module.__file__).parent.parent / "trust", source)
    assert refresh_trust_lists.main(["--from", str(source), "--dest", str(dest)]) == 0
    for name in refresh_trust_lists.SOURCES:
        assert (dest / name).read_bytes() == (source / name).read_bytes()
    record = json.loads((dest / "sources.json").read_text())
    assert record["method"] == "copied from a local folder"
    assert record["files"]["interim-anchors.pem"]["repository"] == "contentauth/verify-site"

    assert refresh_trust_lists.url_for("interim-anchors.pem").endswith(
        "/contentauth/verify-site/506f98c31a027a2ebce73bcd9b11573fbd48ca22/static/trust/anchors.pem"
    )
    assert refresh_trust_lists.url_for("C2PA-TRUST-LIST.pem", "abc123").endswith(
        "/c2pa-org/conformance-public/abc123/trust-list/C2PA-TRUST-LIST.pem"
    )

    (source / "C2PA-TRUST-LIST.pem").write_text("not a certificate")
    before = (dest / "C2PA-TRUST-LIST.pem").read_bytes()
    assert refresh_trust_lists.main(["--from", str(source), "--dest", str(dest)]) == 1
    assert (dest / "C2PA-TRUST-LIST.pem").read_bytes() == before  # nothing replaced on failure


def test_metadata_is_read_without_decoding_pixels(monkeypatch):
    from PIL import ImageFile

    exif = Image.Exif()
    exif[0x010F] = "Canon"
    files = [png_with_text(parameters=A1111), encode(noise(), "JPEG", exif=exif), encode(noise(), "WEBP", exif=exif)]

    def refuse(self):
        raise AssertionError("pixels decoded while reading metadata")

    monkeypatch.setattr(ImageFile.ImageFile, "load", refuse)
    assert read_provenance(files[0])["generator_metadata"]["present"]
    assert read_provenance(files[1])["camera_metadata"]["make"] == "Canon"
    assert read_provenance(files[2])["camera_metadata"]["make"] == "Canon"


# --- through the API ------------------------------------------------------------------------------


def post(client, *files):
    """POST files (name, bytes) as `image` fields to /api/predict."""
    data = {"image": [(io.BytesIO(content), name) for name, content in files]}
    return client.post("/api/predict", data=data, content_type="multipart/form-data")


def test_every_result_carries_evidence_and_a_verdict(client):
    from openapi_check import assert_matches

    response = post(client, ("camera.jpg", (C2PA_DIR / "adobe-20220124-A.jpg").read_bytes()))
    assert response.status_code == 200, response.get_data(as_text=True)
    body = response.get_json()
    assert_matches(body, "Prediction")
    assert body["model_assessment"]["label"] == body["label"]
    assert body["model_assessment"]["input_kind"] == "photo"
    assert body["provenance"]["camera_metadata"]["model"] == "Canon EOS REBEL T3"
    assessment, verdict = body["model_assessment"], body["verdict"]
    assert verdict["basis"] == "model" and verdict["confidence"] == assessment["confidence"]
    # Nothing in the file settles it, so the verdict is the model's label, or "can't tell" leaning its way.
    unsure = assessment["unsure"] or assessment["out_of_distribution"]
    assert (verdict["label"], verdict["lean"]) == (("UNSURE", body["label"]) if unsure else (body["label"], None))


def test_batch_results_carry_evidence(client):
    from openapi_check import assert_matches

    response = post(
        client,
        ("generated.png", png_with_text(parameters=A1111)),
        ("tampered.jpg", (C2PA_DIR / "adobe-20220124-E-dat-CA.jpg").read_bytes()),
        ("broken.jpg", b"not a picture"),
    )
    body = response.get_json()
    assert_matches(body, "BatchResults")
    generated, tampered, broken = body["results"]
    assert (generated["verdict"]["label"], generated["verdict"]["basis"]) == ("FAKE", "metadata")
    assert generated["provenance"]["generator_metadata"]["generator"] == "Stable Diffusion web UI (AUTOMATIC1111)"
    assert tampered["provenance"]["content_credentials"]["state"] == "invalid"
    assert tampered["verdict"]["basis"] == "model"
    assert "error" in broken


@pytest.mark.parametrize("trusted", [True, False])
def test_signed_upload_through_the_api(classifier, tmp_path, signed, test_root, trusted):
    from openapi_check import assert_matches

    from detector import create_app

    app = create_app(
        {
            "TESTING": True,
            "CLASSIFIER": classifier,
            "FRONTEND_DIST": str(tmp_path / "none"),
            "PERFORMANCE_DIR": str(tmp_path),
            "TRUST_LISTS": test_root if trusted else None,
        }
    )
    body = post(app.test_client(), ("signed.jpg", signed["JPEG"])).get_json()
    assert_matches(body, "Prediction")
    credentials = body["provenance"]["content_credentials"]
    assert credentials["state"] == ("trusted" if trusted else "untrusted")
    assert body["verdict"]["label"] == "FAKE"
    assert body["verdict"]["basis"] == ("content_credentials" if trusted else "metadata")


def test_model_card_states_the_verdict_rule(client):
    from openapi_check import assert_matches

    from detector.verdict import VERDICT_RULES

    card = client.get("/api/model").get_json()
    assert_matches(card, "ModelCard")
    assert card["decision"]["verdict_rules"] == VERDICT_RULES
    assert card["decision"]["threshold"] == card["threshold"]


def _png_chunk(kind: bytes, payload: bytes) -> bytes:
    import zlib

    return len(payload).to_bytes(4, "big") + kind + payload + zlib.crc32(kind + payload).to_bytes(4, "big")


def _with_metadata(kind: str, payload: bytes) -> bytes:
    """A valid small picture with payload put where metadata lives."""
    if kind.startswith("png"):
        png = encode(noise((16, 16)), "PNG")
        chunk = {
            "png-text": b"tEXt",
            "png-itxt": b"iTXt",
            "png-ztxt": b"zTXt",
            "png-c2pa": b"caBX",
            "png-exif": b"eXIf",
        }[kind]
        body = b"parameters\x00" + payload if chunk == b"tEXt" else payload
        return png[:33] + _png_chunk(chunk, body) + png[33:]  # right after IHDR
    prefix = {
        "jpeg-exif": (0xE1, b"Exif\x00\x00"),
        "jpeg-xmp": (0xE1, b"http://ns.adobe.com/xap/1.0/\x00"),
        "jpeg-c2pa": (0xEB, b"JP\x00\x01\x00\x00\x00\x01" + b"jumb"),
        "jpeg-comment": (0xFE, b""),
    }[kind]
    return jpeg_with_segment(prefix[0], (prefix[1] + payload)[:65000], encode(noise((16, 16)), "JPEG"))


KINDS = [
    "png-text",
    "png-itxt",
    "png-ztxt",
    "png-c2pa",
    "png-exif",
    "jpeg-exif",
    "jpeg-xmp",
    "jpeg-c2pa",
    "jpeg-comment",
]


def test_hostile_metadata_never_causes_a_server_error_examples(client):
    tails = [
        b"",
        b"\x00" * 64,
        b"\xff" * 64,
        A1111.encode(),
        b"{" * 3000,
        b"<x:xmpmeta>" * 100,
        (C2PA_DIR / "adobe-20220124-C.jpg").read_bytes()[:4000],
    ]
    for kind in KINDS:
        for tail in tails:
            response = post(client, ("fuzz", _with_metadata(kind, tail)))
            assert response.status_code in (200, 400, 415, 422), (kind, tail[:20], response.status_code)
            assert response.is_json


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(kind=st.sampled_from(KINDS), payload=st.binary(max_size=1500))
def test_arbitrary_metadata_never_causes_a_server_error(client, kind, payload):
    response = post(client, ("fuzz", _with_metadata(kind, payload)))
    assert response.status_code in (200, 400, 415, 422)
    assert response.is_json
    if response.status_code == 200:
        assert set(response.get_json()["provenance"]) == {
            "content_credentials",
            "generator_metadata",
            "camera_metadata",
            "note",
        }


def test_one_trust_context_serves_concurrent_threads():
    from concurrent.futures import ThreadPoolExecutor

    files = [(C2PA_DIR / f"adobe-20220124-{name}.jpg").read_bytes() for name in ("C", "E-dat-CA", "A")]
    expected = ["untrusted", "invalid", None]
    with ThreadPoolExecutor(6) as pool:
        states = list(pool.map(lambda i: read_provenance(files[i % 3])["content_credentials"]["state"], range(36)))
    assert states == [expected[i % 3] for i in range(36)]


# --- structure that misleads or floods a reader ------------------------------------------------


def test_a_manifest_box_with_a_64_bit_length_is_damaged_credentials_not_none():
    import hostile_files

    found = read_provenance(hostile_files.jpeg_c2pa_extended_length())["content_credentials"]
    assert (found["present"], found["state"], found["strength"]) == (True, "invalid", "none")
    assert "could not be read" in found["summary"]


def test_every_xmp_packet_of_a_jpeg_is_read():
    import hostile_files

    generator = read_provenance(hostile_files.jpeg_two_xmp_packets())["generator_metadata"]
    assert generator["present"] is True and generator["declares"] == AI_GENERATED
    assert generator["digital_source_type"].endswith("/trainedAlgorithmicMedia")


def test_xmp_packets_past_the_bound_are_not_read():
    from detector.provenance.metadata import MAX_XMP_PACKETS

    declared = XMP_TEMPLATE.format(
        body="<Iptc4xmpExt:DigitalSourceType>"
        "http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia"
        "</Iptc4xmpExt:DigitalSourceType>"
    ).encode()
    prefix = b"http://ns.adobe.com/xap/1.0/\x00"
    data = encode(noise((48, 32)), "JPEG")
    for packet in [declared] + [xmp("")] * MAX_XMP_PACKETS:  # the declaring packet comes last in the file
        data = jpeg_with_segment(0xE1, prefix + packet, data)
    generator = read_provenance(data)["generator_metadata"]
    assert generator["present"] is False
    assert f"Only the first {MAX_XMP_PACKETS} of its {MAX_XMP_PACKETS + 1} XMP packets" in generator["summary"]


@pytest.mark.parametrize(
    ("make", "model", "said"),
    [
        ("Apple", "iPhone 15 Pro", "taken with an Apple iPhone 15 Pro"),
        ("OLYMPUS", "E-M10", "taken with an OLYMPUS E-M10"),
        ("Canon", "Canon EOS R5", "taken with a Canon EOS R5"),
    ],
)
def test_the_camera_line_chooses_a_or_an(make, model, said):
    exif = Image.Exif()
    exif[0x010F], exif[0x0110] = make, model
    assert said in read_provenance(encode(noise(), "JPEG", exif=exif))["camera_metadata"]["summary"]


@pytest.mark.parametrize("kind", ["png", "jpeg"])
def test_countless_chunks_are_not_walked(kind):
    import time

    import hostile_files

    data = hostile_files.png_many_chunks(300_000) if kind == "png" else hostile_files.jpeg_many_segments(500_000)
    started = time.process_time()
    found = read_provenance(data)
    assert time.process_time() - started < 0.5
    assert found["content_credentials"]["present"] is False
    assert "not searched" in found["content_credentials"]["summary"]
    assert "more chunks than this service reads" in found["generator_metadata"]["summary"]


@pytest.mark.parametrize("kind", ["zTXt", "iTXt", "iCCP"])
def test_a_png_text_bomb_is_unreadable_metadata_and_its_credentials_are_still_read(kind, signed):
    import hostile_files

    png = signed["PNG"]
    found = read_provenance(png[:33] + hostile_files.text_bomb_chunk(kind) + png[33:])
    assert found["generator_metadata"]["summary"] == "The file's metadata could not be read."
    assert found["content_credentials"]["present"] is True


@pytest.mark.parametrize("fmt,mime", [("HEIF", "image/heic"), ("AVIF", "image/avif")])
def test_credentials_and_camera_in_heif_and_avif_are_read(signing, fmt, mime):
    import images

    picture = images.exif_rotated(fmt, quality=90)  # tagged Apple iPhone 15 Pro
    provenance = read_provenance(sign(signing, picture, mime))
    found = provenance["content_credentials"]
    assert (found["state"], found["declares"]) == ("untrusted", AI_GENERATED)
    assert "iPhone 15 Pro" in provenance["camera_metadata"]["summary"]


def test_a_flood_of_png_text_stops_after_a_few_megabytes():
    """200 zTXt chunks of 900 KB each: Pillow would inflate 64 MB before refusing them (0.3 s)."""
    import time

    import hostile_files

    data = hostile_files.png_text_flood()
    started = time.process_time()
    found = read_provenance(data)
    assert time.process_time() - started < 0.15
    assert found["generator_metadata"]["summary"] == "The file's metadata could not be read."
