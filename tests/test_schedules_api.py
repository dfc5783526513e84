"""Issue 17, "each works through the browser and the API": the schedules as JSON, and Run now, Pause
(with a reason, optionally until a time) and Resume, with the console's sign-in, roles and audit log."""

from datetime import UTC, datetime, timedelta

import pytest
from openapi_spec_validator import validate as validate_openapi
from rq.cron import get_cron_job_ids

from tests.console_helpers import ADMIN, CONSOLE_CONFIG, VIEWER
from webapp import audit, create_app

ACTIONS = [("run", {}), ("pause", {"reason": "disk full"}), ("resume", {})]


@pytest.fixture
def app(redis_url):
    return create_app({**CONSOLE_CONFIG, "WTF_CSRF_ENABLED": True, "REDIS_URL": redis_url})


def audit_actions(app) -> list[str]:
    with app.app_context():
        return [entry.action for entry in audit.recent(10)]


def test_the_list_gives_each_schedule_with_its_words_next_run_pause_and_runs(client):
    answer = client.get("/api/schedules", headers=VIEWER)
    assert answer.status_code == 200
    schedules = {s["name"]: s for s in answer.get_json()["schedules"]}
    nightly = schedules["nightly-primes"]
    assert nightly["task"] == "primes" and nightly["params"] == {"limit": 10_000_000}
    assert nightly["cron"] == "0 2 * * *" and nightly["cron_in_words"] == "every day at 02:00 UTC"
    assert datetime.fromisoformat(nightly["next_run"]).strftime("%H:%M") == "02:00"
    assert nightly["paused"] is False and nightly["pause"] is None and nightly["runs"] == []
    assert nightly["missed"] == "run_once" and nightly["url"] == "/api/schedules/nightly-primes"
    assert schedules["word-count-sample"]["cron_in_words"] == "every 5 minutes"


def test_run_now_pause_until_and_resume_through_the_api(app, client, connection, run_jobs):
    answer = client.post("/api/schedules/nightly-primes/run", headers=ADMIN, json={})
    assert answer.status_code == 202
    body = answer.get_json()
    job_id = body["job"]["id"]
    assert answer.headers["Location"] == f"/api/jobs/{job_id}" == body["job"]["url"]
    assert body["message"] == f"nightly-primes: run started as job {job_id}."
    assert get_cron_job_ids("nightly-primes", connection) == [job_id]
    run = body["schedule"]["runs"][0]
    assert run["id"] == job_id and run["status"] == "queued" and run["trigger"] == "run now by admin"
    assert run["page_url"] == f"/jobs/{job_id}"

    until = (datetime.now(UTC) + timedelta(hours=3)).replace(microsecond=0)
    answer = client.post(
        "/api/schedules/nightly-primes/pause",
        headers=ADMIN,
        json={"reason": "disk full", "until": until.isoformat()},
    )
    assert answer.status_code == 200
    schedule = answer.get_json()["schedule"]
    assert schedule["paused"] is True
    assert schedule["pause"] == {"reason": "disk full", "by": "admin", "until": until.isoformat()}
    assert datetime.fromisoformat(schedule["next_run"]) >= until  # the first run after the pause

    indefinite = client.post("/api/schedules/word-count-sample/pause", headers=ADMIN, json={"reason": "x"})
    assert indefinite.get_json()["schedule"]["next_run"] is None

    answer = client.post("/api/schedules/nightly-primes/resume", headers=ADMIN, json={})
    assert answer.status_code == 200 and answer.get_json()["message"] == "nightly-primes: resumed."
    assert client.get("/api/schedules/nightly-primes", headers=ADMIN).get_json()["paused"] is False
    again = client.post("/api/schedules/nightly-primes/resume", headers=ADMIN, json={})
    assert again.status_code == 409 and again.get_json()["error"] == "nightly-primes was not paused."

    run_jobs()
    run = client.get("/api/schedules/nightly-primes", headers=VIEWER).get_json()["runs"][0]
    assert run["status"] in ("finished", "failed") and run["ended_at"] and run["elapsed_seconds"] is not None
    assert audit_actions(app) == ["schedule.resume", "schedule.pause", "schedule.pause", "schedule.run_now"]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({}, "nightly-primes: give a reason for the pause"),
        ({"reason": "  "}, "nightly-primes: give a reason for the pause"),
        ({"reason": 5}, "nightly-primes: give a reason for the pause"),
        ({"reason": "x", "until": "tomorrow"}, "'pause until' must be a time (UTC) in the next 365 days."),
        ({"reason": "x", "until": "2001-01-01T00:00"}, "in the next 365 days"),
        ({"reason": "x", "until": 1234}, "in the next 365 days"),
        ([1, 2], "The body must be a JSON object."),
    ],
)
def test_bad_pauses_are_a_400_with_the_consoles_message(app, client, connection, body, message):
    answer = client.post("/api/schedules/nightly-primes/pause", headers=ADMIN, json=body)
    assert answer.status_code == 400
    assert message in answer.get_json()["error"]
    assert not connection.exists("jobdeck:schedule:nightly-primes:pause")
    assert audit_actions(app) == []


