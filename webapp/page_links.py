"""Links built with Flask's ``url_for`` once per process and script root, not on every request: the
layout's menu and static files, which never change, and a job's links, which differ only in the id.
A job page draws about twenty links, and building each anew was a tenth of the page's own CPU."""

import re

from flask import current_app, request, url_for

#: what URL quoting leaves as it is: an id made of these goes into a link unchanged
_URL_SAFE = re.compile(r"[A-Za-z0-9_-]+")
#: stands for the job id while the link around it is built
_MARK = "0jobid0"
#: more script roots than a deployment has: the memory starts again rather than grow without end
_MOST_ROOTS = 16


def _remembered() -> dict:
    """The links built so far for this app under this request's script root (a proxy's mount prefix)."""
    roots = current_app.extensions["jobdeck"]["page_links"]
    root = request.root_path  # the script root, without a trailing slash
    links = roots.get(root)
    if links is None:
        if len(roots) >= _MOST_ROOTS:
            roots.clear()
        links = roots[root] = {}
    return links


def site_url(endpoint: str, filename: str | None = None) -> str:
    """``url_for(endpoint)``, or ``url_for("static", filename=filename)``, for a link that is the
    same on every request. ``endpoint`` is a full name (``"tasks.index"``), never a relative one."""
    links = _remembered()
    url = links.get((endpoint, filename))
    if url is None:
        url = url_for(endpoint, filename=filename) if filename is not None else url_for(endpoint)
        links[(endpoint, filename)] = url
    return url


def job_url(endpoint: str, job_id: str) -> str:
    """``url_for(endpoint, job_id=job_id)``: built once per endpoint around a stand-in for the id, and
    by ``url_for`` itself for an id that URL quoting would change."""
    if not (isinstance(job_id, str) and _URL_SAFE.fullmatch(job_id)):
        return url_for(endpoint, job_id=job_id)
    links = _remembered()
    parts = links.get((endpoint, _MARK))
    if parts is None:
        parts = links[(endpoint, _MARK)] = url_for(endpoint, job_id=_MARK).split(_MARK)
    if len(parts) != 2:  # the stand-in shows up elsewhere in the link too
        return url_for(endpoint, job_id=job_id)
    return parts[0] + job_id + parts[1]


def init_app(app) -> None:
    app.extensions["jobdeck"]["page_links"] = {}
    app.add_template_global(site_url)
    app.add_template_global(job_url)
