"""HTTP load with ``wrk`` (Debian's package): a C load generator, so the client costs little of
the CPU the server needs, and the same for the route measured and its baseline."""

import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass

MISSING = (
    "wrk is not installed: the HTTP benchmarks need it. Install it with "
    "`apt-get install -y wrk` (Debian/Ubuntu), then run the benchmarks again."
)


@dataclass
class Load:
    requests_per_second: float
    mean_latency_ms: float
    requests: int
    bad: int  # non-2xx/3xx answers plus socket errors (other than the server closing)


def available() -> bool:
    return shutil.which("wrk") is not None


def _ms(text: str) -> float:
    value, unit = re.fullmatch(r"([\d.]+)(us|ms|s)", text).groups()
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def run(
    url: str,
    seconds: float,
    connections: int = 4,
    method: str = "GET",
    body: str | None = None,
    headers: dict | None = None,
) -> Load:
    """``wrk -t1 -c<connections> -d<seconds>s`` against ``url``; one thread is plenty at these rates."""
    if not available():
        raise SystemExit(MISSING)
    with tempfile.NamedTemporaryFile("w", suffix=".lua") as script:
        script.write(f'wrk.method = "{method}"\n')
        if body is not None:
            script.write(f"wrk.body = [==[{body}]==]\n")
        script.flush()
        # wrk's own 2 s timeout counts a slow answer (the filtered history page on a busy machine)
        # as a failed request, which stops the whole run; a slow answer is a figure, not a failure.
        command = ["wrk", "-t1", f"-c{connections}", f"-d{seconds:g}s", "--timeout", "30s", "-s", script.name]
        for name, value in (headers or {}).items():
            command += ["-H", f"{name}: {value}"]
        out = subprocess.run(command + [url], capture_output=True, text=True, check=True).stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    latency = _ms(re.search(r"Latency\s+(\S+)", out).group(1))
    count = int(re.search(r"(\d+) requests in", out).group(1))
    bad = int(m.group(1)) if (m := re.search(r"Non-2xx or 3xx responses: (\d+)", out)) else 0
    if m := re.search(r"Socket errors: connect (\d+), read \d+, write (\d+), timeout (\d+)", out):
        bad += int(m.group(1)) + int(m.group(2)) + int(m.group(3))
    return Load(rate, latency, count, bad)
