"""Who may read a job: its owner and the admin. Everyone else is told it does not exist.

Job pages, API reads, downloads, form prefills (``?from=<id>``) and actions all ask here, so a
stranger holding a job id learns nothing, not even that the job exists: the answer is the same 404
as for an id that never existed. Sharing goes through signed links (``webapp/share_links.py``).
"""

from webapp.identity import can_manage


def job_owner(job) -> str | None:
    return (job.meta or {}).get("owner") if job is not None else None


def can_read(job) -> bool:
    """True for the job's owner and the admin; False for a missing job and for anyone else."""
    return job is not None and can_manage(job_owner(job))
