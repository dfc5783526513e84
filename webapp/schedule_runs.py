"""Running a schedule: a due slot (claimed once among schedulers), a missed run, or "Run now".

Every run is enqueued as a form submission is (``enqueue_task``: the task's queue, timeout, retry
and TTLs, owner ``schedule:<name>``) and recorded where RQ's cron jobs record theirs
(``rq.cron``'s job history and cron job registry), so ``rq.cron.get_cron_job_ids`` lists it.
Called inside an app context: by the cron process (``webapp/cron.py``) and the schedules page.
"""

from datetime import datetime

from rq import cron_job_registry
from rq.cron import get_cron_job_history_key
from rq.defaults import DEFAULT_CRON_JOB_HISTORY_LIMIT, DEFAULT_CRON_JOB_HISTORY_TTL

from jobs import scheduling
from jobs.registry import get_task
from jobs.runner import load_task_module
from webapp.redis_connection import get_redis
from webapp.submission import enqueue_task
from webapp.templating import format_time


def run(schedule: scheduling.Schedule, trigger: str):
    """Enqueue one run now; returns the job."""
    spec = get_task(schedule.task)
    params = load_task_module(schedule.task).validate(dict(schedule.params))
    job = enqueue_task(
        spec, params, f"schedule:{schedule.name}", extra_meta={"schedule": schedule.name, "trigger": trigger}
    )
    key = get_cron_job_history_key(schedule.name)
    with get_redis().pipeline() as pipe:
        pipe.zadd(key, {job.id: job.enqueued_at.timestamp()})
        pipe.zremrangebyrank(key, 0, -(DEFAULT_CRON_JOB_HISTORY_LIMIT + 1))
        pipe.expire(key, DEFAULT_CRON_JOB_HISTORY_TTL)
        cron_job_registry.add(schedule.name, pipe, enqueue_timestamp=job.enqueued_at.timestamp())
        pipe.execute()
    return job


def due(schedule: scheduling.Schedule, slot: datetime):
    """The run due at ``slot``: enqueued by the one scheduler that claims it, unless paused."""
    connection = get_redis()
    if not scheduling.claim_slot(connection, schedule.name, slot):
        return None  # another scheduler took this run
    pause = scheduling.paused(connection, schedule.name)
    if pause is not None:
        scheduling.note(
            connection, schedule.name, f"Run due at {format_time(slot)} not run: paused ({pause.reason})."
        )
        return None
    return run(schedule, trigger=f"due at {format_time(slot)}")


def catch_up(schedule: scheduling.Schedule, now: datetime):
    """At a scheduler's start: the runs missed since the last slot any scheduler handled, run once
    or skipped as the schedule says, and noted either way for the page."""
    connection = get_redis()
    last = scheduling.last_slot(connection, schedule.name)
    if last is None:  # never scheduled before: nothing was missed; count from the latest slot
        connection.set(
            scheduling.last_slot_key(schedule.name), schedule.previous_run(now).timestamp(), nx=True
        )
        return None
    missed = scheduling.missed_slots(schedule, last, now)
    if not missed or not scheduling.claim_slot(connection, schedule.name, missed[-1]):
        return None
    what = (
        f"Missed {len(missed)} run{'' if len(missed) == 1 else 's'} (the last due {format_time(missed[-1])})"
    )
    what += " while no scheduler was running"
    pause = scheduling.paused(connection, schedule.name)
    if pause is not None:
        scheduling.note(connection, schedule.name, f"{what}: not run, the schedule is paused.")
        return None
    if schedule.missed == "skip":
        scheduling.note(connection, schedule.name, f"{what}: skipped, as the schedule says.")
        return None
    job = run(schedule, trigger="missed run, run once")
    scheduling.note(connection, schedule.name, f"{what}: run once when the scheduler started.", job.id)
    return job
