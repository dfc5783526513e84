"""Pages that would not read Redis themselves still answer 503 while it is down.

The catalog and the task forms render without Redis, but nothing they lead to works: a form filled
in would only fail on submit. So they ping Redis first (one round trip) and share every other page's
friendly 503 (``webapp.errors``), and come back as soon as Redis does.

The check is a hook of the tasks blueprint (``webapp/tasks.py``), so no other request runs it.
"""

from flask import request

from webapp.redis_connection import get_redis

ENDPOINTS = frozenset({"tasks.index", "tasks.show_form"})


def check_redis() -> None:
    if request.endpoint in ENDPOINTS:
        get_redis().ping()
