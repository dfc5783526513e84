"""Settings, read once from the environment: the one home the site and the workers share.

The worker reads it at start-up (``python -m jobs.work``, the Procfile; ``rq worker --config
jobs.settings`` would take the same UPPERCASE names) and ``create_app`` as its app config
(``app.config.from_object``), so both sides read the same Redis under the same names. The environment variables and their meaning: README.md.
"""

import os

#: where Redis is: redis://, rediss:// (TLS) or redis+sentinel:// (jobs/redis_url.py, docs/scaling.md)
REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
#: the password the Sentinel processes themselves ask for (a Sentinel URL's own password is the master's)
REDIS_SENTINEL_PASSWORD = os.environ.get("JOBDECK_REDIS_SENTINEL_PASSWORD") or None
# The site's longest waits for Redis, so a dead or hung Redis gives a 503 within 2 s, not a hung
# request. A hung Redis (connections accepted, nothing answered) costs the socket timeout; Redis
# answers the site's commands in well under a millisecond, so 1.5 s is reached only when it does not.
REDIS_CONNECT_TIMEOUT = float(os.environ.get("JOBDECK_REDIS_CONNECT_TIMEOUT", 1))
REDIS_SOCKET_TIMEOUT = float(os.environ.get("JOBDECK_REDIS_SOCKET_TIMEOUT", 1.5))

SECRET_KEY = os.environ.get("SECRET_KEY")
ADMIN_USER = os.environ.get("JOBDECK_ADMIN_USER", "")
ADMIN_PASSWORD = os.environ.get("JOBDECK_ADMIN_PASSWORD", "")
API_TOKEN = os.environ.get("JOBDECK_API_TOKEN", "")
# The read-only operator of /admin/ and /rq/, and the token Prometheus may scrape /metrics with.
VIEWER_USER = os.environ.get("JOBDECK_VIEWER_USER", "")
VIEWER_PASSWORD = os.environ.get("JOBDECK_VIEWER_PASSWORD", "")
METRICS_TOKEN = os.environ.get("JOBDECK_METRICS_TOKEN", "")
# Sign-in through an SSO proxy's trusted header (webapp/sso.py): off unless both are set.
SSO_HEADER = os.environ.get("JOBDECK_SSO_HEADER", "")
SSO_PROXIES = os.environ.get("JOBDECK_SSO_PROXIES", "")
#: the SSO users who are admins (comma-separated); empty: the admin's user name
SSO_ADMINS = os.environ.get("JOBDECK_SSO_ADMINS", "")
RATE_LIMIT = os.environ.get("JOBDECK_RATE_LIMIT", "30/minute")
#: how many reverse proxies in front of the site to believe (X-Forwarded-For/-Proto); 0 believes none
TRUST_PROXY = os.environ.get("JOBDECK_TRUST_PROXY", "0")
#: where the /why measurement job reaches the site; empty: the address the server listens on
PUBLIC_URL = os.environ.get("JOBDECK_PUBLIC_URL", "")
#: "1" when a proxy sends GET /jobs/<id>/events to the Procfile's `live` line (docs/deployment.md):
#: job pages then follow their job through that stream, not by polling
LIVE_EVENTS = os.environ.get("JOBDECK_LIVE_EVENTS", "0") == "1"

# How long RQ keeps what a job produced; files stored beside a job share these TTLs.
RESULT_TTL = int(os.environ.get("JOBDECK_RESULT_TTL", 24 * 3600))
FAILURE_TTL = int(os.environ.get("JOBDECK_FAILURE_TTL", 7 * 24 * 3600))
#: how long a read-only share link works (the owner may revoke it sooner)
SHARE_TTL = int(os.environ.get("JOBDECK_SHARE_TTL", 7 * 24 * 3600))
REFRESH_SECONDS = int(os.environ.get("JOBDECK_REFRESH_SECONDS", 2))
#: the largest request body (Flask's own setting's name); larger gets the 413 page
MAX_CONTENT_LENGTH = int(os.environ.get("JOBDECK_MAX_UPLOAD_BYTES", 32 * 1024 * 1024))
#: answer a submission only once it is fsynced (webapp/durable_submit.py; docs/scaling.md)
DURABLE_SUBMIT = os.environ.get("JOBDECK_DURABLE_SUBMIT", "0") == "1"

# The worker reads this module at start-up (jobs/work.py): loading the task declarations here makes a
# bad JOBDECK_TASKS stop the worker at once, as it stops the site, and imports them (and msgspec)
# once in the worker's main process, before it forks a work horse for each job.
import jobs.registry  # noqa: E402, F401
