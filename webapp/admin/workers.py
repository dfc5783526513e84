"""/admin/workers: every worker (name, host, pid, queues, state, current job, counts, heartbeat, RSS)
and a warm shutdown through RQ's ``send_shutdown_command``."""

from flask import abort, flash, redirect, render_template, url_for
from rq.command import send_shutdown_command

from webapp import audit
from webapp.admin.blueprint import bp, who
from webapp.admin.snapshot import workers
from webapp.redis_connection import get_redis


@bp.get("/workers")
def workers_page():
    return render_template("admin/workers.html", worker_rows=workers(get_redis()))


@bp.post("/workers/<name>/shutdown")
def shutdown_worker(name: str):
    connection = get_redis()
    if name not in {row.name for row in workers(connection)}:
        abort(404)
    send_shutdown_command(connection, name)
    audit.record(who(), "worker shutdown", f"warm shutdown of {name}")
    flash(f"Asked worker {name} to finish its current job and stop.", "ok")
    return redirect(url_for("admin.workers_page"), 303)
