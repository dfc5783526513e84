"""CSRF protection for every form: Flask-WTF's CSRFProtect, used as its documentation shows.

The JSON API, the /why demo routes and rq-dashboard are exempted where they are registered
(``protection.exempt``); tests/test_security.py covers forms without a token.

Flask-WTF's own hook looks up the request's view and blueprint among the exempted ones before it
looks at the method, on every request. The site's hook (``check``) asks the method first, so a GET
(every page, every poll) costs one comparison, and hands any other request to Flask-WTF's
``protect``, with the same exemptions.
"""

from flask import current_app, request
from flask_wtf import CSRFProtect

protection = CSRFProtect()


def check() -> None:
    config = current_app.config
    if request.method in config["WTF_CSRF_METHODS"] and config["WTF_CSRF_ENABLED"]:
        protection.protect(apply_exemptions=True)


def init_app(app) -> None:
    app.config["WTF_CSRF_CHECK_DEFAULT"] = False  # ``check`` runs Flask-WTF's check instead
    protection.init_app(app)
    app.before_request(check)
