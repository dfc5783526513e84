"""An uploaded file copied into Redis from the file Werkzeug spooled it to, a chunk at a time.

Werkzeug writes a large multipart file to a temporary file as the request arrives; reading it
whole to store it would hold the upload in the web worker once for the bytes read and again for
the command sent to Redis. Copied in ``storage.CHUNK_BYTES`` pieces, the worker holds a chunk or
two whatever the upload's size. The task's work reads it back whole (``jobs/uploads.py``).
"""

from jobs import storage


def upload_size(upload) -> int:
    """The uploaded file's size in bytes, from its spooled file (read position left at the start)."""
    stream = upload.stream
    stream.seek(0, 2)
    size = stream.tell()
    stream.seek(0)
    return size


def store_upload(connection, job_id: str, field_name: str, upload, ttl: int) -> dict:
    """Keep ``upload`` (a Werkzeug ``FileStorage``) for a job's field; the reference its parameters
    carry."""
    size = upload_size(upload)
    name = storage.upload_name(field_name, size)
    stream = upload.stream
    stored = storage.put_chunks(
        connection, job_id, name, iter(lambda: stream.read(storage.CHUNK_BYTES), b""), ttl
    )
    return storage.upload_ref(name, upload.filename, stored)
