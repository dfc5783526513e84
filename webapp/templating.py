"""What every template can use: filters for times and durations, and the site's facts as globals
(job statuses, the task forms' option fields)."""

from collections import ChainMap
from datetime import UTC, datetime, timedelta

from flask import Flask
from flask.templating import Environment

from jobs import statuses
from webapp import generic_result


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


class _Globals(ChainMap):
    """A template's globals over the environment's, as Jinja's own ``ChainMap``, looked up without
    raising: each render copies every global into its context, and ``ChainMap`` finds each one by
    a ``KeyError`` from the template's own map first, which is usually empty."""

    def __getitem__(self, key):
        for mapping in self.maps:
            if key in mapping:
                return mapping[key]
        return self.__missing__(key)


class SiteEnvironment(Environment):
    """Flask's Jinja environment, with ``_Globals`` as each template's globals."""

    def make_globals(self, d):
        return _Globals({} if d is None else d, self.globals)


class Site(Flask):
    """The site's Flask app: Flask's, with ``SiteEnvironment`` for its templates."""

    jinja_environment = SiteEnvironment


def init_app(app) -> None:
    from webapp.forms import OPTION_FIELDS
    from webapp.task_templates import with_task_templates

    app.jinja_env.loader = with_task_templates(app.jinja_env.loader)
    app.jinja_env.globals["max_result_rows"] = generic_result.MAX_ROWS
    app.jinja_env.globals["generic_result"] = generic_result.generic_result

    app.jinja_env.globals["option_fields"] = OPTION_FIELDS
    app.jinja_env.globals["statuses"] = statuses
    app.jinja_env.globals["active_statuses"] = " ".join(statuses.ACTIVE)  # the layout's data attribute
    app.add_template_filter(format_time, "time")
    app.add_template_filter(format_duration, "duration")
    app.add_template_filter(format_until, "until")
    app.add_template_filter(expires, "expires")
