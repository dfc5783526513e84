"""What every template can use: filters for times and durations, and the site's facts as globals
(job statuses, the task forms' option fields)."""

from datetime import UTC, datetime, timedelta

from jobs import statuses


def format_time(dt: datetime | None) -> str:
    """``2026-11-25 06:10:41 UTC``. RQ's times are UTC already. ``isoformat`` rather than
    ``strftime``, the cheaper of the two, since a job page shows five or six times
    (docs/benchmarks.md)."""
    if not dt:
        return "—"
    if dt.tzinfo is not UTC:
        dt = dt.astimezone(UTC)
    return dt.isoformat(" ", "seconds")[:19] + " UTC"


def format_duration(seconds: float | None) -> str:
    if seconds is None:
        return "—"
    seconds = int(round(seconds))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours} h {minutes} min"
    if minutes:
        return f"{minutes} min {secs} s"
    return f"{secs} s"


def format_until(dt: datetime | None) -> str:
    """'3 min 5 s' until ``dt`` (or 'a moment' once it is due)."""
    if dt is None:
        return "—"
    seconds = (dt - datetime.now(UTC)).total_seconds()
    return format_duration(seconds) if seconds >= 1 else "a moment"


def expires(ended_at: datetime | None, ttl_seconds: int | None) -> datetime | None:
    """When something kept ``ttl_seconds`` after ``ended_at`` expires (for the job page)."""
    if ended_at is None or not ttl_seconds or ttl_seconds < 0:
        return None
    return ended_at + timedelta(seconds=ttl_seconds)


def init_app(app) -> None:
    from webapp.forms import OPTION_FIELDS

    app.jinja_env.globals["option_fields"] = OPTION_FIELDS
    app.jinja_env.globals["statuses"] = statuses
    app.add_template_filter(format_time, "time")
    app.add_template_filter(format_duration, "duration")
    app.add_template_filter(format_until, "until")
    app.add_template_filter(expires, "expires")
