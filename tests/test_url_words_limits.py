"""Issue 18, finding 4 (and issue 15's small bug): url_words' deadline covers the whole fetch, a
deadline hit is not retried, IPv6 forms of private IPv4 addresses are refused, a literal private
address is refused at once, and a job refused at once says which attempt it was."""

import http.server
import ipaddress
import time

import pytest

from jobs import url_words
from tests.helpers import local_http_server

DRIP_SECONDS = 8  # how long the slow server drips before it gives up (the test's own bound)


class DripBody(http.server.BaseHTTPRequestHandler):
    """Headers at once, then the body at 2 bytes a second."""

    def do_GET(self):
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.end_headers()
        self.wfile.flush()
        self.drip(b"wo" * 100)

    def drip(self, data: bytes):
        started = time.monotonic()
        for i in range(0, len(data), 2):
            if time.monotonic() - started > DRIP_SECONDS:
                return
            try:
                self.wfile.write(data[i : i + 2])
                self.wfile.flush()
            except OSError:
                return
            time.sleep(1)

    def log_message(self, *args):
        pass


class DripHeaders(DripBody):
    """Even the status line and headers come at 2 bytes a second."""

    def do_GET(self):
        self.drip(b"HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\nX-Padding: " + b"x" * 100 + b"\r\n\r\nhi")


@pytest.fixture
def allow_local(monkeypatch):
    monkeypatch.setenv(url_words.ALLOWLIST_ENV, "127.0.0.1/32")


@pytest.mark.parametrize("handler", [DripBody, DripHeaders])
def test_a_dripping_server_is_cut_at_the_deadline(allow_local, handler):
    with local_http_server(handler) as base:
        started = time.monotonic()
        with pytest.raises(url_words.PageTooSlow, match="took longer than"):
            url_words.fetch(f"{base}/slow", started + 1.5)
        assert time.monotonic() - started < DRIP_SECONDS - 3  # cut at the deadline, not when it gave up


def test_a_deadline_hit_is_not_retried_and_the_page_says_so(
    client, connection, allow_local, monkeypatch, run_jobs
):
    monkeypatch.setattr(url_words, "TOTAL_SECONDS", 1.5)
    with local_http_server(DripBody) as base:
        job_id = (
            client.post("/tasks/url_words", data={"url": f"{base}/slow"})
            .headers["Location"]
            .rsplit("/", 1)[-1]
        )
        run_jobs()
    job = client.get(f"/api/jobs/{job_id}").get_json()
    assert job["status"] == "failed" and "took longer than" in job["error"]
    page = client.get(f"/jobs/{job_id}").get_data(as_text=True)
    assert "Attempt 1 of 4: no retry follows because the error cannot pass." in page
    assert connection.zcard("rq:scheduled:default") == 0  # no retry waiting


def test_a_refused_address_fails_at_once_and_says_attempt_1(client, connection, monkeypatch, run_jobs):
    monkeypatch.delenv(url_words.ALLOWLIST_ENV, raising=False)
    # a host name (not a literal): the form takes it, the worker finds it is local and refuses it
    job_id = client.post("/tasks/url_words", data={"url": "http://localhost:9/"}).headers["Location"]
    run_jobs()
    page = client.get(job_id).get_data(as_text=True)
    assert "points to a private or local network" in page
    assert "Attempt 1 of 4: no retry follows because the error cannot pass." in page
    assert "Attempt 4 of 4" not in page


@pytest.mark.parametrize(
    "address, public",
    [
        ("64:ff9b::7f00:1", False),  # NAT64 of 127.0.0.1
        ("64:ff9b::a00:1", False),  # NAT64 of 10.0.0.1
        ("2002:7f00:1::", False),  # 6to4 of 127.0.0.1
        ("2002:c0a8:101::1", False),  # 6to4 of 192.168.1.1
        ("::7f00:1", False),  # IPv4-compatible 127.0.0.1
        ("::a9fe:a9fe", False),  # IPv4-compatible 169.254.169.254 (cloud metadata)
        ("::ffff:127.0.0.1", False),
        ("64:ff9b::808:808", True),  # NAT64 of 8.8.8.8
        ("2002:808:808::1", True),  # 6to4 of 8.8.8.8
        ("2606:4700::1111", True),
    ],
)
def test_ipv6_forms_of_ipv4_addresses_are_judged_by_the_ipv4_address(address, public):
    assert url_words.is_public(ipaddress.ip_address(address)) is public


LITERALS = [
    "http://127.0.0.1:6379/",
    "http://[::1]:6379/",
    "http://10.1.2.3/",
    "http://169.254.169.254/latest/meta-data/",
    "http://127.1/",
    "http://2130706433/",
    "http://0x7f.1/",
    "http://[::ffff:127.0.0.1]/",
    "http://[64:ff9b::7f00:1]/",
    "http://[2002:7f00:1::]/",
]


@pytest.mark.parametrize("url", LITERALS)
def test_a_literal_private_address_is_refused_at_once_by_the_form_and_the_api(
    client, connection, monkeypatch, url
):
    monkeypatch.delenv(url_words.ALLOWLIST_ENV, raising=False)
    form = client.post("/tasks/url_words", data={"url": url})
    assert form.status_code == 400
    assert "is private or local" in form.get_data(as_text=True)
    api = client.post("/api/jobs", json={"task": "url_words", "params": {"url": url}})
    assert api.status_code == 400 and "is private or local" in api.get_json()["error"]
    assert not list(connection.scan_iter("rq:job:*"))


def test_the_allow_list_lets_a_literal_through(client, allow_local):
    assert client.post("/tasks/url_words", data={"url": "http://127.0.0.1:6379/"}).status_code == 303
