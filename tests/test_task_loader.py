"""JOBDECK_TASKS: test-only tasks join the registry from outside jobs/, and a bad value stops the
process at import with one line naming the module."""

import os
import subprocess
import sys

import pytest

from jobs import registry
from scripts.processes import ROOT


def import_registry(tasks: str | None) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "JOBDECK_TASKS"}
    if tasks is not None:
        env["JOBDECK_TASKS"] = tasks
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


@pytest.mark.parametrize(
    ("tasks", "line"),
    [
        ("no_such.module", "RuntimeError: JOBDECK_TASKS: cannot load no_such.module: ModuleNotFoundError"),
        ("jobs.countdown", "RuntimeError: JOBDECK_TASKS: cannot load jobs.countdown: AttributeError"),
        (
            "tests.tasks.fault_probe,tests.tasks.fault_probe",
            "RuntimeError: JOBDECK_TASKS: tests.tasks.fault_probe defines task 'fault_probe' again",
        ),
    ],
)
def test_a_bad_module_or_a_clash_stops_the_import_naming_the_module(tasks, line):
    result = import_registry(tasks)
    assert result.returncode != 0
    assert result.stderr.strip().splitlines()[-1].startswith(line)


def test_a_clash_leaves_the_registry_as_it_was():
    before = dict(registry.TASKS)
    with pytest.raises(RuntimeError, match=r"^JOBDECK_TASKS: tests\.tasks\.fault_probe defines task"):
        registry.load_extra_tasks("tests.tasks.fault_probe")
    assert before == registry.TASKS
