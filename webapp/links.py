"""Links built the way ``url_for`` builds them, remembered instead of rebuilt on every request."""

import re

from flask import current_app, request, url_for

_URL_SAFE = re.compile(r"[A-Za-z0-9_-]+")  # what URL quoting leaves as it is
_MARK = "0jobid0"


def url_builder():
    """A ``url_for`` for one request, remembering per app and script root what it built:
    the links every page has (the menu, the static files) whole, and a job's links (one ``job_id``
    that URL quoting leaves alone, as the site's ids) as the text around the id. The job page has
    ten links, built by ``url_for`` they were about a quarter of its template's time; submitting a
    job redirects to its page, and the API links to it.
    Anything else is built by ``url_for`` itself."""
    roots = current_app.extensions["jobdeck"].setdefault("page_urls", {})
    if len(roots) > 16:  # more script roots than a deployment has: do not grow without end
        roots.clear()
    cache = roots.setdefault(request.script_root, {})

    def build(endpoint: str, **values) -> str:
        if not values or (endpoint == "static" and len(values) == 1 and "filename" in values):
            key = (endpoint, values.get("filename"))
            url = cache.get(key)
            if url is None:
                url = cache[key] = url_for(endpoint, **values)
            return url
        job_id = values.get("job_id")
        if len(values) == 1 and isinstance(job_id, str) and _URL_SAFE.fullmatch(job_id):
            parts = cache.get((endpoint, _MARK))
            if parts is None:
                parts = cache[(endpoint, _MARK)] = url_for(endpoint, job_id=_MARK).split(_MARK)
            if len(parts) == 2:
                return parts[0] + job_id + parts[1]
        return url_for(endpoint, **values)

    return build


def url_for_job(endpoint: str, job_id: str) -> str:
    """``url_for(endpoint, job_id=job_id)``, remembered as ``url_builder`` does: the redirect after a
    submission, the API's links to a job."""
    return url_builder()(endpoint, job_id=job_id)
