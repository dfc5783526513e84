"""The Jobdeck worker, named in the Procfile (``rq worker --worker-class jobs.worker.Worker``):
RQ's forking worker with the console's hooks, each a mixin of its own module:

* ``RecordsRollups`` (jobs/rollup_hooks.py): every ended job, and a lost worker's job that RQ's
  registry cleanup fails, is added to the rollups;
* ``SkipsPausedQueues`` (jobs/queue_pause.py): paused queues are not dequeued from;
* ``ReportsRss`` (jobs/worker_memory.py): the heartbeat carries the worker's RSS.
"""

import rq

from jobs.queue_pause import SkipsPausedQueues
from jobs.rollup_hooks import RecordsRollups
from jobs.worker_memory import ReportsRss


class Worker(RecordsRollups, SkipsPausedQueues, ReportsRss, rq.Worker):
    pass
