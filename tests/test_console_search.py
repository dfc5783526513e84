"""/admin/search: by id prefix across owners, by task and parameter value through the index the
site writes at enqueue (no key scan), paged; bad input is a 400 with a message."""

import re

import pytest

from tests.console_helpers import ADMIN, CONSOLE_CONFIG, VIEWER, enqueue
from webapp import create_app, search_index


@pytest.fixture
def app(redis_url):
    return create_app({**CONSOLE_CONFIG, "REDIS_URL": redis_url})


def found_ids(html: str) -> list[str]:
    return re.findall(r'<th scope="row"><a href="/operator\?next=/jobs/([^"]+)">', html)


def test_find_a_job_by_its_id_or_prefix_whoever_owns_it(app, client):
    mine = enqueue(app, "primes", {"limit": 100}, owner="alice", job_id="abcdef01-aaaa")
    enqueue(app, "primes", {"limit": 100}, owner="bob", job_id="abcdef02-bbbb")
    enqueue(app, "primes", {"limit": 100}, owner="bob", job_id="ffff0000-cccc")
    page = client.get("/admin/search?id=abcdef", headers=VIEWER).get_data(as_text=True)
    assert found_ids(page) == ["abcdef01-aaaa", "abcdef02-bbbb"]
    assert '<abbr title="the start of the owner\'s anonymous id">alice</abbr>' in page
    assert found_ids(client.get(f"/admin/search?id={mine}", headers=ADMIN).get_data(as_text=True)) == [mine]
    assert "No job found." in client.get("/admin/search?id=0123", headers=ADMIN).get_data(as_text=True)


def test_find_jobs_by_task_and_parameter_value(app, client):
    url_job = enqueue(app, "url_words", {"url": "https://Example.org/news/today"})
    enqueue(app, "url_words", {"url": "https://other.net/"})
    file_job = enqueue(app, "csv_profile", {"upload": {"filename": "Report.csv", "key": "x"}})
    number_job = enqueue(app, "primes", {"limit": 5000})
    enqueue(app, "primes", {"limit": 50})

    def search(**args):
        response = client.get("/admin/search", query_string=args, headers=ADMIN)
        assert response.status_code == 200
        return found_ids(response.get_data(as_text=True))

    assert search(task="url_words", value="example.org") == [url_job]  # a URL contains its host
    assert search(task="url_words", value="news") == [url_job]  # ... a path segment
    assert search(task="url_words", value="https") == []  # not the scheme every URL has
    assert search(task="primes", value="example.org") == []  # another task
    assert search(task="csv_profile", value="report.csv") == [file_job]  # a file name is
    assert search(task="primes", value="5000") == [number_job]  # a number is
    assert search(task="primes", value="5000.0") == [number_job]
    assert len(search(task="primes")) == 2  # all of a task's jobs, newest first


def test_results_page_through(app, client):
    ids = [enqueue(app, "primes", {"limit": 7}) for _ in range(30)]
    first = client.get("/admin/search?task=primes&value=7", headers=ADMIN).get_data(as_text=True)
    assert "30 jobs found." in first and 'rel="next"' in first
    second = client.get("/admin/search?task=primes&value=7&page=2", headers=ADMIN).get_data(as_text=True)
    assert set(found_ids(first)) | set(found_ids(second)) == set(ids)
    assert len(found_ids(second)) == 5 and 'rel="prev"' in second


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("id=abc%20def", "A job id holds only"),
        ("id=" + "a" * 65, "A job id holds only"),
        ("task=nope&value=1", "Choose one of the tasks"),
        ("task=primes&page=100000", "Pages run from 1"),
    ],
)
def test_bad_search_input_is_a_400_with_a_message(client, query, message):
    response = client.get(f"/admin/search?{query}", headers=ADMIN)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)


def test_index_budget_per_job():
    params = {
        "text": "word " * 1000,
        "list": list(range(500)),
        "url": "https://a.example/" + "/".join("p" * 50),
    }
    keys = search_index.index_keys("t", params)
    assert len(keys) <= 1 + search_index.MAX_TOKENS
    assert all(len(k) < 300 for k in keys)


def test_the_id_sets_are_pruned_as_jobs_are_indexed(connection):
    """No search needed: each enqueue takes up to 10 ids older than the TTL out of the id sets."""
    pipe = connection.pipeline()
    for i in range(15):
        search_index.add(pipe, f"old-{i:02}", "primes", {"limit": 7}, when=1000.0 + i, ttl=3600)
    pipe.execute()
    pipe = connection.pipeline()
    search_index.add(pipe, "new", "primes", {"limit": 7}, when=1_000_000.0, ttl=3600)
    search_index.add(pipe, "newer", "primes", {"limit": 7}, when=1_000_001.0, ttl=3600)
    pipe.execute()
    assert connection.zrange(search_index.IDS_KEY, 0, -1) == [b"new", b"newer"]
    assert connection.zcard(search_index.TIMES_KEY) == 2
