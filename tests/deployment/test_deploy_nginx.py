"""nginx with the project's config in front of the real gunicorn backend, on loopback."""

from __future__ import annotations

import gzip
import re
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from html.parser import HTMLParser

import pytest

from . import support

YEAR = 31536000


def csp_directives(policy: str) -> dict[str, set[str]]:
    directives = {}
    for directive in filter(None, (part.strip() for part in policy.split(";"))):
        name, *values = directive.split()
        directives[name] = set(values)
    return directives


def test_the_policy_is_strict():
    directives = csp_directives(support.security_headers()["Content-Security-Policy"])
    assert directives["default-src"] == directives["script-src"] == directives["style-src"] == {"'self'"}
    assert directives["connect-src"] == {"'self'"}, "pictures go nowhere but this origin"
    assert directives["img-src"] == {"'self'", "data:", "blob:"}
    assert directives["frame-ancestors"] == directives["object-src"] == {"'none'"}
    assert not any("'unsafe-inline'" in values or "'unsafe-eval'" in values for values in directives.values())


def assert_security_headers(response: support.Response) -> None:
    for name, value in support.security_headers().items():
        assert response.header(name) == value, f"{name}: {response.header(name)!r}"


def api_predict(site, files, query: str = "") -> support.Response:
    return support.post_files(f"{site.url}/api/predict{query}", list(files))


# --------------------------------------------------------------------------
# The built app


class _ScriptFinder(HTMLParser):
    def __init__(self):
        super().__init__()
        self.inline_scripts, self.inline_styles, self.handlers, self._in_script = [], [], [], False
        self.scripts = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.handlers += [name for name in attrs if name.startswith("on")]
        if "style" in attrs:
            self.inline_styles.append(f"style attribute on <{tag}>")
        if tag == "style":
            self.inline_styles.append("<style> element")
        if tag == "script":
            self.scripts.append(attrs)
            self._in_script = "src" not in attrs

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_script = False

    def handle_data(self, data):
        if self._in_script and data.strip():
            self.inline_scripts.append(data.strip()[:80])


def test_built_index_has_no_inline_script_or_style(frontend_dist):
    """The CSP allows scripts and styles only from files of the app itself."""
    finder = _ScriptFinder()
    finder.feed((frontend_dist / "index.html").read_text())
    assert finder.scripts, "index.html loads the app's bundle"
    assert all("src" in attrs for attrs in finder.scripts)
    assert finder.inline_scripts == []
    assert finder.handlers == []
    assert finder.inline_styles == []
    for attrs in finder.scripts:
        assert not re.match(r"(https?:)?//", attrs["src"]), f"script from another origin: {attrs['src']}"


def test_built_index_carries_the_same_policy(frontend_dist):
    """`make run` serves index.html without nginx: its <meta> policy is the
    one nginx sends, less frame-ancestors (which a <meta> policy cannot set)."""
    match = re.search(
        r'<meta http-equiv="Content-Security-Policy" content="([^"]+)"', (frontend_dist / "index.html").read_text()
    )
    assert match, "index.html has a Content-Security-Policy <meta>"
    expected = csp_directives(support.security_headers()["Content-Security-Policy"])
    del expected["frame-ancestors"]
    assert csp_directives(match[1]) == expected


def test_serves_the_built_app(site, frontend_dist):
    response = support.get(f"{site.url}/")
    assert response.status == 200
    assert response.header("Content-Type").startswith("text/html")
    assert response.body == (frontend_dist / "index.html").read_bytes()
    assert response.header("Cache-Control") == "no-cache"
    assert response.header("Server") == "nginx", "no version in the Server header"
    assert_security_headers(response)


@pytest.mark.parametrize("path", ["/index.html", "/results/42", "/about?tab=model"])
def test_client_side_routes_fall_back_to_index(site, frontend_dist, path):
    response = support.get(f"{site.url}{path}")
    assert response.status == 200
    assert response.body == (frontend_dist / "index.html").read_bytes()
    assert response.header("Cache-Control") == "no-cache"


def test_hashed_assets_are_cached_for_a_year_and_gzipped(site, frontend_dist):
    bundles = sorted((frontend_dist / "assets").glob("*.js"), key=lambda path: path.stat().st_size)
    assert bundles, "the build has hashed JavaScript under assets/"
    bundle = bundles[-1]
    response = support.get(f"{site.url}/assets/{bundle.name}", headers={"Accept-Encoding": "gzip"})
    assert response.status == 200
    assert "javascript" in response.header("Content-Type")
    assert response.header("Content-Encoding") == "gzip"
    assert "Accept-Encoding" in (response.header("Vary") or "")
    assert gzip.decompress(response.body) == bundle.read_bytes()
    cache_control = response.header("Cache-Control")
    assert f"max-age={YEAR}" in cache_control and "immutable" in cache_control, cache_control
    assert_security_headers(response)


