"""One schedule every minute whose missed runs are handled with "run_once"."""

from jobs.scheduling import Schedule

SCHEDULES = [Schedule("every-minute", "* * * * *", "word_frequency", {"text": "a b", "top": 2}, "run_once")]
