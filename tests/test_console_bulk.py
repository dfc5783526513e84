"""/admin/bulk: count by filter, one confirmation, the work done by an RQ job with a progress page,
audit-logged; bad filters are a 400 with a message."""

import re

import pytest
from rq.job import Job

from tests.console_helpers import ADMIN, CONSOLE_CONFIG, enqueue, run_worker
from webapp import create_app


@pytest.fixture
def app(redis_url):
    return create_app({**CONSOLE_CONFIG, "REDIS_URL": redis_url})


@pytest.fixture
def failed(app):
    """12 failed primes jobs (TaskInputError) and 3 finished ones."""
    ids = [enqueue(app, "primes", {"limit": 1}) for _ in range(12)]
    for _ in range(3):
        enqueue(app, "primes", {"limit": 100})
    run_worker(app)
    return ids


def count_shown(client, query: str) -> int:
    page = client.get(f"/admin/bulk?{query}", headers=ADMIN).get_data(as_text=True)
    return int(re.search(r'<p id="bulk-count"><strong>(\d+)</strong>', page).group(1))


def test_the_count_follows_the_filter(client, failed):
    assert count_shown(client, "status=failed") == 12
    assert count_shown(client, "status=failed&task=primes&queue=low") == 12
    assert count_shown(client, "status=failed&error_class=TaskInputError") == 12
    assert count_shown(client, "status=failed&error_class=ValueError") == 0
    assert count_shown(client, "status=failed&task=countdown") == 0
    assert count_shown(client, "status=failed&queue=high") == 0
    assert count_shown(client, "status=failed&since=2000-01-01T00:00&until=2100-01-01T00:00") == 12
    assert count_shown(client, "status=failed&since=2100-01-01T00:00") == 0
    assert count_shown(client, "status=stopped") == 0
    page = client.get("/admin/bulk?status=failed", headers=ADMIN).get_data(as_text=True)
    assert '<th scope="row">TaskInputError</th><td class="num">12</td>' in page  # why they failed


def confirm(client, action: str, matched: int, **filters):
    form = {"status": "failed", "action": action, "matched": str(matched), **filters}
    response = client.post("/admin/bulk", data=form, headers=ADMIN)
    assert response.status_code == 303
    return response.headers["Location"]


def test_bulk_retry_runs_as_a_job_with_a_progress_page_and_an_audit_entry(app, client, connection, failed):
    progress_url = confirm(client, "retry", 12, task="primes")
    page = client.get(progress_url, headers=ADMIN).get_data(as_text=True)
    assert 'id="bulk-status">queued' in page and 'http-equiv="refresh"' in page
    run_worker(app)  # the bulk job, then the retried jobs (which fail again)
    page = client.get(progress_url, headers=ADMIN).get_data(as_text=True)
    assert "12 of 12 jobs retried." in page and 'http-equiv="refresh"' not in page
    assert 'value="100"' in page
    assert all(Job.fetch(i, connection=connection).get_status().value == "failed" for i in failed)
    audit = client.get("/admin/audit", headers=ADMIN).get_data(as_text=True)
    assert "bulk retry" in audit and "task=primes" in audit and '<td class="num">12</td>' in audit


def test_bulk_delete_removes_the_jobs(app, client, connection, failed):
    confirm(client, "delete", 12)
    run_worker(app)
    assert not any(connection.exists(Job.key_for(i)) for i in failed)
    assert count_shown(client, "status=failed") == 0


@pytest.mark.parametrize(
    ("form", "message"),
    [
        ({"status": "finished"}, "Choose failed, stopped or canceled"),
        ({"status": "failed", "task": "nope"}, "Choose one of the tasks"),
        ({"status": "failed", "error_class": "a b"}, "Python class name"),
        ({"status": "failed", "since": "soon"}, "must look like"),
        ({"status": "failed", "since": "2030-01-01T00:00", "until": "2020-01-01T00:00"}, "must come before"),
        ({"status": "failed", "action": "explode", "matched": "1"}, "Choose retry or delete"),
        ({"status": "failed", "action": "retry"}, "Confirm the count"),
    ],
)
def test_bad_bulk_input_is_a_400(client, connection, form, message):
    response = client.post("/admin/bulk", data=form, headers=ADMIN)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert connection.llen("rq:queue:high") == 0


def test_progress_page_is_only_for_bulk_jobs(app, client):
    job_id = enqueue(app, "primes", {"limit": 10})
    assert client.get(f"/admin/bulk/{job_id}", headers=ADMIN).status_code == 404
    assert client.get("/admin/bulk/not-a-job", headers=ADMIN).status_code == 404