def test_missing_asset_is_a_404_not_the_app(site):
    response = support.get(f"{site.url}/assets/missing-0123abcd.js")
    assert response.status == 404
    assert "immutable" not in (response.header("Cache-Control") or "")


# --------------------------------------------------------------------------
# /api/ through nginx


def test_proxies_health(site):
    response = support.get(f"{site.url}/api/health")
    assert response.status == 200
    assert response.json()["status"] == "ok"
    assert response.json()["model_loaded"] is True
    assert_security_headers(response)


def test_proxies_predict(site, samples):
    for sample in samples["valid"]:
        response = api_predict(site, sample.files)
        assert response.status == 200, (sample.name, response.body[:300])
        body = response.json()
        assert body["filename"] == sample.name
        assert body["label"] in {"REAL", "FAKE"}
        assert 0.0 <= body["probability_real"] <= 1.0
        assert 0.5 <= body["confidence"] <= 1.0


def test_proxies_predict_with_explanation(site, samples):
    response = api_predict(site, samples["valid"][0].files, "?explain=1")
    assert response.status == 200
    explanation = response.json()["explanation"]
    # data: URLs, which the CSP's img-src allows.
    assert explanation["heatmap_png"].startswith("data:image/png;base64,")


def test_proxies_several_images_in_one_request(site, samples):
    files = samples["valid"][1].files + samples["invalid"][0].files
    response = api_predict(site, files)
    assert response.status == 200
    first, second = response.json()["results"]
    assert first["label"] in {"REAL", "FAKE"}
    assert second["error"]["code"] == 415


def test_invalid_uploads_get_json_errors(site, samples):
    for sample in samples["invalid"]:
        response = api_predict(site, sample.files)
        assert response.status == sample.expected_status, (sample.name, response.status, response.body[:300])
        assert support.is_api_error(response), (sample.name, response.body[:300])


def test_unknown_api_path_is_a_json_404(site):
    response = support.get(f"{site.url}/api/does-not-exist")
    assert response.status == 404
    assert support.is_api_error(response)


# --------------------------------------------------------------------------
# Upload limit


def _upload_of_total_size(total: int) -> tuple[bytes, str]:
    overhead = len(support.multipart([("image", "big.jpg", b"", "image/jpeg")])[0])
    return support.multipart([("image", "big.jpg", b"x" * (total - overhead), "image/jpeg")])


def test_upload_over_the_limit_is_a_json_413_from_nginx(site):
    limit = int(site.env["MAX_UPLOAD_BYTES"])
    body, content_type = _upload_of_total_size(limit + 1)
    assert len(body) == limit + 1
    response = support.request("POST", f"{site.url}/api/predict", body, {"Content-Type": content_type})
    assert response.status == 413
    assert support.is_api_error(response), response.body[:300]
    assert str(limit) in response.json()["description"]
    assert_security_headers(response)
    assert "client intended to send too large body" in site.error_log.read_text()


def test_uploads_up_to_the_limit_reach_the_backend(site, backend):
    """nginx and the backend share the limit: a body just under it passes nginx and
    the backend judges its content (415 here), not its size.

    A body of exactly the limit gets a JSON 413 too: nginx lets it through
    (client_max_body_size is inclusive) but Werkzeug, under gunicorn, refuses a
    body that reaches MAX_CONTENT_LENGTH. Either way the client sees the same shape.
    """
    limit = int(site.env["MAX_UPLOAD_BYTES"])
    assert int(backend.env["FLASK_MAX_CONTENT_LENGTH"]) == limit
    body, content_type = _upload_of_total_size(limit - 1)
    response = support.request("POST", f"{site.url}/api/predict", body, {"Content-Type": content_type})
    assert response.status == 415, response.body[:300]
    assert support.is_api_error(response)

    body, content_type = _upload_of_total_size(limit)
    response = support.request("POST", f"{site.url}/api/predict", body, {"Content-Type": content_type})
    assert response.status == 413, response.body[:300]
    assert support.is_api_error(response)


# --------------------------------------------------------------------------
# Rate limit


