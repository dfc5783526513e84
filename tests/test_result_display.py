"""Result display: the generic renderer shows any task's plain data (summary, values, tables of
records, images, downloads); a task may bring its own template beside its module instead."""

import textwrap

import pytest

from jobs import registry
from tests.helpers import page_once_run, submit_as_browser
from webapp.task_forms import form_class

PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15"
    b"\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82"
)
MODULE = textwrap.dedent(
    f"""
    from jobs.outputs import save_output
    from jobs.task_declaration import Params, TaskSpec, param


    class Nothing(Params):
        size: int = param(3, ge=1, le=10, title="Rows")


    def report(params):
        rows = [{{"name": f"item {{i}}", "score": i * i}} for i in range(params["size"])]
        dot = save_output("dot.png", {PNG!r}, "image/png", "A dot", width=1, height=1)
        csv = save_output("rows.csv", b"name,score\\n", "text/csv", "Rows (CSV)")
        return {{"summary": "Scored the items.", "best": "item 2", "rows": rows, "files": [dot, csv]}}


    def greet(params):
        return {{"summary": "unused by the template", "greeting": "Hello from a task template"}}


    TASKS = [
        TaskSpec(name="scores", title="Scores", description="", params=Nothing, run=report),
        TaskSpec(name="greeting", title="Greeting", description="", params=Nothing, run=greet,
                 template="greeting.html"),
    ]
    """
)


@pytest.fixture
def display_tasks(tmp_path, monkeypatch):
    (tmp_path / "display_tasks.py").write_text(MODULE)
    (tmp_path / "greeting.html").write_text('<p id="greeting">{{ job.result.greeting }}!</p>\n')
    monkeypatch.syspath_prepend(str(tmp_path))
    registry.load_extra_tasks("display_tasks")
    yield
    for name in ("scores", "greeting"):
        registry.TASKS.pop(name)
    form_class.cache_clear()


def test_the_generic_result_shows_values_tables_images_and_downloads(client, run_jobs, display_tasks):
    job_id = submit_as_browser(client, "scores", {"size": 3})
    html = page_once_run(client, run_jobs, job_id)
    assert '<p class="summary">Scored the items.</p>' in html
    assert '<tr><th scope="row">best</th><td>item 2</td></tr>' in html
    assert '<table class="records" id="result-rows">' in html
    assert "<td>item 2</td><td>4</td>" in html
    assert f'<img src="/jobs/{job_id}/files/dot.png?inline=1" alt="A dot" width="1" height="1"' in html
    assert f'href="/jobs/{job_id}/files/rows.csv" download>Rows (CSV)</a>' in html


def test_a_task_template_beside_its_module_shows_the_result(client, run_jobs, display_tasks):
    assert registry.get_task("greeting").result_kind == "greeting"
    job_id = submit_as_browser(client, "greeting", {})
    html = page_once_run(client, run_jobs, job_id)
    assert '<p id="greeting">Hello from a task template!</p>' in html
    assert "unused by the template" not in html


def test_a_missing_template_is_a_bad_declaration(tmp_path, monkeypatch):
    (tmp_path / "no_template.py").write_text(MODULE.replace("greeting.html", "nowhere.html"))
    monkeypatch.syspath_prepend(str(tmp_path))
    with pytest.raises(
        registry.TaskLoadError, match=r"bad declaration: task 'greeting': no template 'nowhere.html'"
    ):
        registry.load_extra_tasks("no_template")
    assert "scores" not in registry.TASKS  # all of a module's tasks, or none
