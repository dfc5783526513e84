"""The session cookie's flags: HttpOnly, SameSite=Lax, and Secure whenever the request is HTTPS."""

from flask import has_request_context, request
from flask.sessions import SecureCookieSessionInterface


class SessionInterface(SecureCookieSessionInterface):
    """Flask's signed-cookie session, ``Secure`` whenever the request came over HTTPS (or the
    setting says so), so a site behind a TLS proxy needs no setting for it."""

    def __init__(self) -> None:
        self.serializers: dict = {}

    def get_cookie_secure(self, app) -> bool:
        return bool(app.config["SESSION_COOKIE_SECURE"]) or (has_request_context() and request.is_secure)

    def get_signing_serializer(self, app):
        """Flask's own serializer, built once per set of keys rather than on every request: the
        keys change only when the configuration does, and the serializer holds nothing else."""
        keys = (app.secret_key, *(app.config.get("SECRET_KEY_FALLBACKS") or ()))
        if keys not in self.serializers:
            self.serializers.clear()
            self.serializers[keys] = super().get_signing_serializer(app)
        return self.serializers[keys]


def init_app(app) -> None:
    # Flask's defaults hold these keys (SameSite as None), so setdefault would not set them.
    if app.config.get("SESSION_COOKIE_HTTPONLY") is None:
        app.config["SESSION_COOKIE_HTTPONLY"] = True
    if app.config.get("SESSION_COOKIE_SAMESITE") is None:
        app.config["SESSION_COOKIE_SAMESITE"] = "Lax"
    app.session_interface = SessionInterface()
