"""csv_profile: edge cases on files the tests make, checked against csv + statistics; one real run."""

import csv
import io
import json
import re
import statistics

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jobs import csv_profile
from jobs.csv_profile import profile_bytes, profile_text
from jobs.errors import TaskInputError
from tests.helpers import page_once_run, submit


def columns_by_name(profile):
    return {c["name"]: c for c in profile["columns"]}


def test_quoted_fields_empty_columns_and_thousands_separators():
    data = (
        b'name,amount,note,empty\n"Smith, Jane","1,234.50","said ""hi""",\n'
        b'Bob,12,"two\nlines",\n"Smith, Jane","-3,000",,\n'
    )
    profile = profile_bytes(data)
    cols = columns_by_name(profile)
    assert profile["rows"] == 3
    assert cols["name"]["type"] == "text"
    assert cols["name"]["top"][0] == ["Smith, Jane", 2]
    assert cols["amount"]["type"] == "number"
    assert cols["amount"]["min"] == -3000.0 and cols["amount"]["max"] == 1234.5
    assert cols["amount"]["median"] == 12.0
    assert cols["note"]["missing"] == 1 and cols["note"]["count"] == 2
    assert cols["empty"]["type"] == "empty" and cols["empty"]["missing"] == 3


def test_latin1_and_semicolons_are_detected():
    data = "ville;habitants\nMontréal;1762949\nQuébec;549459\nLévis;149683\n".encode("latin-1")
    profile = profile_bytes(data)
    cols = columns_by_name(profile)
    assert profile["delimiter"] == "semicolon"
    assert {v for v, _ in cols["ville"]["top"]} == {"Montréal", "Québec", "Lévis"}
    assert cols["habitants"]["type"] == "integer"
    assert cols["habitants"]["max"] == 1762949


def test_utf8_bom_and_tabs():
    profile = profile_bytes("\ufeffa\tb\n1\tx\n2\ty\n".encode())
    assert [c["name"] for c in profile["columns"]] == ["a", "b"]
    assert profile["delimiter"] == "tab"


def test_ragged_rows_give_one_clear_sentence():
    with pytest.raises(TaskInputError, match=r"^Row 3 has 2 fields but the header has 3"):
        profile_bytes(b"a,b,c\n1,2,3\n4,5\n")


@pytest.mark.parametrize(
    ("data", "message"),
    [(b"", "The CSV file is empty."), (b"\x00\x01\x02PK\x03\x04" * 50, "not text in UTF-8 or Latin-1")],
)
def test_empty_or_binary_files_are_refused(data, message):
    with pytest.raises(TaskInputError, match=re.escape(message)):
        profile_bytes(data)


def test_validate_wants_an_upload_reference():
    with pytest.raises(TaskInputError, match="Choose a CSV file"):
        csv_profile.validate({})
    ref = {"file": "in-csv-1", "filename": "x.csv", "size": 3}
    assert csv_profile.validate({"csv": ref}) == {"csv": ref}


def test_statistics_match_the_statistics_module_on_a_larger_file():
    rows = [(i, (i * 7919) % 1000 / 7, f"k{i % 13}") for i in range(20_000)]
    out = io.StringIO()
    csv.writer(out).writerows([("id", "x", "key"), *rows])
    cols = columns_by_name(profile_text(out.getvalue()))
    xs = [x for _, x, _ in rows]
    parsed = [float(repr(x)) for x in xs]
    assert cols["x"]["mean"] == pytest.approx(statistics.fmean(parsed))
    assert cols["x"]["median"] == pytest.approx(statistics.median(parsed))
    assert cols["x"]["stddev"] == pytest.approx(statistics.stdev(parsed))
    assert cols["id"]["distinct"] == 20_000 and cols["id"]["distinct_exact"]
    assert cols["key"]["distinct"] == 13
    assert cols["key"]["top"][0][1] == len([1 for r in rows if r[2] == "k0"])


def test_distinct_counts_past_the_exact_bound_are_estimated_within_ten_percent(monkeypatch):
    monkeypatch.setattr(csv_profile, "EXACT_DISTINCT", 2_000)
    n = 30_000
    text = "v,k\n" + "".join(f"value{i % n},{i % n}\n" for i in range(n + 5_000))
    for col in profile_text(text)["columns"]:
        assert not col["distinct_exact"]
        assert abs(col["distinct"] - n) / n < 0.10


# An independent profile: Python's csv module and statistics, one cell at a time.
def reference_profile(rows):
    header, body = rows[0], rows[1:]
    result = {}
    for i in range(len(header)):
        values = [r[i] for r in body if r[i] != ""]
        entry = {"count": len(values), "missing": len(body) - len(values), "distinct": len(set(values))}
        try:
            ints = [int(v) for v in values]
            entry.update(type="integer", min=min(ints), max=max(ints), median=statistics.median(ints))
        except ValueError:
            entry["type"] = "text"
        result[i] = entry
    return result


