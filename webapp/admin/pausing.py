"""/admin/pause: pause all workers (RQ's suspension) or one queue, now or until a time, with a reason;
resume. Every change is audit-logged."""

import time
from datetime import UTC, datetime

from flask import flash, redirect, render_template, request, url_for

from jobs import queue_pause
from jobs.queue_names import QUEUE_NAMES
from webapp import audit
from webapp.admin.blueprint import bp, who
from webapp.redis_connection import get_redis

#: the longest pause with an end that the form accepts
MAX_PAUSE_SECONDS = 30 * 24 * 3600


class PauseInputError(ValueError):
    pass


def parse_end(minutes: str, until: str, now: float) -> float | None:
    """The pause's end as a Unix time, from "for N minutes" or "until" (a UTC date-time); None for a
    pause until resumed by hand."""
    minutes, until = minutes.strip(), until.strip()
    if minutes and until:
        raise PauseInputError("Give either a number of minutes or an end time, not both.")
    if minutes:
        if not minutes.isdecimal() or not 1 <= int(minutes) <= MAX_PAUSE_SECONDS // 60:
            raise PauseInputError(f"Minutes must be a whole number from 1 to {MAX_PAUSE_SECONDS // 60}.")
        return now + int(minutes) * 60
    if until:
        try:
            end = datetime.fromisoformat(until)
        except ValueError:
            raise PauseInputError("The end time must look like 2026-12-01T14:00 (UTC).") from None
        end = (end if end.tzinfo else end.replace(tzinfo=UTC)).timestamp()
        if not now < end <= now + MAX_PAUSE_SECONDS:
            raise PauseInputError("The end time must be in the future and at most 30 days ahead.")
        return end
    return None


def _page(error: str | None = None, status: int = 200):
    connection = get_redis()
    return render_template(
        "admin/pause.html",
        pauses=queue_pause.current(connection, QUEUE_NAMES),
        queue_names=QUEUE_NAMES,
        error=error,
        form=request.form,
    ), status


@bp.get("/pause")
def pause_page():
    return _page()


@bp.post("/pause")
def pause():
    form = request.form
    scope = form.get("scope", "all")
    reason = form.get("reason", "").strip()[: queue_pause.REASON_LIMIT]
    if scope != "all" and scope not in QUEUE_NAMES:
        return _page("Choose all workers or one of the queues.", 400)
    try:
        end = parse_end(form.get("minutes", ""), form.get("until", ""), time.time())
    except PauseInputError as exc:
        return _page(str(exc), 400)
    connection = get_redis()
    if scope == "all":
        queue_pause.pause_all(connection, reason, end, by=who())
    else:
        queue_pause.pause_queue(connection, scope, reason, end, by=who())
    what = "all workers" if scope == "all" else f"queue {scope}"
    until = datetime.fromtimestamp(end, UTC).isoformat(" ", "minutes") + " UTC" if end else "resumed"
    audit.record(who(), "pause", f"{what} until {until}" + (f": {reason}" if reason else ""))
    flash(f"Paused {what}.", "ok")
    return redirect(url_for("admin.pause_page"), 303)


@bp.post("/resume")
def resume():
    scope = request.form.get("scope", "all")
    connection = get_redis()
    if scope == "all":
        queue_pause.resume_all(connection)
    elif scope in QUEUE_NAMES:
        queue_pause.resume_queue(connection, scope)
    else:
        return _page("Choose all workers or one of the queues.", 400)
    what = "all workers" if scope == "all" else f"queue {scope}"
    audit.record(who(), "resume", what)
    flash(f"Resumed {what}.", "ok")
    return redirect(url_for("admin.pause_page"), 303)
