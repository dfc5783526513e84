"""The JSON API as an OpenAPI 3.1 document, with each task's parameters from its declaration.

OpenAPI 3.1 schemas are JSON Schema 2020-12, which is what msgspec emits, so the tasks' schemas go
in as they are; ``msgspec.json.schema_components`` gathers them (and what they share, such as
``Upload``) under ``components/schemas`` with references that point there.
"""

import msgspec

from jobs.queue_names import QUEUE_NAMES
from jobs.scheduling import MISSED_POLICIES, REASON_LIMIT
from jobs.statuses import FILTERS
from webapp.start_time import MAX_AHEAD_SECONDS

REF = "#/components/schemas/{name}"


def _error() -> dict:
    return {
        "type": "object",
        "required": ["error", "status"],
        "properties": {
            "error": {"type": "string"},
            "status": {"type": "integer"},
            "errors": {
                "type": "object",
                "description": 'Each parameter\'s messages ("" for the whole), when the parameters are wrong.',
                "additionalProperties": {"type": "array", "items": {"type": "string"}},
            },
        },
    }


def _job() -> dict:
    nullable_time = {"type": ["string", "null"], "format": "date-time"}
    return {
        "type": "object",
        "required": ["id", "task", "status", "progress", "result", "error"],
        "properties": {
            "id": {"type": "string"},
            "task": {"type": "string"},
            "status": {"type": "string", "enum": list(FILTERS)},
            "progress": {
                "type": "object",
                "properties": {
                    "done": {"type": ["number", "null"]},
                    "total": {"type": ["number", "null"]},
                    "percent": {"type": ["integer", "null"]},
                    "message": {"type": ["string", "null"]},
                },
            },
            "result": {"description": "What the task returned (plain JSON data)."},
            "error": {"type": ["string", "null"]},
            "enqueued_at": nullable_time,
            "started_at": nullable_time,
            "ended_at": nullable_time,
        },
    }


def _submission(task_refs: list[tuple[str, str]]) -> dict:
    options = {
        "priority": {"type": "string", "enum": list(QUEUE_NAMES)},
        "start_in": {"type": "integer", "minimum": 1, "maximum": MAX_AHEAD_SECONDS},
        "start_at": {"type": "string", "format": "date-time"},
    }
    variants = [
        {
            "type": "object",
            "required": ["task"],
            "properties": {"task": {"const": name}, "params": {"$ref": ref}, **options},
        }
        for name, ref in task_refs
    ]
    return {"oneOf": variants} if variants else {"type": "object"}


def _schedule() -> dict:
    time = {"type": ["string", "null"], "format": "date-time"}
    run = {
        "type": "object",
        "required": ["id", "status"],
        "properties": {
            "id": {"type": "string"},
            "status": {"type": "string", "description": 'The job\'s status, or "expired" once it has gone.'},
            "trigger": {"type": ["string", "null"], "description": "due at ..., run now by ..., missed run"},
            "enqueued_at": time,
            "started_at": time,
            "ended_at": time,
            "elapsed_seconds": {"type": ["number", "null"]},
            "url": {"type": "string"},
            "page_url": {"type": "string"},
        },
    }
    return {
        "type": "object",
        "required": ["name", "task", "params", "cron", "cron_in_words", "next_run", "paused", "runs"],
        "properties": {
            "name": {"type": "string"},
            "task": {"type": "string"},
            "params": {"type": "object"},
            "cron": {"type": "string", "description": "Five fields (a sixth: seconds), UTC."},
            "cron_in_words": {"type": "string"},
            "missed": {"type": "string", "enum": list(MISSED_POLICIES)},
            "next_run": {**time, "description": "None while paused until resumed by hand."},
            "paused": {"type": "boolean"},
            "pause": {
                "type": ["object", "null"],
                "properties": {"reason": {"type": "string"}, "by": {"type": "string"}, "until": time},
            },
            "runs": {"type": "array", "items": run, "description": "The last runs, newest first."},
            "events": {
                "type": "array",
                "description": "What happened beyond the runs (missed runs, runs skipped while paused).",
                "items": {"type": "object"},
            },
            "url": {"type": "string"},
        },
    }


