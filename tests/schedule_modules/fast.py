"""Test schedules: one run every second (croniter's sixth field is seconds)."""

from jobs.scheduling import Schedule

SCHEDULES = [
    Schedule("every-second", "* * * * * *", "word_frequency", {"text": "tick tock tock", "top": 2}, "skip")
]
