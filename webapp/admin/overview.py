"""/admin/: the queues now, the pauses, charts over time from the rollups, the newest audit entries."""

from dataclasses import dataclass
from datetime import UTC, datetime

from flask import abort, render_template, request

from jobs import bulk, queue_pause, rollups, statuses
from jobs.queue_names import QUEUE_NAMES
from jobs.registry import TASKS
from webapp import audit
from webapp.admin.blueprint import bp
from webapp.admin.snapshot import QUEUE_COLUMNS, queue_counts, workers
from webapp.charts import Chart, Series, layout
from webapp.redis_connection import get_redis

#: how a bucket's start is written under the x axis, per span
LABEL_FORMATS = {"hour": "%H:%M", "day": "%H:00", "week": "%a %H:00", "90d": "%m-%d"}
PERCENT = 100


def dimension_choices(connection) -> list[tuple[str, str]]:
    """(dim, label): all jobs, each queue, each task the rollups have seen or the registry declares."""
    tasks = sorted({*TASKS, *(d[2:] for d in rollups.known_dims(connection) if d.startswith("t:"))})
    return [
        (rollups.ALL, "All jobs"),
        *((rollups.queue_dim(q), f"Queue {q}") for q in QUEUE_NAMES),
        *((rollups.task_dim(t), f"Task {t}") for t in tasks),
    ]


#: spans the per-dimension table is read for (90 days of hourly buckets for every task is
#: thousands of reads per task: the charts of one task cover it)
TABLE_SPANS = ("hour", "day", "week")


@dataclass
class DimRow:
    dim: str
    label: str
    finished: int
    failed: int
    stopped: int
    run_p50: float | None
    run_p95: float | None
    wait_p50: float | None
    wait_p95: float | None


def dimension_table(connection, dims: list[tuple[str, str]], span: str) -> list[DimRow]:
    """One row per queue and task over ``span``: counts and percentiles (tasks with no jobs left out)."""
    rows = []
    for dim, label in dims:
        if dim == rollups.ALL:
            continue
        total = rollups.Bucket(0, 0)
        for bucket in rollups.series(connection, dim, span):
            total.add(bucket)
        if not any(total.counts.values()) and dim.startswith("t:"):
            continue
        rows.append(
            DimRow(
                dim,
                label,
                total.count(statuses.FINISHED),
                total.count(statuses.FAILED),
                total.count(statuses.STOPPED),
                _seconds(rollups.quantile(total.run, 0.5)),
                _seconds(rollups.quantile(total.run, 0.95)),
                _seconds(rollups.quantile(total.wait, 0.5)),
                _seconds(rollups.quantile(total.wait, 0.95)),
            )
        )
    return rows


def _seconds(value):
    return None if value is None else round(value, 3)


def charts_for(buckets: list, span: str) -> list[Chart]:
    labels = [datetime.fromtimestamp(b.start, UTC).strftime(LABEL_FORMATS[span]) for b in buckets]

    def chart(id_, title, series, **kw):
        return layout(Chart(id=id_, title=title, labels=labels, series=series, **kw))

    def percentiles(id_, title, histograms):
        return chart(
            id_,
            title,
            [
                Series(name, [_seconds(rollups.quantile(h, q)) for h in histograms])
                for name, q in (("Median", 0.5), ("95th percentile", 0.95))
            ],
            kind="lines",
            unit="s",
        )

    return [
        chart(
            "ended",
            "Jobs ended",
            [
                Series(o.capitalize(), [b.count(o) for b in buckets])
                for o in (statuses.FINISHED, statuses.FAILED, statuses.STOPPED)
            ],
        ),
        percentiles("run", "Run time", [b.run for b in buckets]),
        percentiles("wait", "Wait from enqueue to start", [b.wait for b in buckets]),
        chart(
            "busy",
            "Workers busy (average)",
            [Series("Workers busy", [b.busy for b in buckets])],
            format="{:.2g}",
        ),
    ]


@bp.get("/")
def overview():
    connection = get_redis()
    span = request.args.get("span", "day")
    dim = request.args.get("dim", rollups.ALL)
    choices = dimension_choices(connection)
    if span not in rollups.SPANS or dim not in dict(choices):
        abort(404)
    buckets = rollups.series(connection, dim, span)
    return render_template(
        "admin/overview.html",
        counts=queue_counts(connection, QUEUE_NAMES),
        queue_columns=QUEUE_COLUMNS,
        bulk_statuses=tuple(bulk.SELECTABLE),
        pauses=queue_pause.current(connection, QUEUE_NAMES),
        worker_rows=workers(connection),
        charts=charts_for(buckets, span),
        totals={o: sum(b.count(o) for b in buckets) for o in rollups.OUTCOMES},
        span=span,
        spans=rollups.SPANS,
        dim=dim,
        dims=choices,
        dim_rows=dimension_table(connection, choices, span) if span in TABLE_SPANS else None,
        audit_entries=audit.recent(10),
    )
