"""Recurring jobs: what a schedule is, its cron in words, and its state in Redis.

Schedules are declared in code (``jobs/schedules.py``, or the module ``JOBDECK_SCHEDULES`` names)
and run by the cron process (``webapp/cron.py``, RQ's ``CronScheduler`` with Jobdeck's enqueue).
This module holds what the cron process and the site share, in Redis:

- the pause (``pause_key``): a reason, who, and an optional time it ends by itself;
- the claim of a run slot (``slot_key``): ``SET NX`` with the slot's time in the key, so that of two
  cron processes started by mistake exactly one enqueues each run;
- the last slot any scheduler handled (``last_slot_key``), from which a scheduler that starts sees
  the runs missed while none was alive;
- what happened beyond the runs themselves (``events_key``: missed runs run once or skipped, runs
  skipped while paused), newest first, capped.

The runs themselves are recorded where RQ's cron jobs record theirs: ``rq.cron``'s per-name job
history (``get_cron_job_history_key``), read with ``rq.cron.get_cron_job_ids``.
"""

import importlib
import json
import os
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime

from croniter import croniter

from jobs import queue_pause
from jobs.errors import TaskInputError
from jobs.registry import get_task, validate

MISSED_POLICIES = ("run_once", "skip")
SCHEDULES_ENV = "JOBDECK_SCHEDULES"
DEFAULT_MODULE = "jobs.schedules"
#: how long a slot's claim is kept: far longer than two schedulers' clocks can differ
SLOT_CLAIM_SECONDS = 24 * 3600
MAX_EVENTS = 50
#: a pause's reason, at most (the budget of every pause's reason)
REASON_LIMIT = queue_pause.REASON_LIMIT
#: missed slots counted at most (a schedule every second, down for a week, is "more than 10,000")
MAX_COUNTED_MISSES = 10_000


class ScheduleError(RuntimeError):
    """A schedule that cannot run; its message is one line naming the schedule and the fault."""


@dataclass(frozen=True)
class Schedule:
    name: str
    cron: str  # five fields, UTC (a sixth, seconds, is accepted: croniter's form)
    task: str
    params: dict = field(default_factory=dict)
    missed: str = "run_once"  # a run missed while no scheduler was alive: "run_once" or "skip"

    def next_run(self, after: datetime | None = None) -> datetime:
        return croniter(self.cron, after or datetime.now(UTC)).get_next(datetime)

    def previous_run(self, before: datetime | None = None) -> datetime:
        return croniter(self.cron, before or datetime.now(UTC)).get_prev(datetime)

    @property
    def in_words(self) -> str:
        return cron_in_words(self.cron)


def load(module_name: str | None = None) -> list[Schedule]:
    """The declared schedules, each checked (``ScheduleError`` with one line for the first bad one)."""
    module = importlib.import_module(module_name or os.environ.get(SCHEDULES_ENV) or DEFAULT_MODULE)
    schedules = list(module.SCHEDULES)
    seen = set()
    for schedule in schedules:
        check(schedule, module.__name__)
        if schedule.name in seen:
            raise ScheduleError(f"{module.__name__}: two schedules are called {schedule.name!r}.")
        seen.add(schedule.name)
    return schedules


def check(schedule: Schedule, where: str) -> dict:
    """The schedule's parameters, validated as the API validates a job's (the task's ``validate``)."""
    prefix = f"{where}: schedule {schedule.name!r}"
    if not schedule.name or not all(c.isalnum() or c in "-_" for c in schedule.name):
        raise ScheduleError(f"{prefix}: a name is letters, digits, '-' and '_'.")
    if not croniter.is_valid(schedule.cron):
        raise ScheduleError(f"{prefix}: {schedule.cron!r} is not a cron expression (e.g. '0 2 * * *').")
    if schedule.missed not in MISSED_POLICIES:
        raise ScheduleError(f"{prefix}: missed must be one of {', '.join(MISSED_POLICIES)}.")
    spec = get_task(schedule.task)
    if spec is None or not spec.listed:
        raise ScheduleError(f"{prefix}: there is no task called {schedule.task!r}.")
    try:
        return validate(schedule.task, dict(schedule.params))
    except TaskInputError as exc:
        raise ScheduleError(f"{prefix}: {exc}") from exc


# --- cron in words ----------------------------------------------------------------------------
DAYS = ("Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday")


