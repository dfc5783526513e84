"""Output escaping: XSS payloads as pasted text, CSV cells, file names, URLs and a fetched page's
title, run by an RQ worker (in process), are shown inert on the job page, in the history and in
rq-dashboard (its pages and JSON endpoints). A browser check of the dashboard's client-side
rendering is in tests/browser/test_xss_browser.py.
"""

import base64
import http.server
import io
from html.parser import HTMLParser

import pytest
from PIL import Image

from tests.helpers import local_http_server, submit
from webapp import dashboard

ADMIN = {"Authorization": "Basic " + base64.b64encode(b"admin:s3cret").decode()}
SCRIPT = "<script>alert('xss')</script>"
IMG = "<img src=x onerror=alert('xss')>"
BREAKOUT = '" onmouseover="alert(\'xss\')" x="'
SVG = "'><svg onload=alert('xss')>"
#: what must appear, escaped, wherever a payload is shown
ESCAPED = ["&lt;script&gt;alert(", "&lt;img src=x onerror=alert("]


class Inspector(HTMLParser):
    """Collects what a browser would treat as markup: tags, attributes, script elements."""

    def __init__(self, own_inline_scripts: bool):
        super().__init__()
        self.own_inline_scripts = own_inline_scripts
        self.problems = []

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if name.startswith("on"):
                self.problems.append(f"<{tag} {name}=...>")
            if name in ("href", "src", "action") and (value or "").strip().lower().startswith("javascript:"):
                self.problems.append(f"<{tag} {name}=javascript:...>")
        attributes = dict(attrs)
        external = (attributes.get("src") or "").startswith(("/static/", "/rq/static/"))
        if tag == "script" and not external and not self.own_inline_scripts:
            self.problems.append("inline <script>")  # rq-dashboard's own pages have some (hashed in its CSP)
        own_chart = tag == "svg" and attributes.get("role") == "img"  # the site's charts (webapp/charts.py)
        if (tag in ("svg", "iframe", "object", "embed") and not own_chart) or (
            tag == "img" and attributes.get("src") == "x"
        ):
            self.problems.append(f"<{tag}>")
        if "x" in attributes and tag not in ("rect", "text"):  # BREAKOUT adds an attribute named x
            self.problems.append(f"<{tag} x=...>")


def assert_inert(html: str, where: str, own_inline_scripts: bool = False) -> None:
    inspector = Inspector(own_inline_scripts)
    inspector.feed(html)
    assert inspector.problems == [], (where, inspector.problems)


def assert_shown_escaped(html: str, where: str) -> None:
    assert any(e in html for e in ESCAPED), (where, "the payload is not on the page at all")


class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        if self.path.startswith("/page"):
            body = f"<html><head><title>&lt;script&gt;alert('xss')&lt;/script&gt; {IMG}</title></head>"
            body += f"<body><p>{SCRIPT} words words</p></body></html>"
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
        else:
            body = "gone"
            self.send_response(404)
            self.send_header("Content-Type", "text/plain")
        data = body.encode()
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


@pytest.fixture
def site():
    with local_http_server(Handler) as url:
        yield url


def png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 6), "red").save(buffer, "PNG")
    return buffer.getvalue()


def submit_payload_jobs(client, site) -> dict[str, str]:
    csv_text = f'{SCRIPT},"{IMG}",plain\n{SVG},"{BREAKOUT}",1\n{SCRIPT},x,2\n'
    post = {"content_type": "multipart/form-data"}
    return {
        "pasted text": submit(
            client, "word_frequency", {"text": f"{SCRIPT} {IMG} {BREAKOUT} {SVG}", "top": "20"}, **post
        ),
        "csv cells and file name": submit(
            client, "csv_profile", {"csv": (io.BytesIO(csv_text.encode()), f"{IMG}.csv")}, **post
        ),
        "image file name": submit(
            client, "thumbnails", {"images": (io.BytesIO(png()), f"{SVG}{IMG}.png"), "sizes": "64"}, **post
        ),
        "text file name": submit(
            client, "word_frequency", {"upload": (io.BytesIO(b"a b"), f"{SCRIPT}.txt"), "top": "5"}, **post
        ),
        "url and page title": submit(client, "url_words", {"url": f"{site}/page?q={SCRIPT}"}),
        "url in an error": submit(client, "url_words", {"url": f"{site}/gone?q={SCRIPT}"}),
    }


