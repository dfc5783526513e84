"""JSON API: submit a job, read a job.

Bodies must be ``application/json``, so no cross-site HTML form can post here (forms can only send
form-encoded, multipart or text/plain bodies). A client with the API token (``JOBDECK_API_TOKEN``,
sent as ``Authorization: Bearer <token>``, compared in constant time) has its body read as JSON
whatever its Content-Type (``curl -d`` sends a form type); a browser cannot add that header across
sites. The token grants nothing else: the same validation, rate limit and ownership rules apply. A
wrong token is refused with 401 rather than ignored.
"""

import hmac
import json
from datetime import UTC, datetime, timedelta

from flask import Blueprint, current_app, jsonify, request
from rq.job import Job, parse_job_id
from rq.serializers import JSONSerializer

from jobs import webhooks
from jobs.errors import TaskInputError
from jobs.queue_names import QUEUE_NAMES
from jobs.registry import TASKS, get_task, validate
from jobs.task_declaration import InvalidParams
from webapp import job_etag, lost_workers
from webapp.errors import json_error
from webapp.identity import owner_id
from webapp.job_access import can_read
from webapp.job_insights import insights
from webapp.job_reads import FullRead, read
from webapp.job_view import from_job
from webapp.page_links import job_url
from webapp.redis_connection import get_redis
from webapp.start_time import MAX_AHEAD_SECONDS, start_time_problem
from webapp.submission import enqueue_task

bp = Blueprint("api", __name__, url_prefix="/api")


def _options(body: dict) -> tuple[str | None, datetime | None]:
    """Optional "priority" (high, default, low) and "start_in" (seconds) or "start_at" (ISO 8601)."""
    priority = body.get("priority")
    if priority is not None and priority not in QUEUE_NAMES:
        raise TaskInputError(f"priority must be one of: {', '.join(QUEUE_NAMES)}.")
    start_in, start_at = body.get("start_in"), body.get("start_at")
    if start_in is not None and start_at is not None:
        raise TaskInputError("Give either start_in or start_at, not both.")
    now = datetime.now(UTC)
    if start_in is not None:
        if (
            isinstance(start_in, bool)
            or not isinstance(start_in, int)
            or not 1 <= start_in <= MAX_AHEAD_SECONDS
        ):
            raise TaskInputError(f"start_in must be a whole number of seconds from 1 to {MAX_AHEAD_SECONDS}.")
        return priority, now + timedelta(seconds=start_in)
    if start_at is not None:
        try:
            when = datetime.fromisoformat(start_at)
        except (TypeError, ValueError) as exc:
            raise TaskInputError("start_at must be an ISO 8601 date-time with a time zone.") from exc
        if when.tzinfo is None:
            raise TaskInputError("start_at must include a time zone, e.g. 2030-01-01T09:00:00+01:00.")
        problem = start_time_problem(when, now)
        if problem:
            raise TaskInputError(f"start_at: {problem}")
        return priority, when.astimezone(UTC)
    return priority, None


EXAMPLE = '{"task": "countdown", "params": {"seconds": 3}}'


def bearer_token() -> str | None:
    """The token of an ``Authorization: Bearer`` header, or None when there is none."""
    auth = request.authorization
    return auth.token if auth is not None and auth.type == "bearer" and auth.token else None


def token_accepted() -> bool:
    expected = current_app.config.get("API_TOKEN") or ""
    given = bearer_token()
    return bool(expected) and given is not None and hmac.compare_digest(given.encode(), expected.encode())


@bp.before_request
def refuse_a_wrong_token():
    if current_app.config.get("API_TOKEN") and bearer_token() is not None and not token_accepted():
        challenge = 'Bearer realm="Jobdeck API", error="invalid_token"'
        return json_error(401, "The API token is not valid.", {"WWW-Authenticate": challenge})
    return None


def read_json_body():
    """The parsed body, or an error response (wrong content type, not UTF-8, not JSON, too deep)."""
    if not (request.is_json or token_accepted()):
        return None, json_error(
            400,
            f"Send the job as JSON with Content-Type: application/json, for example {EXAMPLE}.",
        )
    try:
        return json.loads(request.get_data()), None
    except (ValueError, RecursionError) as exc:
        reason = "nested too deeply" if isinstance(exc, RecursionError) else str(exc)
        return None, json_error(
            400, f"The body is not valid JSON ({reason}); send a JSON object like {EXAMPLE}."
        )


