"""REDIS_URL in its three forms (redis://, rediss:// with TLS and a password, redis+sentinel://), read
the same way by the site (create_app) and by the Procfile's worker (``python -m jobs.work``, whose
client is ``jobs.redis_url.RedisFromUrl.from_url(REDIS_URL)``).
The parsing tests need no server; the last two run a job through a real TLS redis-server and a
real Sentinel on loopback."""

import json
import os
import re
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest
import redis

from jobs import redis_url
from scripts.processes import ROOT, WorkerProcess, free_port, wait_until
from webapp import create_app

DESCRIBE = """
import json
from jobs import settings, work
from webapp import create_app

def describe(client):
    pool = client.connection_pool
    out = {"connection": pool.connection_class.__name__, **{
        k: v for k, v in pool.connection_kwargs.items()
        if k in ("host", "port", "db", "username", "password", "ssl_ca_certs", "ssl_cert_reqs",
                 "ssl_check_hostname")}}
    if hasattr(pool, "service_name"):
        out["service"] = pool.service_name
        out["sentinels"] = [
            {k: s.connection_pool.connection_kwargs.get(k) for k in ("host", "port", "password", "ssl_ca_certs")}
            | {"connection": s.connection_pool.connection_class.__name__}
            for s in pool.sentinel_manager.sentinels]
    return out

worker = work.connect()
app = create_app({"SECRET_KEY": "x", "RATE_LIMIT": "off"})
site = app.extensions["jobdeck"]["redis"]
print(json.dumps({"worker": describe(worker), "site": describe(site), "rq_url": settings.REDIS_URL,
                  "app_url": app.config["REDIS_URL"]}))
"""


def both_sides(url: str, **env) -> dict:
    """How the worker's and the site's Redis clients are set up for ``url`` (a fresh process each
    time: the settings module reads the environment once, at import). Nothing connects."""
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("JOBDECK_", "RQ_"))}
    environ.update(REDIS_URL=url, PYTHONPATH=str(ROOT), **env)
    out = subprocess.run(
        [sys.executable, "-c", DESCRIBE], cwd=ROOT, env=environ, capture_output=True, text=True, check=True
    )
    return json.loads(out.stdout)


def test_a_plain_url_goes_to_rq_as_it_is():
    sides = both_sides("redis://:pa%40ss@cache.internal:6380/3")
    assert sides["rq_url"] == sides["app_url"] == "redis://:pa%40ss@cache.internal:6380/3"
    for side in ("worker", "site"):
        assert sides[side] | {"connection": None} == {
            "connection": None,
            "host": "cache.internal",
            "port": 6380,
            "db": 3,
            "password": "pa@ss",
        }
        assert sides[side]["connection"] == "Connection"


def test_rediss_with_a_password_and_a_ca_file_uses_tls_that_checks_the_certificate():
    url = "rediss://default:s3cret@redis.example.net:25061/0?ssl_ca_certs=/etc/ssl/provider-ca.pem"
    sides = both_sides(url)
    for side in ("worker", "site"):
        described = sides[side]
        assert described["connection"] == "SSLConnection"
        assert (described["host"], described["port"], described["db"]) == ("redis.example.net", 25061, 0)
        assert (described["username"], described["password"]) == ("default", "s3cret")
        assert described["ssl_ca_certs"] == "/etc/ssl/provider-ca.pem"
        # redis-py's defaults, which the URL does not weaken: verify the chain and the host name
        assert described.get("ssl_cert_reqs", "required") == "required"
        assert described.get("ssl_check_hostname", True) is True


