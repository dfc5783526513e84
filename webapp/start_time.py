"""When a job may be asked to start: after now and at most ``MAX_AHEAD`` later.

The JSON API (``start_in`` in seconds, or ``start_at``) and the task forms ("start in" minutes, or
"start at") apply this one rule and give its words, so both answer the same.
"""

from datetime import UTC, datetime, timedelta

MAX_AHEAD = timedelta(days=7)
MAX_AHEAD_SECONDS = int(MAX_AHEAD.total_seconds())
MAX_AHEAD_MINUTES = MAX_AHEAD_SECONDS // 60

NOT_IN_FUTURE = "Choose a time in the future."
TOO_FAR_AHEAD = f"Choose a time within the next {MAX_AHEAD.days} days."


def start_time_problem(when: datetime, now: datetime | None = None) -> str | None:
    """Why a job cannot start at ``when`` (aware), or None when it can."""
    now = now or datetime.now(UTC)
    if when <= now:
        return NOT_IN_FUTURE
    if when > now + MAX_AHEAD:
        return TOO_FAR_AHEAD
    return None
