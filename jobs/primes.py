"""primes: counts the primes up to a bound (at most 10^9) with a segmented sieve of odd numbers.

CPU-bound on purpose: it shows progress per segment, the job timeout and the Stop button at work.
Each segment is a bytearray where index i stands for the odd number ``low + 2*i``; multiples are
struck out with slice assignment, which runs in C.
"""

import logging
import math
import time

from jobs.progress import report
from jobs.validators import whole_number

log = logging.getLogger(__name__)

MAX_LIMIT = 10**9
SEGMENT_ODDS = 1 << 20  # odd numbers per segment (covers about 2 million integers)


def validate(params: dict) -> dict:
    limit = params.get("limit")
    if isinstance(limit, str):  # "1,000,000" and "1_000_000" as people write them
        limit = limit.strip().replace("_", "").replace(",", "")
    return {"limit": whole_number(limit, 2, MAX_LIMIT, "The upper bound")}


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
