"""url_words: pages from a local http.server; private targets refused unless allow-listed."""

import http.server
import ipaddress
import threading

import pytest

from jobs import url_words
from jobs.errors import TaskInputError
from jobs.url_words import FetchError, is_public
from scripts.processes import free_port
from tests.helpers import local_http_server, page, page_once_run, submit

PAGE = b"""<!doctype html><html><head><title>Hello  page</title><style>p {color: red}</style>
<script>var hidden = "secret words";</script></head>
<body><h1>Big news</h1><p>The cat sat on the mat. The cat slept.</p></body></html>"""


class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        routes = {
            "/page": (200, "text/html; charset=utf-8", PAGE, None),
            "/plain": (200, "text/plain", b"one two two", None),
            "/redirect": (302, "text/plain", b"", "/page"),
            "/to-metadata": (302, "text/plain", b"", "http://169.254.169.254/latest/meta-data/"),
            "/to-private": (301, "text/plain", b"", "http://10.1.2.3/"),
            "/loop": (302, "text/plain", b"", "/loop"),
            "/image": (200, "image/png", b"\x89PNG\r\n\x1a\n", None),
            "/big": (200, "text/plain", b"word " * 50_000, None),
            "/missing": (404, "text/html", b"<p>nope</p>", None),
        }
        status, content_type, body, location = routes.get(self.path, (404, "text/plain", b"no", None))
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        if location:
            self.send_header("Location", location)
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def site():
    with local_http_server(Handler) as url:
        yield url


def test_local_addresses_are_refused_without_the_allow_list(site, monkeypatch):
    monkeypatch.delenv(url_words.ALLOWLIST_ENV, raising=False)
    with pytest.raises(TaskInputError, match="private or local network"):
        url_words.run({"url": f"{site}/page"})
    port = site.rsplit(":", 1)[1]
    for url in (f"http://localhost:{port}/page", f"http://[::1]:{port}/", "http://169.254.169.254/latest/"):
        with pytest.raises(TaskInputError, match="private or local network"):
            url_words.run({"url": url})


@pytest.mark.parametrize(
    ("address", "public"),
    [
        ("93.184.216.34", True),
        ("2606:4700::1111", True),
        ("10.0.0.1", False),
        ("192.168.1.1", False),
        ("100.64.0.1", False),
        ("169.254.169.254", False),
        ("fe80::1", False),
        ("::ffff:127.0.0.1", False),
        ("0.0.0.0", False),
    ],
)
def test_is_public(address, public):
    assert is_public(ipaddress.ip_address(address)) is public


def test_counts_the_visible_words_of_an_allowed_page(site, local_fetches_allowed):
    result = url_words.run({"url": f"{site}/page"})
    assert result["title"] == "Hello page"
    assert result["status"] == 200 and result["bytes"] == len(PAGE)
    assert result["words"] == 11  # "Big news" + the paragraph; no script, style or title
    assert result["top"][0] == {"word": "the", "count": 3, "share": 3 / 11}
    assert url_words.run({"url": f"{site}/plain"})["words"] == 3


def test_redirects_are_followed_and_checked_every_time(site, local_fetches_allowed):
    assert url_words.run({"url": f"{site}/redirect"})["url"] == f"{site}/page"
    for path in ("/to-metadata", "/to-private"):
        with pytest.raises(TaskInputError, match="private or local network"):
            url_words.run({"url": f"{site}{path}"})
    with pytest.raises(TaskInputError, match="redirected more than 5 times"):
        url_words.run({"url": f"{site}/loop"})


def test_wrong_types_errors_and_size_limit(site, local_fetches_allowed, monkeypatch):
    with pytest.raises(TaskInputError, match="gave image/png, not a web page or text"):
        url_words.run({"url": f"{site}/image"})
    with pytest.raises(TaskInputError, match="answered 404"):
        url_words.run({"url": f"{site}/missing"})
    monkeypatch.setattr(url_words, "MAX_BYTES", 100_000)
    with pytest.raises(TaskInputError, match="larger than"):
        url_words.run({"url": f"{site}/big"})


def test_connection_errors_are_retryable(local_fetches_allowed):
    with pytest.raises(FetchError) as caught:
        url_words.run({"url": f"http://127.0.0.1:{free_port()}/"})
    assert isinstance(caught.value, ConnectionError)


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("ftp://example.com/", "must start with http:// or https://"),
        ("http:///path", "has no host name"),
        ("http://user:pw@example.com/", "user name or password"),
        ("", "Enter the address of a web page."),
    ],
)
def test_validate(url, message):
    with pytest.raises(TaskInputError, match=message):
        url_words.validate({"url": url})


def test_through_the_worker_and_retried_on_connection_errors(client, site, local_fetches_allowed, run_jobs):
    fetched = submit(client, "url_words", {"url": f"{site}/page"})
    # A closed port: the job fails, and RQ schedules attempt 2 of 4 after the first back-off interval.
    refused = submit(client, "url_words", {"url": f"http://127.0.0.1:{free_port()}/"})
    html = page_once_run(client, run_jobs, fetched, "finished")
    assert "Hello page" in html and "11 words" in html
    html = page(client, refused)
    assert "status-scheduled" in html
    assert "Attempt 2 of 4" in html


def test_a_refused_address_fails_at_once_without_retries(client, site, run_jobs):
    # The default worker has no allow-list: a local address is refused, and not retried. (A host
    # name: an address written as a literal is refused by the form already.)
    job_id = submit(client, "url_words", {"url": f"{site.replace('127.0.0.1', 'localhost')}/page"})
    html = page_once_run(client, run_jobs, job_id, "failed")
    assert "points to a private or local network" in html
    assert "Traceback" not in html


def test_api_refuses_a_non_http_address(client):
    response = client.post("/api/jobs", json={"task": "url_words", "params": {"url": "file:///etc/passwd"}})
    assert response.status_code == 400
    assert response.get_json()["error"] == "The address must start with http:// or https://."


def test_https_goes_to_the_checked_address_and_verifies_the_certificate(tmp_path, local_fetches_allowed):
    """A local TLS server with a self-signed certificate: the pinned HTTPS connection reaches it
    (the TLS handshake happens) and refuses the unverifiable certificate in one sentence."""
    import shutil
    import ssl
    import subprocess

    if shutil.which("openssl") is None:
        pytest.skip("needs the openssl command to make a certificate")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1"]
        + ["-keyout", str(key), "-out", str(cert)],
        check=True,
        capture_output=True,
    )
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        with pytest.raises(TaskInputError, match="certificate could not be verified"):
            url_words.run({"url": f"https://127.0.0.1:{server.server_address[1]}/page"})
    finally:
        server.shutdown()
        server.server_close()
