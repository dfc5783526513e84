"""Schedules: declared in code, checked at start-up, run by RQ's CronScheduler (subclassed) with one
enqueue per run slot however many schedulers run, paused and resumed, missed runs run once or
skipped; the /admin/schedules page and its audited actions."""

import base64
import os
import signal
import subprocess
import sys
from datetime import UTC, datetime, timedelta

import pytest
from rq.cron import get_cron_job_ids

from jobs import scheduling
from jobs.scheduling import Schedule
from scripts.processes import ROOT, procfile_command, wait_until
from tests.helpers import TEST_CONFIG
from webapp import audit, create_app, schedule_runs
from webapp.cron import JobdeckCronScheduler

ADMIN = {"Authorization": "Basic " + base64.b64encode(b"admin:s3cret").decode()}
EVERY_MINUTE = Schedule("every-minute", "* * * * *", "word_frequency", {"text": "a b b", "top": 2})


@pytest.mark.parametrize(
    ("cron", "words"),
    [
        ("0 2 * * *", "every day at 02:00 UTC"),
        ("*/5 * * * *", "every 5 minutes"),
        ("* * * * *", "every minute"),
        ("15 * * * *", "every hour at minute 15"),
        ("30 9 * * 1", "every Monday at 09:30 UTC"),
        ("0 8 * * 1-5", "every weekday (Monday to Friday) at 08:00 UTC"),
        ("0 0 1 * *", "on day 1 of every month at 00:00 UTC"),
        ("* * * * * */2", "every 2 seconds"),
        ("* * * * * *", "every second"),
        ("5 4 * 6 *", "cron '5 4 * 6 *' (UTC)"),
    ],
)
def test_cron_in_words(cron, words):
    assert scheduling.cron_in_words(cron) == words


@pytest.mark.parametrize(
    ("schedule", "message"),
    [
        (
            Schedule("x", "0 2 * * *", "primes", {"limit": -5}),
            "schedule 'x': Count primes up to: Enter a whole number from 2",
        ),
        (Schedule("x", "not cron", "primes", {"limit": 10}), "is not a cron expression"),
        (Schedule("x", "0 2 * * *", "nope", {}), "there is no task called 'nope'"),
        (Schedule("x", "0 2 * * *", "primes", {"limit": 10}, missed="later"), "missed must be one of"),
        (Schedule("a b", "0 2 * * *", "primes", {"limit": 10}), "a name is letters"),
    ],
)
def test_a_bad_schedule_is_one_line_naming_it(schedule, message):
    with pytest.raises(scheduling.ScheduleError) as caught:
        scheduling.check(schedule, "here")
    assert message in str(caught.value) and "\n" not in str(caught.value)


def test_the_declared_schedules_are_valid():
    names = [s.name for s in scheduling.load("jobs.schedules")]
    assert names and len(names) == len(set(names))


def cron_command() -> list[str]:
    command = procfile_command("cron")
    assert command[:3] == ["python", "-m", "webapp.cron"]
    return [sys.executable, *command[1:]]


def cron_env(redis_url: str, module: str) -> dict:
    return {
        **os.environ,
        "REDIS_URL": redis_url,
        "SECRET_KEY": "x",
        "JOBDECK_SCHEDULES": module,
        "PYTHONPATH": str(ROOT),
    }


