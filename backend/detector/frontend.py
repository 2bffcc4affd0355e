"""Serve the built single-page app at / when frontend/dist exists."""

from __future__ import annotations

from pathlib import Path

from flask import Flask, send_from_directory
from werkzeug.routing import PathConverter

# Vite puts content-hashed files under assets/: they can be cached for a year.
HASHED_ASSETS = "assets/"
YEAR = 365 * 24 * 3600


class NotApiPath(PathConverter):
    """Any path outside /api, so that /api URLs get the API's own 404 and 405 answers."""

    regex = r"(?!api(?:/|$))[^/].*?"


def register(app: Flask) -> None:
    """Add the SPA routes if the app has been built."""
    dist = Path(app.config["FRONTEND_DIST"])
    if not (dist / "index.html").is_file():
        app.logger.info("no built frontend at %s: serving the API only", dist)
        return

    app.url_map.converters["not_api"] = NotApiPath

    @app.get("/", defaults={"path": ""})
    @app.get("/<not_api:path>")
    def spa(path: str):
        """A built file, or index.html so that client-side routes load the app."""
        if path and (dist / path).is_file():
            max_age = YEAR if path.startswith(HASHED_ASSETS) else 0
            return send_from_directory(dist, path, max_age=max_age)
        response = send_from_directory(dist, "index.html", max_age=0)
        response.headers["Cache-Control"] = "no-cache"
        return response
