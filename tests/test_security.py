"""Security: CSRF, owners, the admin area, headers and cookies, SECRET_KEY, the API token, the rate limit."""

import base64
import hmac
import io
import os
import re
import subprocess
import sys
import uuid

import pytest
import redis
from rq import Queue
from rq.serializers import JSONSerializer

from jobs.queue_names import QUEUE_NAMES
from scripts.processes import ROOT, free_port
from tests.helpers import TEST_CONFIG, job_id_from, submit_countdown
from webapp import create_app
from webapp.ratelimit import KEY_PREFIX

ADMIN = {"Authorization": "Basic " + base64.b64encode(b"admin:s3cret").decode()}
SAME_ORIGIN = {"Origin": "http://localhost"}


def make_app(redis_url, **overrides):
    return create_app({**TEST_CONFIG, "REDIS_URL": redis_url, **overrides})


def jobs_in_redis(connection) -> int:
    """Every job RQ holds, whatever its state (one hash per job)."""
    return sum(1 for _ in connection.scan_iter("rq:job:*"))


def queued(connection) -> int:
    return sum(Queue(n, connection=connection, serializer=JSONSerializer).count for n in QUEUE_NAMES)


def csrf_token(client, path="/tasks/countdown") -> str:
    page = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)


# --- CSRF ----------------------------------------------------------------------------------------
FORM_DATA = {
    "countdown": {"seconds": "5"},
    "primes": {"limit": "100"},
    "url_words": {"url": "https://example.com/"},
    "word_frequency": {"text": "a b c", "top": "5"},
    "csv_profile": {"csv": (io.BytesIO(b"a,b\n1,2\n"), "t.csv")},
    "thumbnails": {"images": (io.BytesIO(b"\x89PNG\r\n\x1a\n" + b"0" * 40), "i.png"), "sizes": "128"},
}


@pytest.fixture
def csrf_app(redis_url):
    return make_app(redis_url, WTF_CSRF_ENABLED=True)


def fresh(data: dict) -> dict:
    """A copy of form data with unread file streams (a test client reads them)."""
    return {k: (io.BytesIO(v[0].getvalue()), v[1]) if isinstance(v, tuple) else v for k, v in data.items()}


@pytest.mark.parametrize("task", sorted(FORM_DATA))
def test_every_task_form_refuses_a_missing_or_wrong_csrf_token_with_the_400_page(csrf_app, connection, task):
    client = csrf_app.test_client()
    token = csrf_token(client, f"/tasks/{task}")
    for extra in ({}, {"csrf_token": "wrong"}, {"csrf_token": token + "x"}):
        response = client.post(f"/tasks/{task}", data={**fresh(FORM_DATA[task]), **extra})
        assert response.status_code == 400, (task, extra)
        page = response.get_data(as_text=True)
        assert "Form expired" in page and "CSRF token" in page and "reload the page" in page
    assert jobs_in_redis(connection) == 0
    # the same form with its real token is accepted, so the refusals above are about the token
    accepted = client.post(f"/tasks/{task}", data={**fresh(FORM_DATA[task]), "csrf_token": token})
    assert accepted.status_code == 303, accepted.get_data(as_text=True)[:800]


def test_a_form_shown_again_for_invalid_input_carries_a_token_that_works(csrf_app, connection):
    """The token field signs its token when the form is drawn (forms.TokenOnRenderField), so a form
    shown again with its errors must still carry a valid one."""
    client = csrf_app.test_client()
    refused = client.post("/tasks/countdown", data={"seconds": "0", "csrf_token": csrf_token(client)})
    assert refused.status_code == 400 and "Form expired" not in refused.get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', refused.get_data(as_text=True))
    accepted = client.post("/tasks/countdown", data={"seconds": "5", "csrf_token": token.group(1)})
    assert accepted.status_code == 303, accepted.get_data(as_text=True)[:800]
    assert jobs_in_redis(connection) == 1