def test_a_bad_schedule_stops_the_cron_process_with_one_line(redis_url):
    done = subprocess.run(
        cron_command(),
        cwd=ROOT,
        env=cron_env(redis_url, "tests.schedule_modules.bad"),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert (
        len(lines) == 1
        and "broken-primes" in lines[0]
        and "Count primes up to: Enter a whole number" in lines[0]
    )


def test_two_cron_processes_enqueue_each_run_exactly_once(redis_url, connection):
    """The processes are the point: two schedulers started by mistake, racing for every slot."""
    env = cron_env(redis_url, "tests.schedule_modules.fast")
    processes = [
        subprocess.Popen(
            cron_command(), cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        for _ in range(2)
    ]
    try:
        wait_until(
            lambda: connection.zcard("rq:cron_schedulers") == 2, timeout=30, message="both schedulers running"
        )
        before = len(get_cron_job_ids("every-second", connection))
        wait_until(
            lambda: len(get_cron_job_ids("every-second", connection)) >= before + 3,
            timeout=30,
            message="three runs with both schedulers racing for them",
        )
    finally:
        for process in processes:
            process.send_signal(signal.SIGTERM)
        for process in processes:
            process.wait(timeout=20)
    ids = get_cron_job_ids("every-second", connection)
    assert connection.zcard("rq:cron_schedulers") == 0  # both said goodbye to RQ's registry
    triggers = [connection.hget(f"rq:job:{job_id}", "meta") for job_id in ids]
    slots = [key for key in connection.keys("jobdeck:schedule:every-second:slot:*")]
    assert len(ids) == len(slots) == len(set(triggers))  # one job per slot, none twice


@pytest.fixture
def app(redis_url):
    return create_app({**TEST_CONFIG, "REDIS_URL": redis_url})


def test_two_schedulers_in_one_process_share_a_due_slot_once(app, connection):
    slot = datetime.now(UTC).replace(microsecond=0) - timedelta(seconds=1)
    schedulers = [JobdeckCronScheduler(connection, app, [EVERY_MINUTE]) for _ in range(2)]
    for scheduler in schedulers:
        scheduler.get_jobs()[0].next_enqueue_time = slot  # both see the same run due
    for scheduler in schedulers:
        assert len(scheduler.enqueue_jobs()) == 1
        assert scheduler.get_jobs()[0].next_enqueue_time > slot  # and move on to the next one
    assert len(get_cron_job_ids("every-minute", connection)) == 1


def test_a_paused_schedule_enqueues_nothing_and_resumes_by_itself(app, connection):
    with app.app_context():
        until = datetime.now(UTC) + timedelta(seconds=1.5)
        scheduling.pause(connection, "every-minute", "maintenance", "admin", until)
        assert schedule_runs.due(EVERY_MINUTE, datetime.now(UTC) - timedelta(seconds=1)) is None
        assert get_cron_job_ids("every-minute", connection) == []
        assert "not run: paused (maintenance)" in scheduling.events(connection, "every-minute")[0]["text"]
        wait_until(
            lambda: scheduling.paused(connection, "every-minute") is None,
            timeout=5,
            message="the pause to end",
        )
        assert schedule_runs.due(EVERY_MINUTE, datetime.now(UTC)) is not None
        assert len(get_cron_job_ids("every-minute", connection)) == 1


@pytest.mark.parametrize(
    ("policy", "runs", "words"),
    [("run_once", 1, "run once when the scheduler started"), ("skip", 0, "skipped, as the schedule says")],
)
def test_missed_runs_are_run_once_or_skipped_and_the_page_says_which(
    app, client, connection, policy, runs, words, monkeypatch
):
    schedule = Schedule("every-minute", "* * * * *", "word_frequency", {"text": "a b", "top": 2}, policy)
    ten_minutes_ago = schedule.previous_run() - timedelta(minutes=10)
    connection.set(scheduling.last_slot_key("every-minute"), ten_minutes_ago.timestamp())
    JobdeckCronScheduler(connection, app, [schedule]).catch_up()
    JobdeckCronScheduler(connection, app, [schedule]).catch_up()  # a second scheduler: nothing more
    assert len(get_cron_job_ids("every-minute", connection)) == runs
    text = scheduling.events(connection, "every-minute")[0]["text"]
    assert text.startswith("Missed 10 runs") and words in text
    assert len(scheduling.events(connection, "every-minute")) == 1

    monkeypatch.setenv(scheduling.SCHEDULES_ENV, "tests.schedule_modules.minute_" + policy)
    page = client.get("/admin/schedules", headers=ADMIN).get_data(as_text=True)
    assert words in page


def test_the_schedules_page_needs_the_admin(client):
    assert client.get("/admin/schedules").status_code == 401
    bad = {"Authorization": "Basic " + base64.b64encode(b"admin:wrong").decode()}
    assert client.get("/admin/schedules", headers=bad).status_code == 401
    assert client.post("/admin/schedules/nightly-primes/run").status_code == 401


def test_the_schedules_page_shows_words_next_run_and_runs_and_its_actions_are_audited(client, connection):
    page = client.get("/admin/schedules", headers=ADMIN).get_data(as_text=True)
    assert "every day at 02:00 UTC" in page and "every 5 minutes" in page
    tomorrow_or_today = Schedule("n", "0 2 * * *", "primes", {"limit": 10}).next_run()
    assert tomorrow_or_today.strftime("%Y-%m-%d 02:00:00 UTC") in page
    assert "No run yet." in page
    assert "No scheduler is running" in page

    response = client.post("/admin/schedules/nightly-primes/run", headers=ADMIN, follow_redirects=True)
    page = response.get_data(as_text=True)
    job_id = get_cron_job_ids("nightly-primes", connection)[0]
    assert f'href="/operator?next=/jobs/{job_id}"' in page and "run now by admin" in page
    assert client.get(f"/jobs/{job_id}", headers=ADMIN).status_code == 200

    until = (datetime.now(UTC) + timedelta(hours=3)).strftime("%Y-%m-%dT%H:%M")
    form = {"reason": "disk full", "until": until}
    page = client.post(
        "/admin/schedules/nightly-primes/pause", data=form, headers=ADMIN, follow_redirects=True
    ).get_data(as_text=True)
    assert "disk full" in page and "resumes by itself at" in page
    assert (
        client.post("/admin/schedules/nightly-primes/pause", data={"reason": ""}, headers=ADMIN).status_code
        == 400
    )
    past = {"reason": "x", "until": "2001-01-01T00:00"}
    assert (
        client.post("/admin/schedules/word-count-sample/pause", data=past, headers=ADMIN).status_code == 400
    )
    page = client.post(
        "/admin/schedules/nightly-primes/resume", headers=ADMIN, follow_redirects=True
    ).get_data(as_text=True)
    assert "resumed" in page and "disk full" not in page
    assert client.post("/admin/schedules/nope/run", headers=ADMIN).status_code == 404

    with client.application.app_context():
        actions = [(e.action, e.detail) for e in audit.recent(10)]
    assert [a for a, _ in actions] == ["schedule.resume", "schedule.pause", "schedule.run_now"]
    assert "disk full" in actions[1][1]


def test_schedule_actions_need_a_csrf_token(redis_url):
    guarded = create_app({**TEST_CONFIG, "REDIS_URL": redis_url, "WTF_CSRF_ENABLED": True}).test_client()
    assert guarded.post("/admin/schedules/nightly-primes/run", headers=ADMIN).status_code == 400


def test_scripts_run_starts_the_cron_process():
    """scripts/run starts every Procfile line with honcho; the cron line is one of them."""
    assert 'honcho" start -f "$ROOT/Procfile"' in (ROOT / "scripts" / "run").read_text()
    assert procfile_command("cron")
