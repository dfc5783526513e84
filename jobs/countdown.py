"""countdown: wait N seconds, reporting once a second (the classic 'sleep' job, done right)."""

import logging
import time

from jobs.progress import report
from jobs.task_declaration import Params, TaskSpec, param

log = logging.getLogger(__name__)

MIN_SECONDS = 1
MAX_SECONDS = 3600


class CountdownParams(Params):
    seconds: int = param(10, ge=MIN_SECONDS, le=MAX_SECONDS, title="Seconds to wait", examples=[3])


def run(params: dict) -> dict:
    seconds = params["seconds"]
    log.info("Counting down %d seconds", seconds)
    start = time.monotonic()
    for tick in range(seconds):
        report(tick, seconds, f"{tick} of {seconds} s")
        # Sleep to the next whole second since start, so the ticks do not drift.
        time.sleep(max(0.0, start + tick + 1 - time.monotonic()))
    waited = time.monotonic() - start
    report(seconds, seconds, f"{seconds} of {seconds} s")
    log.info("Done after %.2f s", waited)
    return {
        "summary": f"Waited {seconds} second{'s' if seconds != 1 else ''}.",
        "seconds": seconds,
        "waited_seconds": round(waited, 3),
    }


TASK = TaskSpec(
    name="countdown",
    title="Countdown",
    description="Waits the number of seconds you choose, reporting every second. "
    "The classic 'sleep for N seconds' background job.",
    params=CountdownParams,
    run=run,
    timeout=MAX_SECONDS + 60,
)
validate = TASK.validate
