"""Tiny tasks for ``python -m bench --only tiny_jobs``, loaded with ``JOBDECK_TASKS=bench.tiny_task``:
they do nothing, so what a job costs is the worker's and Jobdeck's own part (jobs.runner)."""

from jobs.registry import TaskSpec

TASKS = [
    TaskSpec(name="tiny", title="Tiny", description="Does nothing.", module=__name__, listed=False),
    TaskSpec(
        name="tiny_in_process",
        title="Tiny, in process",
        description="Does nothing, in the worker's process.",
        module=__name__,
        listed=False,
        in_process=True,
    ),
]


def validate(params: dict) -> dict:
    return {}


def run(params: dict) -> dict:
    return {"summary": "Done."}
