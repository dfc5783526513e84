"""Uploads copied into Redis a chunk at a time (webapp/upload_stream.py, jobs/storage.py): several
megabytes reach the work byte for byte, a retry copies them whole, and the limits and messages a
user meets are the ones they were."""

import hashlib
import io

import pytest

from jobs import csv_profile, storage
from tests.helpers import TEST_CONFIG, job_id_from, page, submit

MB = 1024 * 1024


def big_csv(size: int) -> bytes:
    """A CSV of about ``size`` bytes, not a whole number of chunks, with non-ASCII text in it."""
    rows = [b"name,n,word\n"]
    total, i = len(rows[0]), 0
    while total < size:
        row = f"r{i},{i * 7 % 1000},caf\u00e9-{i % 97}\n".encode()
        rows.append(row)
        total += len(row)
        i += 1
    return b"".join(rows)


def stored_uploads(connection, job_id: str) -> dict[str, bytes]:
    names = [name.decode() for name in connection.smembers(storage.index_key(job_id))]
    return {name: storage.get_file(connection, job_id, name) for name in names}


def partial_keys(connection) -> list:
    return list(connection.scan_iter("jobdeck:file:*.partial"))


@pytest.fixture
def work_reads(monkeypatch):
    """The digest and size of every upload the work reads (run_jobs runs jobs in this process)."""
    seen = []
    read = csv_profile.read_upload

    def recording(ref):
        data = read(ref)
        seen.append((hashlib.sha256(data).hexdigest(), len(data)))
        return data

    monkeypatch.setattr(csv_profile, "read_upload", recording)
    return seen


def test_a_multi_megabyte_upload_reaches_the_work_byte_for_byte(client, connection, run_jobs, work_reads):
    data = big_csv(3 * MB + 12_345)
    assert len(data) % storage.CHUNK_BYTES and len(data) > 3 * storage.CHUNK_BYTES
    job_id = submit(client, "csv_profile", {"csv": (io.BytesIO(data), "big.csv")})

    (stored,) = stored_uploads(connection, job_id).values()
    assert stored == data
    assert partial_keys(connection) == []
    run_jobs()
    assert work_reads == [(hashlib.sha256(data).hexdigest(), len(data))]
    rows = data.count(b"\n") - 1
    assert f"Profiled {rows} rows and 3 columns of big.csv." in page(client, job_id)


def test_each_file_of_a_batch_is_stored_whole(client, connection):
    files = [big_csv(MB + 1000 * i) for i in range(1, 3)]
    response = client.post(
        "/tasks/csv_profile/batch",
        data={"files": [(io.BytesIO(f), f"f{i}.csv") for i, f in enumerate(files)]},
        content_type="multipart/form-data",
    )
    assert response.status_code == 303, response.get_data(as_text=True)[:2000]
    stored = [
        next(iter(stored_uploads(connection, key.decode().rsplit(":", 1)[-1]).values()))
        for key in connection.keys("jobdeck:files:*")
    ]
    assert sorted(stored, key=len) == files


def test_a_retry_copies_a_big_upload_whole(client, connection, run_jobs):
    rows = big_csv(2 * MB + 777)
    data = rows.replace(b"\n", b"\nragged\n", 1)  # fails on its first row, so it can be retried
    job_id = submit(client, "csv_profile", {"csv": (io.BytesIO(data), "ragged.csv")})
    run_jobs()
    assert "every row needs the same number of fields" in page(client, job_id)
    retried = job_id_from(client.post(f"/jobs/{job_id}/retry"))
    assert retried != job_id
    assert list(stored_uploads(connection, retried).values()) == [data]
    assert partial_keys(connection) == []


def test_a_file_gone_while_read_is_missing_not_cut_short(connection, monkeypatch):
    monkeypatch.setattr(storage, "CHUNK_BYTES", 1000)
    storage.put_chunks(connection, "j1", "in-x", [b"a" * 1000, b"b" * 1000, b"c" * 500], 60)
    assert storage.get_big_file(connection, "j1", "in-x") == b"a" * 1000 + b"b" * 1000 + b"c" * 500
    chunks = storage.file_chunks(connection, "j1", "in-x")
    assert next(chunks) == b"a" * 1000
    storage.delete_files(connection, "j1")
    with pytest.raises(storage.MissingFile):
        next(chunks)
    assert storage.get_big_file(connection, "j1", "in-x") is None
    assert storage.copy_files(connection, "j1", "j2", ["in-x"], 60) is False


def test_an_empty_stored_file_is_there_and_empty(connection):
    storage.put_chunks(connection, "j3", "in-empty", [], 60)
    assert storage.get_big_file(connection, "j3", "in-empty") == b""


def test_the_size_limit_and_kind_messages_are_unchanged(redis_url, connection):
    from webapp import create_app

    app = create_app({**TEST_CONFIG, "REDIS_URL": redis_url, "MAX_CONTENT_LENGTH": 40 * MB})
    client = app.test_client()
    too_big = b"a,b\n" + b"1,2\n" * (8 * MB)  # 32 MiB and 4 bytes: within the request limit
    response = client.post(
        "/tasks/csv_profile",
        data={"csv": (io.BytesIO(too_big), "huge.csv")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 400
    assert "&#39;huge.csv&#39; is larger than 33.6 MB." in response.get_data(as_text=True)
    binary = b"\x00" * 10 + big_csv(MB)
    response = client.post(
        "/tasks/csv_profile",
        data={"csv": (io.BytesIO(binary), "bin.csv")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 400
    assert "&#39;bin.csv&#39; is not a CSV text file." in response.get_data(as_text=True)
    assert list(connection.scan_iter("jobdeck:file*")) == []
