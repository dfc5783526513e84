"""Who may read a job, and who may act on it.

- Read (the page, ``GET /api/jobs/<id>``, downloads): the job's owner, the admin and the read-only
  operator (``JOBDECK_VIEWER_USER``), whom the console sends to any job's page (search results, a
  worker's current job, bulk and schedule runs).
- Act (cancel, stop, retry, edit and resubmit, delete, share links, the form prefill): the owner and
  the admin. The read-only operator is refused with 403 (``identity.READ_ONLY``). Batches follow the same
  rules (``webapp/batches.py``).

Everyone else is told the job does not exist: the same 404 as for an id that never existed, so a
stranger holding a job id learns nothing, not even that the job exists. Sharing goes through signed
links (``webapp/share_links.py``).
"""

from webapp.identity import can_manage, is_viewer


def job_owner(job) -> str | None:
    return (job.meta or {}).get("owner") if job is not None else None


def owner_may_read(owner: str | None) -> bool:
    """The rule of ``can_read``, for a job's owner already read (``webapp/job_etag.py``)."""
    return can_manage(owner) or is_viewer()


def can_read(job) -> bool:
    """True for the job's owner, the admin and the read-only operator; False for a missing job and
    for anyone else."""
    return job is not None and owner_may_read(job_owner(job))


def can_act(job) -> bool:
    """True for the job's owner and the admin."""
    return job is not None and can_manage(job_owner(job))


def owner_refusal(owner: str | None) -> int | None:
    """None when the asker may act on what ``owner`` owns (a job, a batch); else the status to
    refuse with: 403 for the read-only operator (with ``READ_ONLY``), 404 for anyone else."""
    if can_manage(owner):
        return None
    return 403 if is_viewer() else 404


def action_refusal(job) -> int | None:
    """``owner_refusal`` for ``job``; 404 for a missing job."""
    return 404 if job is None else owner_refusal(job_owner(job))
