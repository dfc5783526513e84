"""GET /metrics (parsed with prometheus_client's own parser) and the console's overview, checked
against jobs run by the Jobdeck worker's hooks in-process."""

import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.console_helpers import ADMIN, CONSOLE_CONFIG, VIEWER, enqueue, run_worker
from webapp import create_app


@pytest.fixture
def app(redis_url):
    return create_app({**CONSOLE_CONFIG, "REDIS_URL": redis_url})


@pytest.fixture
def ran(app):
    """3 primes jobs that finish and 2 that fail (invalid bound: the worker validates again)."""
    for _ in range(3):
        enqueue(app, "primes", {"limit": 100})
    for _ in range(2):
        enqueue(app, "primes", {"limit": 1})
    run_worker(app)


def samples(text: str) -> dict:
    found = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            found[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return found


def test_metrics_carry_what_the_jobs_did(client, ran):
    response = client.get("/metrics", headers={"Authorization": "Bearer scrape-token"})
    assert response.status_code == 200
    assert response.mimetype == "text/plain"
    found = samples(response.get_data(as_text=True))
    assert found[("jobdeck_jobs_total", (("outcome", "finished"), ("task", "primes")))] == 3
    assert found[("jobdeck_jobs_total", (("outcome", "failed"), ("task", "primes")))] == 2
    assert found[("jobdeck_job_run_seconds_count", (("task", "primes"),))] == 5
    assert found[("jobdeck_job_run_seconds_bucket", (("le", "+Inf"), ("task", "primes")))] == 5
    assert found[("jobdeck_job_wait_seconds_count", (("task", "primes"),))] == 5
    assert found[("jobdeck_job_run_seconds_sum", (("task", "primes"),))] > 0
    # rq-exporter's names: the queue (primes run on "low") by status
    assert found[("rq_jobs", (("queue", "low"), ("status", "finished")))] == 3
    assert found[("rq_jobs", (("queue", "low"), ("status", "failed")))] == 2
    assert found[("rq_jobs", (("queue", "low"), ("status", "queued")))] == 0
    assert found[("jobdeck_queue_jobs_total", (("outcome", "finished"), ("queue", "low")))] == 3


def test_metrics_list_queued_jobs_and_workers(app, client):
    enqueue(app, "primes", {"limit": 100})
    found = samples(client.get("/metrics", headers=ADMIN).get_data(as_text=True))
    assert found[("rq_jobs", (("queue", "low"), ("status", "queued")))] == 1
    assert found[("jobdeck_workers", (("state", "busy"),))] == 0
    # every declared task has its samples before any job of it ended
    assert found[("jobdeck_jobs_total", (("outcome", "finished"), ("task", "countdown")))] == 0
    assert found[("jobdeck_job_run_seconds_count", (("task", "csv_profile"),))] == 0


@pytest.mark.parametrize(
    "headers",
    [{}, {"Authorization": "Bearer wrong"}, {"Authorization": "Basic YWRtaW46bm8="}],
)
def test_metrics_refuse_strangers(client, headers):
    assert client.get("/metrics", headers=headers).status_code == 401


def test_metrics_for_operators(client):
    assert client.get("/metrics", headers=ADMIN).status_code == 200
    assert client.get("/metrics", headers=VIEWER).status_code == 200


def test_overview_charts_and_tables_show_the_jobs(client, ran):
    page = client.get("/admin/?span=hour", headers=VIEWER).get_data(as_text=True)
    assert "Last hour: 3 finished, 2 failed, 0 stopped." in page
    for chart in ("ended", "run", "wait", "busy"):
        assert f'id="chart-{chart}"' in page
    assert page.count('role="img"') == 4 and page.count('class="table-wrap chart-table"') == 4
    task_page = client.get("/admin/?span=day&dim=t:primes", headers=VIEWER).get_data(as_text=True)
    assert "Last day: 3 finished, 2 failed" in task_page
    other = client.get("/admin/?span=90d&dim=t:countdown", headers=VIEWER).get_data(as_text=True)
    assert "Last 90 days: 0 finished, 0 failed" in other
    table = page[page.index('id="by-dimension"') :]
    assert '<a href="/admin/?dim=t:primes&amp;span=hour">Task primes</a></th>' in table
    assert '<a href="/admin/bulk?status=failed&amp;task=primes">2</a>' in table
    assert "Over 90 days, choose a queue or task" in other
    assert client.get("/admin/?span=year", headers=VIEWER).status_code == 404
    assert client.get("/admin/?dim=t:nope", headers=VIEWER).status_code == 404


def test_metrics_need_some_way_in(redis_url):
    only_token = create_app(
        {**CONSOLE_CONFIG, "ADMIN_USER": "", "ADMIN_PASSWORD": "", "REDIS_URL": redis_url}
    )
    assert only_token.test_client().get("/metrics").status_code == 401
    token = {"Authorization": "Bearer scrape-token"}
    assert only_token.test_client().get("/metrics", headers=token).status_code == 200
    nothing = create_app(
        {
            **CONSOLE_CONFIG,
            "ADMIN_USER": "",
            "ADMIN_PASSWORD": "",
            "METRICS_TOKEN": "",
            "REDIS_URL": redis_url,
        }
    )
    assert nothing.test_client().get("/metrics", headers=token).status_code == 404
