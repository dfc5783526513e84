"""Instructions per request of the site's lines, for several commits counted in one run.

    git worktree add /tmp/at-f70e0f5 f70e0f5
    .venv/bin/python -m bench.commit_cpu /tmp/at-f70e0f5 .

Each checkout runs ``bench/commit_probe.py`` (this tree's copy, so every commit is probed alike)
under valgrind's callgrind with this tree's virtualenv. The count is the web process's own work
(Flask, Jinja, WTForms, RQ, redis-py) and does not depend on the machine's load, so two commits
compare exactly even on a busy machine; ``bench/web.py``'s wrk lines add gunicorn, the kernel and
Redis on top. A ratio is the bare route's count over the site's (higher is better), as the wrk lines
are requests per second over the bare route's."""

import argparse
import re
import subprocess
import sys
import tempfile
from pathlib import Path

from bench.commit_probe import LINES

PROBE = Path(__file__).with_name("commit_probe.py")
#: each site line, and the bare route it is compared with
PAIRS = (
    ("api_submit", "bare_enqueue"),
    ("form_submit", "bare_enqueue"),
    ("page_finished", "bare_read_finished"),
    ("api_read_finished", "bare_read_finished"),
    ("page_queued", "bare_read_queued"),
    ("api_read_queued", "bare_read_queued"),
)


def count(tree: Path, n: int) -> dict:
    """Million instructions per request of each line, for the checkout at ``tree``."""
    out = Path(tempfile.mkdtemp(prefix="commit-cpu-"))
    subprocess.run(
        ["valgrind", "--tool=callgrind", "--dump-before=getppid", f"--callgrind-out-file={out}/out.%p"]
        + [sys.executable, str(PROBE)],
        cwd=tree,
        env={"N": str(n), "PATH": "/usr/bin:/bin:/usr/local/bin"},
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    dumps = {int(p.name.rsplit(".", 1)[1]): p for p in out.glob("out.*.*")}
    counts = {}
    for i, name in enumerate(LINES):  # dumps 1, 3, 5... hold a warm-up and what lies between loops
        summary = re.search(r"^summary: (\d+)", dumps[2 * (i + 1)].read_text(), re.M)
        counts[name] = int(summary.group(1)) / n / 1e6
    return counts


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("trees", nargs="+", type=Path, help="checkouts of Jobdeck (git worktrees)")
    parser.add_argument("-n", type=int, default=40, help="requests measured per line")
    args = parser.parse_args()
    found = {tree: count(tree.resolve(), args.n) for tree in args.trees}
    names = [str(tree) for tree in args.trees]
    print("| line | " + " | ".join(f"{name}: M instr. | ratio" for name in names) + " |")
    print("|---|" + "---:|---:|" * len(names))
    for line, bare in PAIRS:
        cells = [f"{found[t][line]:.3f} | {found[t][bare] / found[t][line]:.3f}x" for t in args.trees]
        print(f"| {line} | " + " | ".join(cells) + " |")
    for bare in sorted({b for _, b in PAIRS}):
        print(f"| {bare} | " + " | ".join(f"{found[t][bare]:.3f} | " for t in args.trees) + " |")


if __name__ == "__main__":
    main()