def test_payloads_are_inert_on_job_pages_history_and_the_dashboard(
    client, connection, site, local_fetches_allowed, run_jobs
):
    jobs = submit_payload_jobs(client, site)
    run_jobs()
    statuses = {what: client.get(f"/api/jobs/{job_id}").get_json()["status"] for what, job_id in jobs.items()}
    assert statuses == {**dict.fromkeys(jobs, "finished"), "url in an error": "failed"}

    for what, job_id in jobs.items():
        for viewer, headers in (("owner", {}), ("admin", ADMIN)):  # the admin also sees the traceback
            page = client.get(f"/jobs/{job_id}", headers=headers).get_data(as_text=True)
            assert_inert(page, f"job page ({what}, {viewer})")
            assert_shown_escaped(page, f"job page ({what})")
        api = client.get(f"/api/jobs/{job_id}")
        assert api.mimetype == "application/json" and api.headers["X-Content-Type-Options"] == "nosniff"
    history = client.get("/jobs").get_data(as_text=True)
    assert_inert(history, "history")
    assert_shown_escaped(history, "history")
    page = client.get(f"/jobs/{jobs['url and page title']}").get_data(as_text=True)
    assert "&lt;script&gt;alert(&#39;xss&#39;)&lt;/script&gt;" in page  # the fetched page's title, as text

    # rq-dashboard: its JSON carries the payloads as data, served as JSON that is never sniffed
    json_paths = [f"/rq/0/data/job/{job_id}.json" for job_id in jobs.values()] + [
        "/rq/0/data/jobs/default/finished/50/asc/1.json",
        "/rq/0/data/jobs/default/failed/50/asc/1.json",
        "/rq/0/data/workers.json",
        "/rq/0/data/queues.json",
    ]
    for path in json_paths:
        response = client.get(path, headers=ADMIN)
        assert response.status_code == 200, path
        assert (
            response.mimetype == "application/json"
            and response.headers["X-Content-Type-Options"] == "nosniff"
        )
    failed = client.get("/rq/0/data/jobs/default/failed/50/asc/1.json", headers=ADMIN).get_data(as_text=True)
    assert "<script>alert(" in failed  # the payload really is in what the dashboard renders
    # ... and its pages interpolate every value with escaping (<%- %>), never raw (<%= %>)
    for path in [
        f"/rq/0/view/job/{jobs['url in an error']}",
        "/rq/0/view/jobs/default/failed/8/asc/1",
        "/rq/0/view/workers",
        "/rq/",
    ]:
        html = client.get(path, headers=ADMIN).get_data(as_text=True)
        assert "<%=" not in html, path
        assert "<%- d.description %>" in html or "<%-" in html, path
        assert_inert(html, path, own_inline_scripts=True)


def test_dashboard_templates_are_served_with_every_interpolation_escaped(client):
    job_page = client.get("/rq/0/view/job/some-id", headers=ADMIN)
    assert job_page.status_code == 404  # unknown id (upstream: a 500)
    html = client.get("/rq/0/view/jobs", headers=ADMIN).get_data(as_text=True)
    assert "<%=" not in html
    assert "<%- d.description %>" in html  # was $('<div/>').text(d.description).html(): not escaped twice
    assert "$('<div/>').text(" not in html


def test_escape_interpolations_rewrites_raw_and_hand_escaped_forms():
    source = "<p><%= d.description %></p><pre><%= $('<div/>').text(d.exc_info).html() %></pre><% if (x) { %>"
    assert (
        dashboard.escape_interpolations(source)
        == "<p><%- d.description %></p><pre><%- d.exc_info %></pre><% if (x) { %>"
    )


def test_upstream_still_interpolates_job_fields_unescaped_so_the_shim_is_still_needed():
    """When this fails, rq-dashboard escapes its job fields: drop EscapingLoader from webapp/dashboard.py."""
    assert dashboard.upstream_interpolates_unescaped()


def test_the_job_missing_page_does_not_reflect_the_id_as_markup(client):
    response = client.get(f"/jobs/{IMG}")
    assert response.status_code == 404
    assert_inert(response.get_data(as_text=True), "404 page")
    assert "&lt;img src=x onerror=alert(&#39;xss&#39;)&gt;" in response.get_data(as_text=True)
