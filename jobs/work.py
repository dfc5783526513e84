"""The worker process: ``python -m jobs.work [options] QUEUE...`` (the Procfile's ``worker`` and
``inprocess`` lines).

It does for Jobdeck's workers what ``rq worker`` would, through RQ's public API: settings from
``jobs.settings`` (``REDIS_URL``; importing it loads the tasks, so a bad ``JOBDECK_TASKS`` stops the
process with one line and exit status 3), the client from ``jobs.redis_url``, JSON jobs of
``WebhookJob``, RQ's log handlers, and the worker's own ``work()``, whose signal handlers make a
SIGTERM or SIGINT a warm shutdown (after the running job) and a second one a cold shutdown. It does
not import RQ's command line (``rq.cli``) or click, which ``rq worker`` would keep in memory for the
worker's life. One difference: ``rq worker`` refuses to start while RQ is suspended (the console's
"pause all workers"), and a Procfile runner may then stop every other process too; this worker
starts, shows as suspended, and takes jobs once the pause ends (its own end time, or "Resume").

The intervals below are the workers' one home for them (the options exist for tests and
benchmarks). ``rq worker`` with the same options runs the same worker (docs/deployment.md).
"""

import argparse
import importlib
import logging
import sys

import redis
from rq.logutils import setup_loghandlers
from rq.serializers import JSONSerializer

from jobs import liveness, settings
from jobs.redis_url import RedisFromUrl
from jobs.webhook_job import WebhookJob

#: seconds between a forking worker's checks on its work horse, each renewing the job's heartbeat
#: and liveness deadline (a non-forking worker has no horse and does not use it)
JOB_MONITORING_INTERVAL = liveness.RENEW_EVERY
#: seconds between a worker's maintenance runs: RQ's registry cleanup, and a scheduler's takeover
#: when the one holding the lock is gone
MAINTENANCE_INTERVAL = 20
#: seconds a worker's registration outlives its last heartbeat; an idle worker blocks in BLPOP for
#: this less 15 s at a time, then beats again
WORKER_TTL = 35
DEFAULT_WORKER_CLASS = "jobs.worker.JobdeckWorker"


def arguments(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m jobs.work", description="Start a Jobdeck worker.")
    parser.add_argument("queues", nargs="+", metavar="QUEUE", help="queues to take jobs from, in order")
    parser.add_argument("-w", "--worker-class", default=DEFAULT_WORKER_CLASS, help="dotted path")
    parser.add_argument("-b", "--burst", action="store_true", help="quit once the queues are empty")
    parser.add_argument("-s", "--with-scheduler", action="store_true", help="run RQ's scheduler too")
    parser.add_argument("-n", "--name", help="the worker's name (default: a random one)")
    parser.add_argument("--logging-level", help="e.g. WARNING (default: INFO)")
    parser.add_argument("--job-monitoring-interval", type=int, default=JOB_MONITORING_INTERVAL)
    parser.add_argument("--maintenance-interval", type=int, default=MAINTENANCE_INTERVAL)
    parser.add_argument("--worker-ttl", type=int, default=WORKER_TTL)
    args = parser.parse_args(argv)
    module, _, name = args.worker_class.rpartition(".")
    try:
        args.worker_class = getattr(importlib.import_module(module), name)
    except (ImportError, AttributeError, ValueError) as error:
        parser.error(f"--worker-class {args.worker_class}: {error}")
    return args


def connect() -> redis.Redis:
    """The worker's client for ``REDIS_URL``, in any of its three forms (``jobs/redis_url.py``)."""
    return RedisFromUrl.from_url(settings.REDIS_URL)


def build_worker(args: argparse.Namespace, connection: redis.Redis):
    """The worker ``args`` ask for, on ``connection``; not started."""
    return args.worker_class(
        args.queues,
        name=args.name,
        connection=connection,
        worker_ttl=args.worker_ttl,
        maintenance_interval=args.maintenance_interval,
        job_monitoring_interval=args.job_monitoring_interval,
        job_class=WebhookJob,
        serializer=JSONSerializer,
    )


def main(argv=None) -> int:
    args = arguments(argv)
    setup_loghandlers()  # before the worker exists, as rq worker does; work() sets the level
    try:
        worker = build_worker(args, connect())
        worker.work(burst=args.burst, logging_level=args.logging_level, with_scheduler=args.with_scheduler)
    except redis.exceptions.ConnectionError as error:
        logging.error(error)
        return 1
    except Exception as error:  # as rq worker: logged with its traceback, exit status 1
        logging.error(error, exc_info=True)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
