"""primes: counts the primes up to a bound (at most 10^9) with a segmented sieve of odd numbers.

CPU-bound on purpose: it shows progress per segment, the job timeout and the Stop button at work.
Each segment is a bytearray where index i stands for the odd number ``low + 2*i``; multiples are
struck out with slice assignment, which runs in C.
"""

import logging
import math
import time

from jobs.progress import report
from jobs.task_declaration import Params, TaskSpec, param

log = logging.getLogger(__name__)

MAX_LIMIT = 10**9
SEGMENT_ODDS = 1 << 20  # odd numbers per segment (covers about 2 million integers)


def _digits(value):
    """ "1,000,000" and "1_000_000" as people write them; over 30 digits stays text (int() refuses
    more than 4,300 digits, and no bound that long is in range anyway)."""
    if isinstance(value, str):
        value = value.strip().replace("_", "").replace(",", "")
        return value if len(value) <= 30 else "too long"
    return value


class PrimesParams(Params):
    limit: int = param(
        10_000_000,
        ge=2,
        le=MAX_LIMIT,
        title="Count primes up to",
        description="Up to 1000000000 (one billion); that takes a while, which is the point.",
        examples=[1_000_000],
        read=_digits,
    )


def small_primes(n: int) -> list[int]:
    """Primes up to ``n`` with a plain sieve (used for the sieving primes, up to sqrt(limit))."""
    if n < 2:
        return []
    sieve = bytearray([1]) * (n + 1)
    sieve[0:2] = b"\x00\x00"
    for p in range(2, math.isqrt(n) + 1):
        if sieve[p]:
            sieve[p * p :: p] = bytes(len(range(p * p, n + 1, p)))
    return [i for i, flag in enumerate(sieve) if flag]


def count_primes(limit: int, progress=None, segment_odds: int = SEGMENT_ODDS) -> tuple[int, int | None]:
    """(number of primes <= limit, the largest of them or None)."""
    if limit < 2:
        return 0, None
    base = small_primes(math.isqrt(limit))[1:]  # odd sieving primes
    count, largest = 1, 2  # the prime 2
    low = 3
    total_odds = (limit - 1) // 2  # odd numbers 3..limit
    done = 0
    while low <= limit:
        size = min(segment_odds, (limit - low) // 2 + 1)
        high = low + 2 * size  # exclusive
        segment = bytearray([1]) * size
        for p in base:
            if p * p >= high:
                break
            start = max(p * p, -(-low // p) * p)
            if start % 2 == 0:
                start += p
            first = (start - low) // 2
            if first < size:
                segment[first::p] = bytes(len(range(first, size, p)))
        found = segment.count(1)
        if found:
            count += found
            largest = low + 2 * segment.rfind(1)
        done += size
        low = high
        if progress:
            progress(done, total_odds, count)
    return count, largest


def run(params: dict) -> dict:
    limit = params["limit"]
    log.info("Sieving primes up to %s", f"{limit:,}")
    started = time.monotonic()

    def progress(done, total, found):
        report(done, total, f"{found:,} primes so far, {done / total:.0%} of the range")

    count, largest = count_primes(limit, progress)
    seconds = time.monotonic() - started
    report(1, 1, "done")
    return {
        "summary": f"There are {count:,} primes up to {limit:,}; the largest is {largest:,}.",
        "limit": limit,
        "count": count,
        "largest": largest,
        "seconds": round(seconds, 3),
    }


TASK = TaskSpec(
    name="primes",
    title="Count primes",
    description="Counts the primes up to a bound of at most one billion with a segmented "
    "sieve. CPU-bound: watch the progress, or stop it.",
    params=PrimesParams,
    run=run,
    queue="low",
    timeout=600,
)
validate = TASK.validate
