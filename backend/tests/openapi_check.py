"""Validate responses against the schemas of the served OpenAPI document."""

from __future__ import annotations

import json
from importlib import resources

import jsonschema

DOCUMENT = json.loads(resources.files("detector").joinpath("openapi.json").read_text())


def assert_matches(instance, schema_name: str) -> None:
    """Fail unless instance is valid against components/schemas/schema_name."""
    schema = {"$ref": f"#/components/schemas/{schema_name}", "components": DOCUMENT["components"]}
    jsonschema.validate(instance, schema, cls=jsonschema.Draft202012Validator)


def assert_documented(path: str, method: str, status: int) -> None:
    """Fail unless the document lists status for method on path."""
    responses = DOCUMENT["paths"][path][method]["responses"]
    assert str(status) in responses, f"{method.upper()} {path} -> {status} is not documented"
