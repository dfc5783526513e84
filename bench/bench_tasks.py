"""Task throughput: csv_profile vs a plain csv.reader loop, primes vs a plain sieve.

Run: .venv/bin/python bench/bench_tasks.py [--csv-mb 20] [--primes 100000000] [--repeat 3]
Prints a table (best of --repeat runs). No Redis or worker needed: it times the task functions.
"""

import argparse
import csv
import io
import math
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from jobs.csv_profile import profile_bytes  # noqa: E402
from jobs.primes import count_primes  # noqa: E402


def make_csv(target_mb: float) -> bytes:
    """Mixed columns: integer id, float, small-category text, free text, integer with gaps."""
    rng = random.Random(42)
    words = ["alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta"]
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["id", "price", "category", "comment", "quantity"])
    i = 0
    while out.tell() < target_mb * 1e6:
        for _ in range(10_000):
            i += 1
            writer.writerow(
                [
                    i,
                    f"{rng.uniform(0, 1000):.2f}",
                    rng.choice(words),
                    f"{rng.choice(words)} {rng.choice(words)}, note {rng.randrange(100_000)}",
                    "" if rng.random() < 0.1 else rng.randrange(1, 500),
                ]
            )
    return out.getvalue().encode()


def plain_reader_loop(data: bytes) -> int:
    rows = 0
    for _ in csv.reader(io.StringIO(data.decode("utf-8"))):
        rows += 1
    return rows


def reference_sieve(n: int) -> int:
    """The textbook sieve over all numbers in one bytearray."""
    sieve = bytearray([1]) * (n + 1)
    sieve[0:2] = b"\x00\x00"
    for p in range(2, math.isqrt(n) + 1):
        if sieve[p]:
            sieve[p * p :: p] = bytes(len(range(p * p, n + 1, p)))
    return sieve.count(1)


COLD_RUN = """
import sys, time
sys.path.insert(0, {root!r})
from jobs.csv_profile import profile_bytes  # a worker has imported the task modules before it forks
data = open({path!r}, "rb").read()
start = time.perf_counter()
profile_bytes(data)
print(time.perf_counter() - start)
"""


def cold_profile(data: bytes) -> float:
    """profile_bytes' first call in a fresh process: what each job in a forking worker pays (the work
    horse imports Polars on first use; the worker's main process never does, see jobs/csv_fast.py)."""
    with tempfile.NamedTemporaryFile(suffix=".csv") as file:
        file.write(data)
        file.flush()
        code = COLD_RUN.format(root=str(Path(__file__).resolve().parent.parent), path=file.name)
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return float(out.stdout)


def best_of(repeat: int, fn, *args):
    times, value = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        value = fn(*args)
        times.append(time.perf_counter() - start)
    return min(times), value


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--csv-mb", type=float, default=20)
    parser.add_argument("--primes", type=int, default=10**8)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    data = make_csv(args.csv_mb)
    mb = len(data) / 1e6
    t_plain, rows = best_of(args.repeat, plain_reader_loop, data)
    t_profile, profile = best_of(args.repeat, profile_bytes, data)
    assert profile["rows"] == rows - 1
    t_cold = min(cold_profile(data) for _ in range(args.repeat))
    t_python, reference = best_of(args.repeat, profile_bytes, data, None, "python")
    assert reference["rows"] == profile["rows"]
    t_ref, ref_count = best_of(args.repeat, reference_sieve, args.primes)
    t_seg, (seg_count, _) = best_of(args.repeat, count_primes, args.primes)
    assert seg_count == ref_count

    print(f"{'benchmark':<44} {'seconds':>8} {'rate':>14} {'vs plain':>9}")
    print(
        f"{f'csv.reader loop, {mb:.1f} MB, {rows - 1:,} rows':<44} {t_plain:>8.3f} {mb / t_plain:>9.1f} MB/s {'1.00x':>9}"
    )
    for label, seconds in [
        ("csv_profile (all statistics)", t_profile),
        ("csv_profile, first call (imports Polars)", t_cold),
        ("csv_profile, Python engine only", t_python),
    ]:
        print(f"{label:<44} {seconds:>8.3f} {mb / seconds:>9.1f} MB/s {f'{t_plain / seconds:.2f}x':>9}")
    print(f"{f'reference sieve to {args.primes:,}':<44} {t_ref:>8.3f} {'':>14} {'1.00x':>9}")
    print(
        f"{f'primes segmented sieve ({seg_count:,} primes)':<44} {t_seg:>8.3f} {'':>14} "
        f"{f'{t_ref / t_seg:.2f}x':>9}"
    )


if __name__ == "__main__":
    main()