def test_sign_in_roles_and_unknown_schedules(app, client, connection):
    for path in ("/api/schedules", "/api/schedules/nightly-primes"):
        refused = client.get(path)
        assert refused.status_code == 401 and "Basic" in refused.headers["WWW-Authenticate"]
        assert refused.get_json()["error"] == "Operator login required."
    for action, body in ACTIONS:
        refused = client.post(f"/api/schedules/nightly-primes/{action}", headers=VIEWER, json=body)
        assert refused.status_code == 403, action
        assert refused.get_json()["error"] == "The read-only operator may look but not act."
    assert client.post("/api/schedules/nightly-primes/run", json={}).status_code == 401
    assert get_cron_job_ids("nightly-primes", connection) == []
    assert audit_actions(app) == []
    missing = client.get("/api/schedules/nope", headers=VIEWER)
    assert missing.status_code == 404 and missing.get_json()["error"] == "There is no schedule called 'nope'."
    assert client.post("/api/schedules/nope/run", headers=ADMIN, json={}).status_code == 404


def test_actions_take_json_only_so_no_cross_site_form_can_post_one(client, connection):
    """An operator's browser remembers its sign-in; a form on another site can send only form types."""
    for content_type in ("application/x-www-form-urlencoded", "text/plain", "multipart/form-data"):
        answer = client.post(
            "/api/schedules/nightly-primes/run", headers={**ADMIN, "Content-Type": content_type}, data="a=b"
        )
        assert answer.status_code == 400 and "Content-Type: application/json" in answer.get_json()["error"]
    assert get_cron_job_ids("nightly-primes", connection) == []
    no_body = client.post(
        "/api/schedules/nightly-primes/run", headers={**ADMIN, "Content-Type": "application/json"}
    )
    assert no_body.status_code == 202


def test_the_openapi_document_describes_the_schedules_api(client):
    document = client.get("/api/openapi.json").get_json()
    validate_openapi(document)
    paths = document["paths"]
    assert set(paths["/api/schedules"]) == {"get"}
    assert set(paths["/api/schedules/{name}"]) == {"get"}
    for action in ("run", "pause", "resume"):
        operation = paths[f"/api/schedules/{{name}}/{action}"]["post"]
        assert {"401", "403", "404"} <= set(operation["responses"]), action
    assert document["components"]["securitySchemes"]["operator"] == {"type": "http", "scheme": "basic"}


def test_without_an_admin_login_configured_there_is_nothing_here(redis_url):
    app = create_app({**CONSOLE_CONFIG, "ADMIN_USER": "", "ADMIN_PASSWORD": "", "REDIS_URL": redis_url})
    answer = app.test_client().get("/api/schedules", headers=VIEWER)
    assert answer.status_code == 404 and answer.get_json()["error"] == "There is nothing here."
