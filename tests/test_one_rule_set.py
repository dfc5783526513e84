"""One set of rules: for every built-in task, the form, the JSON API and the worker accept and refuse
the same parameter dicts, with the same message for each field (property test).

The dicts are drawn from each task's own declaration (so a new parameter is covered without a test
edit). The form gets them as a browser sends them (text, ticked boxes, chosen options, files); the
API as JSON (files as the references the form stores); the worker checks what it is given with
``registry.validate``, which ``jobs.runner.execute`` runs before the task, and accepts again what
the site enqueued. Uploaded content is always of an accepted kind: only the form sees file content
(the API can only refer to stored files), and the worker checks it again as it reads it.
"""

import html
import io
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rq.job import Job
from rq.serializers import JSONSerializer

from jobs.registry import TASKS, validate
from jobs.task_declaration import InvalidParams
from tests.helpers import job_id_from

CHECKS = settings(
    max_examples=100,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
SAMPLE_CONTENT = {"text": b"some words here\n", "csv": b"a,b\n1,2\n", "image": b"\x89PNG\r\n\x1a\n\x00"}
TEXT = st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), max_size=20)
ODD_TEXT = st.sampled_from(
    ["", " ", "\n", "x", "1.5", " 7 ", "1e3", "-3", "0", "12,000", "http://", "ftp://a/"]
)
BUILT_IN = sorted(name for name, spec in TASKS.items() if spec.listed and spec.module.startswith("jobs."))


def a_file(kinds):
    names = st.text(st.characters(codec="ascii", categories=("L", "N")), min_size=1, max_size=8)
    return st.tuples(st.sampled_from([SAMPLE_CONTENT[k] for k in kinds]), names.map(lambda n: n + ".dat"))


def values_for(field):
    """Values of every sort for one parameter (a ``jobs.param_fields.ParamField``): good ones, near
    misses and nonsense."""
    rules = field.upload
    if rules:
        files = a_file(rules["kinds"])
        return st.lists(files, max_size=3) if rules["max_files"] > 1 else files
    choices = field.choices
    if choices is not None:
        one = st.one_of(st.sampled_from(choices), st.integers(-5, 2000), ODD_TEXT)
        if field.many:  # good choices half the time, so both sides are reached
            return st.one_of(
                st.lists(st.sampled_from(choices), min_size=1, max_size=3), st.lists(one, max_size=4)
            )
        return one
    if field.annotation is bool:
        return st.booleans()
    if field.annotation in (int, float):
        low, high = field.meta.get("ge", 0), field.meta.get("le", 10**6)
        return st.one_of(
            st.integers(low - 3, low + 3),
            st.integers(high - 3, high + 3),
            st.integers(),
            st.floats(allow_nan=False, allow_infinity=False, width=32),
            st.booleans(),
            ODD_TEXT,
        )
    limit = field.meta.get("max_length") or 100
    known = [str(e) for e in field.examples]
    return st.one_of(
        TEXT, ODD_TEXT, st.sampled_from([*known, "x" * (limit + 1)] if known else ["x" * (limit + 1)])
    )


def param_dicts(spec):
    """What a browser sends: every text input and choice (empty or not); files and ticked boxes
    only when there are some."""
    always, optional = {}, {}
    for field in spec.fields:
        sent_always = not field.upload and field.annotation is not bool
        (always if sent_always else optional)[field.name] = values_for(field)
    return st.fixed_dictionaries(always, optional=optional)


def as_form(spec, params: dict) -> dict:
    def one(value):
        return (io.BytesIO(value[0]), value[1]) if isinstance(value, tuple) else str(value)

    form = {}
    for name, value in params.items():
        if spec.field(name).annotation is bool:
            if value:
                form[name] = "y"  # a ticked box; an unticked one sends nothing
        else:
            form[name] = [one(v) for v in value] if isinstance(value, list) else one(value)
    return form


def as_json(params: dict) -> dict:
    def one(value):
        if isinstance(value, tuple):
            return {"file": "stored", "filename": value[1], "size": len(value[0])}
        return value

    return {
        k: [one(v) for v in value] if isinstance(value, list) else one(value) for k, value in params.items()
    }


def form_errors(page: str) -> dict:
    found: dict = {}
    for name, message in re.findall(r'<p class="field-error" id="([\w-]+)-error">(.*?)</p>', page, re.S):
        found.setdefault(name, []).append(html.unescape(message))
    return found


@pytest.mark.slow
@pytest.mark.parametrize("task", BUILT_IN)
def test_form_api_and_worker_agree(client, connection, task):
    spec = TASKS[task]
    seen = {"accepted": 0, "refused": 0}

    @CHECKS
    @given(params=param_dicts(spec))
    def case(params):
        form = client.post(f"/tasks/{task}", data=as_form(spec, params), content_type="multipart/form-data")
        api = client.post("/api/jobs", json={"task": task, "params": as_json(params)})
        try:
            validate(task, as_json(params))
            worker = {}
        except InvalidParams as invalid:
            worker = invalid.errors
        if not worker:
            assert (form.status_code, api.status_code) == (303, 202), form.get_data(as_text=True)[:3000]
            for answer in (form, api):  # and the worker takes what the site enqueued, as it stands
                job = Job.fetch(job_id_from(answer), connection=connection, serializer=JSONSerializer)
                assert validate(task, job.meta["params"]) == job.meta["params"]
            seen["accepted"] += 1
        else:
            assert (form.status_code, api.status_code) == (400, 400)
            assert form_errors(form.get_data(as_text=True)) == worker
            assert api.get_json()["errors"] == worker
            seen["refused"] += 1

    case()
    assert seen["accepted"] and seen["refused"], seen  # the draws reach both sides of the rules
