"""Inputs and outputs of a running task: uploaded files in, produced files out (both in Redis).

Upload references look like ``{"file": <stored name>, "filename": <the user's name>, "size": n}``;
the web side stores them under the job's id before enqueueing (see ``webapp/tasks.py``).
"""

from rq import get_current_job

from jobs import storage
from jobs.errors import TaskInputError

DEFAULT_TTL = 24 * 3600
MAX_FILES = 100


def check_upload(value, what: str = "file") -> dict:
    """``value`` must be an upload reference; returns it trimmed to the known keys."""
    if not isinstance(value, dict) or not isinstance(value.get("file"), str) or not value["file"]:
        raise TaskInputError(f"Choose a {what} to upload.")
    filename = value.get("filename") if isinstance(value.get("filename"), str) else value["file"]
    size = value.get("size") if isinstance(value.get("size"), int) else None
    return {"file": value["file"], "filename": filename[:200], "size": size}


def _job():
    job = get_current_job()
    if job is None:
        raise RuntimeError("This task reads and writes files through its RQ job; run it in a worker.")
    return job


def read_upload(ref: dict) -> bytes:
    job = _job()
    data = storage.get_file(job.connection, job.id, ref["file"])
    if data is None:
        raise TaskInputError(f"The uploaded file {ref.get('filename', '')!r} is missing or has expired.")
    return data


def output_ttl(job) -> int:
    ttl = job.result_ttl
    return ttl if isinstance(ttl, int) and ttl > 0 else DEFAULT_TTL


def save_output(name: str, data: bytes, content_type: str, label: str, **extra) -> dict:
    """Stores a produced file beside the job (expiring with its result); returns its listing."""
    job = _job()
    storage.put_file(job.connection, job.id, name, data, output_ttl(job))
    return {"name": name, "content_type": content_type, "size": len(data), "label": label, **extra}


def human_size(n: float) -> str:
    """12 bytes, 3.4 KB, 5.6 MB (decimal units)."""
    if n < 1000:
        return f"{n:.0f} bytes"
    if n < 1_000_000:
        return f"{n / 1000:.1f} KB"
    return f"{n / 1_000_000:.1f} MB"


def decode_text(data: bytes, what: str = "The file") -> str:
    """UTF-8 (with or without a BOM), else Windows-1252/Latin-1; refused when it looks binary."""
    sample = data[:65536]
    controls = sum(sample.count(bytes([c])) for c in (*range(0, 9), 11, 12, *range(14, 32)))
    if b"\x00" in sample or controls > len(sample) // 100:
        raise TaskInputError(f"{what} is not text in UTF-8 or Latin-1.")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError:
        return data.decode("latin-1")
