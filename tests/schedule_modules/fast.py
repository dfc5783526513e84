"""Test schedules: one run every two seconds (croniter's sixth field is seconds)."""

from jobs.scheduling import Schedule

SCHEDULES = [
    Schedule(
        "every-two-seconds", "* * * * * */2", "word_frequency", {"text": "tick tock tock", "top": 2}, "skip"
    ),
]
