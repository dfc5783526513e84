"""The console's gate: operators only; the viewer sees every page and is refused every action,
including rq-dashboard's own; every action is audit-logged."""

import pytest

from tests.console_helpers import ADMIN, CONSOLE_CONFIG, VIEWER, basic
from webapp import create_app

PAGES = [
    "/admin/",
    "/admin/workers",
    "/admin/pause",
    "/admin/search",
    "/admin/bulk",
    "/admin/audit",
    "/admin/schedules",
]
ACTIONS = [
    ("/admin/pause", {"scope": "all", "reason": "deploy"}),
    ("/admin/resume", {"scope": "all"}),
    ("/admin/workers/some-worker/shutdown", {}),
    ("/admin/bulk", {"status": "failed", "action": "retry", "matched": "1"}),
    ("/admin/schedules/any/run", {}),
    ("/admin/schedules/any/pause", {"reason": "no"}),
]


@pytest.fixture
def app(redis_url):
    return create_app({**CONSOLE_CONFIG, "REDIS_URL": redis_url})


@pytest.mark.parametrize("path", PAGES)
def test_pages_need_an_operator_and_show_to_admin_and_viewer(client, path):
    assert client.get(path).status_code == 401
    assert client.get(path, headers=basic("admin", "wrong")).status_code == 401
    assert client.get(path, headers=ADMIN).status_code == 200
    page = client.get(path, headers=VIEWER)
    assert page.status_code == 200
    assert "read-only" in page.get_data(as_text=True)


@pytest.mark.parametrize(("path", "form"), ACTIONS)
def test_every_console_action_refuses_the_viewer(client, connection, path, form):
    response = client.post(path, data=form, headers=VIEWER)
    assert response.status_code == 403
    assert connection.llen("jobdeck:audit") == 0
    assert not connection.exists("rq:suspended")


def test_viewer_reads_rq_dashboard_but_cannot_use_its_actions(client):
    assert client.get("/rq/", headers=VIEWER).status_code == 200
    same_origin = {**VIEWER, "Origin": "http://localhost"}
    for path in [
        "/rq/job/some-id/delete",
        "/rq/job/some-id/requeue",
        "/rq/requeue/default",
        "/rq/queue/default/failed/empty",
        "/rq/queue/default/compact",
    ]:
        assert client.post(path, headers=same_origin).status_code == 403, path
    assert client.get("/rq/requeue/default", headers=VIEWER).status_code == 403
    # the admin still may (an unknown job: 404, not 403)
    assert (
        client.post("/rq/job/some-id/delete", headers={**ADMIN, "Origin": "http://localhost"}).status_code
        != 403
    )


def test_console_and_dashboard_link_to_each_other(client):
    console = client.get("/admin/", headers=ADMIN).get_data(as_text=True)
    assert 'href="/rq/"' in console
    dashboard = client.get("/rq/", headers=ADMIN).get_data(as_text=True)
    assert 'href="/admin/"' in dashboard


def test_pause_and_resume_are_audit_logged_and_shown(client, connection):
    response = client.post(
        "/admin/pause", data={"scope": "all", "reason": "deploy", "minutes": "30"}, headers=ADMIN
    )
    assert response.status_code == 303
    assert connection.exists("rq:suspended")
    assert 0 < connection.ttl("rq:suspended") <= 30 * 60 + 1
    console = client.get("/admin/", headers=ADMIN).get_data(as_text=True)
    assert "All workers paused until" in console and "deploy" in console
    audit = client.get("/admin/audit", headers=VIEWER).get_data(as_text=True)
    assert "admin" in audit and "pause" in audit and "all workers until" in audit
    assert client.post("/admin/resume", data={"scope": "all"}, headers=ADMIN).status_code == 303
    assert not connection.exists("rq:suspended")
    assert "Nothing is paused." in client.get("/admin/pause", headers=ADMIN).get_data(as_text=True)


@pytest.mark.parametrize(
    ("form", "message"),
    [
        ({"scope": "nope"}, "Choose all workers"),
        ({"scope": "all", "minutes": "abc"}, "Minutes must be a whole number"),
        ({"scope": "all", "minutes": "5", "until": "2030-01-01T00:00"}, "not both"),
        ({"scope": "all", "until": "yesterday"}, "must look like"),
        ({"scope": "all", "until": "2000-01-01T00:00"}, "in the future"),
    ],
)
def test_bad_pause_input_is_a_400_with_a_message(client, connection, form, message):
    response = client.post("/admin/pause", data=form, headers=ADMIN)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert not connection.exists("rq:suspended")


def test_console_is_not_there_without_an_admin_login_configured(redis_url):
    app = create_app({**CONSOLE_CONFIG, "ADMIN_USER": "", "ADMIN_PASSWORD": "", "REDIS_URL": redis_url})
    client = app.test_client()
    assert client.get("/admin/", headers=VIEWER).status_code == 404
