"""Jobdeck: a Flask site that hands long work to RQ workers and shows its progress."""

import secrets
from pathlib import Path

from jobs import settings, webhooks
from webapp import (
    admin,
    admin_audit,  # noqa: F401 (its hooks join the blueprints they audit on import)
    admin_schedules,
    api,
    batch_api,
    batches,
    charts,
    csrf,
    dashboard,
    downloads,
    errors,
    headers,
    health,
    hsts,
    job_actions,
    job_events,
    job_pages,
    metrics,
    page_links,
    proxies,
    ratelimit,
    redis_connection,
    schedules_api,
    session_cookie,
    share_links,
    signin_throttle,
    task_api,
    task_forms,
    tasks,
    templating,
    why,
)

ROOT = Path(__file__).resolve().parent.parent


def create_app(test_config: dict | None = None) -> templating.Site:
    app = templating.Site(
        __name__, template_folder=str(ROOT / "templates"), static_folder=str(ROOT / "static")
    )
    app.config.from_object(settings)
    # The session (owner id, CSRF secret) is signed again only when it changes; the owner's cookie
    # is kept a month from its last change.
    app.config["SESSION_REFRESH_EACH_REQUEST"] = False
    app.config["MAX_FORM_MEMORY_SIZE"] = task_forms.longest_text_bytes()
    if test_config:
        app.config.update(test_config)
    app.config.setdefault("RQ_DASHBOARD_REDIS_SENTINEL_PASSWORD", app.config["REDIS_SENTINEL_PASSWORD"])
    if not app.config.get("SECRET_KEY"):
        if not (app.debug or app.testing):
            raise RuntimeError(
                "SECRET_KEY is not set. Set the SECRET_KEY environment variable to a long random "
                "string (for example: python -c 'import secrets; print(secrets.token_hex(32))')."
            )
        app.config["SECRET_KEY"] = secrets.token_hex(32)

    webhooks.refuse_test_only_settings(app.testing)
    redis_connection.init_app(app)
    csrf.init_app(app)
    csrf.protection.exempt(api.bp)
    csrf.protection.exempt(batch_api.bp)
    headers.init_app(app)
    session_cookie.init_app(app)
    proxies.init_app(app)
    errors.init_app(app)
    signin_throttle.init_app(app)  # before any other hook: a throttled client gets 429 at once
    hsts.init_app(app)
    ratelimit.init_app(app)
    templating.init_app(app)
    page_links.init_app(app)
    charts.init_app(app)
    for blueprint in (
        tasks.bp,
        job_pages.bp,
        job_actions.bp,
        api.bp,
        task_api.bp,
        health.bp,
        downloads.bp,
        share_links.bp,
        metrics.bp,
    ):
        app.register_blueprint(blueprint)
    csrf.protection.exempt(admin_schedules.bp)  # checked by the console's gate, after the role
    csrf.protection.exempt(schedules_api.bp)  # JSON bodies only, as the rest of the API
    for blueprint in (batches.bp, batch_api.bp, admin_schedules.bp, schedules_api.bp):
        app.register_blueprint(blueprint)
    job_events.init_app(app)
    why.init_app(app, csrf.protection)
    dashboard.init_app(app, csrf.protection)
    admin.init_app(app, csrf.protection)
    return app
