"""HTTP Strict Transport Security on every answer given over HTTPS (directly, or behind a trusted
proxy that says so with ``X-Forwarded-Proto``: ``JOBDECK_TRUST_PROXY``). Never over plain HTTP,
where a browser ignores it and a site still being set up could lock itself out."""

from flask import request

#: a year, the value HSTS preload lists ask for
HSTS = "max-age=31536000; includeSubDomains"


def add_hsts(response):
    if request.is_secure:
        response.headers["Strict-Transport-Security"] = HSTS
    return response


def init_app(app) -> None:
    app.after_request(add_hsts)