def test_a_sentinel_url_gives_both_sides_the_same_master_sentinels_and_passwords():
    url = "redis+sentinel://:master-pw@10.0.0.5:26379,10.0.0.6,[fd00::7]:26380/jobs-master/2?ssl=true&sentinel_ssl=true&ssl_ca_certs=/ca.pem"
    sides = both_sides(url, JOBDECK_REDIS_SENTINEL_PASSWORD="sentinel-pw")
    assert sides["rq_url"] == sides["app_url"] == url  # the URL itself on both sides
    for side in ("worker", "site"):
        described = sides[side]
        assert described["service"] == "jobs-master"
        assert described["connection"] == "SentinelSSLConnection"  # redis_url.py: disconnects on error
        assert (described["db"], described["password"], described["ssl_ca_certs"]) == (
            2,
            "master-pw",
            "/ca.pem",
        )
        assert described["sentinels"] == [
            {
                "host": host,
                "port": port,
                "password": "sentinel-pw",
                "ssl_ca_certs": "/ca.pem",
                "connection": "SSLConnection",
            }
            for host, port in [("10.0.0.5", 26379), ("10.0.0.6", 26379), ("fd00::7", 26380)]
        ]


def test_a_sentinel_url_without_tls_and_the_parsed_target():
    target = redis_url.parse_sentinel("redis+sentinel://sentinel-a:5000,sentinel-b/mymaster")
    assert target == redis_url.SentinelTarget(
        sentinels=[("sentinel-a", 5000), ("sentinel-b", 26379)], master="mymaster"
    )
    target = redis_url.parse_sentinel("redis+sentinel://s1/mymaster/1")
    assert target.sentinels == [("s1", 26379)] and target.db == 1 and target.ssl is False
    assert redis_url.parse_sentinel("rediss://h:1/0") is None
    client = redis_url.connect("redis+sentinel://s1/mymaster/1")
    assert client.connection_pool.connection_class is redis_url.SentinelConnection


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("http://cache:6379/0", "must start with redis://, rediss:// or redis+sentinel://"),
        ("redis+sentinel://s1:26379", "ends with /<master name>"),
        ("redis+sentinel://s1:26379/m/0/extra", "ends with /<master name>"),
        ("redis+sentinel://s1:port/m", "is not a sentinel address"),
        ("redis+sentinel://s1/m?ssl=maybe", "ssl must be true or false"),
        ("redis+sentinel://s1/m?socket_timeout=1", "unknown Sentinel option(s): socket_timeout"),
    ],
)
def test_a_wrong_url_says_what_is_wrong(url, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        redis_url.connect(url)


# --- real servers on loopback ---------------------------------------------------------------------


def start_redis(directory: Path, *args: str) -> subprocess.Popen:
    directory.mkdir(parents=True, exist_ok=True)
    command = ["redis-server", *args, "--bind", "127.0.0.1", "--save", "", "--dir", str(directory)]
    return subprocess.Popen(command + ["--logfile", str(directory / "redis.log")], stdout=subprocess.DEVNULL)


def stop(process: subprocess.Popen) -> None:
    process.terminate()
    process.wait(timeout=10)


def run_a_job_through(url: str, tmp_path: Path, sentinel_password: str | None = None) -> None:
    """The site (create_app, rate limiter on: it keeps its counts in the same Redis) enqueues a
    countdown, the Procfile's worker runs it, the API shows it finished."""
    site = {"TESTING": True, "SECRET_KEY": "k", "REDIS_URL": url, "RATE_LIMIT": "30/minute"}
    client = create_app({**site, "REDIS_SENTINEL_PASSWORD": sentinel_password}).test_client()
    environ = {**os.environ, "JOBDECK_REDIS_SENTINEL_PASSWORD": sentinel_password or ""}
    worker = WorkerProcess(url, log=tmp_path / "worker.log", environ=environ).start()
    try:
        response = client.post("/api/jobs", json={"task": "countdown", "params": {"seconds": 1}})
        assert response.status_code == 202, response.get_data(as_text=True)
        location = response.headers["Location"]
        job = wait_until(
            lambda: (body := client.get(location).get_json())["status"] == "finished" and body,
            timeout=30,
            message="the job to finish",
        )
        assert job["result"]["summary"] == "Waited 1 second."
        assert client.get("/healthz").get_json()["workers"] == 1
    finally:
        worker.stop()


@pytest.mark.slow
def test_a_job_runs_over_tls_with_a_password(tmp_path):
    if subprocess.run(["which", "openssl"], capture_output=True).returncode:
        pytest.skip("openssl is needed to make a certificate")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=localhost"]
        + ["-addext", "subjectAltName=DNS:localhost", "-keyout", str(key), "-out", str(cert)],
        check=True,
        capture_output=True,
    )
    port = free_port()
    server = start_redis(
        tmp_path / "tls",
        *["--port", "0", "--tls-port", str(port), "--tls-cert-file", str(cert), "--tls-key-file", str(key)],
        *["--tls-ca-cert-file", str(cert), "--tls-auth-clients", "no", "--requirepass", "tls-s3cret"],
    )
    url = f"rediss://:tls-s3cret@localhost:{port}/0?ssl_ca_certs={cert}"
    try:
        wait_until(lambda: _pings(url), timeout=10, message="the TLS redis-server")
        with pytest.raises(redis.exceptions.ConnectionError):  # the port speaks TLS only
            redis.Redis.from_url(f"redis://:tls-s3cret@localhost:{port}/0", socket_timeout=2).ping()
        with pytest.raises(redis.exceptions.AuthenticationError):
            redis.Redis.from_url(f"rediss://:wrong@localhost:{port}/0?ssl_ca_certs={cert}").ping()
        run_a_job_through(url, tmp_path)
    finally:
        stop(server)


