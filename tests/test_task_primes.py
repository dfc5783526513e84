"""primes: the segmented sieve against a simple count, segment boundaries, one real run."""

import math

import pytest

from jobs import primes
from jobs.errors import TaskInputError
from jobs.primes import count_primes
from tests.helpers import api, page_once_run, submit


def simple_primes(n):
    return [k for k in range(2, n + 1) if all(k % d for d in range(2, math.isqrt(k) + 1))]


@pytest.mark.parametrize("segment_odds", [1, 2, 3, 7, 64, 1 << 20])
def test_matches_trial_division_across_segment_boundaries(segment_odds):
    reference = simple_primes(3000)
    for n in (2, 3, 4, 5, 9, 10, 25, 49, 97, 121, 1000, 2999, 3000):
        expected = [p for p in reference if p <= n]
        assert count_primes(n, segment_odds=segment_odds) == (len(expected), expected[-1])


def test_known_counts_and_progress_per_segment():
    seen = []
    assert count_primes(
        10**6, lambda done, total, found: seen.append((done, total)), segment_odds=50_000
    ) == (
        78498,
        999983,
    )
    assert len(seen) == 10 and seen[-1][0] == seen[-1][1]
    assert count_primes(10**7) == (664579, 9999991)


@pytest.mark.parametrize(
    ("value", "ok"),
    [(2, True), ("1,000", True), (10**9, True), (1, False), (10**9 + 1, False), ("ten", False)],
)
def test_validate_bounds(value, ok):
    if ok:
        assert primes.validate({"limit": value})["limit"] >= 2
    else:
        with pytest.raises(TaskInputError, match="upper bound"):
            primes.validate({"limit": value})


def test_through_the_worker(client, run_jobs):
    job_id = submit(client, "primes", {"limit": "1000000"})
    html = page_once_run(client, run_jobs, job_id, "finished")
    assert "There are 78,498 primes up to 1,000,000; the largest is 999,983." in html
    assert api(client, job_id)["result"]["count"] == 78498


def test_form_refuses_a_bound_over_a_billion(client):
    response = client.post("/tasks/primes", data={"limit": str(10**9 + 1)})
    assert response.status_code == 400
    assert "Enter a whole number from 2 to 1000000000." in response.get_data(as_text=True)


def test_api_validates_the_bound_too(client):
    response = client.post("/api/jobs", json={"task": "primes", "params": {"limit": 10**10}})
    assert response.status_code == 400
    assert response.get_json()["error"] == "The upper bound must be between 2 and 1,000,000,000."