def read_task_body(example: str = EXAMPLE):
    """(body, spec, None) for a JSON object naming a listed task, else (None, None, error response)."""
    body, error = read_json_body()
    if error:
        return None, None, error
    if not isinstance(body, dict):
        return None, None, json_error(400, f"The body must be a JSON object like {example}.")
    task = body.get("task")
    spec = get_task(task) if isinstance(task, str) else None
    if spec is None or not spec.listed:  # unlisted tasks are the site's own tools (why_measure)
        listed = (name for name, s in TASKS.items() if s.listed)
        return None, None, json_error(400, f"Unknown task; choose one of: {', '.join(listed)}.")
    return body, spec, None


@bp.post("/jobs")
def create_job():
    body, spec, error = read_task_body()
    if error:
        return error
    params = body.get("params", {})
    if not isinstance(params, dict):
        return json_error(400, "params must be a JSON object.")
    try:
        clean = validate(spec.name, params)
        priority, at = _options(body)
        hook = webhooks.parse(body["webhook"]) if "webhook" in body else None
    except InvalidParams as invalid:  # the task's rules, with each field's messages as the form shows them
        return json_error(400, str(invalid), errors=invalid.errors)
    except TaskInputError as exc:
        return json_error(400, str(exc))
    job = enqueue_task(
        spec, clean, owner_id(create=True), priority=priority, at=at, webhooks=webhooks.rq_webhooks(hook)
    )
    view = from_job(job, with_result=False)
    location = job_url("api.get_job", job.id)
    return jsonify(view.to_json()), 202, {"Location": location}


@bp.get("/jobs/<job_id>")
def get_job(job_id: str):
    job_id = parse_job_id(job_id)
    tag = job_etag.current(get_redis(), job_id)
    headers = {"Cache-Control": "no-cache"}
    if tag is not None:  # read before the job: a change in between makes the next poll a 200
        headers["ETag"] = f'"{tag}"'
        if request.if_none_match.contains(tag):
            return "", 304, headers
    body = job_etag.recall(job_id, tag)
    if body is None:
        found = read(job_id)  # as the job page reads it
        if not can_read(found.job):  # a stranger is told what a missing job's reader is told
            return json_error(404, "This job does not exist or its result has expired.")
        body = jsonify(job_body(found)).get_data()
        job_etag.remember(job_id, tag, body)
    return body, 200, {**headers, "Content-Type": "application/json"}


def job_body(found: FullRead) -> dict:
    """What ``GET /api/jobs/<id>`` answers for a job the reader may see (``job_reads.read``)."""
    job = found.job
    view = from_job(job, latest=found.latest)
    body = view.to_json()
    # Beyond the contract, for the page's script (static/app.js): what the job page shows.
    info = insights(job, view.status, found.place)
    body["active"] = view.is_active
    body["eta_seconds"] = round(info.eta_seconds, 1) if info.eta_seconds is not None else None
    body["eta_is_estimate"] = info.eta_is_estimate
    body["log"] = found.log
    body["page_url"] = job_url("job_pages.show", job.id)
    return body


#: the most jobs one ``GET /api/jobs-by-id?ids=`` reads (a history page shows 20)
MAX_IDS = 50


@bp.get("/jobs-by-id")
def get_jobs():
    """Several jobs at once, for a page that shows many (the history's running rows): each as
    ``GET /api/jobs/<id>`` without its result and log; a job that does not exist, has expired or is
    not the asker's is ``{"id", "gone": true}``."""
    ids = [part for part in request.args.get("ids", "").split(",") if part]
    if not ids or len(ids) > MAX_IDS:
        return json_error(400, f"Give from 1 to {MAX_IDS} job ids, comma-separated: ?ids=<id>,<id>.")
    jobs = Job.fetch_many([parse_job_id(i) for i in ids], connection=get_redis(), serializer=JSONSerializer)
    answers = []
    for job_id, job in zip(ids, jobs, strict=True):
        if not can_read(job):
            answers.append({"id": job_id, "gone": True})
            continue
        view = from_job(lost_workers.settle(job), with_result=False)
        answers.append({**view.to_json(), "active": view.is_active})
    return jsonify({"jobs": answers})
