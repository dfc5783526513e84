"""docs/adding-a-task.md: its example is one working file under 40 lines, loaded through
JOBDECK_TASKS, and adding it takes nothing in the site's own code or templates."""

import io
import re
import subprocess

import pytest

from jobs import registry
from scripts.processes import ROOT
from tests.helpers import page_once_run, submit
from webapp.task_forms import form_class

DOC = ROOT / "docs" / "adding-a-task.md"
EXAMPLE = ROOT / "docs" / "examples" / "count_lines.py"
MODULE = "docs.examples.count_lines"


@pytest.fixture
def count_lines():
    """The example's task in this process's registry, as JOBDECK_TASKS would load it; gone after."""
    registry.load_extra_tasks(MODULE)
    yield registry.get_task("count_lines")
    registry.TASKS.pop("count_lines")
    form_class.cache_clear()


def test_the_doc_holds_the_whole_example_in_one_block_of_under_40_lines():
    blocks = re.findall(r"```python\n(.*?)```", DOC.read_text(), re.S)
    assert len(blocks) == 1
    assert blocks[0] == EXAMPLE.read_text()
    assert len(blocks[0].splitlines()) < 40
    assert f"JOBDECK_TASKS={MODULE}" in DOC.read_text()


def test_adding_it_touches_nothing_in_the_site():
    """The site's code and templates never name the example: it is one file, loaded by name."""
    site = subprocess.run(
        ["git", "grep", "-l", "count_lines", "--", "webapp", "templates", "static", "jobs"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert site.returncode == 1 and site.stdout == ""  # git grep: 1 is "no match"


def test_the_example_runs_as_the_doc_says(client, run_jobs, count_lines):
    log = io.BytesIO(b"ok\nERROR disk full\nok\nERROR again\n")
    job_id = submit(client, "count_lines", {"log": (log, "app.log"), "word": "ERROR"})
    html = page_once_run(client, run_jobs, job_id)
    assert "2 of 4 lines contain &#39;ERROR&#39;." in html
    assert f"/jobs/{job_id}/files/matching.txt" in html
    assert client.get(f"/jobs/{job_id}/files/matching.txt").data == b"ERROR disk full\nERROR again"


def test_the_example_refuses_a_binary_file_in_the_form(client, count_lines):
    response = client.post("/tasks/count_lines", data={"log": (io.BytesIO(b"\x00\x01"), "core"), "word": "x"})
    assert response.status_code == 400
    assert "&#39;core&#39; is not a plain text file." in response.get_data(as_text=True)
