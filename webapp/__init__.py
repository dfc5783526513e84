"""Jobdeck: a Flask site that hands long work to RQ workers and shows its progress.

Importing this package does not import Flask: the workers import ``webapp.config`` (``rq worker
--config webapp.config``), and the 7 MB that Flask and WTForms add to a worker made each fork of a
job about 10 % slower (bench/workers.py).
"""

import secrets
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from flask import Flask

ROOT = Path(__file__).resolve().parent.parent


def create_app(test_config: dict | None = None) -> "Flask":
    from flask import Flask

    from webapp import (
        admin,
        api,
        charts,
        config,
        dashboard,
        downloads,
        errors,
        health,
        job_actions,
        job_pages,
        metrics,
        queues,
        ratelimit,
        redis_required,
        security,
        tasks,
        templating,
        why,
    )

    app = Flask(__name__, template_folder=str(ROOT / "templates"), static_folder=str(ROOT / "static"))
    app.config.update(config.as_flask_config())
    if test_config:
        app.config.update(test_config)
    if not app.config.get("SECRET_KEY"):
        if not (app.debug or app.testing):
            raise RuntimeError(
                "SECRET_KEY is not set. Set the SECRET_KEY environment variable to a long random "
                "string (for example: python -c 'import secrets; print(secrets.token_hex(32))')."
            )
        app.config["SECRET_KEY"] = secrets.token_hex(32)

    app.extensions["jobdeck"] = {"redis": queues.connect(app), "queues": {}}
    csrf = security.init_csrf(app)
    csrf.exempt(api.bp)
    security.init_app(app)
    errors.init_app(app)
    ratelimit.init_app(app)
    redis_required.init_app(app)
    templating.init_app(app)
    charts.init_app(app)
    for blueprint in (tasks.bp, job_pages.bp, job_actions.bp, api.bp, health.bp, downloads.bp, metrics.bp):
        app.register_blueprint(blueprint)
    why.init_app(app, csrf)
    dashboard.init_app(app, csrf)
    admin.init_app(app, csrf)
    return app
