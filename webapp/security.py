"""Security headers on every response; the session cookie's flags; which proxy headers to believe."""

from flask import has_request_context, request
from flask.sessions import SecureCookieSessionInterface
from werkzeug.middleware.proxy_fix import ProxyFix

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)


def add_security_headers(response):
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CSP)
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", "same-origin")
    headers.setdefault("X-Frame-Options", "DENY")
    return response


class SessionInterface(SecureCookieSessionInterface):
    """The session cookie is ``Secure`` whenever the request came over HTTPS (or the setting says so)."""

    def get_cookie_secure(self, app) -> bool:
        return bool(app.config["SESSION_COOKIE_SECURE"]) or (has_request_context() and request.is_secure)


def proxy_hops(setting) -> int:
    """JOBDECK_TRUST_PROXY: a number of proxies, or yes/true/on for one; anything else believes none."""
    text = str(setting or "").strip().lower()
    if text in ("yes", "true", "on"):
        return 1
    return int(text) if text.isdecimal() else 0


def trust_proxy(app) -> None:
    """Behind N trusted proxies, take the client's address and scheme from X-Forwarded-For/-Proto.

    Off by default: without a proxy that overwrites them, anyone could send those headers.
    """
    hops = proxy_hops(app.config.get("TRUST_PROXY"))
    if hops:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)


def init_app(app):
    # Flask's defaults hold these keys (SameSite as None), so setdefault would not set them.
    if app.config.get("SESSION_COOKIE_HTTPONLY") is None:
        app.config["SESSION_COOKIE_HTTPONLY"] = True
    if app.config.get("SESSION_COOKIE_SAMESITE") is None:
        app.config["SESSION_COOKIE_SAMESITE"] = "Lax"
    app.session_interface = SessionInterface()
    trust_proxy(app)
    app.after_request(add_security_headers)