def test_why_form_and_every_job_action_refuse_a_missing_or_wrong_csrf_token(csrf_app, connection):
    client = csrf_app.test_client()
    token = csrf_token(client)
    response = client.post("/tasks/countdown", data={"seconds": "30", "csrf_token": token})
    job_id = job_id_from(response)
    before = jobs_in_redis(connection)
    targets = ["/why"] + [f"/jobs/{job_id}/{a}" for a in ("cancel", "stop", "retry", "delete")]
    for path in targets:
        for data in ({}, {"csrf_token": "forged"}):
            response = client.post(path, data={"seconds": "1", **data})
            assert response.status_code == 400, path
            assert "Form expired" in response.get_data(as_text=True), path
    assert jobs_in_redis(connection) == before
    assert client.get(f"/api/jobs/{job_id}").get_json()["status"] == "queued"  # not canceled, not deleted
    canceled = client.post(f"/jobs/{job_id}/cancel", data={"csrf_token": token})
    assert canceled.status_code == 303
    assert client.get(f"/api/jobs/{job_id}").get_json()["status"] == "canceled"


def test_the_api_and_the_dashboard_are_csrf_exempt_but_guarded_otherwise(csrf_app, connection):
    client = csrf_app.test_client()
    form_post = client.post("/api/jobs", data={"task": "countdown"})
    assert form_post.status_code == 400 and "application/json" in form_post.get_json()["error"]
    assert client.post("/api/jobs", json={"task": "countdown", "params": {"seconds": 1}}).status_code == 202
    assert client.post("/rq/queue/default/queued/empty", headers=ADMIN).status_code == 403  # no origin
    assert queued(connection) == 1


# --- owners and ids ------------------------------------------------------------------------------
def test_another_browser_cannot_act_on_or_download_a_job_but_the_admin_can(app, connection):
    owner = app.test_client()
    job_id = submit_countdown(owner)
    stranger = app.test_client()
    submit_countdown(stranger)  # the stranger has an owner id of their own: still not this job's owner
    for action in ("cancel", "stop", "retry", "delete"):
        assert stranger.post(f"/jobs/{job_id}/{action}").status_code == 404, action  # as for no job
    assert stranger.get(f"/jobs/{job_id}/edit").status_code == 404
    assert stranger.get(f"/jobs/{job_id}/files/words.csv").status_code == 404
    page = stranger.get(f"/jobs/{job_id}").get_data(as_text=True)
    assert "/cancel" not in page and "/delete" not in page  # no buttons for what they may not do
    assert owner.get(f"/api/jobs/{job_id}").get_json()["status"] == "queued"
    admin = app.test_client()
    assert admin.post(f"/jobs/{job_id}/cancel", headers=ADMIN).status_code == 303
    assert owner.get(f"/api/jobs/{job_id}").get_json()["status"] == "canceled"
    assert owner.post(f"/jobs/{job_id}/delete").status_code == 303
    assert not connection.exists(f"rq:job:{job_id}")


def test_job_ids_are_uuid4_on_every_way_in(app, connection):
    client = app.test_client()
    ids = [submit_countdown(client)]
    ids.append(
        client.post("/api/jobs", json={"task": "countdown", "params": {"seconds": 1}}).get_json()["id"]
    )
    ids.append(job_id_from(client.post("/why", data={"seconds": "1"})))
    client.post(f"/jobs/{ids[0]}/cancel")
    ids.append(job_id_from(client.post(f"/jobs/{ids[0]}/retry")))
    assert len(set(ids)) == 4
    for job_id in ids:
        assert uuid.UUID(job_id).version == 4 and str(uuid.UUID(job_id)) == job_id
        assert connection.exists(f"rq:job:{job_id}")


# --- the admin area ------------------------------------------------------------------------------
def failed_job(connection):
    queue = Queue("default", connection=connection, serializer=JSONSerializer)
    job = queue.enqueue("jobs.runner.execute", "countdown", {"seconds": 1})
    queue.remove(job)
    queue.failed_job_registry.add(job, ttl=600, exc_string="boom")
    return job


