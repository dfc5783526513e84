"""What the queues and workers hold right now, for the console and /metrics (one round trip for
the queues; RQ's own ``Worker.all`` for the workers)."""

from dataclasses import dataclass
from datetime import datetime

from rq import Worker
from rq.registry import (
    CanceledJobRegistry,
    DeferredJobRegistry,
    FailedJobRegistry,
    FinishedJobRegistry,
    ScheduledJobRegistry,
    StartedJobRegistry,
)
from rq.serializers import JSONSerializer

from jobs import statuses
from jobs.worker_memory import RSS_FIELD

#: RQ's registries by the status they hold; "queued" is the queue itself, and RQ keeps stopped jobs
#: in the failed registry
REGISTRIES = {
    statuses.STARTED: StartedJobRegistry,
    statuses.SCHEDULED: ScheduledJobRegistry,
    statuses.DEFERRED: DeferredJobRegistry,
    statuses.FINISHED: FinishedJobRegistry,
    statuses.FAILED: FailedJobRegistry,
    statuses.CANCELED: CanceledJobRegistry,
}
#: the statuses a queue is counted by, in RQ's order
QUEUE_COLUMNS = tuple(s for s in statuses.ALL if s == statuses.QUEUED or s in REGISTRIES)


def queue_counts(connection, queue_names) -> dict[str, dict[str, int]]:
    """{queue: {status: count}}: LLEN of the queue and ZCARD of each registry, pipelined. Entries a
    registry has not cleaned up yet are counted (as rq-dashboard and rq-exporter do)."""
    pipe = connection.pipeline(transaction=False)
    for name in queue_names:
        pipe.llen(f"rq:queue:{name}")
        for status in QUEUE_COLUMNS[1:]:
            pipe.zcard(REGISTRIES[status](name, connection=connection).key)
    replies = iter(pipe.execute())
    return {name: {status: next(replies) for status in QUEUE_COLUMNS} for name in queue_names}


@dataclass
class WorkerRow:
    name: str
    hostname: str
    pid: int | None
    queues: list[str]
    state: str
    current_job_id: str | None
    successful: int
    failed: int
    working_seconds: float
    last_heartbeat: datetime | None
    birth: datetime | None
    rss: int | None


def workers(connection) -> list[WorkerRow]:
    found = Worker.all(connection=connection, serializer=JSONSerializer)
    pipe = connection.pipeline(transaction=False)
    for worker in found:
        pipe.hget(worker.key, RSS_FIELD)
    rows = []
    for worker, rss in zip(found, pipe.execute(), strict=True):
        rows.append(
            WorkerRow(
                name=worker.name,
                hostname=worker.hostname or "",
                pid=worker.pid,
                queues=worker.queue_names(),
                state=getattr(worker.get_state(), "value", str(worker.get_state())),
                current_job_id=worker.get_current_job_id(),
                successful=worker.successful_job_count,
                failed=worker.failed_job_count,
                working_seconds=worker.total_working_time,
                last_heartbeat=worker.last_heartbeat,
                birth=worker.birth_date,
                rss=int(rss) if rss and rss.isdigit() else None,
            )
        )
    return sorted(rows, key=lambda row: row.name)
