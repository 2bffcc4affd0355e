"""Uploads: kept in memory (never written to disk), and what decoding them may cost per request."""

from __future__ import annotations

import contextlib
import io
import socket
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any

from flask import Flask, Request
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge, ServiceUnavailable
from werkzeug.wsgi import get_content_length

from .preprocessing import DecodeLimits


class InMemoryRequest(Request):
    """A request whose uploaded files live in memory, bounded by MAX_CONTENT_LENGTH.

    Werkzeug spools files over 500 KB to a temporary file by default; uploads
    here are private pictures and must never touch the disk.
    """

    def _get_file_stream(self, total_content_length, content_type, filename=None, content_length=None):
        return io.BytesIO()


BODY_READ_SIZE = 1024 * 1024  # gunicorn's largest single read of a body


class BufferedBody:
    """WSGI middleware: the request body is read from the server in pieces of BODY_READ_SIZE.

    Werkzeug's multipart parser asks for 64 KB at a time, and gunicorn answers
    each such read from a read-ahead buffer of up to 1 MB that it copies whole
    on every call: a 4 MB, 12-megapixel upload took 150 ms, 107 ms with this
    (docs/speed.md, "Reading request bodies"). A standard buffered reader asks gunicorn for 1 MB at once
    and serves the small reads itself; memory grows by one buffer per request,
    never by a second copy of the body.
    """

    def __init__(self, wsgi_app: Callable[..., Iterable[bytes]]):
        self.wsgi_app = wsgi_app

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        # Only bodies of announced length: Werkzeug reads a chunked one its own way.
        length = get_content_length(environ)
        if length:
            environ["wsgi.input"] = io.BufferedReader(_RawBody(environ["wsgi.input"]), min(length, BODY_READ_SIZE))
        return self.wsgi_app(environ, start_response)


class _RawBody(io.RawIOBase):
    """The server's body stream in the raw-stream form io.BufferedReader takes."""

    def __init__(self, body: io.RawIOBase):
        super().__init__()
        self._body = body

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:
        data = self._body.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)


class ClientClosedRequest(HTTPException):
    """The client went away before the answer was ready (nginx logs the same case as 499)."""

    code = 499
    name = "Client Closed Request"
    description = "The client closed the connection; the request was not finished."


class RequestBudget:
    """What one request may still spend on decoding: weighted pixels and seconds, while its client waits.

    Charged image by image (see preprocessing.prepare_image's `charge`), and
    checked before each image of a batch, since a decode already started
    cannot be interrupted.
    """

    def __init__(
        self,
        limits: DecodeLimits,
        pixels: int,
        seconds: float,
        client_socket: socket.socket | None = None,
        clock: Callable[[], float] = time.monotonic,
        slots: threading.Semaphore | None = None,
    ):
        self.limits = limits
        self.slots = slots
        self.pixels_left = pixels
        self.total_pixels = pixels
        self.seconds = seconds
        self.client_socket = client_socket
        self.clock = clock
        self.deadline = clock() + seconds

    @classmethod
    def for_request(cls, app: Flask, environ: Mapping) -> RequestBudget:
        """The budget the app's configuration gives a request; gunicorn tells the client's socket."""
        config = app.config
        limits = DecodeLimits(int(config["MAX_PIXELS"]), int(config["FREE_PIXELS"]), int(config["MAX_PIXELS_PER_BYTE"]))
        # One set of decode slots per app (per worker process), shared by its threads.
        slots = app.extensions.setdefault("decode_slots", threading.BoundedSemaphore(int(config["DECODE_SLOTS"])))
        return cls(
            limits,
            int(config["MAX_REQUEST_PIXELS"]),
            float(config["REQUEST_DEADLINE"]),
            environ.get("gunicorn.socket"),
            slots=slots,
        )

    @contextlib.contextmanager
    def decoding(self) -> Iterator[None]:
        """Hold one of the worker's decode slots, waiting at most until the deadline.

        The worker has many threads so that slow clients cannot take them all;
        the slots keep the number of pictures decoded at once (and so the
        memory they take) as small as the number of cores.
        """
        if self.slots is None:
            yield
            return
        if not self.slots.acquire(timeout=max(0.0, self.deadline - self.clock())):
            raise ServiceUnavailable(
                description="Not decoded: the server was busy decoding other pictures until this request's "
                f"{self.seconds:g} s were up. Try again in a moment."
            )
        try:
            yield
        finally:
            self.slots.release()

    def check(self) -> None:
        """Before an image: stop if the client has gone, refuse if the time is up."""
        if self.client_socket is not None and client_disconnected(self.client_socket):
            raise ClientClosedRequest()
        if self.clock() > self.deadline:
            raise ServiceUnavailable(
                description=f"Not decoded: the request used up its {self.seconds:g} s for decoding. "
                "Send this picture again in a request of its own."
            )

    def charge(self, pixels: int) -> None:
        """Spend pixels on one image, or refuse it if the request cannot afford them."""
        if pixels > self.pixels_left:
            spent = self.total_pixels - self.pixels_left
            raise RequestEntityTooLarge(
                description=f"Not decoded: it would cost {pixels:,} pixels, and this request has spent "
                f"{spent:,} of its {self.total_pixels:,}. Send it in a request of its own, or smaller."
            )
        self.pixels_left -= pixels


def client_disconnected(sock: socket.socket) -> bool:
    """Whether the peer has closed the connection (end of stream without blocking)."""
    try:
        return sock.recv(1, socket.MSG_PEEK | socket.MSG_DONTWAIT) == b""
    except (BlockingIOError, InterruptedError):
        return False  # nothing to read: still connected and waiting
    except ValueError:
        return False  # a TLS socket cannot peek; assume the client waits
    except OSError:
        return True  # reset or otherwise unusable
