"""One schedule every minute whose missed runs are handled with "skip"."""

from jobs.scheduling import Schedule

SCHEDULES = [Schedule("every-minute", "* * * * *", "word_frequency", {"text": "a b", "top": 2}, "skip")]
