"""Completion webhooks: what a submission may declare, where it may point, and how it is signed.

A job's webhook is declared with RQ's own ``rq.webhook.Webhook`` (one per event, stored by RQ in the
job's hash); RQ would send it itself, inline in the worker, unsigned, once, following redirects and
to any address. Jobdeck keeps RQ's declaration and replaces only the sending
(``jobs/webhook_job.py``): a separate delivery job (``jobs/webhook_delivery.py``), signed, retried,
to public addresses only (the guard of ``url_words``, checked at submission and again after DNS at
each attempt, with the connection pinned to the checked address, and no redirects).

Loopback targets are for tests only: ``JOBDECK_WEBHOOK_ALLOW_LOOPBACK=1`` counts only together with
``JOBDECK_TESTING=1``, and the site refuses to start with it outside testing
(``refuse_test_only_settings``).
"""

import hashlib
import hmac
import os
import time

from rq.webhook import Webhook

from jobs import statuses
from jobs.errors import TaskInputError
from jobs.url_words import MAX_URL_CHARS, FetchError, PageTooSlow, check_url_shape, resolve_checked

EVENTS = (statuses.FINISHED, statuses.FAILED)  # the ends RQ sends webhooks for
SIGNATURE_HEADER = "Jobdeck-Signature"
SECRET_ENV = "JOBDECK_WEBHOOK_SECRET"
ALLOW_LOOPBACK_ENV = "JOBDECK_WEBHOOK_ALLOW_LOOPBACK"
TESTING_ENV = "JOBDECK_TESTING"
#: seconds to wait for a receiver's answer, per attempt
TIMEOUT_ENV = "JOBDECK_WEBHOOK_TIMEOUT"
#: seconds between attempts: 5 attempts over about 30 minutes (30 s, 2, 7 and 20 min)
RETRY_INTERVALS_ENV = "JOBDECK_WEBHOOK_RETRY_INTERVALS"
RETRY_INTERVALS = (30, 120, 420, 1200)
EXAMPLE = '"webhook": {"url": "https://example.com/hook", "events": ["finished", "failed"]}'


def timeout() -> float:
    return float(os.environ.get(TIMEOUT_ENV) or 10)


def retry_intervals() -> list[int]:
    text = os.environ.get(RETRY_INTERVALS_ENV)
    return [int(part) for part in text.split(",")] if text else list(RETRY_INTERVALS)


def secret() -> str:
    return os.environ.get(SECRET_ENV, "")


def loopback_allowed() -> bool:
    return os.environ.get(ALLOW_LOOPBACK_ENV) == "1" and os.environ.get(TESTING_ENV) == "1"


def refuse_test_only_settings(testing: bool) -> None:
    """Start-up check: loopback webhooks are a test setting, never a production one."""
    if os.environ.get(ALLOW_LOOPBACK_ENV) == "1" and not testing:
        raise RuntimeError(
            f"{ALLOW_LOOPBACK_ENV}=1 is a test-only setting (it lets webhooks reach this machine); "
            "unset it to run Jobdeck."
        )


def _loopback(address) -> bool:
    return loopback_allowed() and address.is_loopback


def check_target(url: str) -> tuple[str, str, int, str]:
    """(scheme, host, port, address to connect to) once ``url`` is allowed; TaskInputError if not.

    Called at submission and again before each attempt: a name that resolved to a public address
    when the job was submitted may resolve elsewhere later."""
    parts, port = check_url_shape(url)
    port = port or (443 if parts.scheme == "https" else 80)
    try:
        address = resolve_checked(parts.hostname, port, time.monotonic() + timeout(), also_allowed=_loopback)
    except FetchError as exc:
        raise TaskInputError(str(exc)) from exc
    except PageTooSlow as exc:  # url_words' word for a lookup past its deadline
        raise TaskInputError(f"The host name {parts.hostname!r} did not resolve in time.") from exc
    return parts.scheme, parts.hostname, port, address


def parse(value) -> dict:
    """The ``webhook`` of a submission, checked: ``{"url", "events"}``; TaskInputError if refused."""
    if not isinstance(value, dict) or set(value) - {"url", "events"}:
        raise TaskInputError(f"webhook must be an object like {EXAMPLE}.")
    url, events = value.get("url"), value.get("events", list(EVENTS))
    if not isinstance(url, str) or not url.strip() or len(url) > MAX_URL_CHARS:
        raise TaskInputError(
            f"webhook.url must be an http:// or https:// address of at most {MAX_URL_CHARS} characters."
        )
    if not isinstance(events, list) or not events or not set(events) <= set(EVENTS):
        raise TaskInputError(f"webhook.events must be a list of: {', '.join(EVENTS)}.")
    if not secret():
        raise TaskInputError(f"This server sends no webhooks: {SECRET_ENV} is not set.")
    try:
        check_target(url.strip())
    except TaskInputError as exc:
        raise TaskInputError(f"webhook.url is refused: {exc}") from exc
    return {"url": url.strip(), "events": [e for e in EVENTS if e in events]}


def rq_webhooks(declared: dict | None) -> list[Webhook] | None:
    """RQ's declaration of a checked webhook: one ``Webhook`` per event."""
    if not declared:
        return None
    return [
        Webhook(declared["url"], event, method="POST", timeout=max(1, int(timeout())))
        for event in declared["events"]
    ]


def signature(body: bytes, key: str, timestamp: int) -> str:
    """``t=<unix time>,v1=<hex HMAC-SHA256 of "<t>." + body>``, the header's value."""
    mac = hmac.new(key.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={mac}"
