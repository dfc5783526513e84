"""Progress reporting: a million steps of small real work calling ``jobs.progress.report`` each
step, against the same loop without the call. The job is real (in the private Redis), so the
throttled writes happen as they would in a worker.

A step parses one CSV row and profiles it the way ``csv_profile`` does per value (number or text,
distinct values, running sum): about a microsecond, the smallest unit a task here would sensibly
report on. Three more lines, without goals, show what a call costs on its own: any Python function
call, even one that does nothing, costs a few per cent of such a step.
"""

import csv
import itertools
import time

import redis
from rq import Queue
from rq.serializers import JSONSerializer

from bench.harness import Row, Settings
from jobs import progress

STEPS = 1_000_000
LINE = '1042,37.50,gamma,"note 88, delta",17'


def _rows(n):
    return csv.reader(itertools.repeat(LINE, n))


# bare, reporting and calling_noop are written out three times on purpose: sharing the step in a
# helper would add a call per step to every side of what is timed.
def bare(n: int) -> None:
    distinct, total = set(), 0.0
    for _done, row in enumerate(_rows(n), 1):
        for value in row:
            try:
                total += float(value)
            except ValueError:
                distinct.add(value)


def reporting(n: int) -> None:
    distinct, total = set(), 0.0
    report = progress.report
    for done, row in enumerate(_rows(n), 1):
        for value in row:
            try:
                total += float(value)
            except ValueError:
                distinct.add(value)
        report(done, n, "rows")


def calling_noop(n: int) -> None:
    distinct, total = set(), 0.0
    for done, row in enumerate(_rows(n), 1):
        for value in row:
            try:
                total += float(value)
            except ValueError:
                distinct.add(value)
        noop(done, n, "rows")


def empty(n: int) -> None:
    for _ in range(n):
        pass


def noop(done, total=None, message=""):
    return None


def noop_calls(n: int) -> None:
    for done in range(n):
        noop(done, n, "rows")


def report_calls(n: int) -> None:
    report = progress.report
    for done in range(n):
        report(done, n, "rows")


def _ns_per_step(fn, job, steps: int) -> float:
    progress.begin(job)
    try:
        started = time.perf_counter()
        fn(steps)
        return (time.perf_counter() - started) / steps * 1e9
    finally:
        progress.end()


def run(settings: Settings) -> list[Row]:
    connection = redis.Redis.from_url(settings.redis_url)
    job = Queue("default", connection=connection, serializer=JSONSerializer).enqueue(
        "jobs.runner.execute", "countdown", {"seconds": 1}
    )
    steps = STEPS // 5 if settings.quick else STEPS
    rows = [
        Row(f"Progress: {steps:,} CSV-row steps calling `report()` vs without", "ns/step", goal=1.05),
        Row("Progress: the same steps calling a no-op function instead (no goal)", "ns/step"),
        Row("Progress: `report()` in an empty loop vs a no-op function call (no goal)", "ns/step"),
        Row("Progress: a no-op function call vs an empty loop (no goal)", "ns/step"),
    ]
    pairs = [(reporting, bare), (calling_noop, bare), (report_calls, noop_calls), (noop_calls, empty)]
    for row in rows:
        row.higher_is_better = False
    for _ in range(settings.rounds):
        for row, (subject, baseline) in zip(rows, pairs, strict=True):
            # baseline, subject, subject, baseline: a drift of the machine weighs on both sides
            a, b, c, d = (_ns_per_step(fn, job, steps) for fn in (baseline, subject, subject, baseline))
            row.baseline.append((a + d) / 2)
            row.subject.append((b + c) / 2)
    job.delete()
    connection.close()
    return rows
