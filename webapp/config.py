"""Settings, read once from the environment.

This module is shared by the site (``create_app``) and the worker (``rq worker -c webapp.config``),
so both sides can never disagree about which Redis they use. RQ reads the UPPERCASE names.
"""

import os

from webapp import redis_url

#: redis://, rediss:// (TLS, options such as ?ssl_ca_certs=<path> in the query) or redis+sentinel://
#: (the forms: webapp/redis_url.py; examples: docs/scaling.md)
REDIS_LOCATION = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
#: a password the Sentinel processes themselves ask for (a Sentinel URL's own password is the master's)
REDIS_SENTINEL_PASSWORD = os.environ.get("JOBDECK_REDIS_SENTINEL_PASSWORD") or None
# What `rq worker --config webapp.config` reads: REDIS_URL, or SENTINEL (which RQ reads only when
# REDIS_URL is None) for a Sentinel URL. No socket timeout for workers: they block on BLPOP.
SENTINEL = redis_url.rq_sentinel_settings(REDIS_LOCATION, REDIS_SENTINEL_PASSWORD)
REDIS_URL = None if SENTINEL else REDIS_LOCATION
QUEUES = ["high", "default", "low"]

SECRET_KEY = os.environ.get("SECRET_KEY")
ADMIN_USER = os.environ.get("JOBDECK_ADMIN_USER", "")
ADMIN_PASSWORD = os.environ.get("JOBDECK_ADMIN_PASSWORD", "")
API_TOKEN = os.environ.get("JOBDECK_API_TOKEN", "")
# The read-only operator of /admin/ and /rq/, and the token Prometheus may scrape /metrics with.
VIEWER_USER = os.environ.get("JOBDECK_VIEWER_USER", "")
VIEWER_PASSWORD = os.environ.get("JOBDECK_VIEWER_PASSWORD", "")
METRICS_TOKEN = os.environ.get("JOBDECK_METRICS_TOKEN", "")
RATE_LIMIT = os.environ.get("JOBDECK_RATE_LIMIT", "30/minute")
# How many reverse proxies in front of the site to believe (X-Forwarded-For/-Proto); 0 believes none.
TRUST_PROXY = os.environ.get("JOBDECK_TRUST_PROXY", "0")

# How long RQ keeps what a job produced; files stored beside a job share these TTLs.
RESULT_TTL = int(os.environ.get("JOBDECK_RESULT_TTL", 24 * 3600))
FAILURE_TTL = int(os.environ.get("JOBDECK_FAILURE_TTL", 7 * 24 * 3600))
REFRESH_SECONDS = int(os.environ.get("JOBDECK_REFRESH_SECONDS", 2))
MAX_UPLOAD_BYTES = int(os.environ.get("JOBDECK_MAX_UPLOAD_BYTES", 32 * 1024 * 1024))

# Bounded waits so a dead Redis gives a quick 503, not a hung request.
REDIS_CONNECT_TIMEOUT = float(os.environ.get("JOBDECK_REDIS_CONNECT_TIMEOUT", 2))
REDIS_SOCKET_TIMEOUT = float(os.environ.get("JOBDECK_REDIS_SOCKET_TIMEOUT", 5))


def as_flask_config() -> dict:
    """The settings under the names the Flask app uses."""
    return {
        "REDIS_URL": REDIS_LOCATION,
        "REDIS_SENTINEL_PASSWORD": REDIS_SENTINEL_PASSWORD,
        "RQ_DASHBOARD_REDIS_SENTINEL_PASSWORD": REDIS_SENTINEL_PASSWORD,
        "SECRET_KEY": SECRET_KEY,
        "ADMIN_USER": ADMIN_USER,
        "ADMIN_PASSWORD": ADMIN_PASSWORD,
        "API_TOKEN": API_TOKEN,
        "VIEWER_USER": VIEWER_USER,
        "VIEWER_PASSWORD": VIEWER_PASSWORD,
        "METRICS_TOKEN": METRICS_TOKEN,
        "RATE_LIMIT": RATE_LIMIT,
        "TRUST_PROXY": TRUST_PROXY,
        "RESULT_TTL": RESULT_TTL,
        "FAILURE_TTL": FAILURE_TTL,
        "REFRESH_SECONDS": REFRESH_SECONDS,
        "MAX_CONTENT_LENGTH": MAX_UPLOAD_BYTES,
        "REDIS_CONNECT_TIMEOUT": REDIS_CONNECT_TIMEOUT,
        "REDIS_SOCKET_TIMEOUT": REDIS_SOCKET_TIMEOUT,
        # The session (owner id, CSRF secret) is re-signed only when it changes, not on every request
        # (about 0.1 ms each; bench/); the owner's cookie is kept a month from its last change.
        "SESSION_REFRESH_EACH_REQUEST": False,
    }
