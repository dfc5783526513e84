"""What the pages and the API show of an RQ job: one plain object built from it."""

from dataclasses import dataclass, field
from datetime import UTC, datetime

from rq.job import Job
from rq.results import Result

from jobs import statuses
from jobs.registry import get_task


def _aware(dt: datetime | None) -> datetime | None:
    if dt is None:
        return None
    return dt if dt.tzinfo else dt.replace(tzinfo=UTC)


def _iso(dt: datetime | None) -> str | None:
    return dt.isoformat() if dt else None


def _limit_text(seconds: int | None) -> str:
    if not seconds:
        return "time"
    if seconds % 3600 == 0:
        return f"{seconds // 3600}-hour"
    if seconds % 60 == 0:
        return f"{seconds // 60}-minute"
    return f"{seconds}-second"


#: RQ's words when the worker running a job died (``rq.registry.StartedJobRegistry.cleanup``, once
#: its heartbeat stopped) and when the job's own process (the work horse) was killed
LOST_MARKERS = ("AbandonedJobError", "Work-horse terminated unexpectedly")
LOST = "The worker running this job was lost (killed or crashed) before it finished."
LOST_BEFORE_START = "The worker that took this job was lost (killed or crashed) before it could start it."


def readable_error(exc_string: str | None, timeout: int | None = None) -> str:
    """One line a person can act on, from RQ's stored traceback (which only admins see)."""
    if not exc_string:
        return "The job failed."
    if any(marker in exc_string for marker in LOST_MARKERS):
        return LOST
    if "stuck in intermediate queue" in exc_string:  # a single-queue worker died before starting it
        return LOST_BEFORE_START
    lines = [line for line in exc_string.strip().splitlines() if line.strip()]
    last = lines[-1].strip() if lines else ""
    name, _, message = last.partition(": ")
    if name.endswith("TaskInputError"):
        return message or "The job's input could not be processed."
    if name.endswith("JobTimeoutException"):
        return f"The job was stopped after its {_limit_text(timeout)} limit."
    short = name.rsplit(".", 1)[-1]
    return f"The job failed: {short}: {message}" if message else f"The job failed: {short}."


@dataclass
class JobView:
    id: str
    task: str
    title: str
    status: str
    params: dict
    owner: str | None
    description: str
    result_kind: str = "summary"
    done: float | None = None
    total: float | None = None
    message: str = ""
    result: object = None
    error: str | None = None
    traceback: str | None = None
    enqueued_at: datetime | None = None
    started_at: datetime | None = None
    ended_at: datetime | None = None
    meta: dict = field(default_factory=dict)
    submitted_at: datetime | None = None
    log: list[str] = field(default_factory=list)
    insights: object = None  # webapp.job_insights.Insights, on the job page

    @property
    def retry_of(self) -> str | None:
        return self.meta.get("retry_of")

    @property
    def retried_as(self) -> str | None:
        return self.meta.get("retried_as")

    @property
    def batch(self) -> str | None:
        return self.meta.get("batch")

    @property
    def stopped_by(self) -> str | None:
        return self.meta.get("stopped_by")

    @property
    def is_active(self) -> bool:
        return self.status in statuses.ACTIVE

    @property
    def percent(self) -> int | None:
        if self.status == statuses.FINISHED:
            return 100
        if not self.total:
            return None
        return max(0, min(100, int(100 * (self.done or 0) / self.total)))

    @property
    def elapsed(self) -> float | None:
        if not self.started_at:
            return None
        end = self.ended_at or datetime.now(UTC)
        return max(0.0, (end - self.started_at).total_seconds())

    def to_json(self) -> dict:
        return {
            "id": self.id,
            "task": self.task,
            "status": self.status,
            "progress": {
                "done": self.done,
                "total": self.total,
                "percent": self.percent,
                "message": self.message,
            },
            "result": self.result,
            "error": self.error,
            "enqueued_at": _iso(self.enqueued_at),
            "started_at": _iso(self.started_at),
            "ended_at": _iso(self.ended_at),
            "elapsed_seconds": round(self.elapsed, 3) if self.elapsed is not None else None,
        }


#: ``latest`` of ``from_job`` when the caller has not read the job's latest result
UNREAD = object()
#: the statuses whose view shows the job's latest result (its return value, its error)
SHOWS_RESULT = (statuses.FINISHED, statuses.FAILED)


def from_job(job: Job, with_result: bool = True, latest=UNREAD) -> JobView:
    """The view of ``job``; with its result or error when ``with_result``, from ``latest`` (the
    job's latest ``Result``, or None when it has none) when the caller read it with the job, else
    through RQ's ``latest_result()``."""
    meta = job.meta or {}
    task = meta.get("task", job.func_name)
    spec = get_task(task)
    status = job.get_status(refresh=False)
    status = status.value if status is not None else statuses.EXPIRED
    progress = meta.get("progress") or {}
    view = JobView(
        id=job.id,
        task=task,
        title=spec.title if spec else task,
        status=status,
        params=meta.get("params", {}),
        owner=meta.get("owner"),
        description=job.description or "",
        result_kind=spec.result_kind if spec else "summary",
        done=progress.get("done"),
        total=progress.get("total"),
        message=progress.get("message", ""),
        enqueued_at=_aware(job.enqueued_at),
        submitted_at=_aware(job.created_at),
        started_at=_aware(job.started_at),
        ended_at=_aware(job.ended_at),
        meta=meta,
    )
    if with_result and status in SHOWS_RESULT and latest is UNREAD:
        latest = job.latest_result()
    if with_result and status == statuses.FINISHED:
        successful = latest is not None and latest.type == Result.Type.SUCCESSFUL
        view.result = latest.return_value if successful else None  # as RQ's return_value()
    elif with_result and status == statuses.FAILED:
        view.traceback = latest.exc_string if latest else None
        view.error = readable_error(view.traceback, job.timeout)
    elif status == statuses.STOPPED:
        who = {"owner": "by you", "admin": "by the admin"}.get(meta.get("stopped_by", ""), "")
        view.error = f"The job was stopped {who} before it finished.".replace("  ", " ")
    elif status == statuses.CANCELED:
        view.error = "The job was canceled before it started."
    return view


def expired(job_id: str, task: str, submitted: float) -> JobView:
    """What is still known of a job whose data Redis has dropped: honest, never "done"."""
    spec = get_task(task)
    return JobView(
        id=job_id,
        task=task,
        title=spec.title if spec else task,
        status=statuses.EXPIRED,
        params={},
        owner=None,
        description="(details expired)",
        submitted_at=datetime.fromtimestamp(submitted, UTC),
    )
