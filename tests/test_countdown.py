"""The countdown task on its own: validation and what it reports."""

import time

import pytest
from rq import Queue
from rq.serializers import JSONSerializer

from jobs import countdown, progress
from jobs.errors import TaskInputError


@pytest.mark.parametrize("value", [0, -1, 3601, "ten", 2.5, True, None, ""])
def test_validate_refuses_bad_seconds(value):
    with pytest.raises(TaskInputError):
        countdown.validate({"seconds": value})


@pytest.mark.parametrize(("value", "expected"), [(1, 1), (3600, 3600), ("42", 42)])
def test_validate_accepts_whole_seconds(value, expected):
    assert countdown.validate({"seconds": value}) == {"seconds": expected}


def test_run_waits_and_reports_each_second(connection):
    job = Queue("default", connection=connection, serializer=JSONSerializer).enqueue(
        "jobs.runner.execute", "countdown", {"seconds": 2}
    )
    seen = []
    original = job.save_meta

    def record():
        seen.append(dict(job.meta["progress"]))
        original()

    job.save_meta = record
    progress.begin(job)
    started = time.monotonic()
    try:
        result = countdown.run({"seconds": 2})
    finally:
        progress.end()
    assert time.monotonic() - started >= 1.9
    assert result["summary"] == "Waited 2 seconds."
    assert [p["message"] for p in seen] == ["0 of 2 s", "1 of 2 s", "2 of 2 s"]
