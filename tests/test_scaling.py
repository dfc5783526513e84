"""Workers on many machines against one Redis (docs/scaling.md).

Three worker processes, each in its own empty working directory (as its own HOME and TMPDIR) with a
bare environment: all they share with each other and with the site is ``REDIS_URL`` (and the
project's code on PYTHONPATH, as a deployment would put it on each machine). 300 jobs of five
tasks, with uploaded inputs and produced files, all finish with the right result, each run exactly
once: one result per job in RQ's result stream, a worker name on every job, and the workers'
own counts adding up to 300.
"""

import io
import os
import zipfile
from collections import Counter

import pytest
from PIL import Image
from rq import Worker
from rq.job import Job
from rq.serializers import JSONSerializer

from scripts.processes import WorkerProcess, wait_until
from tests.helpers import job_id_from

pytestmark = pytest.mark.slow

WORKERS = 3
JOBS = 300


def reference_prime_count(limit: int) -> int:
    sieve = bytearray([1]) * (limit + 1)
    sieve[:2] = b"\x00\x00"
    for p in range(2, int(limit**0.5) + 1):
        if sieve[p]:
            sieve[p * p :: p] = bytes(len(range(p * p, limit + 1, p)))
    return sum(sieve)


def png(width: int, height: int) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (width % 256, 80, 160)).save(out, "PNG")
    return out.getvalue()


def submission(i: int) -> tuple[str, dict, dict]:
    """Task, form data and what the result must say, different for every job (so a mix-up shows)."""
    kind = i % 10
    if kind in (0, 1):
        rows = 3 + i % 17
        body = "n,square\n" + "".join(f"{k},{k * k}\n" for k in range(1, rows + 1))
        data = {"csv": (io.BytesIO(body.encode()), f"table-{i}.csv")}
        return "csv_profile", data, {"rows": rows, "max_n": rows, "filename": f"table-{i}.csv"}
    if kind in (2, 3):
        text = f"alpha {'beta ' * (i + 2)}gamma " * 2
        data = {"upload": (io.BytesIO(text.encode()), f"words-{i}.txt"), "top": "3"}
        return "word_frequency", data, {"top": ["beta", 2 * (i + 2)], "total_words": 2 * (i + 4)}
    if kind in (4, 5):
        width, height = 20 + i % 40, 30  # smaller than 64 px: kept as it is
        data = {"images": [(io.BytesIO(png(width, height)), f"img-{i}.png")], "sizes": ["64"]}
        return "thumbnails", data, {"thumbnails": 1, "size": (width, height)}
    if kind in (6, 7, 8):
        limit = 1000 + 37 * i
        return "primes", {"limit": str(limit)}, {"count": reference_prime_count(limit)}
    return "countdown", {"seconds": "1"}, {"seconds": 1}


def check_result(client, job: Job, task: str, expected: dict) -> None:
    result = job.return_value()
    if task == "csv_profile":
        columns = {c["name"]: c for c in result["columns"]}
        assert (result["rows"], columns["n"]["max"], result["filename"]) == (
            expected["rows"],
            expected["max_n"],
            expected["filename"],
        )
        download = client.get(f"/jobs/{job.id}/files/profile.csv")
        assert download.status_code == 200 and download.data.startswith(b"name,type,count")
    elif task == "word_frequency":
        top = result["top"][0]
        assert [top["word"], top["count"]] == expected["top"]
        assert result["total_words"] == expected["total_words"]
        download = client.get(f"/jobs/{job.id}/files/words.csv")
        assert download.data.splitlines()[1] == f"beta,{expected['top'][1]}".encode()
    elif task == "thumbnails":
        assert result["thumbnails"] == expected["thumbnails"]
        archive = client.get(f"/jobs/{job.id}/files/thumbnails.zip")
        with zipfile.ZipFile(io.BytesIO(archive.data)) as zf:
            (name,) = zf.namelist()
            assert Image.open(io.BytesIO(zf.read(name))).size == expected["size"]  # never enlarged
    elif task == "primes":
        assert result["count"] == expected["count"]
    else:
        assert result["seconds"] == expected["seconds"]


def test_three_workers_sharing_only_redis_run_300_mixed_jobs_each_exactly_once(
    client, connection, redis_url, tmp_path
):
    homes = [tmp_path / f"machine-{n}" for n in range(WORKERS)]
    workers = []
    try:
        for n, home in enumerate(homes):
            home.mkdir()
            bare_env = {"PATH": os.environ["PATH"], "HOME": str(home), "TMPDIR": str(home), "LANG": "C.UTF-8"}
            log = tmp_path / f"worker-{n}.log"  # outside the "machine", so its directory stays empty
            workers.append(WorkerProcess(redis_url, cwd=home, log=log, environ=bare_env).start())

        expected = {}
        for i in range(JOBS):
            task, data, wanted = submission(i)
            response = client.post(f"/tasks/{task}", data=data, content_type="multipart/form-data")
            assert response.status_code == 303, response.get_data(as_text=True)[:500]
            expected[job_id_from(response)] = (task, wanted)
        ids = list(expected)

        def all_ended():
            jobs = Job.fetch_many(ids, connection=connection, serializer=JSONSerializer)
            statuses = Counter(job.get_status(refresh=False).value for job in jobs)
            return jobs if statuses["finished"] + statuses["failed"] == JOBS else None

        jobs = wait_until(all_ended, timeout=240, interval=0.5, message=f"{JOBS} jobs to end")
        our_workers = {w.name: w for w in Worker.all(connection=connection)}
        assert len(our_workers) == WORKERS

        for job in jobs:
            task, wanted = expected[job.id]
            assert job.get_status(refresh=False).value == "finished", (task, job.id)
            check_result(client, job, task, wanted)
            assert len(job.results()) == 1, f"{task} job {job.id} ran {len(job.results())} times"
            assert job.worker_name in our_workers

        ran_by = Counter(job.worker_name for job in jobs)
        assert set(ran_by) == set(our_workers), "every machine took a share of the work"
        assert sum(w.successful_job_count for w in our_workers.values()) == JOBS
        assert sum(w.failed_job_count for w in our_workers.values()) == 0
        assert all(list(home.iterdir()) == [] for home in homes), "inputs and outputs went through Redis"
    finally:
        for worker in workers:
            worker.stop()
