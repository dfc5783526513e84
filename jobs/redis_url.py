"""Where Redis is: one ``REDIS_URL`` read the same way by the site, the workers and the dashboard.

Three forms (docs/scaling.md has examples):

- ``redis://[[user]:password@]host[:port][/db]``
- ``rediss://...``: TLS, with redis-py's options in the query string, e.g.
  ``?ssl_ca_certs=/etc/ssl/certs/provider-ca.pem`` (the default checks the certificate and host name)
- ``redis+sentinel://[[user]:password@]host[:port][,host[:port]...]/<master name>[/db]``: Redis
  Sentinel (port 26379 by default); the password is the master's. Query options: ``ssl=true`` for TLS
  to the master, ``sentinel_ssl=true`` for TLS to the sentinels, ``ssl_ca_certs=<path>``,
  ``ssl_cert_reqs`` (required, optional, none). A password for the sentinels themselves comes from
  ``JOBDECK_REDIS_SENTINEL_PASSWORD``, not the URL.

redis-py reads the first two itself; this module parses the third, for the site (``connect``) and
for the worker (``RedisFromUrl``, in ``jobs/work.py``).
"""

from dataclasses import dataclass, field
from urllib.parse import parse_qs, unquote, urlsplit

import redis
from redis.sentinel import Sentinel, SentinelManagedConnection, SentinelManagedSSLConnection

SENTINEL_SCHEME = "redis+sentinel"
SENTINEL_PORT = 26379
TLS_OPTIONS = ("ssl_ca_certs", "ssl_cert_reqs")
TRUE = {"1", "true", "yes", "on"}


@dataclass(frozen=True)
class SentinelTarget:
    sentinels: list[tuple[str, int]]
    master: str
    db: int = 0
    username: str | None = None
    password: str | None = None  # the master's (and its replicas')
    ssl: bool = False  # TLS to the master
    sentinel_ssl: bool = False  # TLS to the sentinels
    tls: dict = field(default_factory=dict)  # ssl_ca_certs, ssl_cert_reqs, for both


def _bool(value: str, name: str) -> bool:
    if value.lower() in TRUE | {"0", "false", "no", "off"}:
        return value.lower() in TRUE
    raise ValueError(f"REDIS_URL: {name} must be true or false, not {value!r}.")


def _address(text: str) -> tuple[str, int]:
    """``host``, ``host:port`` or ``[IPv6]:port``."""
    text = text.strip()
    if text.startswith("["):
        name, _, rest = text[1:].partition("]")
        port = rest.removeprefix(":")
    else:
        name, _, port = text.partition(":")
    if not name or not (port == "" or port.isdecimal()):
        raise ValueError(f"REDIS_URL: {text!r} is not a sentinel address (host or host:port).")
    return name, int(port) if port else SENTINEL_PORT


def parse_sentinel(url: str) -> SentinelTarget | None:
    """The Sentinel target named by ``url``, or None when it is a plain redis:// or rediss:// URL."""
    parts = urlsplit(url)
    if parts.scheme in ("redis", "rediss", "unix"):
        return None
    if parts.scheme != SENTINEL_SCHEME:
        raise ValueError(
            f"REDIS_URL must start with redis://, rediss:// or {SENTINEL_SCHEME}://, not {parts.scheme}://."
        )
    auth, _, hosts = parts.netloc.rpartition("@")
    username, _, password = auth.partition(":") if auth else ("", "", "")
    sentinels = [_address(host) for host in hosts.split(",")]
    path = [p for p in parts.path.split("/") if p]
    if not path or len(path) > 2:
        raise ValueError("REDIS_URL: a Sentinel URL ends with /<master name> or /<master name>/<db>.")
    options = {k: v[-1] for k, v in parse_qs(parts.query).items()}
    unknown = set(options) - {"ssl", "sentinel_ssl", *TLS_OPTIONS}
    if unknown:
        raise ValueError(f"REDIS_URL: unknown Sentinel option(s): {', '.join(sorted(unknown))}.")
    return SentinelTarget(
        sentinels=sentinels,
        master=unquote(path[0]),
        db=int(path[1]) if len(path) == 2 else 0,
        username=unquote(username) or None,
        password=unquote(password) or None,
        ssl=_bool(options.get("ssl", "false"), "ssl"),
        sentinel_ssl=_bool(options.get("sentinel_ssl", "false"), "sentinel_ssl"),
        tls={k: options[k] for k in TLS_OPTIONS if k in options},
    )


class _DisconnectOnError:
    """redis-py's Sentinel connections, unlike its others, go back to the pool with a reply still
    unread when a command is interrupted (redis/redis-py#4292): a worker stopped while it waits in
    BLPOP then sends its last commands on that connection and waits out the BLPOP (20 s with the
    Procfile's settings), or reads the old reply as the new one. Remove once redis-py is fixed."""

    def read_response(self, *args, disconnect_on_error=True, **kwargs):
        return super().read_response(*args, disconnect_on_error=disconnect_on_error, **kwargs)


class SentinelConnection(_DisconnectOnError, SentinelManagedConnection):
    pass


class SentinelSSLConnection(_DisconnectOnError, SentinelManagedSSLConnection):
    pass


def _sentinel_kwargs(target: SentinelTarget, sentinel_password: str | None, timeouts: dict) -> dict:
    kwargs = {"password": sentinel_password, **timeouts}
    if target.sentinel_ssl:
        kwargs.update(ssl=True, **target.tls)
    return kwargs


def _master_kwargs(target: SentinelTarget) -> dict:
    """The master's connection class, and its TLS options when it speaks TLS."""
    if target.ssl:
        return {"connection_class": SentinelSSLConnection, **target.tls}
    return {"connection_class": SentinelConnection}


def connect(url: str, sentinel_password: str | None = None, **options) -> redis.Redis:
    """A client for ``url``; ``options`` (timeouts, health checks) apply to every connection it makes.
    ``connection_pool_class`` (e.g. ``redis.BlockingConnectionPool``, with ``max_connections`` and
    ``timeout``) applies to a plain URL; a Sentinel URL keeps Sentinel's pool."""
    target = parse_sentinel(url)
    pool_class = options.pop("connection_pool_class", None)
    if target is None:
        if pool_class is not None:
            return redis.Redis(connection_pool=pool_class.from_url(url, **options))
        return redis.Redis.from_url(url, **options)
    for blocking_pool_option in ("timeout", "max_connections"):  # Sentinel's pool does not block
        options.pop(blocking_pool_option, None)
    timeouts = {k: v for k, v in options.items() if k in ("socket_timeout", "socket_connect_timeout")}
    sentinel = Sentinel(
        target.sentinels,
        sentinel_kwargs=_sentinel_kwargs(target, sentinel_password, timeouts),
        db=target.db,
        username=target.username,
        password=target.password,
        ssl=target.ssl,
        **_master_kwargs(target),
        **options,
    )
    return sentinel.master_for(target.master)


class RedisFromUrl(redis.Redis):
    """The worker's client class: ``jobs.work`` (and ``rq worker --connection-class
    jobs.redis_url.RedisFromUrl``) builds its connection with ``from_url(REDIS_URL)``, which this
    reads in all three forms, with the Sentinel password from ``jobs.settings``. No socket timeout: a worker blocks on BLPOP."""

    @classmethod
    def from_url(cls, url: str, **options) -> redis.Redis:
        from jobs import settings

        if parse_sentinel(url) is None:
            return super().from_url(url, **options)
        return connect(url, settings.REDIS_SENTINEL_PASSWORD, **options)
