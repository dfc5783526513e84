"""What every template can use: filters for times and durations, and the site's facts as globals
(job statuses, the task forms' option fields)."""

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


class SiteEnvironment(Environment):
    """Flask's Jinja environment, whose templates each take a plain dictionary of the globals.

    Jinja's own ``make_globals`` gives each template a ``ChainMap`` of its globals over the
    environment's, so that a global added later still shows. Every render copies the globals into
    its context, and every context (each include too) lists their names: through a ``ChainMap``,
    a Python call per global, and a ``KeyError`` per global from the template's own map, usually
    empty. The site sets all of its globals while the app is made (Flask refuses
    ``add_template_global`` once it has served a request), before any template loads, so a
    dictionary made when a template loads holds the same names and values.
    """

    def make_globals(self, d):
        return {**self.globals, **(d or {})}


class Site(Flask):
    """The site's Flask app: Flask's, with ``SiteEnvironment`` for its templates, which keeps the
    compiled templates in a plain dictionary (``cache_size`` -1): Jinja's default, a bounded
    least-recently-used cache, takes a lock and searches its whole queue on every lookup (each
    page, its layout, each include), and the site's templates are a fixed set of files."""

    jinja_environment = SiteEnvironment
    jinja_options = {"cache_size": -1}


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