DASHBOARD_ACTIONS = [
    # (method, path factory, did it happen?)
    ("POST", lambda j: f"/rq/job/{j.id}/delete", lambda c, j: not c.exists(f"rq:job:{j.id}")),
    ("POST", lambda j: "/rq/queue/default/queued/empty", lambda c, j: c.llen("rq:queue:default") == 0),
    ("POST", lambda j: "/rq/queue/default/failed/empty", lambda c, j: not c.exists(f"rq:job:{j.id}")),
    ("POST", lambda j: f"/rq/job/{j.id}/requeue", lambda c, j: c.llen("rq:queue:default") == 2),
    ("POST", lambda j: "/rq/requeue/default", lambda c, j: c.llen("rq:queue:default") == 2),
    ("GET", lambda j: "/rq/requeue/default", lambda c, j: c.llen("rq:queue:default") == 2),
]


@pytest.mark.parametrize("method,path,happened", DASHBOARD_ACTIONS)
def test_dashboard_actions_need_the_admin_and_a_same_origin_request(app, connection, method, path, happened):
    client = app.test_client()
    Queue("default", connection=connection, serializer=JSONSerializer).enqueue(
        "jobs.runner.execute", "countdown", {"seconds": 1}
    )
    job = failed_job(connection)
    url = path(job)
    wrong = {"Authorization": "Basic " + base64.b64encode(b"admin:s3cres").decode()}
    refused = [
        ({}, 401),
        ({**SAME_ORIGIN}, 401),
        ({**wrong, **SAME_ORIGIN}, 401),
        ({**ADMIN}, 403),  # no Origin or Referer at all
        ({**ADMIN, "Origin": "https://evil.example"}, 403),
        ({**ADMIN, "Referer": "https://evil.example/page"}, 403),
        ({**ADMIN, "Origin": "https://localhost"}, 403),  # other scheme, other origin
    ]
    for headers, status in refused:
        response = client.open(url, method=method, headers=headers)
        assert response.status_code == status, (url, headers)
        assert not happened(connection, job), (url, headers)
    # a browser sends Origin with a POST, only a Referer when it follows a link
    same_origin = SAME_ORIGIN if method == "POST" else {"Referer": "http://localhost/rq/0/view/jobs"}
    assert client.open(url, method=method, headers={**ADMIN, **same_origin}).status_code == 200
    assert happened(connection, job)


def test_admin_credentials_are_compared_in_constant_time(app, monkeypatch):
    calls = []
    real = hmac.compare_digest

    def spy(a, b):
        calls.append((a, b))
        return real(a, b)

    monkeypatch.setattr(hmac, "compare_digest", spy)
    client = app.test_client()
    assert client.get("/rq/", headers=ADMIN).status_code == 200
    assert (b"admin", b"admin") in calls and (b"s3cret", b"s3cret") in calls
    calls.clear()
    wrong = {"Authorization": "Basic " + base64.b64encode(b"admin:s3cre").decode()}
    assert client.get("/rq/", headers=wrong).status_code == 401
    assert (b"s3cre", b"s3cret") in calls  # both parts are always compared, the user name too
    assert (b"admin", b"admin") in calls


# --- headers and cookies -------------------------------------------------------------------------
def script_src(csp: str) -> str:
    return next(p for p in csp.split(";") if p.strip().startswith("script-src")).strip()


def assert_security_headers(response, where):
    headers = response.headers
    csp = headers.get("Content-Security-Policy", "")
    assert "frame-ancestors 'none'" in csp, where
    assert "'unsafe-inline'" not in script_src(csp), where
    assert "default-src 'self'" in csp and "object-src 'none'" in csp, where
    assert headers.get("X-Content-Type-Options") == "nosniff", where
    assert headers.get("Referrer-Policy") == "same-origin", where


