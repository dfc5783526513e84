"""A schedule whose parameters the task refuses: the cron process must not start."""

from jobs.scheduling import Schedule

SCHEDULES = [Schedule("broken-primes", "0 2 * * *", "primes", {"limit": -5})]
