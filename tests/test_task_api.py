"""The tasks as JSON (``/api/tasks``, ``/api/tasks/<name>``), the OpenAPI 3.1 document, and the
forms built from the same declarations."""

import re

import jsonschema
import pytest
from openapi_spec_validator import validate as validate_openapi

from jobs.registry import TASKS, validate

#: a good parameter dict for each listed built-in task, as an API client sends it
GOOD = {
    "countdown": {"seconds": 3},
    "primes": {"limit": 1000},
    "url_words": {"url": "https://example.com/"},
    "word_frequency": {"text": "some words", "top": 5},
    "csv_profile": {"csv": {"file": "in-csv", "filename": "a.csv", "size": 9}, "comment": "#"},
    "thumbnails": {"images": [{"file": "in-images0", "filename": "a.png", "size": 9}], "sizes": [64]},
}
BAD = {
    "countdown": {"seconds": 0},
    "primes": {"limit": 10**10},
    "url_words": {"url": 5},
    "word_frequency": {"text": "x", "top": 0},
    "csv_profile": {"comment": "##"},
    "thumbnails": {"images": [], "sizes": [100]},
}


def test_the_openapi_document_is_valid_openapi_3_1(client):
    document = client.get("/api/openapi.json").get_json()
    validate_openapi(document)
    assert document["openapi"].startswith("3.1")
    submission = document["components"]["schemas"]["Submission"]["oneOf"]
    assert sorted(v["properties"]["task"]["const"] for v in submission) == sorted(GOOD)


def test_the_task_list_is_the_catalog(client):
    listed = client.get("/api/tasks").get_json()["tasks"]
    assert [t["name"] for t in listed] == [name for name, spec in TASKS.items() if spec.listed]
    assert sorted(t["name"] for t in listed) == sorted(GOOD)  # not why_measure, not the fault probe
    assert client.get("/api/tasks/why_measure").status_code == 404
    missing = client.get("/api/tasks/nope")
    assert missing.status_code == 404 and "GET /api/tasks" in missing.get_json()["error"]


@pytest.mark.parametrize("task", sorted(GOOD))
def test_each_schema_accepts_what_the_task_accepts_and_rejects_what_it_rejects(client, task):
    body = client.get(f"/api/tasks/{task}").get_json()
    schema = body["params_schema"]
    jsonschema.Draft202012Validator.check_schema(schema)
    jsonschema.validate(GOOD[task], schema)
    validate(task, GOOD[task])
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(BAD[task], schema)
    with pytest.raises(ValueError):
        validate(task, BAD[task])
    assert body["title"] == TASKS[task].title and body["form_url"] == f"/tasks/{task}"


def tag(html: str, name: str) -> str:
    return re.search(rf"<(?:input|textarea|select)[^>]*name=\"{name}\"[^>]*>", html)[0]


def test_the_forms_carry_the_declared_limits(client):
    countdown = tag(client.get("/tasks/countdown").get_data(as_text=True), "seconds")
    for attribute in ('type="number"', 'min="1"', 'max="3600"', "required", 'value="10"', 'step="1"'):
        assert attribute in countdown
    primes = tag(client.get("/tasks/primes").get_data(as_text=True), "limit")
    assert 'max="1000000000"' in primes and 'min="2"' in primes
    csv_page = client.get("/tasks/csv_profile").get_data(as_text=True)
    assert 'maxlength="1"' in tag(csv_page, "comment") and 'accept=".csv' in tag(csv_page, "csv")
    thumbnails = client.get("/tasks/thumbnails").get_data(as_text=True)
    assert "multiple" in tag(thumbnails, "images") and 'accept="image/jpeg' in tag(thumbnails, "images")
    assert "multiple" in tag(thumbnails, "sizes")
    assert '<option selected value="128">' in thumbnails
    words = client.get("/tasks/word_frequency").get_data(as_text=True)
    assert tag(words, "text").startswith("<textarea") and 'maxlength="1000000"' in tag(words, "text")
    assert 'type="checkbox"' in tag(words, "stop_words")
    url = tag(client.get("/tasks/url_words").get_data(as_text=True), "url")
    assert 'type="url"' in url and "required" in url and 'placeholder="e.g. https://example.com/"' in url


def test_the_api_reads_numbers_and_switches_as_clients_spell_them():
    text = {"text": "some words"}
    assert validate("word_frequency", {**text, "top": " +1_0 ", "stop_words": "on"})["top"] == 10
    assert validate("word_frequency", {**text, "top": 3.0, "stop_words": "YES"})["stop_words"] is True
    assert validate("word_frequency", {**text, "top": "3.00", "stop_words": 0})["top"] == 3
    assert validate("word_frequency", {**text, "stop_words": "off"})["stop_words"] is False
    for top in (True, "1e1", "3.", "3.5", 3.5, "0x10", "٥", "1,0"):
        with pytest.raises(ValueError, match="Enter a whole number from 1 to 1000"):
            validate("word_frequency", {**text, "top": top})
    for switch in ("maybe", " on", 2, 0.5, None):
        with pytest.raises(ValueError, match="must be on or off"):
            validate("word_frequency", {**text, "stop_words": switch})