def _per_second(rate: str) -> float:
    number, unit = re.fullmatch(r"(\d+)r/([sm])", rate).groups()
    return int(number) / (1 if unit == "s" else 60)


def test_burst_beyond_the_rate_limit_gets_429_and_the_backend_stays_healthy(default_site, backend, deployment_report):
    """With the compose defaults: a flood of simultaneous requests from one client
    gets JSON 429s beyond the burst; the rest are answered, the first at once."""
    rate = _per_second(default_site.env["API_RATE_LIMIT"])
    burst = int(default_site.env["API_RATE_BURST"])
    count = 3 * (burst + 1)
    barrier = threading.Barrier(count)
    responses: list[support.Response] = []

    def one() -> None:
        barrier.wait(timeout=30)  # all requests leave together
        response = support.get(f"{default_site.url}/api/health")
        with lock:
            responses.append(response)

    lock = threading.Lock()
    threads = [threading.Thread(target=one) for _ in range(count)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    elapsed = time.monotonic() - started
    assert len(responses) == count
    statuses = Counter(response.status for response in responses)
    deployment_report["rate_limit_burst"] = {
        "rate": default_site.env["API_RATE_LIMIT"],
        "burst": burst,
        "delay": default_site.env["API_RATE_DELAY"],
        "simultaneous_requests": count,
        "seconds": round(elapsed, 2),
        "status_counts": {str(status): number for status, number in sorted(statuses.items())},
    }
    print(f"\nburst of {count} simultaneous requests, {elapsed:.2f} s: {dict(statuses)}")

    assert set(statuses) <= {200, 429}, statuses
    # The burst (plus the request at the rate) is answered; the rest is refused.
    assert burst + 1 <= statuses[200] <= burst + 1 + rate * elapsed + 1, (statuses, elapsed)
    assert statuses[429] >= count - statuses[200] > 0
    for response in responses:
        if response.status == 429:
            assert support.is_api_error(response), response.body[:300]
            assert response.header("Retry-After") == "1"
            assert_security_headers(response)

    # The backend never saw the refused requests and is fine.
    assert support.get(f"{backend.url}/api/health").status == 200
    # Once the burst has drained, the same client gets through again.
    time.sleep(min((burst + 1) / rate, 10))
    deadline = time.monotonic() + 10
    while (status := support.get(f"{default_site.url}/api/health").status) == 429 and time.monotonic() < deadline:
        time.sleep(0.5)
    assert status == 200


def test_paced_client_is_never_refused(start_nginx):
    """A client with two requests in flight at a time (as the web app uploads)
    is slowed to the rate, never refused, even far beyond the burst."""
    site = start_nginx(API_RATE_LIMIT="50r/s", API_RATE_BURST="5", API_RATE_DELAY="2")
    with ThreadPoolExecutor(max_workers=2) as pool:
        statuses = Counter(pool.map(lambda _: support.get(f"{site.url}/api/health").status, range(40)))
    assert statuses == Counter({200: 40})


# --------------------------------------------------------------------------
# Backend unreachable


def test_unreachable_backend_is_a_json_503(start_nginx):
    site = start_nginx(BACKEND_ADDR=f"127.0.0.1:{support.free_port()}")
    response = support.get(f"{site.url}/api/health")
    assert response.status == 503
    assert support.is_api_error(response), response.body[:300]
    # The app itself is still served.
    assert support.get(f"{site.url}/").status == 200


# --------------------------------------------------------------------------
# Malformed and oversized requests: nginx answers them, in the API's JSON


def _raw(site, head: str, body: bytes = b"") -> support.Response:
    return support.raw_request(site.url, head.replace("\n", "\r\n").encode() + body)


@pytest.mark.parametrize(
    ("name", "body"),
    [
        ("bad chunk size", b"zz\r\nabc\r\n0\r\n\r\n"),
        ("chunk without its CRLF", b"3\r\nabcXY0\r\n\r\n"),
        ("NUL in a trailer", b"3\r\nabc\r\n0\r\nX-Trailer: a\x00b\r\n\r\n"),
    ],
)
def test_malformed_chunked_bodies_are_a_json_400(site, backend, name, body):
    response = _raw(
        site,
        "POST /api/predict HTTP/1.1\nHost: x\nTransfer-Encoding: chunked\n"
        "Content-Type: multipart/form-data; boundary=b\n\n",
        body,
    )
    assert response.status == 400, (name, response.body[:200])
    assert support.is_api_error(response), (name, response.body[:200])
    assert_security_headers(response)


def test_chunked_body_over_the_limit_is_a_json_413(site):
    limit = int(site.env["MAX_UPLOAD_BYTES"])
    chunk = b"x" * (1024 * 1024)
    chunks = b"".join(b"%x\r\n%s\r\n" % (len(chunk), chunk) for _ in range(limit // len(chunk) + 1))
    response = _raw(
        site,
        "POST /api/predict HTTP/1.1\nHost: x\nTransfer-Encoding: chunked\n"
        "Content-Type: multipart/form-data; boundary=b\n\n",
        chunks + b"0\r\n\r\n",
    )
    assert response.status == 413
    assert support.is_api_error(response), response.body[:200]


def test_garbage_request_line_is_a_json_400(site):
    response = _raw(site, "HELLO THERE\n\n")
    assert response.status == 400
    assert support.is_api_error(response), response.body[:200]


def test_request_line_over_gunicorns_limit_is_a_json_414(site):
    # 4094 characters is gunicorn's limit for the request line; nginx stops a longer one.
    path = "/api/health?" + "a" * 4100
    response = support.get(f"{site.url}{path}")
    assert response.status == 414
    assert support.is_api_error(response), response.body[:200]
    assert_security_headers(response)


def test_request_line_just_under_the_limit_reaches_the_api(site):
    prefix = "GET /api/health?"
    path = "/api/health?" + "a" * (4094 - len(prefix) - len(" HTTP/1.1"))
    assert len(f"GET {path} HTTP/1.1") == 4094
    assert support.get(f"{site.url}{path}").status == 200


@pytest.mark.parametrize(
    "headers",
    [{"X-Long": "a" * 5000}, {f"X-Many-{i}": "b" * 3000 for i in range(8)}],
    ids=["one header over 4 KiB", "headers over 16 KiB"],
)
def test_oversized_headers_are_a_json_431(site, headers):
    response = support.get(f"{site.url}/api/health", headers=headers)
    assert response.status == 431
    assert support.is_api_error(response), response.body[:200]


def test_many_headers_do_not_reach_gunicorns_field_limit(site):
    """gunicorn refuses more than 100 header fields (HTML 400); nginx passes
    the API only the headers it uses, so a client may send more."""
    headers = {f"X-Extra-{i}": "1" for i in range(150)}
    response = support.get(f"{site.url}/api/health", headers=headers)
    assert response.status == 200, response.body[:200]


# Requests nginx refuses itself, before any backend sees them. Each carries MARKER
# where an answer that quoted the request back would show it.
MARKER = "QuotedBack"
REFUSED_BY_NGINX = {
    "bad request line": (f"GET /{MARKER} HTTP/1.1 extra\nHost: x\n\n", b"", 400),
    "bad header": (f"GET /api/health HTTP/1.1\nHost: x\nX-{MARKER}: a\x00b\n\n", b"", 400),
    "414 long URI": (f"GET /{MARKER}{'a' * 5000} HTTP/1.1\nHost: x\n\n", b"", 414),
    "431 huge header": (f"GET /{MARKER} HTTP/1.1\nHost: x\nX-Long: {'a' * 9000}\n\n", b"", 431),
    "Content-Length with chunked": (
        f"POST /api/{MARKER} HTTP/1.1\nHost: x\nContent-Length: 5\nTransfer-Encoding: chunked\n\n",
        b"0\r\n\r\n",
        400,
    ),
    "unknown transfer coding": (f"POST /api/{MARKER} HTTP/1.1\nHost: x\nTransfer-Encoding: gzip\n\n", b"", 501),
    "unsupported HTTP version": (f"GET /{MARKER} HTTP/2.0\nHost: x\n\n", b"", 505),
    "missing asset": (f"GET /assets/{MARKER}.js HTTP/1.1\nHost: x\n\n", b"", 404),
}


@pytest.mark.parametrize("case", list(REFUSED_BY_NGINX))
def test_nginxs_own_errors_are_json_with_the_security_headers_and_quote_nothing(site, case):
    head, body, expected = REFUSED_BY_NGINX[case]
    response = _raw(site, head, body)
    assert response.status == expected, response.body[:200]
    assert support.is_api_error(response), response.body[:200]
    assert_security_headers(response)
    assert MARKER not in response.body.decode("latin-1")
    assert not any(MARKER in value for value in response.headers.values())


def test_method_not_allowed_on_the_app_is_json(site):
    response = support.request("POST", f"{site.url}/index.html", b"x", {"Content-Type": "text/plain"})
    assert response.status == 405
    assert support.is_api_error(response), response.body[:200]
