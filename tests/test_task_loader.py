"""JOBDECK_TASKS: test-only tasks join the registry from outside jobs/, and a bad value stops the
process at import with one line naming the module."""

import os
import subprocess
import sys

import pytest

from jobs import registry
from scripts.processes import ROOT


def import_registry(tasks: str | None, pythonpath=None) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "JOBDECK_TASKS"}
    if tasks is not None:
        env["JOBDECK_TASKS"] = tasks
    if pythonpath is not None:
        env["PYTHONPATH"] = f"{ROOT}{os.pathsep}{pythonpath}"
    code = "import jobs.registry as r; print(','.join(sorted(r.TASKS)))"
    return subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )


def test_the_fault_probe_is_not_a_production_task():
    result = import_registry(None)
    assert result.returncode == 0, result.stderr
    assert "fault_probe" not in result.stdout.split(",") and "countdown" in result.stdout


def test_the_tests_load_it_through_the_variable():
    assert registry.get_task("fault_probe").module == "tests.tasks.fault_probe"
    result = import_registry(" tests.tasks.fault_probe ,")
    assert result.returncode == 0, result.stderr
    assert "fault_probe" in result.stdout.split(",")


BAD_DECLARATION = """
from jobs.task_declaration import Params, TaskSpec
TASK = TaskSpec(name="bad_queue", title="Bad", description="", params=Params, run=print, queue="nope")
"""

#: a task written for the pydantic declarations of an earlier version
PYDANTIC_DECLARATION = """
from pydantic import Field
from jobs.task_declaration import Params
class OldParams(Params):
    count: int = Field(3, ge=1)
"""


@pytest.mark.parametrize(
    ("tasks", "line"),
    [
        (
            "no_such.module",
            "JOBDECK_TASKS: cannot load no_such.module: ModuleNotFoundError: No module named 'no_such'",
        ),
        (
            "json",
            "JOBDECK_TASKS: json declares no task: define TASK = jobs.task_declaration.TaskSpec(...)",
        ),
        ("jobs.countdown", "JOBDECK_TASKS: jobs.countdown defines task 'countdown' again"),
        (
            "tests.tasks.fault_probe,tests.tasks.fault_probe",
            "JOBDECK_TASKS: tests.tasks.fault_probe defines task 'fault_probe' again",
        ),
        (
            "bad_declaration",
            "JOBDECK_TASKS: bad_declaration: bad declaration: task 'bad_queue': queue must be one of "
            "high, default, low",
        ),
        (
            "pydantic_declaration",
            "JOBDECK_TASKS: pydantic_declaration: bad declaration: OldParams.count is declared with "
            "pydantic; write count: <type> = param(...) from jobs.task_declaration (docs/adding-a-task.md)",
        ),
    ],
)
def test_a_bad_module_or_a_clash_stops_the_import_with_one_line(tmp_path, tasks, line):
    (tmp_path / "bad_declaration.py").write_text(BAD_DECLARATION)
    (tmp_path / "pydantic_declaration.py").write_text(PYDANTIC_DECLARATION)
    result = import_registry(tasks, pythonpath=tmp_path)
    assert result.returncode == 3  # gunicorn's "worker failed to boot": its master stops too
    assert result.stderr.strip() == line  # one line, no traceback


def test_a_clash_leaves_the_registry_as_it_was():
    before = dict(registry.TASKS)
    with pytest.raises(
        registry.TaskLoadError, match=r"^JOBDECK_TASKS: tests\.tasks\.fault_probe defines task"
    ):
        registry.load_extra_tasks("tests.tasks.fault_probe")
    assert before == registry.TASKS
