"""Compact records of ended jobs that outlive the jobs: counts and duration histograms over time.

When a job ends (jobs/rollup_hooks.py: the worker, in the transaction in which RQ writes that end,
and the cleanup that fails a lost worker's job) one Lua script (jobs/lua/rollup_record.lua) adds it, for each of three dimensions (``all``,
``q:<queue>``, ``t:<task>``), to

* a per-minute bucket ``jobdeck:roll:m:<dim>:<minute start>``, kept ``MINUTE_KEEP`` (2 days);
* a per-hour bucket ``jobdeck:roll:h:<dim>:<hour start>``, kept ``HOUR_KEEP`` (90 days);
* the all-time totals ``jobdeck:roll:total:<dim>`` (what /metrics exports as counters).

Each bucket is a small hash: one count per outcome, a run-time and a wait-time histogram over the
fixed ``BOUNDS`` (only the bins hit are stored) and the two sums (whole microseconds). Its size
depends on how many outcomes and bins were hit, never on how many jobs ended: at most
``MAX_FIELDS`` fields, so a dimension costs at most ``MAX_FIELDS`` fields per minute and per hour
(docs/operations.md gives the bytes, measured; tests/test_rollups.py holds the bound).
"""

import bisect
import logging
import math
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime

from jobs import statuses
from jobs.redis_scripts import ROLLUP_RECORD

log = logging.getLogger(__name__)

MINUTE, HOUR, DAY = 60, 3600, 86400
MINUTE_KEEP = 2 * DAY
HOUR_KEEP = 90 * DAY
#: upper bounds (seconds) of the duration histogram's buckets; the last one is +Inf
BOUNDS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800, 3600, math.inf)
#: what a job's end counts as; "retried" is a failed attempt with retries left
RETRIED = "retried"
OUTCOMES = (statuses.FINISHED, statuses.FAILED, statuses.STOPPED, RETRIED)
#: a bucket's fields at most: outcomes, two histograms, two sums
MAX_FIELDS = len(OUTCOMES) + 2 * len(BOUNDS) + 2
DIMS_KEY = "jobdeck:roll:dims"
ALL = "all"


def task_dim(task: str) -> str:
    return f"t:{task}"


def queue_dim(queue: str) -> str:
    return f"q:{queue}"


def bucket_key(resolution: str, dim: str, start: int) -> str:
    return f"jobdeck:roll:{resolution}:{dim}:{start}"


def total_key(dim: str) -> str:
    return f"jobdeck:roll:total:{dim}"


def bucket_index(seconds: float) -> int:
    return bisect.bisect_left(BOUNDS, seconds)


def _seconds(later: datetime | None, earlier: datetime | None) -> float | None:
    if later is None or earlier is None:
        return None
    return max(0.0, (later - earlier).total_seconds())


