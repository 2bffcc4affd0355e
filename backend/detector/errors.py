"""One JSON error shape for every error: {"code", "name", "description"}."""

from __future__ import annotations

from flask import Flask, current_app, jsonify
from werkzeug.exceptions import (
    BadRequest,
    HTTPException,
    InternalServerError,
    UnprocessableEntity,
    UnsupportedMediaType,
)

from .preprocessing import ImageError, ImageTooLargeError

try:  # gunicorn parses a chunked body while the app reads it, so its parse errors surface here
    from gunicorn.http.errors import NoMoreData, ParseException

    MALFORMED_BODY_ERRORS: tuple[type[Exception], ...] = (ParseException, NoMoreData)
except ImportError:  # served by another WSGI server
    MALFORMED_BODY_ERRORS = ()


def error_body(error: HTTPException) -> dict:
    """The JSON body for an HTTP error, also used per file in batch answers."""
    return {"code": error.code, "name": error.name, "description": error.description}


def image_error(error: ImageError) -> HTTPException:
    """The HTTP error for a picture that cannot be used: 422 over a size or cost limit, else 415."""
    if isinstance(error, ImageTooLargeError):
        return UnprocessableEntity(description=str(error))
    return UnsupportedMediaType(description=str(error))


def handle_http_error(error: HTTPException):
    """Answer any HTTP error as JSON instead of Werkzeug's HTML page."""
    response = jsonify(error_body(error))
    response.status_code = error.code or 500
    # Keep headers such as Allow (405) that the exception carries.
    for name, value in error.get_headers():
        if name.lower() != "content-type":
            response.headers[name] = value
    return response


MALFORMED_BODY = (
    "The request body is malformed: its chunked framing is broken, or it ended before the length it announced."
)


def handle_malformed_body(error: Exception):
    """A request body that breaks HTTP framing (bad chunk size, missing CRLF, bad trailer) is the client's fault."""
    # The parser's words quote the request's bytes: the log may have them, the answer does not.
    current_app.logger.warning("malformed request body: %s: %.300s", type(error).__name__, error)
    return handle_http_error(BadRequest(description=MALFORMED_BODY))


def handle_unexpected_error(error: Exception):
    """Log the traceback on the server and give the client a plain 500."""
    current_app.logger.exception("unhandled error")
    return handle_http_error(InternalServerError(description="The server failed to process the request."))


def register(app: Flask) -> None:
    """Install the JSON error handlers."""
    app.register_error_handler(HTTPException, handle_http_error)
    for error_class in MALFORMED_BODY_ERRORS:
        app.register_error_handler(error_class, handle_malformed_body)
    app.register_error_handler(Exception, handle_unexpected_error)