cell = st.one_of(
    st.integers(-(10**6), 10**6).map(str),
    st.text(alphabet="abc ,\"'\n;", max_size=6),
    st.just(""),
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.integers(1, 4).flatmap(
        lambda w: st.lists(st.lists(cell, min_size=w, max_size=w), min_size=1, max_size=30)
    )
)
def test_property_matches_an_independent_csv_and_statistics_computation(body):
    width = len(body[0])
    header = [f"c{i}" for i in range(width)]
    body = [row for row in body if any(v != "" for v in row)] or [["1"] * width]
    out = io.StringIO()
    csv.writer(out, quoting=csv.QUOTE_ALL).writerows([header, *body])
    # The sniffer may guess differently on tiny samples: pin the dialect.
    original = csv_profile.sniff_dialect
    csv_profile.sniff_dialect = lambda sample: csv.excel
    try:
        profile = profile_text(out.getvalue())
    finally:
        csv_profile.sniff_dialect = original
    expected = reference_profile([header, *body])
    assert profile["rows"] == len(body)
    for i, col in enumerate(profile["columns"]):
        want = expected[i]
        assert (col["count"], col["missing"], col["distinct"]) == (
            want["count"],
            want["missing"],
            want["distinct"],
        )
        if want["count"] == 0:
            assert col["type"] == "empty"
        elif want["type"] == "integer":
            assert col["type"] == "integer"
            assert (col["min"], col["max"]) == (want["min"], want["max"])
            assert col["median"] == pytest.approx(want["median"])
        else:
            assert col["type"] in ("text", "number")


def test_through_the_worker_with_downloads(client, run_jobs):
    data = b"city,population\nParis,2102650\nLyon,522250\nNice,\n"
    job_id = submit(client, "csv_profile", {"csv": (io.BytesIO(data), "cities.csv")})
    html = page_once_run(client, run_jobs, job_id, "finished")
    assert "Profiled 3 rows and 2 columns of cities.csv." in html
    assert 'id="csv-profile"' in html and "2102650" in html
    assert 'id="job-expiry"' in html
    response = client.get(f"/jobs/{job_id}/files/profile.json")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/json"
    assert response.headers["Content-Disposition"] == 'attachment; filename="profile.json"'
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    profile = json.loads(response.data)
    assert profile["columns"][1]["missing"] == 1
    as_csv = client.get(f"/jobs/{job_id}/files/profile.csv")
    assert as_csv.headers["Content-Type"].startswith("text/csv")
    assert list(csv.reader(io.StringIO(as_csv.get_data(as_text=True))))[2][:3] == [
        "population",
        "integer",
        "2",
    ]


def test_ragged_csv_fails_the_job_with_one_sentence(client, run_jobs):
    job_id = submit(client, "csv_profile", {"csv": (io.BytesIO(b"a,b\n1,2\n3\n"), "bad.csv")})
    html = page_once_run(client, run_jobs, job_id, "failed")
    assert "Row 3 has 1 field but the header has 2" in html
    assert "Traceback" not in html


def test_form_refuses_a_missing_or_binary_file(client):
    response = client.post("/tasks/csv_profile", data={}, content_type="multipart/form-data")
    assert response.status_code == 400
    assert "Choose a CSV file to upload." in response.get_data(as_text=True)
    response = client.post(
        "/tasks/csv_profile",
        data={"csv": (io.BytesIO(b"\x89PNG\r\n\x1a\n\x00\x00"), "x.csv")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 400
    assert "That file is not a CSV text file." in response.get_data(as_text=True)


def test_api_without_an_upload_is_a_clear_400(client):
    response = client.post("/api/jobs", json={"task": "csv_profile", "params": {}})
    assert response.status_code == 400
    assert response.get_json()["error"] == "Choose a CSV file to upload."


@pytest.mark.parametrize("engine", ["auto", "python"])
def test_the_page_marks_estimates_and_approximate_top_values(app, monkeypatch, engine):
    """Past the bound both engines estimate distinct counts; only the Python engine's top values
    of such a column are approximate, and the page says which."""
    from types import SimpleNamespace

    monkeypatch.setattr(csv_profile, "EXACT_DISTINCT", 100)
    text = "v\n" + "".join(f"value{i % 300}\n" for i in range(1_000))
    profile = profile_text(text, engine=engine)
    job = SimpleNamespace(id="x", result={"summary": "s", **profile, "files": []})
    with app.test_request_context():
        html = app.jinja_env.get_template("results/csv_profile.html").render(job=job)
    assert "Distinct counts marked ≈ are estimates" in html
    top_exact = profile["columns"][0]["top_exact"]
    assert ("Top values marked ≈ are approximate." in html) is (not top_exact)
    assert top_exact is (engine == "auto")
