"""The site's wrk lines for several commits in one run, on today's harness.

    git worktree add /tmp/at-f70e0f5 f70e0f5
    .venv/bin/python -m bench.commit_wrk --rounds 3 --seconds 2 /tmp/at-f70e0f5 .

Each checkout gets its own Redis database, its own site (the Procfile's gunicorn settings: 2 sync
workers, cwd and PYTHONPATH at the checkout) and its own bare app (this tree's
``bench/bare_app.py``) beside it. Every measurement is the site's rate over the mean of its bare
app's two runs around it, and the checkouts take turns A B B A, so load that comes and goes touches
every commit alike. The line's figure is the median over the rounds. Other load on the machine still
shrinks the differences; compare commits on a quiet machine."""

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlencode

import requests

from bench import loadgen
from bench.commit_probe import free_port, start_redis
from bench.countdown_form import countdown_form

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


class Checkout:
    def __init__(self, tree: Path, redis_url: str, processes: list):
        self.tree = tree
        self.env = {
            **os.environ,
            "REDIS_URL": redis_url,
            "SECRET_KEY": "commit-wrk",
            "JOBDECK_RATE_LIMIT": "off",
        }
        self.site = self._serve(tree, "webapp:create_app()", processes)
        self.bare = self._serve(ROOT, "bench.bare_app:create_app()", processes)

    def _serve(self, cwd: Path, app: str, processes: list) -> str:
        port = free_port()
        command = [
            str(BIN / "gunicorn"),
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "2",
            "--backlog",
            "4096",
        ]
        command += ["--access-logfile", os.devnull, app]
        env = {**self.env, "PYTHONPATH": str(cwd)}
        processes.append(subprocess.Popen(command, cwd=cwd, env=env, stderr=subprocess.DEVNULL))
        return f"http://127.0.0.1:{port}"

    def prepare(self) -> dict:
        """A finished job, a queued one with four ahead, a form session; the lines to load."""
        for url in (self.site, self.bare):
            deadline = time.monotonic() + 60
            while True:
                try:
                    requests.get(url + "/healthz", timeout=2)
                    break
                except requests.RequestException:
                    if time.monotonic() > deadline:
                        raise SystemExit(f"{url} did not start") from None
                    time.sleep(0.1)
        owner = requests.Session()
        finished = owner.post(
            self.site + "/api/jobs", json={"task": "countdown", "params": {"seconds": 1}, "priority": "high"}
        ).json()["id"]
        worker = [str(BIN / "rq"), "worker", "--burst", "--url", self.env["REDIS_URL"]]
        worker += ["--serializer", "rq.serializers.JSONSerializer", "high"]
        subprocess.run(
            worker,
            cwd=self.tree,
            env={**self.env, "PYTHONPATH": str(self.tree)},
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for _ in range(5):
            queued = owner.post(
                self.site + "/api/jobs", json={"task": "countdown", "params": {"seconds": 3}}
            ).json()
        assert owner.get(f"{self.site}/api/jobs/{finished}").json()["status"] == "finished"
        cookie = {"Cookie": "; ".join(f"{k}={v}" for k, v in owner.cookies.items())}
        browser = requests.Session()
        page = browser.get(self.site + "/tasks/countdown").text
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
        form = urlencode(countdown_form(token))
        form_headers = {
            "Content-Type": "application/x-www-form-urlencoded",
            "Cookie": "; ".join(f"{k}={v}" for k, v in browser.cookies.items()),
        }
        body = json.dumps({"task": "countdown", "params": {"seconds": 3}})
        json_headers = {"Content-Type": "application/json"}
        enqueue = dict(url=self.bare + "/enqueue", method="POST", body=body, headers=json_headers)
        queued_id = queued["id"]
        return {
            "API submit": (
                dict(url=self.site + "/api/jobs", method="POST", body=body, headers=json_headers),
                enqueue,
            ),
            "form submit": (
                dict(url=self.site + "/tasks/countdown", method="POST", body=form, headers=form_headers),
                enqueue,
            ),
            "job page, finished": (
                dict(url=f"{self.site}/jobs/{finished}", headers=cookie),
                dict(url=f"{self.bare}/job/{finished}"),
            ),
            "API read, finished": (
                dict(url=f"{self.site}/api/jobs/{finished}", headers=cookie),
                dict(url=f"{self.bare}/job/{finished}"),
            ),
            "job page, queued": (
                dict(url=f"{self.site}/jobs/{queued_id}", headers=cookie),
                dict(url=f"{self.bare}/job/{queued_id}"),
            ),
            "API read, queued": (
                dict(url=f"{self.site}/api/jobs/{queued_id}", headers=cookie),
                dict(url=f"{self.bare}/job/{queued_id}"),
            ),
        }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("trees", nargs="+", type=Path, help="checkouts of Jobdeck (git worktrees)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=2.0)
    args = parser.parse_args()
    if not loadgen.available():
        raise SystemExit(loadgen.MISSING)
    port = free_port()
    processes = [start_redis(port)]
    try:
        time.sleep(0.5)
        checkouts = [
            Checkout(t.resolve(), f"redis://127.0.0.1:{port}/{i + 1}", processes)
            for i, t in enumerate(args.trees)
        ]
        lines = [c.prepare() for c in checkouts]
        turns = list(range(len(checkouts))) + list(reversed(range(len(checkouts))))
        ratios: dict = {}
        print(f"load average before: {os.getloadavg()[0]:.2f}", file=sys.stderr)
        for round_ in range(args.rounds):
            for line in lines[0]:
                for i in turns:
                    subject, bare = lines[i][line]
                    before = loadgen.run(seconds=args.seconds, **bare).requests_per_second
                    measured = loadgen.run(seconds=args.seconds, **subject)
                    after = loadgen.run(seconds=args.seconds, **bare).requests_per_second
                    if measured.bad:
                        raise SystemExit(f"{args.trees[i]} {line}: {measured.bad} bad answers")
                    rate = measured.requests_per_second / ((before + after) / 2)
                    ratios.setdefault((i, line), []).append(rate)
            print(f"round {round_ + 1}: load average {os.getloadavg()[0]:.2f}", file=sys.stderr)
        print("| line | " + " | ".join(str(t) for t in args.trees) + " |")
        print("|---|" + "---:|" * len(args.trees))
        for line in lines[0]:
            cells = (f"{statistics.median(ratios[(i, line)]):.2f}x" for i in range(len(checkouts)))
            print(f"| {line} | " + " | ".join(cells) + " |")
    finally:
        for process in processes:
            process.terminate()


if __name__ == "__main__":
    main()
