"""The Lua scripts Jobdeck runs in Redis (the site and the workers), each read from its own file in jobs/lua/ (whose header
names its KEYS and ARGV), in the way of rq/scripts.py.

Each is a redis-py ``Script`` bound to no client: calling it as ``script(keys, args, client=...)``
sends EVALSHA and loads the script when Redis does not have it (a Redis restarted or flushed).
In a pipeline, ``evalsha_in`` and ``execute_loading`` do the same without redis-py's extra round trip
(SCRIPT EXISTS) before each pipeline.
"""

from pathlib import Path

import redis
from redis.commands.core import Script

LUA = Path(__file__).resolve().parent / "lua"


def _script(name: str) -> Script:
    return Script(None, (LUA / f"{name}.lua").read_bytes())


LOOK = _script("look")
ACQUIRE_CLEANING_LOCK = _script("acquire_cleaning_lock")
INDEX_SUBMISSION = _script("index_submission")
ROLLUP_RECORD = _script("rollup_record")
HISTORY_END = _script("history_end")
# an attempt's fence and liveness deadline (jobs/liveness.py)
BEGIN_ATTEMPT = _script("begin_attempt")
RENEW_LIVENESS = _script("renew_liveness")
CLAIM_RESULT = _script("claim_result")
END_ATTEMPT = _script("end_attempt")
DUE_LIVENESS = _script("due_liveness")
DECLARE_LOST = _script("declare_lost")
# jobs popped but not yet registered, and orphans queued again (jobs/orphan_sweep.py)
NOTE_POP = _script("note_pop")
CLAIM_POP = _script("claim_pop")
DUE_ORPHANS = _script("due_orphans")
# the workers' pops, which never take from a paused queue (and note what they take on several
# queues), and the put-back of a job handed over while its queue was paused (jobs/queue_pause.py)
POP_JOB = _script("pop_job")
MOVE_JOB = _script("move_job")
REQUEUE_IF_PAUSED = _script("requeue_if_paused")


def evalsha_in(pipe, script: Script, keys: list, args: list) -> None:
    pipe.evalsha(script.sha, len(keys), *keys, *args)


def _execute(connection, build) -> list:
    pipe = connection.pipeline(transaction=False)
    build(pipe)
    return pipe.execute()


def execute_loading(connection, build, scripts: tuple[Script, ...]) -> list:
    """``build(pipe)`` queues commands (EVALSHA among them) on a fresh pipeline, which is run; when
    Redis has lost a script, the scripts are loaded and the pipeline is built and run once more."""
    try:
        return _execute(connection, build)
    except redis.exceptions.NoScriptError:
        for script in scripts:
            connection.script_load(script.script)
        return _execute(connection, build)
