"""Sign-in through the company's SSO proxy (oauth2-proxy, Authelia, ...): a trusted header.

Off by default. With ``JOBDECK_SSO_HEADER`` (e.g. ``X-Forwarded-User``) and ``JOBDECK_SSO_PROXIES``
(addresses or networks of the proxies, comma-separated) set, a request whose direct peer is one of
those proxies is signed in as the user the header names; the same header from any other address is
ignored, so a client cannot name itself. The peer is the TCP peer, before ``JOBDECK_TRUST_PROXY``
rewrites the client address from ``X-Forwarded-For``. The users named in ``JOBDECK_SSO_ADMINS``
(default: ``JOBDECK_ADMIN_USER``) are admins; docs/deployment.md shows nginx in front of it.
"""

import ipaddress

from flask import current_app, request


def parse_networks(setting: str | None) -> list:
    networks = []
    for item in (setting or "").split(","):
        item = item.strip()
        if item:
            networks.append(ipaddress.ip_network(item, strict=False))
    return networks


def peer_address() -> str | None:
    """The TCP peer's address (ProxyFix keeps the original when it rewrites REMOTE_ADDR)."""
    original = request.environ.get("werkzeug.proxy_fix.orig") or {}
    return original.get("REMOTE_ADDR") or request.environ.get("REMOTE_ADDR")


def sso_user() -> str | None:
    """The user the trusted proxy signed in, or None (SSO off, untrusted peer, no header)."""
    config = current_app.config
    header, proxies = config.get("SSO_HEADER"), config.get("SSO_PROXIES")
    if not header or not proxies:
        return None
    try:
        peer = ipaddress.ip_address((peer_address() or "").split("%", 1)[0])
    except ValueError:
        return None
    if not any(peer in network for network in parse_networks(proxies)):
        return None
    user = (request.headers.get(header) or "").strip()
    return user[:200] or None


def is_sso_admin() -> bool:
    user = sso_user()
    if user is None:
        return False
    admins = current_app.config.get("SSO_ADMINS") or current_app.config.get("ADMIN_USER") or ""
    return user in {name.strip() for name in admins.split(",") if name.strip()}
