"""``python -m bench --only upload_memory``: peak memory of a task's work over the size of its upload,
at 10, 32 and 100 MB (the upload limit does not apply: the work is called directly), each in a fresh
process (tests/memory_probe.py: the peak above what the process held with the upload in memory).

Budgets (issue 19): ``csv_profile`` at most 6x its upload, ``word_frequency`` at most 8x whatever the
vocabulary (here every word is different, the largest vocabulary a text of that size can have).
"""

import json
import subprocess
import sys

from bench.harness import Row, Settings
from scripts.processes import ROOT

MB = 1024 * 1024
CASES = (
    ("csv_profile", "csv", "distinct:10:{size}", 6.0),
    ("word_frequency", "words", "distinct:{size}", 8.0),
)


def growth(kind: str, shape: str) -> dict:
    out = subprocess.run(
        [sys.executable, "-m", "tests.memory_probe", kind, shape],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
        timeout=1800,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def run(settings: Settings) -> list[Row]:
    sizes = (10,) if settings.quick else (10, 32, 100)
    rows = []
    for task, kind, shape, budget in CASES:
        for size in sizes:
            found = growth(kind, shape.format(size=size * MB))
            row = Row(
                f"Memory: {task}'s work over its upload, {size} MB upload",
                "MB",
                higher_is_better=False,
                goal=budget,
                note=f"peak growth / upload; {found['outcome']}",
            )
            row.subject = [found["growth"] / MB]
            row.baseline = [found["upload"] / MB]
            rows.append(row)
            print(f"  {task} {size} MB: {found['growth'] / found['upload']:.1f}x", flush=True)
    return rows
