"""Files a running task produces: stored beside its job in Redis, expiring with the job's result."""

from jobs import storage
from jobs.running_job import running_job

DEFAULT_TTL = 24 * 3600


def output_ttl(job) -> int:
    ttl = job.result_ttl
    return ttl if isinstance(ttl, int) and ttl > 0 else DEFAULT_TTL


def save_output(name: str, data: bytes, content_type: str, label: str, **extra) -> dict:
    """Stores a produced file beside the job (expiring with its result); returns its listing."""
    job = running_job()
    storage.put_file(job.connection, job.id, name, data, output_ttl(job))
    return {"name": name, "content_type": content_type, "size": len(data), "label": label, **extra}
