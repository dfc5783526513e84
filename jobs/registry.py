"""The one place that lists the tasks: name -> how to run it and how to show it.

Adding a task means one module in ``jobs/`` (with ``validate(params)`` and ``run(params)``), one
entry here and one form in ``webapp/forms.py``. The web side reads these specs without importing
the task modules, so heavy imports (Pillow, ...) stay in the workers.

``JOBDECK_TASKS`` adds tasks from elsewhere (the tests' fault probe, for one): a comma-separated
list of module names, each defining ``TASKS``, a list of ``TaskSpec``. They are loaded when this
module is imported, so the site and every worker started with the same environment agree.
"""

import importlib
import os
from dataclasses import dataclass

from jobs.queue_names import DEFAULT_QUEUE


@dataclass(frozen=True)
class TaskSpec:
    name: str
    title: str
    description: str
    module: str  # dotted path of the module with validate() and run()
    queue: str = DEFAULT_QUEUE
    timeout: int = 600  # seconds; RQ stops the job after this long
    retry_max: int = 0  # extra attempts after a failure
    retry_intervals: tuple[int, ...] = ()  # seconds between attempts
    result_kind: str = "summary"  # which template section shows the result
    listed: bool = True  # shown in the catalog (False for the site's own tools, like why_measure)
    #: short and trusted: runs in the worker's own process (IN_PROCESS_QUEUE, RQ's SimpleWorker),
    #: without a fork per job, so without isolation between jobs (docs/scaling.md)
    in_process: bool = False


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
            name="csv_profile",
            title="CSV profile",
            description="Upload a CSV file (UTF-8 or Latin-1, any common delimiter): per column its type, "
            "counts, distinct values, numeric statistics and top values, with JSON and CSV downloads.",
            module="jobs.csv_profile",
            timeout=900,
            result_kind="csv_profile",
        ),
        TaskSpec(
            name="word_frequency",
            title="Word frequency",
            description="Upload a text file or paste text: its most frequent words with counts and "
            "shares, optionally without common English stop words, and a CSV of all words.",
            module="jobs.word_frequency",
            timeout=600,
            result_kind="word_frequency",
        ),
        TaskSpec(
            name="thumbnails",
            title="Thumbnails",
            description="Upload JPEG, PNG, WebP or GIF images and choose sizes: upright thumbnails "
            "to preview and download as a ZIP file.",
            module="jobs.thumbnails",
            timeout=900,
            result_kind="thumbnails",
        ),
        TaskSpec(
            name="primes",
            title="Count primes",
            description="Counts the primes up to a bound of at most one billion with a segmented "
            "sieve. CPU-bound: watch the progress, or stop it.",
            module="jobs.primes",
            queue="low",
            timeout=600,
        ),
        TaskSpec(
            name="url_words",
            title="Words on a web page",
            description="Fetches a public web page and counts its words (RQ's classic example). "
            "Connection errors are retried with back-off.",
            module="jobs.url_words",
            timeout=120,
            retry_max=3,
            retry_intervals=(5, 30, 120),
            result_kind="url_words",
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


def load_extra_tasks(modules: str) -> None:
    """Adds the ``TASKS`` of each module named in ``modules`` (comma-separated) to the registry.

    A module that cannot be imported, has no list of ``TaskSpec``, or names a task that exists
    already stops the process with one line naming the module: a site and workers that silently
    disagree on the tasks would be worse.
    """
    for name in filter(None, (part.strip() for part in modules.split(","))):
        try:
            specs = importlib.import_module(name).TASKS
        except Exception as error:  # any failure to load is the same fault: a bad JOBDECK_TASKS
            raise RuntimeError(
                f"JOBDECK_TASKS: cannot load {name}: {type(error).__name__}: {error}"
            ) from None
        if not isinstance(specs, list | tuple) or not all(isinstance(s, TaskSpec) for s in specs):
            raise RuntimeError(f"JOBDECK_TASKS: {name}.TASKS must be a list of jobs.registry.TaskSpec")
        clashes = [spec.name for spec in specs if spec.name in TASKS]
        if clashes or len({spec.name for spec in specs}) < len(specs):
            raise RuntimeError(f"JOBDECK_TASKS: {name} defines task {(clashes or ['twice'])[0]!r} again")
        TASKS.update((spec.name, spec) for spec in specs)


load_extra_tasks(os.environ.get("JOBDECK_TASKS", ""))


def get_task(name: str) -> TaskSpec | None:
    return TASKS.get(name)