def test_every_kind_of_response_carries_the_security_headers(redis_url):
    app = make_app(redis_url, RATE_LIMIT="1/minute", MAX_CONTENT_LENGTH=1024)
    client = app.test_client()
    job_id = submit_countdown(client)
    elsewhere = {"REMOTE_ADDR": "10.0.0.7"}  # another client, with its own budget
    responses = {
        "catalog": client.get("/"),
        "form": client.get("/tasks/countdown"),
        "job page": client.get(f"/jobs/{job_id}"),
        "history": client.get("/jobs"),
        "why": client.get("/why"),
        "api job": client.get(f"/api/jobs/{job_id}"),
        "api 404": client.get("/api/jobs/nope"),
        "api 400": client.post("/api/jobs", data="x", content_type="text/plain"),
        "health": client.get("/healthz"),
        "static css": client.get("/static/style.css"),
        "static js": client.get("/static/app.js"),
        "404 page": client.get("/no/such/page"),
        "405 page": client.get(f"/jobs/{job_id}/cancel"),
        "429 page": client.post("/tasks/countdown", data={"seconds": "3"}),
        "413 page": client.post("/tasks/countdown", data={"seconds": "1" * 2000}, environ_base=elsewhere),
        "400 form": client.post("/tasks/countdown", data={"seconds": "0"}, environ_base=elsewhere),
        "303": client.post(f"/jobs/{job_id}/cancel"),
        "dashboard 401": client.get("/rq/"),
        "dashboard": client.get("/rq/", headers=ADMIN),
        "dashboard json": client.get("/rq/0/data/queues.json", headers=ADMIN),
        "dashboard static": client.get("/rq/static/js/jquery-3.5.1.min.js", headers=ADMIN),
        "dashboard 403": client.post("/rq/queue/default/queued/empty", headers=ADMIN),
    }
    expected = {"404 page": 404, "405 page": 405, "413 page": 413, "429 page": 429, "400 form": 400}
    for where, response in responses.items():
        assert response.status_code == expected.get(where, response.status_code), where
        assert_security_headers(response, where)
        response.close()
    down = make_app("redis://127.0.0.1:1/0").test_client()
    for where in ("/jobs/x", "/api/jobs/x"):
        response = down.get(where)
        assert response.status_code == 503
        assert_security_headers(response, f"503 {where}")
    dashboard_csp = responses["dashboard"].headers["Content-Security-Policy"]
    assert "'unsafe-eval'" in script_src(dashboard_csp) and "'sha256-" in script_src(dashboard_csp)
    assert script_src(responses["catalog"].headers["Content-Security-Policy"]) == "script-src 'self'"


def test_site_pages_have_no_inline_scripts(client):
    job_id = submit_countdown(client)
    for path in ["/", "/tasks/countdown", "/tasks/thumbnails", f"/jobs/{job_id}", "/jobs", "/why", "/nope"]:
        page = client.get(path).get_data(as_text=True)
        scripts = re.findall(r"<script\b[^>]*>", page)
        assert scripts and all('src="/static/' in tag for tag in scripts), (path, scripts)
        assert not re.search(r"\son[a-z]+\s*=", page), path  # no inline event handlers either


def session_cookie(response) -> str:
    return next(c for c in response.headers.getlist("Set-Cookie") if c.startswith("session="))


def test_session_cookie_is_httponly_lax_and_secure_only_over_https(redis_url):
    app = make_app(redis_url)
    plain = session_cookie(app.test_client().post("/tasks/countdown", data={"seconds": "3"}))
    assert "HttpOnly" in plain and "SameSite=Lax" in plain and "Secure" not in plain
    https = app.test_client().post("/tasks/countdown", data={"seconds": "3"}, base_url="https://localhost")
    assert "Secure" in session_cookie(https) and "HttpOnly" in session_cookie(https)
    # X-Forwarded-Proto counts only when a trusted proxy is configured
    forwarded = {"X-Forwarded-Proto": "https"}
    untrusted = app.test_client().post("/tasks/countdown", data={"seconds": "3"}, headers=forwarded)
    assert "Secure" not in session_cookie(untrusted)
    proxied = make_app(redis_url, TRUST_PROXY="1").test_client()
    trusted = proxied.post("/tasks/countdown", data={"seconds": "3"}, headers=forwarded)
    assert "Secure" in session_cookie(trusted)


def clean_env(**extra) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SECRET_KEY", "JOBDECK_", "FLASK_"))}
    return {**env, "PYTHONPATH": str(ROOT), **extra}


