"""Security headers on every response: a strict CSP, nosniff, the referrer policy, no framing."""

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
    """Each header unless the response set its own (the dashboard sets its own CSP)."""
    for name, value in SECURITY_HEADERS:
        response.headers.setdefault(name, value)
    return response


def init_app(app) -> None:
    app.after_request(add_security_headers)