def _schedule_paths(error: dict) -> dict:
    """The schedules, for operators (HTTP basic: the admin acts, the read-only operator reads)."""
    name = {"name": "name", "in": "path", "required": True, "schema": {"type": "string"}}
    operator = [{"operator": []}]
    refused = {"401": error, "403": error, "404": error}
    acted = {
        "type": "object",
        "required": ["message", "schedule"],
        "properties": {
            "message": {"type": "string"},
            "job": {"type": "object", "properties": {"id": {"type": "string"}, "url": {"type": "string"}}},
            "schedule": {"$ref": "#/components/schemas/Schedule"},
        },
    }
    acted_json = {"application/json": {"schema": acted}}

    def action(summary: str, operation: str, body: dict, answer: dict) -> dict:
        return {
            "post": {
                "summary": summary,
                "operationId": operation,
                "security": operator,
                "parameters": [name],
                "requestBody": {"required": False, "content": {"application/json": {"schema": body}}},
                "responses": {**answer, "400": error, **refused},
            }
        }

    empty = {"type": "object"}
    pause_body = {
        "type": "object",
        "required": ["reason"],
        "properties": {
            "reason": {"type": "string", "maxLength": REASON_LIMIT},
            "until": {
                "type": "string",
                "format": "date-time",
                "description": "UTC unless it names its zone.",
            },
        },
    }
    listing = {
        "type": "object",
        "properties": {"schedules": {"type": "array", "items": {"$ref": "#/components/schemas/Schedule"}}},
    }
    return {
        "/api/schedules": {
            "get": {
                "summary": "The schedules (recurring jobs)",
                "operationId": "listSchedules",
                "security": operator,
                "responses": {
                    "200": {
                        "description": "The schedules.",
                        "content": {"application/json": {"schema": listing}},
                    },
                    "401": error,
                },
            }
        },
        "/api/schedules/{name}": {
            "get": {
                "summary": "One schedule",
                "operationId": "getSchedule",
                "security": operator,
                "parameters": [name],
                "responses": {"200": _json("#/components/schemas/Schedule", "The schedule."), **refused},
            }
        },
        "/api/schedules/{name}/run": action(
            "Run a schedule now",
            "runSchedule",
            empty,
            {
                "202": {
                    "description": "Enqueued; Location is the job's URL.",
                    "headers": {"Location": {"schema": {"type": "string"}}},
                    "content": acted_json,
                }
            },
        ),
        "/api/schedules/{name}/pause": action(
            "Pause a schedule, until resumed or until a time",
            "pauseSchedule",
            pause_body,
            {"200": {"description": "Paused.", "content": acted_json}},
        ),
        "/api/schedules/{name}/resume": action(
            "Resume a paused schedule",
            "resumeSchedule",
            empty,
            {"200": {"description": "Resumed.", "content": acted_json}, "409": error},
        ),
    }


def _json(schema_ref: str, description: str) -> dict:
    return {"description": description, "content": {"application/json": {"schema": {"$ref": schema_ref}}}}


def openapi_document(specs: list) -> dict:
    """The document for the tasks ``specs`` (the listed ones)."""
    refs, definitions = msgspec.json.schema_components([spec.params for spec in specs], ref_template=REF)
    schemas = {
        **definitions,
        "Error": _error(),
        "Job": _job(),
        "Schedule": _schedule(),
        "Task": {
            "type": "object",
            "required": ["name", "title", "description", "params_schema"],
            "properties": {
                "name": {"type": "string"},
                "title": {"type": "string"},
                "description": {"type": "string"},
                "queue": {"type": "string", "enum": list(QUEUE_NAMES)},
                "timeout": {"type": "integer"},
                "retry": {"type": "object"},
                "form_url": {"type": "string"},
                "url": {"type": "string"},
                "params_schema": {"type": "object", "description": "The parameters as JSON Schema."},
            },
        },
    }
    task_refs = [(spec.name, ref["$ref"]) for spec, ref in zip(specs, refs, strict=True)]
    schemas["Submission"] = _submission(task_refs)
    error = {"$ref": "#/components/responses/Error"}
    job_id = {"name": "job_id", "in": "path", "required": True, "schema": {"type": "string"}}
    name = {"name": "name", "in": "path", "required": True, "schema": {"type": "string"}}
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Jobdeck JSON API",
            "version": "1",
            "description": "Submit long work to a queue and read its progress and result.",
        },
        "paths": {
            "/api/jobs": {
                "post": {
                    "summary": "Submit a job",
                    "operationId": "createJob",
                    "requestBody": {
                        "required": True,
                        "content": {
                            "application/json": {"schema": {"$ref": "#/components/schemas/Submission"}}
                        },
                    },
                    "responses": {
                        "202": {
                            **_json("#/components/schemas/Job", "Accepted; Location is the job's URL."),
                            "headers": {"Location": {"schema": {"type": "string"}}},
                        },
                        "400": error,
                        "429": error,
                    },
                }
            },
            "/api/jobs/{job_id}": {
                "get": {
                    "summary": "Read a job",
                    "operationId": "getJob",
                    "parameters": [job_id],
                    "responses": {"200": _json("#/components/schemas/Job", "The job."), "404": error},
                }
            },
            "/api/tasks": {
                "get": {
                    "summary": "The tasks and their parameters",
                    "operationId": "listTasks",
                    "responses": {
                        "200": {
                            "description": "The tasks.",
                            "content": {
                                "application/json": {
                                    "schema": {
                                        "type": "object",
                                        "properties": {
                                            "tasks": {
                                                "type": "array",
                                                "items": {"$ref": "#/components/schemas/Task"},
                                            }
                                        },
                                    }
                                }
                            },
                        }
                    },
                }
            },
            "/api/tasks/{name}": {
                "get": {
                    "summary": "One task and its parameters",
                    "operationId": "getTask",
                    "parameters": [name],
                    "responses": {"200": _json("#/components/schemas/Task", "The task."), "404": error},
                }
            },
            "/api/openapi.json": {
                "get": {
                    "summary": "This document",
                    "operationId": "getOpenApi",
                    "responses": {"200": {"description": "OpenAPI 3.1", "content": {"application/json": {}}}},
                }
            },
            **_schedule_paths(error),
        },
        "components": {
            "schemas": schemas,
            "responses": {"Error": _json("#/components/schemas/Error", "An error, with a message.")},
            "securitySchemes": {"operator": {"type": "http", "scheme": "basic"}},
        },
    }