def test_the_app_refuses_to_start_without_a_secret_key(redis_url):
    command = [sys.executable, "-c", "from webapp import create_app; create_app()"]
    refused = subprocess.run(
        command, cwd=ROOT, env=clean_env(REDIS_URL=redis_url), capture_output=True, text=True
    )
    assert refused.returncode != 0
    assert "SECRET_KEY is not set. Set the SECRET_KEY environment variable" in refused.stderr
    started = subprocess.run(
        command,
        cwd=ROOT,
        env=clean_env(REDIS_URL=redis_url, SECRET_KEY="k" * 32),
        capture_output=True,
        text=True,
    )
    assert started.returncode == 0, started.stderr
    debug = subprocess.run(
        [
            sys.executable,
            "-c",
            "from webapp import create_app; assert create_app({'DEBUG': True}).secret_key",
        ],
        cwd=ROOT,
        env=clean_env(REDIS_URL=redis_url),
        capture_output=True,
        text=True,
    )
    assert debug.returncode == 0, debug.stderr  # debug mode makes a throwaway key


def test_the_procfile_web_server_exits_with_the_message_without_a_secret_key(redis_url):
    from scripts.processes import procfile_command

    command = procfile_command("web")
    command[0] = os.path.join(os.path.dirname(sys.executable), command[0])
    replacements = {"0.0.0.0": "127.0.0.1", "${PORT:-5000}": str(free_port()), "${WEB_CONCURRENCY:-2}": "1"}
    for old, new in replacements.items():
        command = [part.replace(old, new) for part in command]
    result = subprocess.run(
        command, cwd=ROOT, env=clean_env(REDIS_URL=redis_url), capture_output=True, text=True, timeout=60
    )
    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stdout + result.stderr


# --- the API token -------------------------------------------------------------------------------
BODY = '{"task": "countdown", "params": {"seconds": 2}}'


def test_the_api_token_lets_a_client_send_json_with_any_content_type(redis_url, connection):
    client = make_app(redis_url, API_TOKEN="t0ken-abc").test_client()
    bearer = {"Authorization": "Bearer t0ken-abc"}
    for content_type in ("application/x-www-form-urlencoded", "text/plain", None):
        response = client.post("/api/jobs", data=BODY, headers=bearer, content_type=content_type)
        assert response.status_code == 202, (content_type, response.get_json())
    without = client.post("/api/jobs", data=BODY, content_type="application/x-www-form-urlencoded")
    assert without.status_code == 400 and "application/json" in without.get_json()["error"]
    assert queued(connection) == 3
    # the token grants nothing else: validation is the same
    invalid = client.post("/api/jobs", data='{"task": "countdown", "params": {"seconds": 0}}', headers=bearer)
    assert invalid.status_code == 400 and "between 1 and 3600" in invalid.get_json()["error"]


def test_a_wrong_api_token_is_refused_not_ignored(redis_url, connection):
    client = make_app(redis_url, API_TOKEN="t0ken-abc").test_client()
    for token in ("t0ken-abd", "t0ken-ab", "", "t0ken-abc "):
        response = client.post(
            "/api/jobs",
            data=BODY,
            content_type="application/json",
            headers={"Authorization": f"Bearer {token}x"},
        )
        assert response.status_code == 401, token
        assert response.get_json()["error"] == "The API token is not valid."
        assert 'error="invalid_token"' in response.headers["WWW-Authenticate"]
    assert client.get("/api/jobs/x", headers={"Authorization": "Bearer nope"}).status_code == 401
    assert queued(connection) == 0


def test_without_a_configured_token_bearer_headers_grant_nothing(app, connection):
    client = app.test_client()
    response = client.post(
        "/api/jobs", data=BODY, content_type="text/plain", headers={"Authorization": "Bearer x"}
    )
    assert response.status_code == 400 and queued(connection) == 0
    assert client.post("/api/jobs", json={"task": "countdown", "params": {"seconds": 1}}).status_code == 202


def test_the_api_token_is_compared_in_constant_time(redis_url, monkeypatch):
    calls = []
    real = hmac.compare_digest
    monkeypatch.setattr(hmac, "compare_digest", lambda a, b: calls.append((a, b)) or real(a, b))
    client = make_app(redis_url, API_TOKEN="t0ken-abc").test_client()
    client.post("/api/jobs", data=BODY, headers={"Authorization": "Bearer guess"})
    assert (b"guess", b"t0ken-abc") in calls


