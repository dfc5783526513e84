"""The operators' audit log: who did what, when, to how many jobs.

A capped Redis list (``jobdeck:audit``, newest first, at most ``AUDIT_CAP`` entries of at most
``DETAIL_LIMIT`` characters each: about 1 MB at worst), written with one transaction per entry and
shown on the console. Anything that acts for an operator (bulk actions, pause, worker shutdown,
sign-in throttling) calls ``record``.
"""

import json
import time
from dataclasses import dataclass

from flask import current_app

AUDIT_KEY = "jobdeck:audit"
AUDIT_CAP = 1000
DETAIL_LIMIT = 500


@dataclass(frozen=True)
class Entry:
    at: float
    who: str
    action: str
    detail: str
    count: int | None


def _redis():
    return current_app.extensions["jobdeck"]["redis"]


def record(who: str, action: str, detail: str = "", count: int | None = None, connection=None) -> None:
    """Add an entry (newest first) and trim the list to its cap, in one round trip."""
    entry = {"at": time.time(), "who": who, "action": action, "detail": str(detail)[:DETAIL_LIMIT]}
    if count is not None:
        entry["count"] = int(count)
    connection = connection or _redis()
    with connection.pipeline() as pipe:
        pipe.lpush(AUDIT_KEY, json.dumps(entry, separators=(",", ":")))
        pipe.ltrim(AUDIT_KEY, 0, AUDIT_CAP - 1)
        pipe.execute()


def recent(n: int = 50, connection=None) -> list[Entry]:
    """The newest ``n`` entries; an entry that is not ours (hand-written) is skipped."""
    connection = connection or _redis()
    entries = []
    for raw in connection.lrange(AUDIT_KEY, 0, max(0, n - 1)):
        try:
            data = json.loads(raw)
            entries.append(
                Entry(
                    float(data["at"]),
                    str(data["who"]),
                    str(data["action"]),
                    str(data.get("detail", "")),
                    data.get("count"),
                )
            )
        except (ValueError, KeyError, TypeError):
            continue
    return entries
