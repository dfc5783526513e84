"""Links built with Flask's ``url_for`` once per process and script root, not on every request: the
layout's menu and static files, which never change, and a job's links, which differ only in the id.
A page looks its script root's links up once (``site_links``, ``JobLinks``), then reads each link
as a dictionary entry: a job page draws many links, and ``url_for`` costs more than the markup
around each."""

import re

from flask import current_app, request, url_for

#: what URL quoting leaves as it is: an id made of these goes into a link unchanged
_URL_SAFE = re.compile(r"[A-Za-z0-9_-]+")
#: stands for the job id while the link around it is built
_MARK = "0jobid0"
#: more script roots than a deployment has: the memory starts again rather than grow without end
_MOST_ROOTS = 16


class SiteLinks(dict):
    """The links that are the same on every request under one script root, by endpoint
    (``links["tasks.index"]``) or by endpoint and file name (``links["static", "style.css"]``),
    each built by ``url_for`` the first time it is asked for."""

    def __missing__(self, key) -> str:
        if isinstance(key, tuple):
            endpoint, filename = key
            url = url_for(endpoint, filename=filename)
        else:
            url = url_for(key)
        self[key] = url
        return url


class _Tables:
    """One script root's links: the site's, and a job link's two halves around the id by endpoint."""

    __slots__ = ("site", "job_parts")

    def __init__(self) -> None:
        self.site = SiteLinks()
        self.job_parts: dict[str, list[str]] = {}


def _remembered() -> _Tables:
    """The links built so far for this app under this request's script root (a proxy's mount prefix)."""
    roots = current_app.extensions["jobdeck"]["page_links"]
    root = request.root_path  # the script root, without a trailing slash
    tables = roots.get(root)
    if tables is None:
        if len(roots) >= _MOST_ROOTS:
            roots.clear()
        tables = roots[root] = _Tables()
    return tables


def site_links() -> SiteLinks:
    """This request's ``SiteLinks``: a template looks them up once, then reads each link."""
    return _remembered().site


def site_url(endpoint: str, filename: str | None = None) -> str:
    """``url_for(endpoint)``, or ``url_for("static", filename=filename)``, for a link that is the
    same on every request. ``endpoint`` is a full name (``"tasks.index"``), never a relative one."""
    return site_links()[endpoint if filename is None else (endpoint, filename)]


class JobLinks:
    """One job's links by endpoint: ``links["api.get_job"]`` is ``url_for("api.get_job",
    job_id=...)``, built once per endpoint around a stand-in for the id, and by ``url_for`` itself
    for an id that URL quoting would change."""

    __slots__ = ("job_id", "_parts")

    def __init__(self, job_id: str) -> None:
        self.job_id = job_id
        safe = isinstance(job_id, str) and _URL_SAFE.fullmatch(job_id)
        self._parts = _remembered().job_parts if safe else None

    def __getitem__(self, endpoint: str) -> str:
        if self._parts is None:
            return url_for(endpoint, job_id=self.job_id)
        parts = self._parts.get(endpoint)
        if parts is None:
            parts = self._parts[endpoint] = url_for(endpoint, job_id=_MARK).split(_MARK)
        if len(parts) != 2:  # the stand-in shows up elsewhere in the link too
            return url_for(endpoint, job_id=self.job_id)
        return parts[0] + self.job_id + parts[1]


def job_url(endpoint: str, job_id: str) -> str:
    """``url_for(endpoint, job_id=job_id)`` (``JobLinks``)."""
    return JobLinks(job_id)[endpoint]


def init_app(app) -> None:
    app.extensions["jobdeck"]["page_links"] = {}
    app.add_template_global(site_links)
    app.add_template_global(site_url)
    app.add_template_global(job_url)
