"""The gunicorn worker: gthread, with gunicorn's own error answers in the API's JSON shape, naming no server.

gunicorn answers requests it cannot parse (an over-long request line, too many
or too large headers, a bad method, HTTP version or header, Content-Length
with chunked) itself, before the app runs, with an HTML page that quotes the
request back. This worker keeps gunicorn's choice of status and its logging,
and sends the same status as {"code", "name", "description"} instead, in this
service's own words, with the security headers the app adds to its own answers.
"""

from __future__ import annotations

import json
import socket

from gunicorn import util
from gunicorn.http import errors, wsgi
from gunicorn.workers.gthread import ThreadWorker
from werkzeug.exceptions import default_exceptions

from .errors import MALFORMED_BODY
from .headers import security_headers

# What each of gunicorn's refusals means for the client. Never the exception's
# own text: it quotes the request line or a header back.
REFUSALS: tuple[tuple[tuple[type[Exception], ...], str], ...] = (
    (
        (errors.InvalidRequestLine, errors.InvalidRequestMethod, errors.InvalidHTTPVersion),
        "The request line is not valid HTTP/1.1: it must be a method, a path and the protocol version.",
    ),
    (
        (errors.InvalidHeader, errors.InvalidHeaderName, errors.ObsoleteFolding, errors.InvalidSchemeHeaders),
        "A request header is malformed, or the headers contradict each other "
        "(such as Content-Length with Transfer-Encoding: chunked).",
    ),
    ((errors.InvalidChunkSize, errors.ChunkMissingTerminator, errors.InvalidChunkExtension), MALFORMED_BODY),
    (
        (errors.UnsupportedTransferCoding,),
        "The request uses a transfer coding this service does not support: send the body as it is, or chunked.",
    ),
    ((errors.ExpectationFailed,), "The request's Expect header cannot be met."),
)
UNPARSED = "The request could not be parsed."
SERVER_FAILED = "The server failed to process the request."


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

    def load_wsgi(self):
        """Load the app, and keep the security headers it adds to its own answers."""
        super().load_wsgi()
        self.security_headers = security_headers(self.wsgi)

    def handle_error(self, req, client, addr, exc):
        """Let gunicorn log and choose the status, then answer it as JSON."""
        page = _CapturedPage(client)
        super().handle_error(req, page, addr, exc)
        if page.status is None:
            return
        description = describe_refusal(exc, page.status, self.cfg)
        answer = json_error_response(page.status, page.reason, description, self.security_headers)
        try:
            util.write_nonblock(client, answer)
        except Exception:  # the client may be gone; gunicorn ignores this case too
            self.log.debug("Failed to send error message.")


def describe_refusal(exc: BaseException, status: int, cfg) -> str:
    """What the client is told about a request gunicorn refused, in this service's words."""
    if status >= 500 and status != 501:
        return SERVER_FAILED
    if isinstance(exc, errors.LimitRequestLine):
        return f"The request line is longer than {cfg.limit_request_line} characters."
    if isinstance(exc, errors.LimitRequestHeaders):
        return (
            f"The request has more than {cfg.limit_request_fields} headers, "
            f"or a header longer than {cfg.limit_request_field_size} bytes."
        )
    return next((text for kinds, text in REFUSALS if isinstance(exc, kinds)), UNPARSED)


def json_error_response(status: int, reason: str, description: str, headers: dict[str, str]) -> bytes:
    """A complete HTTP/1.1 error response in the API's JSON error shape; the connection then closes."""
    name = default_exceptions[status]().name if status in default_exceptions else reason
    body = json.dumps({"code": status, "name": name, "description": description}).encode() + b"\n"
    lines = [
        f"HTTP/1.1 {status} {reason}",
        "Connection: close",
        "Content-Type: application/json",
        f"Content-Length: {len(body)}",
        *(f"{header}: {value}" for header, value in headers.items()),
    ]
    return "\r\n".join([*lines, "", ""]).encode("latin-1") + body


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
