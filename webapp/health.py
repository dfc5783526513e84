"""GET /healthz: 200 with Redis reachable and the number of live workers, 503 otherwise."""

from flask import Blueprint, jsonify
from rq import Worker

from webapp.redis_connection import get_redis

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz():
    connection = get_redis()
    connection.ping()
    return jsonify({"status": "ok", "redis": "ok", "workers": Worker.count(connection=connection)})
