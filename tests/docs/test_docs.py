"""The documentation site builds under --strict, fails on a broken link, and the README's links into it resolve."""

from __future__ import annotations

import importlib.util
import json
import logging
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import markdown
import pytest
from mkdocs.commands.build import build
from mkdocs.config import load_config
from mkdocs.exceptions import Abort

REPO = Path(__file__).resolve().parents[2]
CONFIG = REPO / "mkdocs.yml"
DOCS = REPO / "docs"
README = REPO / "README.md"
SPEC = REPO / "backend" / "detector" / "openapi.json"
# Inline Markdown links and images: [text](target) and ![alt](target "title").
LINK = re.compile(r"!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
QUIET = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}


def load_hook(name: str):
    """One of the site's build hooks, imported from docs/hooks."""
    spec = importlib.util.spec_from_file_location(f"docs_hook_{name}", DOCS / "hooks" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def heading_ids(page: Path) -> set[str]:
    """The ids the site gives a page's headings: its own Markdown extensions, toc slugs included."""
    config = load_config(str(CONFIG))
    converter = markdown.Markdown(extensions=config.markdown_extensions, extension_configs=config.mdx_configs)
    text = page.read_text(encoding="utf-8")
    openapi = load_hook("openapi_reference")
    if page.name == openapi.PAGE:
        text = text.replace(openapi.MARKER, openapi.render_reference(json.loads(SPEC.read_text(encoding="utf-8"))))
    converter.convert(text)
    ids, tokens = set(), list(converter.toc_tokens)
    while tokens:
        token = tokens.pop()
        ids.add(token["id"])
        tokens.extend(token["children"])
    return ids


def test_site_builds_with_strict(tmp_path):
    site = tmp_path / "site"
    result = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--config-file", str(CONFIG), "--site-dir", str(site)],
        cwd=REPO,
        env=QUIET,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr
    # Every nav page is built, and the API page carries every endpoint and schema of the OpenAPI document.
    for page in load_config(str(CONFIG)).nav:
        target = next(iter(page.values())) if isinstance(page, dict) else page
        assert (site / target.replace(".md", ".html")).is_file(), target
    api = (site / "api.html").read_text(encoding="utf-8")
    openapi = load_hook("openapi_reference")
    document = json.loads(SPEC.read_text(encoding="utf-8"))
    for path, item in document["paths"].items():
        for method in item:
            assert f'id="{openapi.operation_anchor(method, path)}"' in api, (method, path)
    for name in document["components"]["schemas"]:
        assert f'id="{openapi.schema_anchor(name)}"' in api, name
    assert json.loads((site / "openapi.json").read_text(encoding="utf-8")) == document


@pytest.mark.parametrize(
    ("breakage", "named"),
    [
        ("link", "no-such-page.md"),
        ("anchor", "#no-such-heading"),
        ("page outside the nav", "orphan.md"),
    ],
)
def test_strict_build_fails_on_a_broken_link(tmp_path, caplog, breakage, named):
    docs = tmp_path / "docs"
    shutil.copytree(DOCS, docs)
    index = docs / "index.md"
    if breakage == "link":
        index.write_text(index.read_text(encoding="utf-8") + "\nSee [the missing page](no-such-page.md).\n")
    elif breakage == "anchor":
        index.write_text(index.read_text(encoding="utf-8") + "\nSee [a heading](api.md#no-such-heading).\n")
    else:
        (docs / "orphan.md").write_text("# A page no one lists\n")
    config = load_config(str(CONFIG), docs_dir=str(docs), site_dir=str(tmp_path / "site"), strict=True)
    with caplog.at_level(logging.WARNING, logger="mkdocs"), pytest.raises(Abort, match="strict mode"):
        build(config)
    assert any(named in record.getMessage() for record in caplog.records), [r.getMessage() for r in caplog.records]


def test_readme_links_resolve():
    links = LINK.findall(README.read_text(encoding="utf-8"))
    into_docs = [link for link in links if link.startswith("docs/")]
    assert into_docs, "the README links into the documentation"
    for link in links:
        if re.match(r"[a-z]+:|#", link):
            continue  # web addresses and the README's own headings
        path, _, anchor = link.partition("#")
        assert (REPO / path).exists(), link
        if anchor and path.startswith("docs/"):
            assert anchor in heading_ids(REPO / path), link


@pytest.mark.parametrize(
    ("schema", "words"),
    [
        ({"enum": ["REAL", "FAKE", None]}, 'one of `"REAL"`, `"FAKE"`, `null`'),
        ({"const": "ok"}, '`"ok"`'),
        ({"type": ["number", "null"], "minimum": 0, "maximum": 1}, "number or null (>= 0, <= 1)"),
        ({"oneOf": [{"$ref": "#/components/schemas/Signer"}, {"type": "null"}]}, "[Signer](#schema-signer) or null"),
        ({"type": "array", "items": {"type": "string", "format": "binary"}}, "array of string (binary)"),
        ({"type": "object", "additionalProperties": {"type": "number"}}, "object of number"),
    ],
)
def test_reference_names_each_type(schema, words):
    assert load_hook("openapi_reference").type_of(schema) == words
