"""Keep uploaded files in memory: they are never written to disk."""

from __future__ import annotations

import io

from flask import Request


class InMemoryRequest(Request):
    """A request whose uploaded files live in memory, bounded by MAX_CONTENT_LENGTH.

    Werkzeug spools files over 500 KB to a temporary file by default; uploads
    here are private pictures and must never touch the disk.
    """

    def _get_file_stream(self, total_content_length, content_type, filename=None, content_length=None):
        return io.BytesIO()
