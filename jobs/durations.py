"""Recent run times per task, so a job that has not reported progress yet can still get an ETA."""

KEEP = 50


def durations_key(task: str) -> str:
    return f"jobdeck:durations:{task}"


def record(connection, task: str, seconds: float) -> None:
    pipe = connection.pipeline(transaction=False)
    pipe.lpush(durations_key(task), f"{seconds:.3f}")
    pipe.ltrim(durations_key(task), 0, KEEP - 1)
    pipe.execute()


def median(connection, task: str) -> float | None:
    import statistics  # here: only the site asks, and the worker, which imports this module, need not hold it

    values = [float(v) for v in connection.lrange(durations_key(task), 0, -1)]
    return statistics.median(values) if values else None