# --- the rate limit ------------------------------------------------------------------------------
def test_submissions_over_the_limit_get_a_429_page_with_retry_after(redis_url, connection):
    client = make_app(redis_url, RATE_LIMIT="4/minute").test_client()
    first = submit_countdown(client)
    client.post(f"/jobs/{first}/cancel")
    assert client.post("/tasks/countdown", data={"seconds": "0"}).status_code == 400  # not counted
    assert client.post("/api/jobs", json={"task": "countdown", "params": {"seconds": 1}}).status_code == 202
    assert client.post("/why", data={"seconds": "1"}).status_code == 303
    assert client.post(f"/jobs/{first}/retry").status_code == 303  # the 4th accepted submission
    jobs = jobs_in_redis(connection)
    page = client.post("/tasks/countdown", data={"seconds": "3"})
    assert page.status_code == 429
    assert 0 < int(page.headers["Retry-After"]) <= 60
    text = page.get_data(as_text=True)
    assert "Too many submissions" in text and "the limit is 4/minute per client" in text
    api = client.post("/api/jobs", json={"task": "countdown", "params": {"seconds": 1}})
    assert api.status_code == 429 and "too many jobs" in api.get_json()["error"]
    assert int(api.headers["Retry-After"]) > 0
    for path in (f"/jobs/{first}/retry", "/why"):
        assert client.post(path, data={"seconds": "1"}).status_code == 429, path
    assert jobs_in_redis(connection) == jobs  # refused before any work
    # reading is never limited, and the counters live in the site's Redis
    assert client.get("/jobs").status_code == 200 and client.get(f"/api/jobs/{first}").status_code == 200
    assert any(connection.scan_iter(f"{KEY_PREFIX}*"))
    # another client has a budget of its own
    other = client.post("/tasks/countdown", data={"seconds": "3"}, environ_base={"REMOTE_ADDR": "10.9.9.9"})
    assert other.status_code == 303


def test_the_default_limit_is_30_a_minute_and_off_disables_it(redis_url):
    from jobs import settings

    assert os.environ.get("JOBDECK_RATE_LIMIT", "30/minute") == settings.RATE_LIMIT
    client = make_app(redis_url, RATE_LIMIT="30/minute").test_client()
    statuses = [client.post("/tasks/countdown", data={"seconds": "3"}).status_code for _ in range(31)]
    assert statuses == [303] * 30 + [429]
    unlimited = make_app(redis_url, RATE_LIMIT="off").test_client()
    assert all(
        unlimited.post("/tasks/countdown", data={"seconds": "3"}).status_code == 303 for _ in range(35)
    )


def test_the_limit_keys_on_the_client_address_and_trusts_forwarded_for_only_behind_a_proxy(redis_url):
    direct = make_app(redis_url, RATE_LIMIT="1/minute").test_client()
    assert direct.post("/tasks/countdown", data={"seconds": "3"}).status_code == 303
    spoofed = direct.post("/tasks/countdown", data={"seconds": "3"}, headers={"X-Forwarded-For": "1.2.3.4"})
    assert spoofed.status_code == 429  # a made-up header does not buy a new budget
    redis.Redis.from_url(redis_url).flushall()
    proxied = make_app(redis_url, RATE_LIMIT="1/minute", TRUST_PROXY="1").test_client()
    for client_address in ("1.2.3.4", "5.6.7.8"):
        headers = {"X-Forwarded-For": client_address}
        assert proxied.post("/tasks/countdown", data={"seconds": "3"}, headers=headers).status_code == 303
        assert proxied.post("/tasks/countdown", data={"seconds": "3"}, headers=headers).status_code == 429


def test_with_redis_down_the_limited_endpoints_answer_503_not_500():
    client = make_app("redis://127.0.0.1:1/0", RATE_LIMIT="30/minute").test_client()
    page = client.post("/tasks/countdown", data={"seconds": "3"})
    assert page.status_code == 503 and "not reachable" in page.get_data(as_text=True)
    api = client.post("/api/jobs", json={"task": "countdown", "params": {"seconds": 1}})
    assert api.status_code == 503 and "not reachable" in api.get_json()["error"]
