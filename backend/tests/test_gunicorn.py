"""The served app under gunicorn, with the project's settings: every answer is JSON, slow clients do not starve it.

Raw sockets send what a browser never would (broken chunked bodies, over-long
request lines, too many headers) to a gunicorn started on a loopback port.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import images
import pytest
from openapi_check import assert_matches

BACKEND = Path(__file__).resolve().parent.parent
BOUNDARY = "hostile"
MULTIPART_START = (
    f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="image"; filename="a.png"\r\nContent-Type: image/png\r\n\r\n'
).encode()
CHUNKED_POST = (
    f"POST /api/predict HTTP/1.1\r\nHost: test\r\nContent-Type: multipart/form-data; boundary={BOUNDARY}"
    "\r\nTransfer-Encoding: chunked\r\n\r\n"
).encode()

RAW_REQUESTS = {
    "bad chunk size": (CHUNKED_POST + b"zz\r\nhello\r\n0\r\n\r\n", 400),
    "chunk without CRLF": (
        CHUNKED_POST + b"%x\r\n" % len(MULTIPART_START) + MULTIPART_START + b"XX5\r\nhello\r\n0\r\n\r\n",
        400,
    ),
    "NUL in a trailer": (CHUNKED_POST + b"5\r\nhello\r\n0\r\nX-Trailer: a\x00b\r\n\r\n", 400),
    "over-long request line": (b"GET /" + b"a" * 5000 + b" HTTP/1.1\r\nHost: test\r\n\r\n", 414),
    "too many headers": (
        b"GET /api/health HTTP/1.1\r\nHost: test\r\n" + b"".join(b"X-%d: 1\r\n" % i for i in range(120)) + b"\r\n",
        431,
    ),
    "over-long header": (b"GET /api/health HTTP/1.1\r\nHost: test\r\nX-Long: " + b"a" * 9000 + b"\r\n\r\n", 431),
    "bad method": (b"G\x00T / HTTP/1.1\r\nHost: test\r\n\r\n", 400),
    "bad HTTP version": (b"GET / HTTP/9.9\r\nHost: test\r\n\r\n", 400),
    "unknown transfer coding": (b"POST /api/predict HTTP/1.1\r\nHost: test\r\nTransfer-Encoding: gzip\r\n\r\n", 400),
    "GET /api/predict": (b"GET /api/predict HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n", 405),
}

# Requests gunicorn itself refuses, before the app runs. Each carries MARKER where
# an answer that quoted the request back would show it.
MARKER = b"QuotedBack"
GUNICORN_OWN_ERRORS = {
    "bad request line": (b"GET /" + MARKER + b" HTTP/1.1 extra\r\nHost: test\r\n\r\n", 400),
    "bad method": (b"G\x00T /" + MARKER + b" HTTP/1.1\r\nHost: test\r\n\r\n", 400),
    "bad HTTP version": (b"GET /" + MARKER + b" HTTP/9.9\r\nHost: test\r\n\r\n", 400),
    "bad header name": (b"GET /api/health HTTP/1.1\r\nHost: test\r\n" + MARKER + b"(): 1\r\n\r\n", 400),
    "header without a colon": (b"GET /api/health HTTP/1.1\r\nHost: test\r\n" + MARKER + b"\r\n\r\n", 400),
    "414 long URI": (b"GET /" + MARKER + b"a" * 5000 + b" HTTP/1.1\r\nHost: test\r\n\r\n", 414),
    "431 huge header": (b"GET /" + MARKER + b" HTTP/1.1\r\nHost: test\r\nX-Long: " + b"a" * 9000 + b"\r\n\r\n", 431),
    "431 too many headers": (
        b"GET /" + MARKER + b" HTTP/1.1\r\nHost: test\r\n" + b"".join(b"X-%d: 1\r\n" % i for i in range(120)) + b"\r\n",
        431,
    ),
    "Content-Length with chunked": (
        b"POST /" + MARKER + b" HTTP/1.1\r\nHost: test\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n"
        b"0\r\n\r\n",
        400,
    ),
    "unknown transfer coding": (
        b"POST /" + MARKER + b" HTTP/1.1\r\nHost: test\r\nTransfer-Encoding: " + MARKER + b"\r\n\r\n",
        501,
    ),
    "bad chunk size": (CHUNKED_POST + MARKER + b"\r\nhello\r\n0\r\n\r\n", 400),
}


def free_port() -> int:
    """An unused TCP port on loopback."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def exchange(port: int, raw: bytes, timeout: float = 10) -> bytes:
    """Send raw bytes, read until the server closes (or stops sending): the raw answer."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        sock.sendall(raw)
        answer = b""
        try:
            while chunk := sock.recv(65536):
                answer += chunk
                if _complete(answer):
                    break
        except TimeoutError:
            pass
    return answer


def _complete(answer: bytes) -> bool:
    """Whether a whole response with a Content-Length has arrived."""
    head, _, body = answer.partition(b"\r\n\r\n")
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            return len(body) >= int(value)
    return False


def parse(answer: bytes) -> tuple[int, dict, bytes]:
    """Status, headers (lower-case names) and body of a raw HTTP/1.1 response."""
    head, _, body = answer.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    return int(lines[0].split()[1]), headers, body


@pytest.fixture(scope="module")
def server(model_path, tmp_path_factory):
    """gunicorn with backend/gunicorn.conf.py and one worker, on a free loopback port; its log."""
    root = tmp_path_factory.mktemp("served")
    (root / "dist").mkdir()
    (root / "dist" / "index.html").write_text("<!doctype html><title>app</title>")
    log = root / "gunicorn.log"
    port = free_port()
    env = {
        **os.environ,
        "BIND": f"127.0.0.1:{port}",
        "WEB_CONCURRENCY": "1",
        "FLASK_MODEL_PATH": str(model_path),
        "FLASK_FRONTEND_DIST": str(root / "dist"),
        "FLASK_PERFORMANCE_DIR": str(root),
        "TF_CPP_MIN_LOG_LEVEL": "2",
    }
    command = [str(Path(sys.executable).with_name("gunicorn")), "-c", str(BACKEND / "gunicorn.conf.py")]
    with log.open("wb") as output:
        process = subprocess.Popen(
            command, env=env, cwd=BACKEND.parent, stdout=output, stderr=subprocess.STDOUT, start_new_session=True
        )
    try:
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            if process.poll() is not None:
                pytest.fail(f"gunicorn exited: {log.read_text()[-3000:]}")
            try:
                if parse(exchange(port, b"GET /api/health HTTP/1.1\r\nHost: test\r\n\r\n", 2))[0] == 200:
                    break
            except (OSError, IndexError):  # not listening yet, or no answer within 2 s
                pass
            time.sleep(0.5)
        else:
            pytest.fail(f"gunicorn did not answer: {log.read_text()[-3000:]}")
        yield port, log
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)


@pytest.mark.parametrize("case", list(RAW_REQUESTS))
def test_every_error_is_json_in_the_documented_shape(server, case):
    port, _ = server
    raw, expected = RAW_REQUESTS[case]
    status, headers, body = parse(exchange(port, raw))
    assert status == expected
    assert headers["content-type"] == "application/json"
    document = json.loads(body)
    assert_matches(document, "Error")
    assert document["code"] == expected


@pytest.mark.parametrize("case", list(GUNICORN_OWN_ERRORS))
def test_gunicorns_own_errors_are_json_with_the_security_headers_and_quote_nothing(server, case):
    """gunicorn answers these before the app runs: the same JSON shape and headers, and not a byte of the request."""
    port, _ = server
    raw, expected = GUNICORN_OWN_ERRORS[case]
    answer = exchange(port, raw)
    status, headers, body = parse(answer)
    assert status == expected
    assert headers["content-type"] == "application/json"
    document = json.loads(body)
    assert_matches(document, "Error")
    assert document["code"] == expected and document["description"].endswith(".")
    assert {name: headers.get(name) for name in nginx_security_headers()} == nginx_security_headers()
    assert "server" not in headers
    assert MARKER.lower() not in answer.lower(), answer[:500]
    assert "gunicorn" not in answer.decode("latin-1").lower()


def test_get_predict_advertises_only_post(server):
    port, _ = server
    _, headers, _ = parse(exchange(port, RAW_REQUESTS["GET /api/predict"][0]))
    assert set(headers["allow"].split(", ")) == {"POST", "OPTIONS"}


def test_malformed_bodies_leave_no_traceback(server):
    port, log = server
    for case in ("bad chunk size", "chunk without CRLF", "NUL in a trailer"):
        exchange(port, RAW_REQUESTS[case][0])
    time.sleep(0.5)  # let the worker flush its log
    text = log.read_text(errors="replace")
    assert "Traceback" not in text and "Error handling request" not in text


def test_a_large_body_arrives_whole_and_a_cut_one_gets_a_json_400(server):
    """Bodies are read in 1 MB pieces (uploads.BufferedBody): the whole of one is used, and a short one is refused."""
    port, log = server
    picture = images.png(size=(1000, 1000))  # noise: about 3 MB
    body = MULTIPART_START + picture + f"\r\n--{BOUNDARY}--\r\n".encode()
    head = (
        f"POST /api/predict HTTP/1.1\r\nHost: test\r\nContent-Type: multipart/form-data; boundary={BOUNDARY}"
        f"\r\nContent-Length: {len(body)}\r\nConnection: close\r\n\r\n"
    ).encode()
    status, _, answer = parse(exchange(port, head + body, timeout=60))
    assert status == 200 and json.loads(answer)["image"]["width"] == 1000

    with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
        sock.sendall(head + body[: len(body) // 2])
        sock.shutdown(socket.SHUT_WR)  # the client stops sending mid-body
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    status, headers, document = parse(answer)
    assert status == 400 and headers["content-type"] == "application/json"
    assert_matches(json.loads(document), "Error")
    time.sleep(0.5)  # let the worker flush its log
    assert "Traceback" not in log.read_text(errors="replace")


def test_health_answers_while_slow_clients_hold_connections(server):
    """Eight clients that send half a request and stall must not keep /api/health from answering."""
    port, _ = server
    half_head = b"POST /api/predict HTTP/1.1\r\nHost: test\r\nContent-Length: 1000\r\n"
    half_body = half_head + b"Content-Type: multipart/form-data; boundary=x\r\n\r\n--x\r\n"
    stalled = []
    try:
        for partial in [half_head] * 4 + [half_body] * 4:
            sock = socket.create_connection(("127.0.0.1", port), timeout=5)
            sock.sendall(partial)
            stalled.append(sock)
        time.sleep(0.5)
        started = time.monotonic()
        status, _, body = parse(exchange(port, b"GET /api/health HTTP/1.1\r\nHost: test\r\n\r\n", timeout=10))
        assert status == 200 and json.loads(body)["status"] == "ok"
        assert time.monotonic() - started < 5
    finally:
        for sock in stalled:
            sock.close()


def nginx_security_headers() -> dict[str, str]:
    """The headers the Docker setup's nginx adds, by lower-case name, from their one source."""
    import re

    conf = (BACKEND.parent / "frontend" / "nginx" / "security-headers.conf").read_text()
    return {name.lower(): value for name, value in re.findall(r'^add_header ([\w-]+) "([^"]*)" always;', conf, re.M)}


