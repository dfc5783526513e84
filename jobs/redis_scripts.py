"""The Lua scripts Jobdeck runs in Redis, each read from its own file in jobs/lua/ (whose header
names its KEYS and ARGV), in the way of rq/scripts.py.

Each is a redis-py ``Script`` bound to no client: calling it as ``script(keys, args, client=...)``
sends EVALSHA and loads the script when Redis does not have it (a Redis restarted or flushed).
"""

from pathlib import Path

from redis.commands.core import Script

LUA = Path(__file__).resolve().parent / "lua"


def _script(name: str) -> Script:
    return Script(None, (LUA / f"{name}.lua").read_bytes())


ACQUIRE_CLEANING_LOCK = _script("acquire_cleaning_lock")
BEGIN_ATTEMPT = _script("begin_attempt")
RENEW_LIVENESS = _script("renew_liveness")
CLAIM_RESULT = _script("claim_result")
END_ATTEMPT = _script("end_attempt")
DUE_LIVENESS = _script("due_liveness")
DECLARE_LOST = _script("declare_lost")
