"""Security headers on every response when the app is the server people reach (`make run`).

nginx adds them in the Docker setup from frontend/nginx/security-headers.conf,
their one source; here Flask reads the same file (its `add_header NAME "VALUE"
always;` lines), so both serve the same headers. Behind nginx the backend
leaves them to it (SECURITY_HEADERS empty), so none is sent twice.
"""

from __future__ import annotations

import re
from pathlib import Path

from flask import Flask, Response

_ADD_HEADER = re.compile(r'^add_header ([\w-]+) "([^"]*)" always;', re.M)


def read_headers(path: str | Path) -> dict[str, str]:
    """The headers an nginx include file adds, by name."""
    headers = dict(_ADD_HEADER.findall(Path(path).read_text()))
    if not headers:
        raise ValueError(f"{path} adds no headers")
    return headers


def register(app: Flask) -> None:
    """Add the headers of the SECURITY_HEADERS file to every response, errors included."""
    path = app.config["SECURITY_HEADERS"]
    headers = read_headers(path) if path else {}
    # The gunicorn worker (detector.worker) adds the same to the errors it answers before the app runs.
    app.extensions["security_headers"] = headers
    if not headers:
        app.logger.info("no security headers set: a proxy in front adds them")
        return

    @app.after_request
    def add_security_headers(response: Response) -> Response:
        for name, value in headers.items():
            response.headers.setdefault(name, value)
        return response


def security_headers(app: Flask) -> dict[str, str]:
    """The security headers the app adds to every response (none where a proxy in front adds them)."""
    return app.extensions.get("security_headers", {})
