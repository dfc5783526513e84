"""The recurring jobs, declared in code next to the tasks they run.

Each ``Schedule(name, cron, task, params, missed)`` runs a declared task with fixed parameters on a
cron expression in UTC (five fields; a sixth, seconds, also works). Its parameters are checked as
the API checks a job's when the cron process starts (a bad one stops it with one line naming the
schedule). ``missed`` says what to do with runs missed while no scheduler was alive: "run_once"
(one run when a scheduler is back) or "skip". The cron process is the Procfile's ``cron`` line;
``/admin/schedules`` shows them. ``JOBDECK_SCHEDULES=<module>`` names another module with a
``SCHEDULES`` list (the tests use one).
"""

from jobs.scheduling import Schedule

SCHEDULES = [
    Schedule(
        name="nightly-primes",
        cron="0 2 * * *",
        task="primes",
        params={"limit": 10_000_000},
        missed="run_once",
    ),
    Schedule(
        name="word-count-sample",
        cron="*/5 * * * *",
        task="word_frequency",
        params={"text": "Jobdeck runs long work after it has answered the browser.", "top": 5},
        missed="skip",
    ),
]
