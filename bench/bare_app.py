"""The baselines for the HTTP benchmarks: a bare Flask app, served by the same gunicorn command.

``POST /enqueue`` only calls ``queue.enqueue`` (the same function and arguments a countdown job
has) and answers the id; ``GET /job/<id>`` fetches the job and renders a minimal template
(``templates/minimal.html``, compiled once and cached like the site's).
No sessions, CSRF, forms, validation, history or security headers: what is left is the floor.
"""

import os

import redis
from flask import Flask, render_template
from rq import Queue
from rq.job import Job
from rq.serializers import JSONSerializer


def create_app() -> Flask:
    app = Flask(__name__)  # templates/minimal.html beside this module
    connection = redis.Redis.from_url(os.environ["REDIS_URL"])
    queue = Queue("default", connection=connection, serializer=JSONSerializer)

    @app.post("/enqueue")
    def enqueue():
        job = queue.enqueue("jobs.runner.execute", "countdown", {"seconds": 3})
        return {"id": job.id}, 202

    @app.get("/job/<job_id>")
    def show(job_id: str):
        job = Job.fetch(job_id, connection=connection, serializer=JSONSerializer)
        progress = job.meta.get("progress") or {}
        percent = 100 * (progress.get("done") or 0) / (progress.get("total") or 1)
        status = job.get_status(refresh=False).value
        return render_template("minimal.html", job=job, status=status, percent=percent)

    @app.get("/healthz")
    def healthz():
        return {"redis": "ok"}

    return app
