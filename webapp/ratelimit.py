"""Rate limit on submissions per client (Flask-Limiter, counters in the site's Redis).

One budget per client address (``request.remote_addr``; behind a trusted proxy that is the client's
address, see ``security.trust_proxy``) shared by every endpoint that enqueues work: the task forms,
``POST /api/jobs``, retrying a job and ``POST /why``. Only accepted submissions (an answer below 400)
are counted; a client over the budget is refused before any work, with a 429 page (JSON under
/api/) and ``Retry-After``.

Redis down: the limiter uses the site's own Redis client (same pool, same bounded timeouts) and lets
its errors through, so the site answers its usual 503. Failing open would gain nothing, because a
submission cannot be enqueued without Redis anyway; it would only add a second timeout.
"""

from flask import current_app, request
from flask_limiter import Limiter, RateLimitExceeded

from webapp.errors import error_response

#: the endpoints that enqueue a job when they succeed
SUBMISSIONS = frozenset(
    {"tasks.submit", "api.create_job", "job_actions.retry", "why.measure"}
    | {"batches.submit", "batch_api.create_batch", "batches.retry_failed"}
)
KEY_PREFIX = "jobdeck:ratelimit"


def enabled(setting: str | None) -> bool:
    return bool(setting) and setting.strip().lower() not in ("off", "0", "none", "false", "no")


def client_key() -> str:
    return request.remote_addr or "unknown"


def not_a_submission() -> bool:
    return request.method != "POST" or request.endpoint not in SUBMISSIONS


def accepted(response) -> bool:
    return response.status_code < 400


def too_many(exc: RateLimitExceeded):
    """The 429 page; Flask-Limiter adds Retry-After and the X-RateLimit-* headers after this."""
    limit = current_app.config["RATE_LIMIT"]
    return error_response(
        429,
        "Too many submissions",
        f"You have submitted too many jobs: the limit is {limit} per client. "
        "Please wait a little (see Retry-After) and try again.",
    )


def retry_after_only_when_refused(response):
    """Flask-Limiter sends Retry-After on every limited answer; on a 303 it would ask browsers to wait."""
    if response.status_code not in (429, 503):
        response.headers.pop("Retry-After", None)
    return response


def init_app(app) -> Limiter | None:
    """Rate-limit submissions as ``app.config["RATE_LIMIT"]`` says ("30/minute"; "off" disables)."""
    app.register_error_handler(RateLimitExceeded, too_many)
    setting = app.config.get("RATE_LIMIT")
    if not enabled(setting):
        return None
    limiter = Limiter(
        key_func=client_key,
        application_limits=[setting],
        application_limits_exempt_when=not_a_submission,
        application_limits_deduct_when=accepted,
        # "redis://" picks limits' plain Redis storage; the pool is the site's own client's, so the
        # counters live in REDIS_URL whatever its scheme (rediss://, sentinel) and share its timeouts
        storage_uri="redis://",
        storage_options={
            "connection_pool": app.extensions["jobdeck"]["redis"].connection_pool,
            "key_prefix": KEY_PREFIX,
        },
        strategy="moving-window",
        headers_enabled=True,
        swallow_errors=False,
    )
    app.after_request(retry_after_only_when_refused)  # registered first, so it runs after the limiter's
    limiter.init_app(app)
    app.extensions["jobdeck"]["limiter"] = limiter
    return limiter
