"""The gunicorn worker: gthread, with gunicorn's own error answers in the API's JSON shape, naming no server.

gunicorn answers requests it cannot parse (an over-long request line, too many
or too large headers, a bad method or HTTP version) itself, before the app
runs, with an HTML page. This worker keeps gunicorn's choice of status and its
logging, and sends the same status as {"code", "name", "description"} instead.
"""

from __future__ import annotations

import json
import socket

from gunicorn import util
from gunicorn.http import wsgi
from gunicorn.workers.gthread import ThreadWorker
from werkzeug.exceptions import default_exceptions

# What each status gunicorn answers means for the client, in plain words.
DESCRIPTIONS = {
    400: "The request could not be parsed",
    403: "The request is forbidden",
    414: "The request line is too long",
    417: "The request's Expect header cannot be met",
    431: "The request has too many headers, or a header that is too long",
    501: "The request uses a transfer coding the server does not support",
}
MAX_DETAIL = 200


class UnnamedResponse(wsgi.Response):
    """gunicorn's response without its `Server: gunicorn` header: answers do not name the server software."""

    def default_headers(self):
        return [line for line in super().default_headers() if not line.startswith("Server:")]


class JSONErrorWorker(ThreadWorker):
    """gthread worker whose own error answers are JSON (see the module docstring), naming no server."""

    def init_process(self):
        """In the worker process: build responses without the Server header, then serve."""
        # gunicorn's wsgi.create makes each response from the class its module names.
        wsgi.Response = UnnamedResponse
        super().init_process()

    def handle_error(self, req, client, addr, exc):
        """Let gunicorn log and choose the status, then answer it as JSON."""
        page = _CapturedPage(client)
        super().handle_error(req, page, addr, exc)
        if page.status is None:
            return
        try:
            util.write_nonblock(client, json_error_response(page.status, page.reason, exc))
        except Exception:  # the client may be gone; gunicorn ignores this case too
            self.log.debug("Failed to send error message.")


def json_error_response(status: int, reason: str, exc: BaseException) -> bytes:
    """A complete HTTP/1.1 error response in the API's JSON error shape; the connection then closes."""
    name = default_exceptions[status]().name if status in default_exceptions else reason
    if status >= 500 and status != 501:
        description = "The server failed to process the request."
    else:
        detail = str(exc)[:MAX_DETAIL]
        summary = DESCRIPTIONS.get(status, DESCRIPTIONS[400])
        description = f"{summary} ({detail})." if detail else f"{summary}."
    body = json.dumps({"code": status, "name": name, "description": description}).encode() + b"\n"
    head = (
        f"HTTP/1.1 {status} {reason}\r\nConnection: close\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    )
    return head.encode("latin-1") + body


class _CapturedPage:
    """Stands in for the client socket while gunicorn writes its HTML error page, and keeps its status."""

    def __init__(self, sock: socket.socket):
        self._sock = sock
        self.status: int | None = None
        self.reason = ""

    def gettimeout(self):
        """gunicorn asks before writing; any value will do, nothing reaches the network."""
        return 0.0

    def sendall(self, data: bytes) -> None:
        """Read the status line of gunicorn's page instead of sending it."""
        status_line = bytes(data).split(b"\r\n", 1)[0].decode("latin-1").split(" ", 2)
        if self.status is None and len(status_line) == 3 and status_line[1].isdigit():
            self.status, self.reason = int(status_line[1]), status_line[2]

    send = sendall

    def __getattr__(self, name):
        return getattr(self._sock, name)