@pytest.mark.parametrize(
    "request_line",
    ["GET / HTTP/1.1", "GET /about HTTP/1.1", "GET /api/health HTTP/1.1", "GET /api/nothing HTTP/1.1"],
)
def test_every_answer_has_the_security_headers_nginx_adds_and_names_no_server(server, request_line):
    port, _ = server
    status, headers, _ = parse(exchange(port, f"{request_line}\r\nHost: test\r\nConnection: close\r\n\r\n".encode()))
    assert status in (200, 404)
    expected = nginx_security_headers()
    assert {name: headers.get(name) for name in expected} == expected
    assert "frame-ancestors 'none'" in headers["content-security-policy"]
    assert headers["x-content-type-options"] == "nosniff" and headers["x-frame-options"] == "DENY"
    assert "server" not in headers


def test_workers_are_not_replaced_after_a_number_of_requests(server):
    """Replacing a worker costs seconds of model loading; with every worker replaced at once, nobody answered.

    1,300 requests are more than the 1,000 (plus up to 250 of jitter) after which workers used to be replaced.
    """
    port, log = server
    booted = log.read_text(errors="replace").count("Booting worker")
    longest = 0.0
    with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
        for _ in range(1300):
            started = time.monotonic()
            sock.sendall(b"GET /api/health HTTP/1.1\r\nHost: test\r\n\r\n")
            answer = b""
            while not _complete(answer):
                chunk = sock.recv(65536)
                assert chunk, "the worker closed the connection (it was being replaced)"
                answer += chunk
            assert parse(answer)[0] == 200
            longest = max(longest, time.monotonic() - started)
    time.sleep(0.5)  # let the arbiter log a replacement, if there was one
    assert log.read_text(errors="replace").count("Booting worker") == booted
    assert longest < 1.0, f"/api/health waited {longest:.2f} s"
