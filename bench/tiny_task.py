"""Tiny tasks for ``python -m bench --only tiny_jobs``, loaded with ``JOBDECK_TASKS=bench.tiny_task``:
they do nothing, so what a job costs is the worker's and Jobdeck's own part (jobs.runner, the
parameters' validation)."""

from jobs.task_declaration import Params, TaskSpec


class NoParams(Params):
    pass


def run(params: dict) -> dict:
    return {"summary": "Done."}


TASKS = [
    TaskSpec(name="tiny", title="Tiny", description="Does nothing.", params=NoParams, run=run, listed=False),
    TaskSpec(
        name="tiny_in_process",
        title="Tiny, in process",
        description="Does nothing, in the worker's process.",
        params=NoParams,
        run=run,
        listed=False,
        in_process=True,
    ),
]
