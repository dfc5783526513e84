"""The one place that lists the tasks: name -> how to run it and how to show it.

Adding a task means one module in ``jobs/`` (with ``validate(params)`` and ``run(params)``), one
entry here and one form in ``webapp/forms.py``. The web side reads these specs without importing
the task modules, so heavy imports (Pillow, ...) stay in the workers.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class TaskSpec:
    name: str
    title: str
    description: str
    module: str  # dotted path of the module with validate() and run()
    queue: str = "default"
    timeout: int = 600  # seconds; RQ stops the job after this long
    retry_max: int = 0  # extra attempts after a failure
    retry_intervals: tuple[int, ...] = ()  # seconds between attempts
    result_kind: str = "summary"  # which template section shows the result
    listed: bool = True  # shown in the catalog (False for the site's own tools, like why_measure)


TASKS: dict[str, TaskSpec] = {
    spec.name: spec
    for spec in [
        TaskSpec(
            name="countdown",
            title="Countdown",
            description="Waits the number of seconds you choose, reporting every second. "
            "The classic 'sleep for N seconds' background job.",
            module="jobs.countdown",
            timeout=3600 + 60,
        ),
        TaskSpec(
            name="why_measure",
            title="Why a queue? measurement",
            description="Calls each /why demo route over HTTP and measures what it really does.",
            module="jobs.why_measure",
            queue="high",
            timeout=300,
            result_kind="why",
            listed=False,
        ),
    ]
}


def get_task(name: str) -> TaskSpec | None:
    return TASKS.get(name)
