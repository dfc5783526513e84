"""Error pages (HTML) and error bodies (JSON for /api/), so no user ever sees a traceback."""

import logging

import redis
from flask import jsonify, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

log = logging.getLogger(__name__)

REDIS_DOWN = "The job store (Redis) is not reachable right now. Please try again in a moment."


def wants_json() -> bool:
    return request.path.startswith("/api/") or request.path == "/healthz"


def json_error(status: int, message: str, headers=None):
    """The JSON API's error body, ``{"error": message, "status": status}``, with that status."""
    return jsonify({"error": message, "status": status}), status, headers or {}


def error_response(status: int, title: str, message: str, headers=None):
    """An error page, or the JSON error body where the client reads JSON (``wants_json``)."""
    if wants_json():
        return json_error(status, message, headers)
    return render_template("error.html", status=status, title=title, message=message), status, headers or {}


def handle_http(exc: HTTPException):
    messages = {
        400: "The request could not be understood.",
        404: "There is nothing here.",
        405: "That method is not allowed here.",
        413: "That upload is too large.",
    }
    message = messages.get(exc.code, exc.description)
    if exc.code == 413:
        limit = request.max_content_length or 0
        size = f"{limit / 2**20:g} MiB" if limit >= 2**20 else f"{limit / 1024:g} KiB"
        message = f"That upload is too large: the limit is {size} per request."
    headers = dict(exc.get_response().headers) if exc.code in (401, 405, 429) else None
    if headers:
        headers.pop("Content-Type", None)
        headers.pop("Content-Length", None)
    return error_response(exc.code or 500, exc.name, message, headers)


def handle_csrf(exc: CSRFError):
    return error_response(
        400,
        "Form expired",
        f"The form could not be accepted: {exc.description} Please reload the page and try again.",
    )


def handle_redis_down(exc: Exception):
    log.warning("Redis unreachable: %s", exc)
    return error_response(503, "Temporarily unavailable", REDIS_DOWN, {"Retry-After": "5"})


def handle_unexpected(exc: Exception):
    log.exception("Unhandled error")
    return error_response(
        500, "Something went wrong", "Something went wrong on our side. It has been logged."
    )


def init_app(app):
    app.register_error_handler(CSRFError, handle_csrf)
    app.register_error_handler(HTTPException, handle_http)
    app.register_error_handler(redis.exceptions.ConnectionError, handle_redis_down)
    app.register_error_handler(redis.exceptions.TimeoutError, handle_redis_down)
    app.register_error_handler(Exception, handle_unexpected)
