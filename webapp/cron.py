"""The cron process: RQ's ``CronScheduler`` running Jobdeck's schedules (``python -m webapp.cron``).

RQ 2.12's ``rq cron`` registers functions and enqueues them with ``CronJob.enqueue``: a pickled
job (Jobdeck's are JSON), no pause, no claim of a run (two ``rq cron`` processes both enqueue every
run) and no look back at runs missed while it was down. This subclass keeps RQ's scheduler (its
loop, sleep, signals, scheduler registry, heartbeat and cron job bookkeeping) and replaces only
what a due run does (``enqueue_jobs``): claim the slot in Redis, skip it while paused, enqueue it
as a form submission would (``webapp/schedule_runs.py``). At start it first handles missed runs.

The schedules are checked before anything starts: a bad one is one line on stderr and exit 2.
"""

import logging
import sys

from rq.cron import CronScheduler
from rq.utils import now

from jobs import scheduling
from jobs.registry import get_task
from jobs.runner import execute
from webapp import create_app, schedule_runs

log = logging.getLogger(__name__)


class JobdeckCronScheduler(CronScheduler):
    def __init__(self, connection, app, schedules: list[scheduling.Schedule], **options):
        super().__init__(connection=connection, **options)
        self.app = app
        self.schedules = {schedule.name: schedule for schedule in schedules}
        for schedule in schedules:
            self.register(
                execute,
                queue_name=get_task(schedule.task).queue,
                args=(schedule.task, dict(schedule.params)),
                cron=schedule.cron,
                name=schedule.name,
            )

    def enqueue_jobs(self):
        """RQ's loop asks which cron jobs are due; each due slot goes to ``schedule_runs.due``."""
        handled = []
        for cron_job in self.get_jobs():
            if cron_job.should_run():
                with self.app.app_context():
                    schedule_runs.due(self.schedules[cron_job.name], cron_job.next_enqueue_time)
                cron_job.set_enqueue_time(now())
                handled.append(cron_job)
        return handled

    def catch_up(self) -> None:
        with self.app.app_context():
            for schedule in self.schedules.values():
                schedule_runs.catch_up(schedule, now())

    def start(self):
        self.catch_up()
        super().start()


def main() -> int:
    try:
        schedules = scheduling.load()
    except scheduling.ScheduleError as exc:
        print(f"jobdeck cron: {exc}", file=sys.stderr)
        return 2
    app = create_app()
    connection = app.extensions["jobdeck"]["redis"]
    JobdeckCronScheduler(connection, app, schedules).start()
    return 0


if __name__ == "__main__":
    sys.exit(main())