def cron_in_words(expression: str) -> str:
    """ "every day at 02:00 UTC" for the common forms; the expression itself for the rest."""
    fields = expression.split()
    if len(fields) == 6:  # croniter's seconds field, last
        seconds = fields.pop()
        if fields == ["*"] * 5 and seconds == "*":
            return "every second"
        if fields == ["*"] * 5 and seconds.startswith("*/") and seconds[2:].isdigit():
            return f"every {seconds[2:]} seconds"
        return f"cron {expression!r} (UTC)"
    if len(fields) != 5:
        return f"cron {expression!r} (UTC)"
    minute, hour, day, month, weekday = fields
    every_day = day == "*" and month == "*"
    if every_day and weekday == "*" and hour == "*":
        if minute == "*":
            return "every minute"
        if minute.startswith("*/") and minute[2:].isdigit():
            return f"every {minute[2:]} minutes"
        if minute.isdigit():
            return f"every hour at minute {int(minute)}"
    if every_day and minute.isdigit() and hour.isdigit():
        at = f"{int(hour):02d}:{int(minute):02d} UTC"
        if weekday == "*":
            return f"every day at {at}"
        if weekday.isdigit() and int(weekday) <= 7:
            return f"every {DAYS[int(weekday) % 7]} at {at}"
        if weekday == "1-5":
            return f"every weekday (Monday to Friday) at {at}"
    if minute.isdigit() and hour.isdigit() and day.isdigit() and month == "*" and weekday == "*":
        return f"on day {int(day)} of every month at {int(hour):02d}:{int(minute):02d} UTC"
    return f"cron {expression!r} (UTC)"


# --- state in Redis ---------------------------------------------------------------------------
def pause_key(name: str) -> str:
    return f"jobdeck:schedule:{name}:pause"


def slot_key(name: str, slot: datetime) -> str:
    return f"jobdeck:schedule:{name}:slot:{int(slot.timestamp())}"


def last_slot_key(name: str) -> str:
    return f"jobdeck:schedule:{name}:last_slot"


def events_key(name: str) -> str:
    return f"jobdeck:schedule:{name}:events"


@dataclass(frozen=True)
class Pause:
    reason: str
    who: str
    since: float
    until: float | None  # None: until someone resumes it

    @property
    def until_time(self) -> datetime | None:
        return datetime.fromtimestamp(self.until, UTC) if self.until else None


def pause(connection, name: str, reason: str, who: str, until: datetime | None = None) -> None:
    """Pause ``name``; with ``until``, the key expires then, so it resumes by itself."""
    data = {"reason": reason, "who": who, "since": time.time(), "until": until.timestamp() if until else None}
    ttl = max(1, int((until.timestamp() - time.time()) + 0.999)) if until else None
    connection.set(pause_key(name), json.dumps(data), ex=ttl)


def resume(connection, name: str) -> bool:
    return bool(connection.delete(pause_key(name)))


def paused(connection, name: str) -> Pause | None:
    raw = connection.get(pause_key(name))
    if raw is None:
        return None
    data = json.loads(raw)
    if data.get("until") and data["until"] <= time.time():  # due to resume this very second
        return None
    return Pause(data.get("reason", ""), data.get("who", ""), data.get("since", 0), data.get("until"))


def claim_slot(connection, name: str, slot: datetime) -> bool:
    """True for the one caller that takes this run; any other scheduler gets False."""
    claimed = connection.set(slot_key(name, slot), os.getpid(), nx=True, ex=SLOT_CLAIM_SECONDS)
    if claimed:
        connection.set(last_slot_key(name), slot.timestamp())
    return bool(claimed)


def last_slot(connection, name: str) -> datetime | None:
    raw = connection.get(last_slot_key(name))
    return datetime.fromtimestamp(float(raw), UTC) if raw else None


def missed_slots(schedule: Schedule, since: datetime, now: datetime) -> list[datetime]:
    """The slots after ``since`` up to ``now`` (at most MAX_COUNTED_MISSES)."""
    slots, it = [], croniter(schedule.cron, since)
    while len(slots) < MAX_COUNTED_MISSES:
        slot = it.get_next(datetime)
        if slot > now:
            break
        slots.append(slot)
    return slots


def note(connection, name: str, text: str, job_id: str | None = None) -> None:
    entry = json.dumps({"at": time.time(), "text": text, "job_id": job_id})
    pipe = connection.pipeline()
    pipe.lpush(events_key(name), entry)
    pipe.ltrim(events_key(name), 0, MAX_EVENTS - 1)
    pipe.execute()


def events(connection, name: str, n: int = 10) -> list[dict]:
    return [json.loads(raw) for raw in connection.lrange(events_key(name), 0, n - 1)]
