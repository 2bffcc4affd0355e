"""Write a JPEG signed with Content Credentials that declare it AI-generated, for the browser tests.

    python e2e/sign_fixture.py OUT.jpg

Run with the backend's Python (it needs c2pa-python, cryptography and Pillow). The
certificate chain is made on the spot, as in backend/tests/test_provenance.py: a root CA,
an intermediate and an ES256 claim-signing certificate. No trust list holds that root, so
the API reads the credentials as valid but signed by an unknown certificate.
"""

from __future__ import annotations

import datetime as dt
import io
import sys

import c2pa
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from PIL import Image, ImageDraw

TRAINED = "http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia"


def name(common_name: str, organisation: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name),
                      x509.NameAttribute(NameOID.ORGANIZATION_NAME, organisation),
                      x509.NameAttribute(NameOID.COUNTRY_NAME, "US")])


def certificate(subject, key, issuer, issuer_key, ca: bool, path_length: int | None = None):
    now = dt.datetime.now(dt.timezone.utc)
    builder = (
        x509.CertificateBuilder().subject_name(subject).issuer_name(issuer).public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1)).not_valid_after(now + dt.timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=path_length), critical=True)
        # C2PA: end-entity keys sign claims (digitalSignature), CA keys sign certificates.
        .add_extension(x509.KeyUsage(digital_signature=not ca, content_commitment=False, key_encipherment=False,
                                     data_encipherment=False, key_agreement=False, key_cert_sign=ca,
                                     crl_sign=ca, encipher_only=False, decipher_only=False), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_key.public_key()), critical=False)
    )
    if not ca:
        builder = builder.add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION]), critical=False)
    return builder.sign(issuer_key, hashes.SHA256())


def signer() -> c2pa.Signer:
    """An ES256 signer under a fresh test root and intermediate (leaf first in the chain, root left out)."""
    root_key, intermediate_key, signer_key = (ec.generate_private_key(ec.SECP256R1()) for _ in range(3))
    root_name = name("Detector Test Root CA", "Detector Tests")
    root = certificate(root_name, root_key, root_name, root_key, ca=True, path_length=1)
    intermediate_name = name("Detector Test Intermediate CA", "Detector Tests")
    intermediate = certificate(intermediate_name, intermediate_key, root_name, root_key, ca=True, path_length=0)
    leaf = certificate(name("Test Generator Signer", "Example Generator Inc."), signer_key,
                       intermediate_name, intermediate_key, ca=False)
    del root  # only the CA's key is needed: verifiers would need the root as a trust anchor
    pem = serialization.Encoding.PEM
    chain = leaf.public_bytes(pem) + intermediate.public_bytes(pem)
    key = signer_key.private_bytes(pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    return c2pa.Signer.from_info(c2pa.C2paSignerInfo(c2pa.C2paSigningAlg.ES256, chain, key, None))


def picture() -> bytes:
    """A small drawn landscape, 320x200, as a JPEG."""
    image = Image.new("RGB", (320, 200))
    draw = ImageDraw.Draw(image)
    for y in range(200):
        draw.line([(0, y), (320, y)], fill=(40 + y // 2, 80 + y // 3, 200 - y // 2) if y < 130 else (90, 140 - (y - 130), 70))
    draw.ellipse([220, 30, 270, 80], fill=(255, 214, 90))
    draw.polygon([(40, 130), (120, 60), (200, 130)], fill=(70, 80, 100))
    output = io.BytesIO()
    image.save(output, "JPEG", quality=90)
    return output.getvalue()


def main() -> None:
    out = sys.argv[1]
    manifest = {
        "claim_generator_info": [{"name": "Example Generator", "version": "2.0"}],
        "title": "generated",
        "assertions": [{"label": "c2pa.actions", "data": {"actions": [
            {"action": "c2pa.created", "digitalSourceType": TRAINED,
             "softwareAgent": {"name": "Example Generator"}}]}}],
    }
    context = c2pa.Context.from_dict({"builder": {"thumbnail": {"enabled": False}}})
    with c2pa.Builder(manifest, context=context) as builder:
        output = io.BytesIO()
        builder.sign(signer(), "image/jpeg", io.BytesIO(picture()), output)
    with open(out, "wb") as file:
        file.write(output.getvalue())


if __name__ == "__main__":
    main()
