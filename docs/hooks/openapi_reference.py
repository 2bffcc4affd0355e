"""MkDocs hook: the API reference on api.md, rendered at build time from the OpenAPI document the server serves.

The page holds a marker; the build replaces it with every endpoint and schema of
backend/detector/openapi.json, so the reference cannot drift from what the server says it does.
The document itself is published beside the page as openapi.json.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

from mkdocs.structure.files import File

SPEC_PATH = Path(__file__).resolve().parents[2] / "backend" / "detector" / "openapi.json"
PAGE = "api.md"
MARKER = "<!-- openapi-reference -->"
METHODS = ("get", "put", "post", "delete", "patch", "head", "options")

log = logging.getLogger("mkdocs.hooks.openapi_reference")


def schema_anchor(name: str) -> str:
    """The heading id of a named schema."""
    return "schema-" + name.lower()


def operation_anchor(method: str, path: str) -> str:
    """The heading id of an endpoint, e.g. post-api-predict."""
    words = "".join(c if c.isalnum() else " " for c in path).split()
    return "-".join([method.lower(), *words])


def cell(text: str) -> str:
    """Text made safe for one cell of a Markdown table."""
    return " ".join(str(text).split()).replace("|", "\\|")


def literal(value) -> str:
    """A JSON value as inline code."""
    return f"`{json.dumps(value)}`"


def resolve(spec: dict, node: dict) -> dict:
    """The object a local `$ref` points at, or the node itself."""
    while isinstance(node, dict) and "$ref" in node:
        target = spec
        for part in ref_parts(node["$ref"]):
            target = target[part]
        node = target
    return node


def ref_parts(ref: str) -> list[str]:
    """The JSON-pointer parts of a local reference."""
    if not ref.startswith("#/"):
        raise ValueError(f"only local references are rendered, not {ref}")
    return [part.replace("~1", "/").replace("~0", "~") for part in ref[2:].split("/")]


def type_of(schema: dict) -> str:
    """A short Markdown description of a schema's type, linking named schemas."""
    if not isinstance(schema, dict) or not schema:
        return "any"
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        return f"[{name}](#{schema_anchor(name)})"
    if "const" in schema:
        return literal(schema["const"])
    if "enum" in schema:
        return "one of " + ", ".join(literal(value) for value in schema["enum"])
    for combiner, word in (("oneOf", " or "), ("anyOf", " or "), ("allOf", " and ")):
        if combiner in schema:
            return word.join(type_of(part) for part in schema[combiner])
    types = schema.get("type", "any")
    names = [types] if isinstance(types, str) else list(types)
    described = [type_name(schema, name) for name in names]
    return " or ".join(described) + bounds(schema)


def type_name(schema: dict, name: str) -> str:
    """One JSON type of a schema in words."""
    if name == "array":
        return f"array of {type_of(schema.get('items', {}))}"
    if name == "object" and schema.get("properties"):
        return "object with " + ", ".join(f"`{key}`" for key in schema["properties"])
    if name == "object" and isinstance(schema.get("additionalProperties"), dict):
        return f"object of {type_of(schema['additionalProperties'])}"
    if name == "string" and "format" in schema:
        return f"string ({schema['format']})"
    return name


def bounds(schema: dict) -> str:
    """The numeric or size bounds of a schema, in brackets, if any."""
    parts = [
        f"{word} {schema[key]}"
        for key, word in (
            ("minimum", ">="),
            ("maximum", "<="),
            ("minItems", "items >="),
            ("maxItems", "items <="),
            ("maxLength", "length <="),
        )
        if key in schema
    ]
    return f" ({', '.join(parts)})" if parts else ""


def fields_table(schema: dict) -> list[str]:
    """A table of an object schema's fields: name, type, required, description."""
    properties = schema.get("properties", {})
    if not properties:
        return []
    required = set(schema.get("required", []))
    rows = ["| field | type | required | description |", "| --- | --- | --- | --- |"]
    for name, field in properties.items():
        mark = "yes" if name in required else ""
        rows.append(f"| `{name}` | {cell(type_of(field))} | {mark} | {cell(field.get('description', ''))} |")
    return rows


def render_operation(spec: dict, path: str, method: str, operation: dict) -> list[str]:
    """One endpoint: its summary, description, parameters, request body and responses."""
    lines = [f"### `{method.upper()} {path}` {{#{operation_anchor(method, path)}}}", ""]
    if operation.get("summary"):
        lines += [f"**{operation['summary']}**", ""]
    if operation.get("description"):
        lines += [operation["description"], ""]
    parameters = [resolve(spec, parameter) for parameter in operation.get("parameters", [])]
    if parameters:
        lines += ["| parameter | in | type | required | description |", "| --- | --- | --- | --- | --- |"]
        lines += [
            f"| `{p['name']}` | {p['in']} | {cell(type_of(p.get('schema', {})))} | "
            f"{'yes' if p.get('required') else ''} | {cell(p.get('description', ''))} |"
            for p in parameters
        ]
        lines.append("")
    body = resolve(spec, operation.get("requestBody", {}))
    for media_type, content in body.get("content", {}).items():
        lines += [f"Request body (`{media_type}`{', required' if body.get('required') else ''}):", ""]
        schema = resolve(spec, content.get("schema", {}))
        lines += fields_table(schema) or [type_of(content.get("schema", {}))]
        lines.append("")
    lines += ["| status | content | description |", "| --- | --- | --- |"]
    for status, response in operation.get("responses", {}).items():
        response = resolve(spec, response)
        contents = "; ".join(
            f"`{media_type}`: {type_of(content.get('schema', {}))}"
            for media_type, content in response.get("content", {}).items()
        )
        lines.append(f"| {status} | {cell(contents)} | {cell(response.get('description', ''))} |")
    return [*lines, ""]


def render_reference(spec: dict) -> str:
    """The whole reference: the document's title and version, every endpoint, then every named schema."""
    info = spec.get("info", {})
    lines = [
        "## Endpoints",
        "",
        f"OpenAPI {spec.get('openapi', '')} document *{info.get('title', '')}*, version {info.get('version', '')}: "
        "[openapi.json](openapi.json), the same document as `GET /api/openapi.json`.",
        "",
    ]
    if info.get("description"):
        lines += [info["description"], ""]
    for path, item in spec.get("paths", {}).items():
        for method in METHODS:
            if method in item:
                lines += render_operation(spec, path, method, item[method])
    lines += ["## Schemas", ""]
    for name, schema in sorted(spec.get("components", {}).get("schemas", {}).items()):
        lines += [f"### {name} {{#{schema_anchor(name)}}}", ""]
        if schema.get("description"):
            lines += [schema["description"], ""]
        lines += fields_table(schema) or [f"Type: {type_of(schema)}"]
        lines.append("")
    return "\n".join(lines)


def on_config(config):
    """Rebuild the preview when the OpenAPI document changes."""
    config.watch.append(str(SPEC_PATH))
    return config


def on_files(files, config):
    """Publish the OpenAPI document beside the API page."""
    files.append(File.generated(config, "openapi.json", abs_src_path=str(SPEC_PATH)))
    return files


def on_page_markdown(markdown, page, config, files):
    """Put the rendered reference where the API page asks for it."""
    if page.file.src_uri != PAGE:
        return markdown
    if MARKER not in markdown:
        log.warning(f"{PAGE} has no '{MARKER}': the API reference is missing from the site")
        return markdown
    spec = json.loads(SPEC_PATH.read_text(encoding="utf-8"))
    return markdown.replace(MARKER, render_reference(spec))