@pytest.fixture
def sentinel_url(tmp_path):
    """A password-protected master and a password-protected Sentinel watching it, on loopback."""
    master_port, sentinel_port = free_port(), free_port()
    master = start_redis(tmp_path / "master", "--port", str(master_port), "--requirepass", "master-pw")
    conf = tmp_path / "sentinel" / "sentinel.conf"
    conf.parent.mkdir()
    conf.write_text(
        f"port {sentinel_port}\nbind 127.0.0.1\ndir {conf.parent}\nrequirepass sentinel-pw\n"
        f"sentinel monitor jobs 127.0.0.1 {master_port} 1\nsentinel auth-pass jobs master-pw\n"
    )
    sentinel = subprocess.Popen(["redis-server", str(conf), "--sentinel"], stdout=subprocess.DEVNULL)
    url = f"redis+sentinel://:master-pw@127.0.0.1:{sentinel_port}/jobs/0"
    try:
        wait_until(lambda: _pings(url, "sentinel-pw"), timeout=15, message="the sentinel to know the master")
        yield url
    finally:
        stop(sentinel)
        stop(master)


@pytest.mark.slow
def test_a_job_runs_through_redis_sentinel(sentinel_url, tmp_path):
    run_a_job_through(sentinel_url, tmp_path, sentinel_password="sentinel-pw")


class Interrupted(Exception):
    pass


def test_a_sentinel_connection_interrupted_mid_command_is_not_reused(sentinel_url):
    """What a worker's warm shutdown does to its BLPOP (redis/redis-py#4292): without the fix the
    next command waits for the BLPOP's reply and takes it for its own."""
    client = redis_url.connect(sentinel_url, "sentinel-pw")
    client.ping()

    def interrupt(signum, frame):
        raise Interrupted

    previous = signal.signal(signal.SIGUSR1, interrupt)
    main = threading.get_ident()
    threading.Timer(0.3, signal.pthread_kill, (main, signal.SIGUSR1)).start()
    try:
        with pytest.raises(Interrupted):
            client.blpop(["nothing-here"], timeout=3)
    finally:
        signal.signal(signal.SIGUSR1, previous)
    client.rpush("after", "x")
    assert client.ping() is True
    assert client.lrange("after", 0, -1) == [b"x"]


def _pings(url: str, sentinel_password: str | None = None) -> bool:
    try:
        return redis_url.connect(url, sentinel_password, socket_timeout=1).ping()
    except (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError):
        return False
