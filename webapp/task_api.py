"""The tasks as JSON: ``GET /api/tasks``, ``GET /api/tasks/<name>`` (each one's parameters as JSON
Schema, from its declaration) and ``GET /api/openapi.json`` (the JSON API as OpenAPI 3.1)."""

from flask import Blueprint, jsonify, url_for

from jobs.registry import TASKS, get_task
from jobs.task_declaration import TaskSpec
from webapp.errors import json_error
from webapp.openapi import openapi_document

bp = Blueprint("task_api", __name__, url_prefix="/api")


def describe_task(spec: TaskSpec) -> dict:
    return {
        "name": spec.name,
        "title": spec.title,
        "description": spec.description,
        "queue": spec.queue,
        "timeout": spec.timeout,
        "retry": {"max": spec.retry_max, "intervals": list(spec.retry_intervals)},
        "form_url": url_for("tasks.show_form", name=spec.name),
        "url": url_for("task_api.task", name=spec.name),
        "params_schema": spec.json_schema(),
    }


@bp.get("/tasks")
def task_list():
    return jsonify({"tasks": [describe_task(spec) for spec in TASKS.values() if spec.listed]})


@bp.get("/tasks/<name>")
def task(name: str):
    spec = get_task(name)
    if spec is None or not spec.listed:
        return json_error(404, "There is no such task; GET /api/tasks lists them.")
    return jsonify(describe_task(spec))


@bp.get("/openapi.json")
def openapi():
    return jsonify(openapi_document([spec for spec in TASKS.values() if spec.listed]))
