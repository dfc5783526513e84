"""The tasks: name -> TaskSpec (``jobs/task_declaration.py``), from the built-in task modules and
the modules named in ``JOBDECK_TASKS``.

Every task module declares its tasks the same way: ``TASK = TaskSpec(...)`` (or ``TASKS = [...]``).
``JOBDECK_TASKS`` (comma-separated module names) adds modules from elsewhere: a team's own tasks,
or the tests' fault probe. They load when this module is imported, so the site and every worker
started with the same environment agree; the worker imports it through ``jobs/settings.py``
(``jobs/work.py``), so a bad value stops it at start-up as it stops the site.
"""

import importlib
import os
import sys

from jobs.task_declaration import DeclarationError, TaskSpec

BUILTIN_MODULES = (
    "jobs.countdown",
    "jobs.csv_profile",
    "jobs.word_frequency",
    "jobs.thumbnails",
    "jobs.primes",
    "jobs.url_words",
    "jobs.why_measure",
)

TASKS: dict[str, TaskSpec] = {}


class TaskLoadError(RuntimeError):
    """A task module that cannot be loaded; one line naming the module and the problem."""


def declared_in(name: str) -> list[TaskSpec]:
    """The tasks module ``name`` declares (``TASK`` or ``TASKS``)."""
    try:
        module = importlib.import_module(name)
    except DeclarationError as error:
        raise TaskLoadError(f"JOBDECK_TASKS: {name}: bad declaration: {error}") from None
    except Exception as error:  # any failure to import is the same fault: a bad module name or module
        raise TaskLoadError(f"JOBDECK_TASKS: cannot load {name}: {type(error).__name__}: {error}") from None
    specs = getattr(module, "TASKS", None)
    if specs is None and hasattr(module, "TASK"):
        specs = [module.TASK]
    if not isinstance(specs, list | tuple) or not specs or not all(isinstance(s, TaskSpec) for s in specs):
        raise TaskLoadError(
            f"JOBDECK_TASKS: {name} declares no task: define TASK = jobs.task_declaration.TaskSpec(...)"
        )
    return list(specs)


def load_tasks(modules) -> None:
    """Adds the tasks of each module to the registry; all of them or, on a problem, none."""
    found: dict[str, TaskSpec] = {}
    for name in modules:
        for spec in declared_in(name):
            if spec.name in TASKS or spec.name in found:
                raise TaskLoadError(f"JOBDECK_TASKS: {name} defines task {spec.name!r} again")
            found[spec.name] = spec
    TASKS.update(found)


def load_extra_tasks(modules: str) -> None:
    """The modules of a ``JOBDECK_TASKS`` value (comma-separated)."""
    load_tasks([part.strip() for part in modules.split(",") if part.strip()])


try:
    load_tasks(BUILTIN_MODULES)
    load_extra_tasks(os.environ.get("JOBDECK_TASKS", ""))
except TaskLoadError as problem:
    # One line, no traceback; exit status 3 is gunicorn's "worker failed to boot", which stops its
    # master instead of starting the worker again and again (and stops a worker all the same).
    print(problem, file=sys.stderr)
    raise SystemExit(3) from None


def get_task(name: str) -> TaskSpec | None:
    return TASKS.get(name)


def validate(task: str, params: dict) -> dict:
    """The task's clean parameters, or a TaskInputError (``InvalidParams``) saying what is wrong."""
    from jobs.errors import TaskInputError

    spec = get_task(task)
    if spec is None:
        raise TaskInputError(f"There is no task called {task!r}.")
    return spec.validate(params)
