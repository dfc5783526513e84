"""A team's own task package, end to end as a new user sets it up: written into a folder of its own,
named in JOBDECK_TASKS (the folder on PYTHONPATH), served by the Procfile's web and worker lines."""

import os
import re
import subprocess

import jsonschema
import pytest
import requests

from scripts.processes import ROOT, VENV_BIN, WebProcess, WorkerProcess, procfile_command, wait_until

SHOUT = """
from jobs.outputs import save_output
from jobs.task_declaration import Params, TaskSpec, param


class ShoutParams(Params):
    text: str = param(min_length=1, max_length=20, title="Text to shout", examples=["hello"])
    times: int = param(2, ge=1, le=5, title="How many times")


def run(params):
    loud = " ".join([params["text"].upper()] * params["times"])
    files = [save_output("shout.txt", loud.encode(), "text/plain", "The shout")]
    return {"summary": f"Shouted {params['text']!r}.", "shout": loud, "files": files}


TASK = TaskSpec(name="shout", title="Shout", description="Says it louder.", params=ShoutParams, run=run)
"""
RANGE_MESSAGE = "Enter a whole number from 1 to 5."


@pytest.fixture
def package(tmp_path):
    folder = tmp_path / "site-packages"
    (folder / "acme_tasks").mkdir(parents=True)
    (folder / "acme_tasks" / "__init__.py").write_text("")
    (folder / "acme_tasks" / "shout.py").write_text(SHOUT)
    return {"JOBDECK_TASKS": "acme_tasks.shout", "PYTHONPATH": str(folder)}


@pytest.fixture
def site(redis_url, tmp_path, package):
    worker = WorkerProcess(redis_url, log=tmp_path / "worker.log", environ={**os.environ, **package})
    worker.start()
    web_env = {**package, "PYTHONPATH": f"{ROOT}{os.pathsep}{package['PYTHONPATH']}"}
    web = WebProcess(redis_url, tmp_path / "web.log", env=web_env).start()
    yield web.url
    web.stop()
    worker.stop()


def csrf_token(html: str) -> str:
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html)[1]


def test_a_new_task_package_gets_catalog_form_api_schema_and_worker(site):
    browser = requests.Session()
    catalog = browser.get(f"{site}/", timeout=10).text
    assert 'href="/tasks/shout">Shout</a>' in catalog

    form = browser.get(f"{site}/tasks/shout", timeout=10).text
    times = re.search(r"<input[^>]*name=\"times\"[^>]*>", form)[0]
    text = re.search(r"<input[^>]*name=\"text\"[^>]*>", form)[0]
    for attribute in ('min="1"', 'max="5"', 'type="number"', "required", 'value="2"'):
        assert attribute in times, times
    for attribute in ('maxlength="20"', 'minlength="1"', "required", 'placeholder="e.g. hello"'):
        assert attribute in text, text
    assert '<label for="times">How many times</label>' in form

    bad = {"text": "hi", "times": "9"}
    refused = browser.post(f"{site}/tasks/shout", data={**bad, "csrf_token": csrf_token(form)}, timeout=10)
    assert refused.status_code == 400
    assert f'<p class="field-error" id="times-error">{RANGE_MESSAGE}</p>' in refused.text
    api = browser.post(f"{site}/api/jobs", json={"task": "shout", "params": bad}, timeout=10)
    assert api.status_code == 400 and api.json()["errors"] == {"times": [RANGE_MESSAGE]}

    good = {"text": "hi", "times": "3"}
    sent = browser.post(
        f"{site}/tasks/shout",
        data={**good, "csrf_token": csrf_token(form)},
        allow_redirects=False,
        timeout=10,
    )
    assert sent.status_code == 303
    page_url = site + sent.headers["Location"]
    wait_until(lambda: "status-finished" in browser.get(page_url, timeout=10).text, 60, 0.2, "the shout")
    page = browser.get(page_url, timeout=10).text
    assert "Shouted &#39;hi&#39;." in page and "HI HI HI" in page
    download = re.search(r'href="(/jobs/[^"]+/files/shout.txt)"', page)[1]
    assert browser.get(site + download, timeout=10).text == "HI HI HI"

    schema = browser.get(f"{site}/api/tasks/shout", timeout=10).json()["params_schema"]
    jsonschema.validate({"text": "hi", "times": 3}, schema)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"text": "hi", "times": 9}, schema)


@pytest.mark.parametrize("line", ["web", "worker"])
def test_a_bad_task_module_stops_start_up_with_one_line(redis_url, tmp_path, line):
    env = {**os.environ, "JOBDECK_TASKS": "acme_tasks.missing", "REDIS_URL": redis_url, "PORT": "0"}
    env.update(SECRET_KEY="x", PYTHONPATH=str(ROOT), PATH=f"{VENV_BIN}{os.pathsep}{os.environ['PATH']}")
    shell = re.compile(r"\$\{(\w+):-([^}]*)\}")  # the Procfile's ${NAME:-default}, as a shell reads it
    command = [
        shell.sub(lambda m: env.get(m[1], m[2]), w).replace("0.0.0.0", "127.0.0.1")
        for w in procfile_command(line)
    ]
    result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode != 0
    output = result.stdout + result.stderr
    expected = (
        "JOBDECK_TASKS: cannot load acme_tasks.missing: ModuleNotFoundError: No module named 'acme_tasks'"
    )
    assert expected in output.splitlines()
    # no traceback of the loading (gunicorn's master may log its own halt as one)
    assert "jobs/registry.py" not in output and "importlib" not in output
