"""CSRF protection for every form: Flask-WTF's CSRFProtect, used as its documentation shows.

The JSON API, the /why demo routes and rq-dashboard are exempted where they are registered
(``protection.exempt``); tests/test_security.py covers forms without a token.
"""

from flask_wtf import CSRFProtect

protection = CSRFProtect()


def init_app(app) -> None:
    protection.init_app(app)
