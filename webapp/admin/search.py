"""/admin/search: a job by id or id prefix (any owner's), or jobs by task and parameter value, paged,
from the index the site keeps when it enqueues (webapp/search_index.py)."""

import re

from flask import current_app, render_template, request
from rq.job import Job
from rq.serializers import JSONSerializer

from jobs.registry import TASKS
from webapp import search_index
from webapp.admin.blueprint import bp
from webapp.redis_connection import get_redis

PER_PAGE = 25
#: what a job id (RQ's, or Jobdeck's uuid4) may hold; a prefix of anything else finds nothing
ID_PREFIX = re.compile(r"[A-Za-z0-9_-]{1,64}")
MAX_PAGE = 400


def _rows(connection, ids: list[str]) -> list[dict]:
    jobs = Job.fetch_many(ids, connection=connection, serializer=JSONSerializer) if ids else []
    rows = []
    for job_id, job in zip(ids, jobs, strict=True):
        if job is None:
            rows.append({"id": job_id, "status": "expired"})
            continue
        meta = job.meta or {}
        rows.append(
            {
                "id": job_id,
                "task": meta.get("task", ""),
                "owner": str(meta.get("owner") or "")[:8],
                "status": getattr(job.get_status(refresh=False), "value", "unknown"),
                "queue": job.origin,
                "enqueued_at": job.enqueued_at,
                "description": job.description,
            }
        )
    return rows


@bp.get("/search")
def search_page():
    args = request.args
    connection = get_redis()
    page = args.get("page", 1, type=int) or 1
    id_prefix = args.get("id", "").strip()
    task = args.get("task", "")
    value = args.get("value", "")
    error, rows, total, searched, has_next = None, [], None, False, False
    max_age = current_app.config["FAILURE_TTL"]
    if not 1 <= page <= MAX_PAGE:
        error = f"Pages run from 1 to {MAX_PAGE}."
    elif id_prefix:
        searched = True
        if not ID_PREFIX.fullmatch(id_prefix):
            error = "A job id holds only letters, digits, '-' and '_' (at most 64)."
        else:
            search_index.prune(connection, max_age)
            ids = search_index.by_prefix(connection, id_prefix, (page - 1) * PER_PAGE, PER_PAGE + 1)
            has_next = len(ids) > PER_PAGE
            rows = _rows(connection, ids[:PER_PAGE])
    elif task:
        searched = True
        if task not in TASKS:
            error = "Choose one of the tasks."
        else:
            ids, total = search_index.by_value(
                connection, task, value, (page - 1) * PER_PAGE, PER_PAGE, max_age
            )
            has_next = page * PER_PAGE < total
            rows = _rows(connection, ids)
    status = 400 if error else 200
    return render_template(
        "admin/search.html",
        tasks=list(TASKS),
        rows=rows,
        total=total,
        searched=searched,
        error=error,
        page=page,
        has_next=has_next,
        args=args,
        query=args.to_dict(),
    ), status
