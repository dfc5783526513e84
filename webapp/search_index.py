"""The console's search index, kept by the site when it enqueues (never a scan of Redis' keys).

* every job id in one sorted set of equal scores, so an id prefix is a lexical range
  (ZRANGEBYLEX), beside the same ids by time, which prunes it;
* per task, the job ids by submit time;
* per task and value token (of any of its parameters), the job ids by time.

A value's tokens (``tokens``): the whole value, lower-cased (a file name, a number written one way:
``3`` and ``3.0`` alike, a URL), and its pieces of at least ``MIN_PIECE`` characters split on
anything but letters, digits, ``.`` and ``-`` (a URL's host, its path segments, words; not its
scheme). So "a URL contains example.org" and "a file name is report.csv" are one sorted-set read
each: the time to answer depends on the page size, not on how many jobs there are. Budget: at most
``MAX_TOKENS`` tokens per job of at most ``TOKEN_LIMIT`` characters; a string longer than
``LONG_TEXT`` (pasted text) is not indexed. Memory: docs/operations.md (measured), kept for the
failure TTL.
"""

import math
import re
import time

from webapp import history

IDS_KEY = "jobdeck:idx:ids"
TIMES_KEY = "jobdeck:idx:times"
MAX_TOKENS = 16
TOKEN_LIMIT = 100
LONG_TEXT = 300
MIN_PIECE = 3
#: pieces that every URL has, so they find nothing in particular
NOT_PIECES = frozenset({"http", "https", "www"})
_PIECES = re.compile(r"[^\w.-]+")
#: how many index entries older than the longest job TTL a search prunes at most
PRUNE_BATCH = 1000


def task_key(task: str) -> str:
    return f"jobdeck:idx:task:{task}"


def value_key(task: str, token: str) -> str:
    return f"jobdeck:idx:v:{task}:{token}"


def normalize(value) -> str | None:
    """A value's whole-value token, or None for values not indexed."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        if isinstance(value, float) and not math.isfinite(value):
            return None
        return str(int(value)) if float(value).is_integer() else repr(float(value))
    if isinstance(value, str):
        text = value.strip().lower()
        return text[:TOKEN_LIMIT] if text and len(text) <= LONG_TEXT else None
    if isinstance(value, dict) and isinstance(value.get("filename"), str):
        return normalize(value["filename"])
    return None


def tokens(value) -> list[str]:
    """The whole value's token, then its pieces (for strings and file names), then a list's items."""
    if isinstance(value, list):
        return [t for item in value[:MAX_TOKENS] for t in tokens(item)]
    whole = normalize(value)
    if whole is None:
        return []
    found = [whole]
    if isinstance(value, str | dict):
        found += [
            piece
            for piece in _PIECES.split(whole)
            if len(piece) >= MIN_PIECE and piece != whole and piece not in NOT_PIECES
        ]
    return found


def index_keys(task: str, params: dict) -> list[str]:
    found = dict.fromkeys(token for value in (params or {}).values() for token in tokens(value))
    return [task_key(task), *(value_key(task, token) for token in list(found)[:MAX_TOKENS])]


def keys_for(task: str, params: dict) -> list[str]:
    """The keys a job of ``task`` with ``params`` is indexed under (jobs/lua/index_submission.lua)."""
    return [IDS_KEY, TIMES_KEY, *index_keys(task, params)]


def add(pipe, job_id: str, task: str, params: dict, when: float, ttl: int) -> None:
    """Index a job, in ``pipe``: one EVAL (a submission's goes in its history's:
    ``history.index_submission``)."""
    history.index_submission(pipe, job_id, task, when, ttl, search_keys=keys_for(task, params))


def prune(connection, max_age: int) -> int:
    """Forget ids older than ``max_age`` from the id sets (at most PRUNE_BATCH per call; each
    enqueue's script prunes a few as well)."""
    old = connection.zrangebyscore(TIMES_KEY, "-inf", time.time() - max_age, start=0, num=PRUNE_BATCH)
    if old:
        pipe = connection.pipeline(transaction=False)
        pipe.zrem(IDS_KEY, *old)
        pipe.zrem(TIMES_KEY, *old)
        pipe.execute()
    return len(old)


def by_prefix(connection, prefix: str, offset: int, count: int) -> list[str]:
    """Job ids starting with ``prefix``, in id order; one range read."""
    ids = connection.zrangebylex(IDS_KEY, f"[{prefix}", f"[{prefix}\xff", start=offset, num=count)
    return [i.decode() for i in ids]


def _as_number(text: str):
    """A query that reads as a number is looked up as one (``3.0`` finds a parameter of 3)."""
    try:
        return float(text) if re.fullmatch(r"[-+]?\d+(\.\d+)?([eE][-+]?\d+)?", text) else text
    except ValueError:
        return text


def by_value(
    connection, task: str, value: str, offset: int, count: int, max_age: int
) -> tuple[list[str], int]:
    """Newest-first job ids of ``task`` with a parameter whose value (or a piece of it) is
    ``value``, and how many there are; without a value, all of the task's jobs."""
    if value.strip():
        token = normalize(_as_number(value.strip()))
        if token is None:
            return [], 0
        key = value_key(task, token)
    else:
        key = task_key(task)
    pipe = connection.pipeline(transaction=False)
    pipe.zremrangebyscore(key, "-inf", time.time() - max_age)
    pipe.zrevrange(key, offset, offset + count - 1)
    pipe.zcard(key)
    _, ids, total = pipe.execute()
    return [i.decode() for i in ids], total
