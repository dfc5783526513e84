"""What the batch page and the API show of a batch: its jobs, their counts by status, its progress."""

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime

from rq.job import Job
from rq.serializers import JSONSerializer

from jobs import batches, statuses
from jobs.registry import get_task
from webapp.job_view import JobView, from_job
from webapp.redis_connection import get_redis


@dataclass
class BatchView:
    id: str
    task: str
    title: str
    owner: str
    size: int
    created_at: datetime
    webhook: dict | None
    jobs: list[JobView] = field(default_factory=list)
    expired_ids: list[str] = field(default_factory=list)

    @property
    def counts(self) -> dict[str, int]:
        counts = dict.fromkeys(statuses.FILTERS, 0)
        for job in self.jobs:
            counts[job.status] = counts.get(job.status, 0) + 1
        counts[statuses.EXPIRED] += len(self.expired_ids)
        return counts

    @property
    def is_active(self) -> bool:
        return any(job.status in statuses.ACTIVE for job in self.jobs)

    @property
    def percent(self) -> int:
        """The jobs' own reports summed: an ended job counts whole, a running one by its report."""
        total = len(self.jobs) + len(self.expired_ids)
        if not total:
            return 100
        done = len(self.expired_ids)
        for job in self.jobs:
            if job.status in statuses.ENDED:
                done += 1
            elif job.total:
                done += max(0.0, min(1.0, (job.done or 0) / job.total))
        return int(100 * done / total)

    def status_ids(self, *statuses: str) -> list[str]:
        return [job.id for job in self.jobs if job.status in statuses]

    def to_json(self) -> dict:
        return {
            "id": self.id,
            "task": self.task,
            "size": self.size,
            "created_at": self.created_at.isoformat(),
            "active": self.is_active,
            "progress": {"percent": self.percent},
            "counts": self.counts,
            "jobs": [job.id for job in self.jobs] + self.expired_ids,
        }


def read_batch(batch_id: str) -> BatchView | None:
    """The batch and its jobs in two round trips (its facts and members, then every job's hash)."""
    connection = get_redis()
    facts, job_ids = batches.read_facts(connection, batch_id)
    if not facts:
        return None
    spec = get_task(facts.get("task", ""))
    view = BatchView(
        id=batch_id,
        task=facts.get("task", ""),
        title=spec.title if spec else facts.get("task", ""),
        owner=facts.get("owner", ""),
        size=int(facts.get("size", 0)),
        created_at=datetime.fromtimestamp(float(facts.get("created_at", 0)), UTC),
        webhook=json.loads(facts.get("webhook") or "null"),
    )
    fetched = Job.fetch_many(job_ids, connection, serializer=JSONSerializer) if job_ids else []
    for job_id, job in zip(job_ids, fetched, strict=True):
        if job is None:
            view.expired_ids.append(job_id)
        else:
            view.jobs.append(from_job(job, with_result=False))
    view.jobs.sort(key=lambda job: job.meta.get("batch_index", 0))
    return view