def _keys_and_args(
    *, task: str, queue: str, outcome: str, run: float | None, wait: float | None, when: float
) -> tuple[list, list]:
    dims = (ALL, queue_dim(queue), task_dim(task))
    minute, hour = int(when // MINUTE * MINUTE), int(when // HOUR * HOUR)
    keys = [DIMS_KEY]
    for dim in dims:
        keys += [bucket_key("m", dim, minute), bucket_key("h", dim, hour), total_key(dim)]
    args = [
        MINUTE_KEEP + MINUTE,
        HOUR_KEEP + HOUR,
        outcome,
        "" if run is None else f"r{bucket_index(run)}",
        round((run or 0.0) * 1e6),
        "" if wait is None else f"w{bucket_index(wait)}",
        round((wait or 0.0) * 1e6),
        *dims,
    ]
    return keys, args


def record(
    connection,
    *,
    task: str,
    queue: str,
    outcome: str,
    run: float | None,
    wait: float | None,
    when: float | None = None,
) -> None:
    """Add one ended job to its buckets and totals: one EVALSHA (loaded again if Redis lost it)."""
    when = time.time() if when is None else when
    keys, args = _keys_and_args(task=task, queue=queue, outcome=outcome, run=run, wait=wait, when=when)
    ROLLUP_RECORD(keys=keys, args=args, client=connection)


def _job_facts(job) -> dict:
    ended = job.ended_at or datetime.now(UTC)
    return {
        "task": str((job.meta or {}).get("task") or job.func_name or "unknown")[:100],
        "queue": job.origin or "unknown",
        "run": _seconds(ended, job.started_at),
        "wait": _seconds(job.started_at, job.enqueued_at),
        "when": ended.timestamp(),
    }


def record_job(connection, job, outcome: str) -> None:
    """A job's end, as the cleanup of a lost worker's job saw it. Never raises: the job's own
    bookkeeping is done, and the rollups must not be what breaks a worker."""
    try:
        record(connection, outcome=outcome, **_job_facts(job))
    except Exception:
        log.exception("could not add job %s to the rollups", getattr(job, "id", "?"))


def record_job_in(pipe, job, outcome: str) -> None:
    """Queue a job's end on ``pipe``, the transaction in which RQ writes that end (the worker's hook):
    no round trip of its own. EVAL, not EVALSHA: a script Redis has not seen would fail inside the
    transaction while the job's own writes went ahead. The script catches its own errors, so the
    rollups can never make that transaction report a failure; nothing here raises either."""
    try:
        keys, args = _keys_and_args(outcome=outcome, **_job_facts(job))
    except Exception:
        log.exception("could not add job %s to the rollups", getattr(job, "id", "?"))
        return
    pipe.eval(ROLLUP_RECORD.script, len(keys), *keys, *args)


# --- reading --------------------------------------------------------------------------------------
@dataclass
class Bucket:
    """One stretch of time for one dimension, as read back (or several added together)."""

    start: int
    seconds: int
    counts: dict = field(default_factory=dict)
    run: list = field(default_factory=lambda: [0] * len(BOUNDS))
    wait: list = field(default_factory=lambda: [0] * len(BOUNDS))
    run_sum: float = 0.0
    wait_sum: float = 0.0

    def add_fields(self, fields: dict) -> None:
        for raw_name, raw_value in fields.items():
            name = raw_name.decode() if isinstance(raw_name, bytes) else raw_name
            value = int(raw_value)
            if name == "rs":
                self.run_sum += value / 1e6  # stored in whole microseconds
            elif name == "ws":
                self.wait_sum += value / 1e6
            elif name[0] in "rw" and name[1:].isdigit() and int(name[1:]) < len(BOUNDS):
                (self.run if name[0] == "r" else self.wait)[int(name[1:])] += value
            elif name in OUTCOMES:
                self.counts[name] = self.counts.get(name, 0) + value

    def add(self, other: "Bucket") -> None:
        for name, n in other.counts.items():
            self.counts[name] = self.counts.get(name, 0) + n
        self.run = [a + b for a, b in zip(self.run, other.run, strict=True)]
        self.wait = [a + b for a, b in zip(self.wait, other.wait, strict=True)]
        self.run_sum += other.run_sum
        self.wait_sum += other.wait_sum

    def count(self, outcome: str) -> int:
        return self.counts.get(outcome, 0)

    @property
    def busy(self) -> float:
        """Workers busy on average: seconds of work that ended in this stretch, per second."""
        return self.run_sum / self.seconds if self.seconds else 0.0


def quantile(histogram: list[int], q: float) -> float | None:
    """The q-quantile of a histogram over ``BOUNDS``, interpolated within its bucket (as
    Prometheus' histogram_quantile does); None for an empty histogram."""
    total = sum(histogram)
    if not total:
        return None
    rank = q * total
    seen = 0
    for i, n in enumerate(histogram):
        if n and seen + n >= rank:
            lower = BOUNDS[i - 1] if i else 0.0
            upper = BOUNDS[i]
            if math.isinf(upper):
                return lower
            return lower + (upper - lower) * (rank - seen) / n
        seen += n
    return BOUNDS[-2]


#: the overview's spans: (name, label, resolution, bucket seconds, buckets, buckets shown as one)
SPANS = {
    "hour": ("Last hour", "m", MINUTE, 60, 1),
    "day": ("Last day", "h", HOUR, 24, 1),
    "week": ("Last week", "h", HOUR, 168, 6),
    "90d": ("Last 90 days", "h", HOUR, 90 * 24, 24),
}


def series(connection, dim: str, span: str, now: float | None = None) -> list[Bucket]:
    """The dimension's buckets over ``span`` (oldest first), read in one pipelined round trip;
    groups of ``per`` stored buckets are added into one shown bucket."""
    _label, resolution, seconds, count, per = SPANS[span]
    now = time.time() if now is None else now
    last = int(now // seconds * seconds)
    starts = [last - seconds * i for i in range(count - 1, -1, -1)]
    pipe = connection.pipeline(transaction=False)
    for start in starts:
        pipe.hgetall(bucket_key(resolution, dim, start))
    shown: list[Bucket] = []
    for i, (start, fields) in enumerate(zip(starts, pipe.execute(), strict=True)):
        if i % per == 0:
            shown.append(Bucket(start, seconds * per))
        shown[-1].add_fields(fields)
    return shown


def totals(connection, dims: list[str]) -> dict[str, Bucket]:
    """The all-time totals of each dimension, in one round trip."""
    pipe = connection.pipeline(transaction=False)
    for dim in dims:
        pipe.hgetall(total_key(dim))
    found = {}
    for dim, fields in zip(dims, pipe.execute(), strict=True):
        bucket = Bucket(0, 0)
        bucket.add_fields(fields)
        found[dim] = bucket
    return found


def known_dims(connection) -> list[str]:
    return sorted(d.decode() for d in connection.smembers(DIMS_KEY))
