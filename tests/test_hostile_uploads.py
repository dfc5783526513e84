"""Issue 18, findings 2 and 3: hostile CSV and image uploads cost bounded memory, time and page size.

Budgets (docs/security.md), each measured in a fresh subprocess (tests/memory_probe.py) as the peak
resident memory over what the process held with the upload in memory:
- csv_profile: peak <= 32 MB + 20x the upload, for files of up to ``MAX_COLUMNS`` columns; a wider
  file is refused from its header, before either engine builds its columns.
- thumbnails: peak <= 160 MB + 2x the uploads: one image decoded at a time, at most ``MAX_PIXELS``
  decoded pixels each (JPEGs decode at draft scale), ``MAX_JOB_PIXELS`` together, checked before any
  is decoded.
"""

import io
import json
import subprocess
import sys

import pytest
from PIL import Image

from jobs import thumbnails
from jobs.csv_rules import MAX_COLUMNS, SHOWN_COLUMNS
from scripts.processes import ROOT

MB = 1_000_000
CSV_BUDGET = (32 * MB, 20)  # fixed part, times the upload
IMAGE_BUDGET = (160 * MB, 2)


def probe(kind: str, shape: str) -> dict:
    done = subprocess.run(
        [sys.executable, "-m", "tests.memory_probe", kind, shape],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return json.loads(done.stdout)


def within(budget, measured: dict) -> bool:
    fixed, factor = budget
    return measured["growth"] <= fixed + factor * measured["upload"]


@pytest.mark.parametrize(
    "shape, outcome",
    [
        (f"digits:{MAX_COLUMNS}:3000000", f"{MAX_COLUMNS} columns"),  # the widest allowed, most cells
        (f"distinct:{MAX_COLUMNS}:3000000", f"{MAX_COLUMNS} columns"),  # every value different
        ("digits:5:3000000", "5 columns"),  # narrow and tall
        ("digits:20000:3000000", "refused: The CSV file has 20,000 columns"),  # the outside test's shape
    ],
)
def test_csv_profile_memory_grows_with_the_upload_within_its_budget(shape, outcome):
    measured = probe("csv", shape)
    assert measured["outcome"].startswith(outcome)
    assert within(CSV_BUDGET, measured), measured


@pytest.mark.parametrize(
    "shape, outcome, budget",
    [
        ("PNG:7071x7071:1", "refused: 'i0.img' is too large", IMAGE_BUDGET),  # the outside test's bomb
        ("PNG:5000x5000:1", "2 thumbnails", IMAGE_BUDGET),  # the largest allowed
        ("JPEG:8000x6000:1", "2 thumbnails", (40 * MB, 2)),  # 48 megapixels, decoded at 1/4 scale
        ("PNG:4000x4000:30", "refused: These images have 480,000,000 pixels", (16 * MB, 2)),  # none decoded
    ],
)
def test_thumbnails_memory_stays_within_its_budget(shape, outcome, budget):
    measured = probe("image", shape)
    assert measured["outcome"].startswith(outcome)
    assert within(budget, measured), measured


def csv_upload(client, text: str) -> str:
    response = client.post(
        "/tasks/csv_profile",
        data={"csv": (io.BytesIO(text.encode()), "wide.csv")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 303
    return response.headers["Location"].rsplit("/", 1)[-1]


def test_a_csv_wider_than_the_cap_fails_with_one_clear_sentence(client, connection, run_jobs):
    columns = MAX_COLUMNS + 1
    job_id = csv_upload(
        client, ",".join(f"c{i}" for i in range(columns)) + "\n" + "1," * (columns - 1) + "1\n"
    )
    run_jobs()
    job = client.get(f"/api/jobs/{job_id}").get_json()
    assert job["status"] == "failed"
    assert job["error"] == (
        f"The CSV file has {columns:,} columns; Jobdeck profiles files of at most {MAX_COLUMNS:,} columns. "
        "Split it, or keep the columns you need."
    )


def test_a_wide_profile_shows_its_first_columns_and_downloads_them_all(client, connection, run_jobs):
    long_name = "n" * 5000  # names are cut as values are
    header = ",".join(f"{long_name}{i}" for i in range(MAX_COLUMNS))
    rows = "\n".join(",".join(f"{'v' * 90}{r}{i}" for i in range(MAX_COLUMNS)) for r in range(20))
    job_id = csv_upload(client, header + "\n" + rows + "\n")
    run_jobs()
    result = client.get(f"/api/jobs/{job_id}").get_json()["result"]
    assert result["columns_total"] == MAX_COLUMNS and len(result["columns"]) == SHOWN_COLUMNS
    assert len(json.dumps(result)) < 200_000  # the result kept in Redis is bounded
    page = client.get(f"/jobs/{job_id}")
    html = page.get_data(as_text=True)
    assert f"Showing the first {SHOWN_COLUMNS} of {MAX_COLUMNS:,} columns" in html
    assert len(page.data) < 400_000  # so is the page
    full = json.loads(client.get(f"/jobs/{job_id}/files/profile.json").data)
    assert len(full["columns"]) == MAX_COLUMNS
    assert all(
        len(column["name"]) <= 100 + len(" (1000)") for column in full["columns"]
    )  # cut, then told apart


def test_too_many_pixels_in_one_job_fail_before_any_is_decoded(client, connection, monkeypatch, run_jobs):
    monkeypatch.setattr(thumbnails, "MAX_JOB_PIXELS", 30_000)
    buffer = io.BytesIO()
    Image.new("RGB", (200, 100)).save(buffer, "PNG")
    files = [(io.BytesIO(buffer.getvalue()), f"p{i}.png") for i in range(2)]
    response = client.post(
        "/tasks/thumbnails", data={"images": files, "sizes": ["64"]}, content_type="multipart/form-data"
    )
    job_id = response.headers["Location"].rsplit("/", 1)[-1]
    run_jobs()
    job = client.get(f"/api/jobs/{job_id}").get_json()
    assert job["status"] == "failed"
    assert job["error"] == (
        "These images have 40,000 pixels together; one job takes at most 30,000. Send them in smaller groups."
    )
