"""Bytes in and out of Redis with a TTL: uploaded inputs and produced files.

Redis is the only state the site and the workers share, so a worker on another machine with the
same ``REDIS_URL`` can read its inputs and write its outputs. Keys expire with the job: inputs are
stored for the failure TTL (the longest a job may wait or be kept), and when the job ends they take
its result's or failure's TTL (``jobs/runner.py``); deleting a job deletes them. A small set per job
names its files so they can be deleted without scanning the keyspace.
"""

import uuid


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


def put_upload(connection, job_id: str, field_name: str, filename: str, data: bytes, ttl: int) -> dict:
    """Keep an uploaded file for a job; the reference its parameters carry (``referenced_files``)."""
    stored_name = f"in-{field_name}-{len(data)}-{uuid.uuid4().hex[:8]}"
    put_file(connection, job_id, stored_name, data, ttl)
    return {"file": stored_name, "filename": filename, "size": len(data)}


def get_file(connection, job_id: str, name: str) -> bytes | None:
    return connection.get(file_key(job_id, name))


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
        data = get_file(connection, source_job_id, name)
        if data is None:
            return False
        put_file(connection, target_job_id, name, data, ttl)
    return True
