"""Security headers on every response; the session cookie's flags; which proxy headers to believe."""

import json

from flask import has_request_context, request
from flask.json.tag import TaggedJSONSerializer
from flask.sessions import SecureCookieSessionInterface
from itsdangerous import TimestampSigner, URLSafeTimedSerializer
from itsdangerous.encoding import base64_encode, want_bytes
from werkzeug.middleware.proxy_fix import ProxyFix

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)


SECURITY_HEADERS = (
    ("Content-Security-Policy", CSP),
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "same-origin"),
    ("X-Frame-Options", "DENY"),
)


def add_security_headers(response):
    """Each header unless the response set its own (the dashboard's CSP): one pass over the
    response's headers, not a failed lookup per header."""
    headers = response.headers
    present = {name.lower() for name, _ in headers.items()}
    for name, value in SECURITY_HEADERS:
        if name.lower() not in present:
            headers.add(name, value)
    return response


_PLAIN = frozenset({str, bool, int, float, type(None)})


class _SessionJSON(TaggedJSONSerializer):
    """Flask's session serializer, with a short cut for a session of plain values (this site's: the
    owner id, the CSRF secret, history visit times): plain JSON, written without the walk over
    every value that looks for one needing a tag. The same text Flask writes, read back by Flask's
    own ``loads``; anything else (flashed messages, dates, bytes) goes the tagged way."""

    def dumps(self, value) -> str:
        if (
            type(value) is dict
            and all(type(v) in _PLAIN for v in value.values())
            and not any(type(k) is not str or k.startswith(" ") for k in value)  # no tag-like keys
        ):
            return json.dumps(value, separators=(",", ":"), sort_keys=True)
        return super().dumps(value)


class _KeyCachingSigner(TimestampSigner):
    """itsdangerous's signer, deriving each key (an HMAC of key and salt) once, not on every use."""

    def derive_key(self, secret_key=None) -> bytes:
        derived = self.__dict__.setdefault("_derived", {})
        key = derived.get(secret_key)
        if key is None:
            key = derived[secret_key] = super().derive_key(secret_key)
        return key


class _SessionSerializer(URLSafeTimedSerializer):
    """The same cookie format as Flask's, with one signer kept instead of one built per use, and
    no zlib attempt (about 4 µs) on a payload under 64 bytes, such as a new API client's owner id:
    itsdangerous compresses only when that is shorter, which so short a payload rarely is, and by
    a few bytes at most; it reads either form."""

    default_signer = _KeyCachingSigner

    def dump_payload(self, obj) -> bytes:
        payload = want_bytes(self.serializer.dumps(obj))
        if len(payload) < 64:
            return base64_encode(payload)
        return super().dump_payload(obj)

    def make_signer(self, salt=None):
        if salt is not None and salt != self.salt:
            return super().make_signer(salt)
        signer = self.__dict__.get("_signer")
        if signer is None:
            signer = self._signer = super().make_signer(salt)
        return signer


class SessionInterface(SecureCookieSessionInterface):
    """The session cookie is ``Secure`` whenever the request came over HTTPS (or the setting says so).

    Flask builds a new signing serializer for every request (and again to save the session); this
    keeps one per secret key (and fallbacks): the same cookies, about 20 µs less per request.
    """

    serializer = _SessionJSON()

    def get_cookie_secure(self, app) -> bool:
        return bool(app.config["SESSION_COOKIE_SECURE"]) or (has_request_context() and request.is_secure)

    def get_signing_serializer(self, app):
        if not app.secret_key:
            return None
        keys = (*(app.config["SECRET_KEY_FALLBACKS"] or ()), app.secret_key)
        cache = self.__dict__.setdefault("_serializers", {})
        serializer = cache.get(keys)
        if serializer is None:
            if len(cache) > 8:  # keys changed at run time more than a few times: start over
                cache.clear()
            serializer = cache[keys] = _SessionSerializer(
                list(keys),
                salt=self.salt,
                serializer=self.serializer,
                signer_kwargs={"key_derivation": self.key_derivation, "digest_method": self.digest_method},
            )
        return serializer


def init_csrf(app):
    """Flask-WTF's CSRF protection, its check run only for the methods it protects.

    Flask-WTF's own hook looks up the view's exemptions before it looks at the method, on every
    request: about 6 µs of each GET (a job page, an API read; docs/benchmarks.md). This hook asks
    for the method first, then runs the same check with the same exemptions
    (``protect(apply_exemptions=True)``); tests/test_security.py covers forms without a token.
    """
    from flask_wtf import CSRFProtect

    app.config["WTF_CSRF_CHECK_DEFAULT"] = False  # Flask-WTF's hook stands aside for this one
    csrf = CSRFProtect(app)

    @app.before_request
    def check_csrf():
        config = app.config
        if request.method in config["WTF_CSRF_METHODS"] and config["WTF_CSRF_ENABLED"]:
            csrf.protect(apply_exemptions=True)

    return csrf


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
