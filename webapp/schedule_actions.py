"""What an operator can see of the schedules and do to them, for the console's page
(``webapp/admin_schedules.py``) and the JSON API (``webapp/schedules_api.py``) alike: one home for
each rule, message and audit entry.

Each action returns the sentence to show (a flash on the page, ``message`` in the JSON) or raises
``ScheduleRefused`` with its status and sentence.
"""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from rq.cron import get_cron_job_ids
from rq.job import Job
from rq.serializers import JSONSerializer

from jobs import scheduling
from webapp import audit, schedule_runs
from webapp.job_view import from_job
from webapp.redis_connection import get_redis

RUNS_SHOWN = 20
EVENTS_SHOWN = 5
MAX_PAUSE = timedelta(days=365)


class ScheduleRefused(Exception):
    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status, self.message = status, message


def schedules_by_name() -> dict[str, scheduling.Schedule]:
    return {schedule.name: schedule for schedule in scheduling.load()}


def find(name: str) -> scheduling.Schedule:
    schedule = schedules_by_name().get(name)
    if schedule is None:
        raise ScheduleRefused(404, f"There is no schedule called {name!r}.")
    return schedule


@dataclass
class ScheduleState:
    """A schedule as the page and the API show it."""

    schedule: scheduling.Schedule
    pause: scheduling.Pause | None
    next_run: datetime | None  # None while paused until resumed by hand
    runs: list[dict]  # {"id", "view"}: the newest first; "view" is None once the job has expired
    events: list[dict]


def describe(schedule: scheduling.Schedule, connection) -> ScheduleState:
    pause = scheduling.paused(connection, schedule.name)
    next_after = pause.until_time if pause and pause.until else None
    run_ids = get_cron_job_ids(schedule.name, connection, 0, RUNS_SHOWN - 1)
    jobs = Job.fetch_many(run_ids, connection, serializer=JSONSerializer) if run_ids else []
    runs = [
        {"id": job_id, "view": from_job(job, with_result=False) if job else None}
        for job_id, job in zip(run_ids, jobs, strict=True)
    ]
    return ScheduleState(
        schedule=schedule,
        pause=pause,
        next_run=None if pause and not pause.until else schedule.next_run(next_after),
        runs=runs,
        events=scheduling.events(connection, schedule.name, EVENTS_SHOWN),
    )


def run_now(name: str, who: str):
    """Enqueue a run now; (the job, the sentence)."""
    schedule = find(name)
    job = schedule_runs.run(schedule, trigger=f"run now by {who}")
    audit.record(who, "schedule.run_now", f"{name}: job {job.id}")
    return job, f"{name}: run started as job {job.id}."


def parse_until(text: str) -> datetime:
    """A pause's end: an ISO 8601 date-time (UTC unless it names its zone) in the next 365 days."""
    problem = "'pause until' must be a time (UTC) in the next 365 days."
    try:
        until = datetime.fromisoformat(text.strip())
    except ValueError:
        raise ScheduleRefused(400, problem) from None
    until = until.replace(tzinfo=UTC) if until.tzinfo is None else until.astimezone(UTC)
    now = datetime.now(UTC)
    if not now < until <= now + MAX_PAUSE:
        raise ScheduleRefused(400, problem)
    return until


def pause(name: str, reason, until_text, who: str) -> str:
    """Pause ``name`` with a reason (shown on the page), until resumed or until ``until_text``."""
    find(name)
    reason = (reason if isinstance(reason, str) else "").strip()[: scheduling.REASON_LIMIT]
    if not reason:
        raise ScheduleRefused(400, f"{name}: give a reason for the pause (shown on the schedules page).")
    if until_text is not None and not isinstance(until_text, str):
        raise ScheduleRefused(400, f"{name}: 'pause until' must be a time (UTC) in the next 365 days.")
    try:
        until = parse_until(until_text) if until_text and until_text.strip() else None
    except ScheduleRefused as refused:
        raise ScheduleRefused(400, f"{name}: {refused.message}") from None
    scheduling.pause(get_redis(), name, reason, who, until)
    audit.record(
        who, "schedule.pause", f"{name}: {reason}" + (f" (until {until.isoformat()})" if until else "")
    )
    return f"{name}: paused" + (f" until {until:%Y-%m-%d %H:%M} UTC" if until else "") + "."


def resume(name: str, who: str) -> str:
    find(name)
    if not scheduling.resume(get_redis(), name):
        raise ScheduleRefused(409, f"{name} was not paused.")
    audit.record(who, "schedule.resume", name)
    return f"{name}: resumed."
