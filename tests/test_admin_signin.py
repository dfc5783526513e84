"""Issue 18, finding 6: admin sign-in is throttled and audited; HSTS over HTTPS; SSO trusted header."""

import base64

import pytest

from tests.helpers import TEST_CONFIG
from webapp import audit, create_app


def basic(user: str, password: str) -> dict:
    return {"Authorization": "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()}


ADMIN = basic("admin", "s3cret")
SAME_ORIGIN = {"Origin": "http://localhost"}


def from_address(address: str) -> dict:
    return {"environ_base": {"REMOTE_ADDR": address}}


def audit_entries(app) -> list:
    with app.app_context():
        return audit.recent(100)


def test_five_failures_in_a_minute_get_429_with_retry_after_per_address_and_per_name(app):
    client = app.test_client()
    for attempt in range(5):
        assert (
            client.get(
                "/rq/", headers=basic("admin", f"guess{attempt}"), **from_address("203.0.113.7")
            ).status_code
            == 401
        )
    throttled = client.get("/rq/", headers=ADMIN, **from_address("203.0.113.7"))  # even the right password
    assert throttled.status_code == 429
    assert 0 < int(throttled.headers["Retry-After"]) <= 60
    assert "Too many failed sign-ins" in throttled.get_data(as_text=True)
    # the same user name from elsewhere, and another name from the same address: throttled too
    assert client.get("/rq/", headers=ADMIN, **from_address("198.51.100.1")).status_code == 429
    assert client.get("/rq/", headers=basic("root", "x"), **from_address("203.0.113.7")).status_code == 429
    # another name from another address is not affected
    assert client.get("/rq/", headers=basic("root", "x"), **from_address("198.51.100.1")).status_code == 401
    failures = [e for e in audit_entries(app) if e.action == "sign-in failed"]
    assert len(failures) == 6  # five guesses, then root from the other address
    assert {e.who for e in failures} == {"admin", "root"} and "203.0.113.7" in failures[-1].detail


def test_the_right_password_is_not_counted(app):
    client = app.test_client()
    for _ in range(8):
        assert client.get("/rq/", headers=ADMIN).status_code == 200
    app.config.update(VIEWER_USER="viewer", VIEWER_PASSWORD="v1ew")  # the read-only operator's pair
    for _ in range(8):
        assert client.get("/", headers=basic("viewer", "v1ew")).status_code == 200
    assert not [e for e in audit_entries(app) if e.action == "sign-in failed"]


def test_admin_actions_are_audited_dashboard_and_site(app, client, connection):
    job_id = client.post("/tasks/countdown", data={"seconds": "30"}).headers["Location"].rsplit("/", 1)[-1]
    admin = app.test_client()
    assert admin.post(f"/jobs/{job_id}/cancel", headers=ADMIN).status_code == 303
    assert admin.post(f"/rq/job/{job_id}/delete", headers={**ADMIN, **SAME_ORIGIN}).status_code == 200
    actions = {(e.who, e.action) for e in audit_entries(app)}
    assert ("admin", "job cancel") in actions
    assert ("admin", "rq-dashboard action") in actions
    detail = next(e.detail for e in audit_entries(app) if e.action == "rq-dashboard action")
    assert f"POST /rq/job/{job_id}/delete -> 200" == detail
    # the owner's own actions are not admin actions
    other = client.post("/tasks/countdown", data={"seconds": "30"}).headers["Location"].rsplit("/", 1)[-1]
    assert client.post(f"/jobs/{other}/cancel").status_code == 303
    assert len([e for e in audit_entries(app) if e.action == "job cancel"]) == 1


def test_hsts_only_over_https_or_behind_a_trusted_proxy_that_says_so(redis_url):
    app = create_app({**TEST_CONFIG, "REDIS_URL": redis_url})
    assert "Strict-Transport-Security" not in app.test_client().get("/").headers
    secure = app.test_client().get("/", base_url="https://localhost")
    assert secure.headers["Strict-Transport-Security"].startswith("max-age=31536000")
    forwarded = {"X-Forwarded-Proto": "https"}
    assert "Strict-Transport-Security" not in app.test_client().get("/", headers=forwarded).headers
    proxied = create_app({**TEST_CONFIG, "REDIS_URL": redis_url, "TRUST_PROXY": "1"})
    assert "Strict-Transport-Security" in proxied.test_client().get("/", headers=forwarded).headers


@pytest.fixture
def sso_app(redis_url):
    return create_app(
        {
            **TEST_CONFIG,
            "REDIS_URL": redis_url,
            "TRUST_PROXY": "1",
            "SSO_HEADER": "X-Forwarded-User",
            "SSO_PROXIES": "10.0.0.5/32, fd00::/8",
            "SSO_ADMINS": "alice,admin",
        }
    )


def test_sso_header_signs_in_only_from_the_configured_proxies(sso_app, redis_url):
    client = sso_app.test_client()
    alice = {"X-Forwarded-User": "alice"}
    assert client.get("/rq/", headers=alice, **from_address("10.0.0.5")).status_code == 200
    assert client.get("/rq/", headers=alice, **from_address("fd00::1")).status_code == 200
    assert client.get("/rq/", headers=alice, **from_address("10.0.0.6")).status_code == 401
    spoofed = {**alice, "X-Forwarded-For": "10.0.0.5"}  # the client address may be forwarded, the peer not
    assert client.get("/rq/", headers=spoofed, **from_address("10.0.0.6")).status_code == 401
    assert (
        client.get("/rq/", headers={"X-Forwarded-User": "bob"}, **from_address("10.0.0.5")).status_code == 401
    )
    assert client.get("/rq/", **from_address("10.0.0.5")).status_code == 401
    # off by default: the same request to an app without the settings
    plain = create_app({**TEST_CONFIG, "REDIS_URL": redis_url}).test_client()
    assert plain.get("/rq/", headers=alice, **from_address("10.0.0.5")).status_code == 401
    # what the SSO admin does is audited under their name
    job_id = client.post("/tasks/countdown", data={"seconds": "30"}).headers["Location"].rsplit("/", 1)[-1]
    admin = sso_app.test_client()
    assert admin.post(f"/jobs/{job_id}/cancel", headers=alice, **from_address("10.0.0.5")).status_code == 303
    assert ("alice", "job cancel") in {(e.who, e.action) for e in audit_entries(sso_app)}
