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
    """Each header unless the response set its own (the dashboard sets its own CSP). The response's
    headers are looked through once, not once for each of these."""
    present = {name.lower() for name, _ in response.headers}
    for name, value in SECURITY_HEADERS:
        if name.lower() not in present:
            response.headers.add(name, value)
    return response


def init_app(app) -> None:
    app.after_request(add_security_headers)
