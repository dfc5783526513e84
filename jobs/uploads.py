"""A running task's input files: the uploads the web side stored under the job's id (in Redis).

Upload references look like ``{"file": <stored name>, "filename": <the user's name>, "size": n}``;
the web side stores them under the job's id before enqueueing (see ``webapp/tasks.py``).
"""

from jobs import storage
from jobs.errors import TaskInputError
from jobs.running_job import running_job

MAX_FILES = 100


def check_upload(value, what: str = "file") -> dict:
    """``value`` must be an upload reference; returns it trimmed to the known keys."""
    if not isinstance(value, dict) or not isinstance(value.get("file"), str) or not value["file"]:
        raise TaskInputError(f"Choose a {what} to upload.")
    filename = value.get("filename") if isinstance(value.get("filename"), str) else value["file"]
    size = value.get("size") if isinstance(value.get("size"), int) else None
    return {"file": value["file"], "filename": filename[:200], "size": size}


def read_upload(ref: dict) -> bytes:
    job = running_job()
    data = storage.get_file(job.connection, job.id, ref["file"])
    if data is None:
        raise TaskInputError(f"The uploaded file {ref.get('filename', '')!r} is missing or has expired.")
    return data
