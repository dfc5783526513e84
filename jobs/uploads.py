"""A running task's input files: the uploads the web side stored under the job's id (in Redis).

Upload references look like ``{"file": <stored name>, "filename": <the user's name>, "size": n}``;
the web side stores them under the job's id before enqueueing (``webapp/upload_stream.py``). They are
read in chunks (``storage.get_big_file``), so the work horse holds an upload once while it arrives.
"""

from jobs import storage
from jobs.errors import TaskInputError
from jobs.running_job import running_job

MAX_FILES = 100


def read_upload(ref: dict) -> bytes:
    job = running_job()
    data = storage.get_big_file(job.connection, job.id, ref["file"])
    if data is None:
        raise TaskInputError(f"The uploaded file {ref.get('filename', '')!r} is missing or has expired.")
    return data
