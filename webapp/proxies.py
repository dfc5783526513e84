"""Which proxy headers to believe: the client's address and scheme behind trusted reverse proxies."""

from werkzeug.middleware.proxy_fix import ProxyFix


def proxy_hops(setting) -> int:
    """JOBDECK_TRUST_PROXY: a number of proxies, or yes/true/on for one; anything else believes none."""
    text = str(setting or "").strip().lower()
    if text in ("yes", "true", "on"):
        return 1
    return int(text) if text.isdecimal() else 0


def init_app(app) -> None:
    """Behind N trusted proxies, take the client's address and scheme from X-Forwarded-For/-Proto.

    Off by default: without a proxy that overwrites them, anyone could send those headers.
    """
    hops = proxy_hops(app.config.get("TRUST_PROXY"))
    if hops:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)
