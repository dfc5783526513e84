"""Downloads of the files a job produced: ``GET /jobs/<job_id>/files/<name>``.

Only the job's readers (its owner, the admin, the read-only operator; ``webapp/job_access.py``) and
holders of a share link may download; anyone else gets the
same 404 as for a missing job, and only files its result lists. The bytes come
from Redis and expire with the job's result, after which the answer is 404. Image previews may be
shown inline (``?inline=1``); everything else is an attachment, and nothing is ever sniffed.
"""

from flask import Blueprint, Response, abort, request

from jobs import statuses, storage
from jobs.file_names import safe_name
from webapp.errors import error_response
from webapp.job_access import can_read
from webapp.job_reads import fetch_job
from webapp.redis_connection import get_redis

bp = Blueprint("downloads", __name__)

INLINE_TYPES = {"image/png", "image/jpeg"}


def listed_file(job, name: str) -> dict | None:
    result = job.return_value() if job.get_status(refresh=False).value == statuses.FINISHED else None
    files = result.get("files") if isinstance(result, dict) else None
    return next((f for f in files or [] if isinstance(f, dict) and f.get("name") == name), None)


@bp.get("/jobs/<job_id>/files/<name>")
def download(job_id: str, name: str):
    job = fetch_job(job_id)
    if not can_read(job):
        abort(404)
    return file_response(job, name)


def file_response(job, name: str):
    """The listed file ``name`` of ``job`` (for a reader already allowed to see the job)."""
    job_id = job.id
    info = listed_file(job, name)
    data = storage.get_file(get_redis(), job_id, name) if info else None
    if data is None:
        return error_response(404, "File not found", "This file does not exist or it has expired.")
    content_type = info.get("content_type") or "application/octet-stream"
    inline = request.args.get("inline") == "1" and content_type in INLINE_TYPES
    disposition = "inline" if inline else "attachment"
    response = Response(data, content_type=content_type)
    response.headers["Content-Disposition"] = (
        f'{disposition}; filename="{safe_name(name, default="download", max_length=None)}"'
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, max-age=300"
    return response
