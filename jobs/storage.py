"""Bytes in and out of Redis with a TTL: uploaded inputs and produced files.

Redis is the only state the site and the workers share, so a worker on another machine with the
same ``REDIS_URL`` can read its inputs and write its outputs. Keys expire with the job: inputs are
stored for the failure TTL (the longest a job may wait or be kept), and when the job ends they take
its result's or failure's TTL (``jobs/runner.py``); deleting a job deletes them. A small set per job
names its files so they can be deleted without scanning the keyspace.
"""

import io
import uuid
from collections.abc import Iterable, Iterator

#: the most bytes of a file one command carries (``put_chunks``, ``file_chunks``)
CHUNK_BYTES = 1024 * 1024
#: how long an unfinished ``put_chunks`` copy is kept (seconds)
PARTIAL_TTL = 3600


class MissingFile(Exception):
    """A stored file went (deleted, expired) while it was being read."""


def file_key(job_id: str, name: str) -> str:
    return f"jobdeck:file:{job_id}:{name}"


def index_key(job_id: str) -> str:
    return f"jobdeck:files:{job_id}"


def put_file(connection, job_id: str, name: str, data: bytes, ttl: int) -> None:
    pipe = connection.pipeline(transaction=True)
    pipe.set(file_key(job_id, name), data, ex=ttl)
    pipe.sadd(index_key(job_id), name)
    pipe.expire(index_key(job_id), ttl)
    pipe.execute()


def upload_name(field_name: str, size: int) -> str:
    """The stored name of a new upload of ``size`` bytes for a job's field."""
    return f"in-{field_name}-{size}-{uuid.uuid4().hex[:8]}"


def upload_ref(stored_name: str, filename: str, size: int) -> dict:
    """The reference a job's parameters carry for an upload (``referenced_files``)."""
    return {"file": stored_name, "filename": filename, "size": size}


def put_chunks(connection, job_id: str, name: str, chunks: Iterable[bytes], ttl: int) -> int:
    """Store a file given as chunks (each at most ``CHUNK_BYTES``), so neither side holds all of
    it at once; its size. The chunks go to a key of their own that expires in ``PARTIAL_TTL``, which
    becomes the file only once complete: a reader never sees part of a file, and a copy its writer
    abandoned (a killed web worker) goes away by itself."""
    partial = file_key(job_id, f"{name}.partial")
    connection.set(partial, b"", ex=PARTIAL_TTL)
    size = 0
    for chunk in chunks:
        connection.append(partial, chunk)
        size += len(chunk)
    pipe = connection.pipeline(transaction=True)
    pipe.rename(partial, file_key(job_id, name))
    pipe.expire(file_key(job_id, name), ttl)
    pipe.sadd(index_key(job_id), name)
    pipe.expire(index_key(job_id), ttl)
    pipe.execute()
    return size


def file_chunks(connection, job_id: str, name: str) -> Iterator[bytes] | None:
    """A stored file as chunks of ``CHUNK_BYTES`` (None when it is missing); ``MissingFile`` is
    raised mid-way when it is deleted or expires while being read."""
    key = file_key(job_id, name)
    size = connection.strlen(key)
    if not size and not connection.exists(key):
        return None

    def chunks():
        for start in range(0, size, CHUNK_BYTES):
            chunk = connection.getrange(key, start, min(size, start + CHUNK_BYTES) - 1)
            if len(chunk) != min(CHUNK_BYTES, size - start):
                raise MissingFile(name)
            yield chunk

    return chunks()


def get_file(connection, job_id: str, name: str) -> bytes | None:
    return connection.get(file_key(job_id, name))


def get_big_file(connection, job_id: str, name: str) -> bytes | None:
    """``get_file`` for a file that may be large: read in chunks into one buffer, which becomes the
    bytes returned without a copy, so the reader holds the file once (a single GET holds it twice
    while the reply is parsed). None when it is missing or goes while being read."""
    chunks = file_chunks(connection, job_id, name)
    if chunks is None:
        return None
    buffer = io.BytesIO()
    try:
        for chunk in chunks:
            buffer.write(chunk)
    except MissingFile:
        return None
    return buffer.getvalue()


def delete_files(connection, job_id: str) -> int:
    names = [n.decode() for n in connection.smembers(index_key(job_id))]
    keys = [file_key(job_id, n) for n in names] + [index_key(job_id)]
    return connection.delete(*keys)


def expire_files(connection, job_id: str, ttl: int) -> None:
    """Give all the job's files (inputs and outputs) the lifetime RQ gives the job itself: ``ttl``
    seconds, for ever when it is -1 (RQ's "keep"), or not at all when it is 0."""
    names = [n.decode() for n in connection.smembers(index_key(job_id))]
    keys = [file_key(job_id, n) for n in names] + [index_key(job_id)]
    pipe = connection.pipeline(transaction=False)
    for key in keys:
        if ttl < 0:
            pipe.persist(key)
        elif ttl == 0:
            pipe.delete(key)
        else:
            pipe.expire(key, ttl)
    pipe.execute()


def referenced_files(params) -> list[str]:
    """Names of the stored files a job's parameters point at (dicts with a "file" key)."""
    if isinstance(params, dict):
        own = [params["file"]] if isinstance(params.get("file"), str) else []
        return own + [name for value in params.values() for name in referenced_files(value)]
    if isinstance(params, list):
        return [name for value in params for name in referenced_files(value)]
    return []


def copy_files(connection, source_job_id: str, target_job_id: str, names: list[str], ttl: int) -> bool:
    """Copy the named files to another job (for a retry); False when any of them has expired."""
    for name in names:
        chunks = file_chunks(connection, source_job_id, name)
        if chunks is None:
            return False
        try:
            put_chunks(connection, target_job_id, name, chunks, ttl)
        except MissingFile:
            return False
    return True
