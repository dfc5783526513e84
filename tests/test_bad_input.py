"""Bad input: never a 500, never a job from invalid input, errors named; 413, 404, 405, 400.

The fuzz tests drive hypothesis (``CASES`` examples each) through the Flask test client (CSRF and
the rate limit off, as in the ``app`` fixture) against the private Redis. Each case is judged by an
oracle written from the forms' and the API's stated rules (not by calling the code under test):
valid input answers 303/202 and enqueues exactly one job whose parameters the worker would accept;
anything else answers 400 with the error next to the field (or in the JSON body) and writes
nothing at all to Redis (``DBSIZE`` is unchanged).
"""

import contextlib
import io
import json
import re
import urllib.parse
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rq import Queue
from rq.job import Job
from rq.serializers import JSONSerializer

from jobs import primes, thumbnails, url_words, why_measure, word_frequency
from jobs.errors import TaskInputError
from jobs.queue_names import QUEUE_NAMES
from jobs.registry import TASKS
from jobs.registry import validate as registry_validate
from jobs.why_work import MEASURING_KEY
from tests.helpers import job_id_from
from webapp.start_time import MAX_AHEAD, MAX_AHEAD_MINUTES, MAX_AHEAD_SECONDS

CASES = 1000
FUZZ = settings(
    max_examples=CASES,
    deadline=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
    ],
    print_blob=True,
)

# --- strategies ----------------------------------------------------------------------------------
TEXT = st.text(st.characters(codec="utf-8"), max_size=24)
ODD_NUMBERS = [
    "",
    " ",
    "0",
    "-1",
    "1e3",
    "0x10",
    "3.0",
    "+5",
    " 7 ",
    "٥",
    "²",
    "1_0",
    "1,000",
    "9" * 30,
    "9" * 5000,
    "NaN",
]


def integer_text(lo: int, hi: int):
    """Form text for an integer field: in range (half the time), out of range, odd spellings, junk."""
    in_range = st.integers(lo, hi).map(str)
    return st.one_of(
        in_range,
        in_range,
        in_range,
        st.integers(-(10**12), 10**12).map(str),
        st.sampled_from(ODD_NUMBERS),
        TEXT,
    )


ZONES = ["UTC", "Europe/Paris", "America/New_York", "Asia/Kolkata", "Pacific/Kiritimati"]
BAD_ZONES = ["Mars/Olympus", "America", "Etc", "../../etc/passwd", "/etc/passwd", "UTC\x00", "a" * 300, "."]
#: start_at kinds resolved at run time (relative to now, in the chosen zone), or literal text
START_KINDS = ["soon", "past", "too-far", "edge-min", "edge-max"]

OPTIONS = st.just({}) | st.fixed_dictionaries(
    {},
    optional={
        "priority": st.one_of(st.sampled_from(["", " ", *QUEUE_NAMES, "urgent", "HIGH"]), TEXT),
        "start_in": st.one_of(st.just(""), integer_text(1, MAX_AHEAD_MINUTES)),
        "start_at": st.one_of(st.sampled_from(START_KINDS + ["", " "]), TEXT),
        "timezone": st.one_of(st.sampled_from(ZONES + BAD_ZONES + ["", " "]), TEXT),
    },
)


def filename():
    return st.one_of(
        st.sampled_from(
            ["", "a.txt", "data.csv", "x.png", "<b>.txt", "../../etc/passwd", "é.txt", "a" * 300]
        ),
        st.text(
            st.characters(codec="utf-8", exclude_categories=("Cc",), exclude_characters='"\\'), max_size=30
        ),
    )


def file_bytes(prefixes=(b"",)):
    return st.builds(lambda p, b: p + b, st.sampled_from(list(prefixes)), st.binary(max_size=80))


IMAGE_MAGIC = [b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n", b"GIF87a", b"GIF89a", b"RIFF\x00\x00\x00\x00WEBP"]


def upload(prefixes=(b"",)):
    """A file part, or a plain text part where a file is expected."""
    return st.one_of(st.tuples(file_bytes(prefixes), filename()), TEXT)


# --- oracles -------------------------------------------------------------------------------------
def int_ok(raw, lo: int, hi: int) -> bool:
    """WTForms' IntegerField reads ``int(raw)``; the validators want lo..hi."""
    try:
        return raw is not None and lo <= int(raw) <= hi
    except ValueError:
        return False


#: a whole number as a task reads it from text: ASCII digits (``_`` between two of them), a sign, a
#: zero fraction as in "3.0"; spaces around are dropped first
WHOLE_TEXT = re.compile(r"[+-]?[0-9]+(?:_[0-9]+)*(?:\.0+)?")


def whole_ok(raw, lo: int, hi: int) -> bool:
    """A task's whole-number parameter sent as text (``WHOLE_TEXT``); the declared limits want lo..hi."""
    text = raw.strip() if isinstance(raw, str) else ""
    if not WHOLE_TEXT.fullmatch(text):
        return False
    try:
        return lo <= int(text.split(".")[0]) <= hi
    except ValueError:  # more digits than int() reads: far beyond any declared limit
        return False


def blank(raw) -> bool:
    return raw is None or (isinstance(raw, str) and not raw.strip())


def zone(name: str):
    try:
        return ZoneInfo(name)
    except Exception:  # noqa: BLE001 (any failure means "not a time zone")
        return None


def resolve_start_at(options: dict) -> dict:
    """Turn a START_KINDS word into a datetime-local string in the form's time zone."""
    kind = options.get("start_at")
    if kind not in START_KINDS:
        return options
    tz = zone(options.get("timezone") or "UTC") or UTC
    now = datetime.now(tz).replace(tzinfo=None)
    value = {
        "soon": now + timedelta(hours=2),
        "past": now - timedelta(hours=2),
        "too-far": now + timedelta(days=8),
        "edge-min": datetime(1, 1, 1),
        "edge-max": datetime(9999, 12, 31, 23, 59),
    }[kind]
    return {**options, "start_at": value.strftime("%Y-%m-%dT%H:%M").rjust(16, "0")}


def option_errors(options: dict) -> set[str]:
    """The option fields that must show an error, from the form's stated rules."""
    errors = set()
    priority = options.get("priority")
    if not blank(priority) and priority not in QUEUE_NAMES:
        errors.add("priority")
    start_in = options.get("start_in")
    start_in_value = None
    if not blank(start_in):
        with contextlib.suppress(ValueError):
            start_in_value = int(start_in)
        if not int_ok(start_in, 1, MAX_AHEAD_MINUTES):
            errors.add("start_in")
    tz = options.get("timezone")
    if not blank(tz) and zone(tz) is None:
        errors.add("timezone")
    start_at = options.get("start_at")
    if not blank(start_at):
        try:
            when = datetime.strptime(start_at, "%Y-%m-%dT%H:%M")
        except ValueError:
            errors.add("start_at")
        else:
            tz_for_start = zone(tz or "UTC")
            now = datetime.now(UTC)
            try:
                when_utc = when.replace(tzinfo=tz_for_start).astimezone(UTC) if tz_for_start else None
            except OverflowError:
                when_utc = None
            if start_in_value or when_utc is None or not now < when_utc <= now + MAX_AHEAD:
                errors.add("start_at")
    return errors


def is_file(part) -> bool:
    return isinstance(part, tuple) and part[1] != ""


def looks_binary(part) -> bool:
    return b"\x00" in part[0][:8192]


def looks_like_image(part) -> bool:
    head = part[0][:16]
    return head.startswith(tuple(IMAGE_MAGIC[:4])) or (head[:4] == b"RIFF" and head[8:12] == b"WEBP")


# A browser always sends its text inputs: one the submission leaves out is an empty one, refused.
def countdown_errors(data):
    return set() if whole_ok(data.get("seconds", ""), 1, 3600) else {"seconds"}


def primes_errors(data):
    limit = data.get("limit", "")
    if isinstance(limit, str):  # primes reads 1,000,000 and 1_000_000 as people write them
        limit = limit.strip().replace("_", "").replace(",", "")
    return set() if len(limit) <= 30 and whole_ok(limit, 2, primes.MAX_LIMIT) else {"limit"}


def url_words_errors(data):
    raw = data.get("url")
    if not raw:
        return {"url"}
    try:
        url_words.validate({"url": raw})  # the worker's own rule for addresses is the spec here
    except TaskInputError:
        return {"url"}
    return set()


def csv_profile_errors(data):
    part = data.get("csv")
    return set() if is_file(part) and not looks_binary(part) else {"csv"}


def word_frequency_errors(data):
    errors = set() if whole_ok(data.get("top"), 1, word_frequency.MAX_TOP) else {"top"}
    has_file = is_file(data.get("upload"))
    text = (data.get("text") or "").strip()
    if has_file and looks_binary(data["upload"]):
        errors.add("upload")  # only the form sees the content: its message sits under the file input
    # A rule across fields (a file or text, not both) is checked once each field is valid on its own
    # (the declaration's order); its message sits under the text box.
    elif (
        has_file == bool(text)
        and not errors
        and len(data.get("text") or "") <= word_frequency.MAX_PASTED_CHARS
    ):
        errors.add("text")
    return errors


def thumbnails_errors(data):
    errors = set()
    images = [p for p in data.get("images", []) if is_file(p)]
    if not images or not all(looks_like_image(p) for p in images):
        errors.add("images")
    sizes = data.get("sizes", [])
    try:
        if not sizes or any(int(s) not in thumbnails.SIZES for s in sizes):
            errors.add("sizes")
    except ValueError:
        errors.add("sizes")
    return errors


FORMS = {
    "countdown": (st.fixed_dictionaries({}, optional={"seconds": integer_text(1, 3600)}), countdown_errors),
    "primes": (
        st.fixed_dictionaries({}, optional={"limit": integer_text(2, primes.MAX_LIMIT)}),
        primes_errors,
    ),
    "url_words": (
        st.fixed_dictionaries(
            {},
            optional={
                "url": st.one_of(
                    TEXT,
                    st.builds(
                        lambda s, h, p: f"{s}://{h}/{urllib.parse.quote(p)}",
                        st.sampled_from(["http", "https"]),
                        st.sampled_from(
                            ["example.com", "127.0.0.1", "[::1]", "xn--bcher-kva.example", "a.b.c"]
                        ),
                        TEXT,
                    ),
                    st.builds(
                        lambda s, h, p: f"{s}{h}{p}",
                        st.sampled_from(
                            ["http://", "https://", "ftp://", "javascript:", "file:///", "//", ""]
                        ),
                        st.sampled_from(
                            ["example.com", "127.0.0.1", "[::1]", "user:pw@example.com", "", "ex ample.com"]
                        ),
                        st.one_of(
                            st.just("/"), TEXT.map(lambda t: "/" + t), st.just(":99999/"), st.just(":x/")
                        ),
                    ),
                )
            },
        ),
        url_words_errors,
    ),
    "csv_profile": (
        st.fixed_dictionaries({}, optional={"csv": upload((b"", b"a,b\n1,2\n"))}),
        csv_profile_errors,
    ),
    "word_frequency": (
        st.fixed_dictionaries(
            {"top": integer_text(1, word_frequency.MAX_TOP)},
            optional={
                "upload": upload((b"", b"some words ")),
                "text": st.one_of(TEXT, st.sampled_from(["", "  ", "\n", "word word"])),
                "stop_words": st.one_of(st.sampled_from(["y", "", "false", "on"]), TEXT),
            },
        ),
        word_frequency_errors,
    ),
    "thumbnails": (
        st.fixed_dictionaries(
            {},
            optional={
                "images": st.one_of(
                    st.lists(
                        st.tuples(file_bytes(IMAGE_MAGIC), filename().filter(bool)), min_size=1, max_size=3
                    ),
                    st.lists(upload(tuple(IMAGE_MAGIC) + (b"",)), max_size=3),
                ),
                "sizes": st.one_of(
                    st.lists(st.sampled_from([str(s) for s in thumbnails.SIZES]), min_size=1, max_size=3),
                    st.lists(
                        st.one_of(
                            st.sampled_from([str(s) for s in thumbnails.SIZES] + ["0128", " 64", "100"]), TEXT
                        ),
                        max_size=3,
                    ),
                ),
            },
        ),
        thumbnails_errors,
    ),
}


def as_form_data(data: dict) -> dict:
    """What the test client posts: files as (stream, name), lists as repeated fields."""

    def one(value):
        return (io.BytesIO(value[0]), value[1]) if isinstance(value, tuple) else value

    return {
        k: [one(v) for v in value] if isinstance(value, list) else one(value) for k, value in data.items()
    }


def field_error(page: str, name: str) -> str | None:
    match = re.search(rf'<p class="field-error" id="{name}-error">([^<]+)</p>', page)
    return match.group(1).strip() if match else None


def keys(connection) -> set[bytes]:
    """Every key but those only a worker writes (its registration, the scheduler's locks): what a
    request may have written."""
    return {key for key in connection.keys("*") if not key.startswith((b"rq:worker", b"rq:scheduler"))}


def assert_wrote_nothing(connection, before: set[bytes]) -> None:
    appeared = keys(connection) - before  # a key may expire meanwhile (a TTL), none may appear
    assert not appeared, f"invalid input wrote to Redis: {sorted(appeared)[:10]}"


def check_accepted_job(connection, job_id: str, task: str, options: dict) -> None:
    job = Job.fetch(job_id, connection=connection, serializer=JSONSerializer)
    assert job.meta["task"] == task
    registry_validate(task, job.meta["params"])  # the worker accepts what was enqueued
    priority = options.get("priority")
    expected_queue = priority if priority in QUEUE_NAMES else TASKS[task].queue
    assert job.origin == expected_queue
    scheduled = not blank(options.get("start_in")) or not blank(options.get("start_at"))
    assert job.get_status().value == ("scheduled" if scheduled else "queued")


# --- the fuzz tests ------------------------------------------------------------------------------
@pytest.mark.slow
@pytest.mark.parametrize("task", sorted(FORMS))
def test_fuzz_task_form(client, connection, task):
    strategy, main_errors = FORMS[task]
    ran, accepted = [], []

    @FUZZ
    @given(data=strategy, options=OPTIONS)
    def case(data, options):
        ran.append(1)
        options = resolve_start_at(options)
        expected = main_errors(data) | option_errors(options)
        before = keys(connection)
        response = client.post(
            f"/tasks/{task}", data=as_form_data({**data, **options}), content_type="multipart/form-data"
        )
        page = response.get_data(as_text=True)
        if expected:
            assert response.status_code == 400, (expected, page[:2000])
            assert_wrote_nothing(connection, before)
            for name in expected:
                assert field_error(page, name), (name, page[:3000])
        else:
            assert response.status_code == 303, page[:3000]
            job_id = job_id_from(response)
            check_accepted_job(connection, job_id, task, options)
            accepted.append(job_id)

    case()
    assert len(ran) >= CASES, f"hypothesis ran {len(ran)} cases"
    assert len(accepted) >= CASES // 20, f"only {len(accepted)} valid cases: the oracle is barely tested"
    print(f"FUZZ {task}: {len(ran)} cases, {len(accepted)} accepted")


@pytest.mark.slow
def test_fuzz_why_form(client, connection):
    ran, accepted = [], []

    @FUZZ
    @given(data=st.fixed_dictionaries({}, optional={"seconds": integer_text(1, 5), "base_url": TEXT}))
    def case(data):
        ran.append(1)
        before = keys(connection)
        response = client.post("/why", data=data)
        if int_ok(data.get("seconds"), why_measure.MIN_SECONDS, why_measure.MAX_SECONDS):
            assert response.status_code == 303
            job_id = job_id_from(response)
            job = Job.fetch(job_id, connection=connection, serializer=JSONSerializer)
            assert job.meta["params"]["base_url"] == "http://localhost"  # never taken from the form
            accepted.append(job_id)
            connection.delete(MEASURING_KEY)  # one measurement runs at a time: let the next case in
        else:
            assert response.status_code == 400
            assert field_error(response.get_data(as_text=True), "seconds")
            assert_wrote_nothing(connection, before)

    case()
    assert len(ran) >= CASES, f"hypothesis ran {len(ran)} cases"
    assert len(accepted) >= CASES // 20, f"only {len(accepted)} valid cases"
    print(f"FUZZ why: {len(ran)} cases, {len(accepted)} accepted")


# --- job actions ---------------------------------------------------------------------------------
ACTIONS = {  # name: (method the route takes, path suffix)
    "cancel": ("POST", "cancel"),
    "stop": ("POST", "stop"),
    "retry": ("POST", "retry"),
    "delete": ("POST", "delete"),
    "edit": ("GET", "edit"),
    "download": ("GET", "files/words.csv"),
}
STATES = ["queued", "scheduled", "started", "finished", "failed", "stopped", "canceled"]
ODD_IDS = ["..", ".", "a.b", "a/b", "a%2Fb", "é", "💥", "<script>", "x" * 5000, "rq:job:x", " ", "%00"]


def make_job(app, connection, state: str, owner: str) -> str:
    """A countdown job of ``owner`` put straight into ``state`` (no worker needed)."""
    from rq.job import JobStatus

    with app.test_request_context():
        from webapp.submission import enqueue_task

        at = datetime.now(UTC) + timedelta(hours=1) if state == "scheduled" else None
        job = enqueue_task(TASKS["countdown"], {"seconds": 5}, owner, at=at)
    if state not in ("queued", "scheduled"):
        Queue(job.origin, connection=connection, serializer=JSONSerializer).remove(job)
        job.set_status(JobStatus(state))
    return job.id


@pytest.mark.slow
def test_fuzz_job_actions(app, connection):
    clients = {"owner": app.test_client(), "stranger": app.test_client(), "admin": app.test_client()}
    for name in ("owner", "stranger"):
        with clients[name].session_transaction() as session:
            session["owner"] = name
    admin = {"Authorization": "Basic YWRtaW46czNjcmV0"}  # admin:s3cret, as in the app fixture

    ran = []

    @FUZZ
    @given(
        action=st.sampled_from(sorted(ACTIONS)),
        method=st.sampled_from(["GET", "POST", "PUT", "DELETE", "PATCH"]),
        who=st.sampled_from(sorted(clients)),
        target=st.one_of(
            st.tuples(st.sampled_from(STATES), st.sampled_from(["owner", "stranger"])),
            st.sampled_from(ODD_IDS),
            TEXT,
        ),
    )
    def case(action, method, who, target):
        ran.append(1)
        route_method, suffix = ACTIONS[action]
        known = isinstance(target, tuple)
        job_id = make_job(app, connection, *target) if known else target
        path = f"/jobs/{urllib.parse.quote(job_id, safe='')}/{suffix}"
        jobs_before = sum(1 for _ in connection.scan_iter("rq:job:*", count=1000))
        response = clients[who].open(path, method=method, headers=admin if who == "admin" else {})
        status = response.status_code
        if not known and (not job_id or "/" in job_id):
            assert status in (308, 404, 405)  # "/jobs//x": Werkzeug redirects to the merged slashes
            return
        allowed = known and (who == "admin" or who == target[1])
        if method != route_method:
            assert status in (404, 405), (path, method, status)  # an odd id may not even match the route
        elif not known:
            assert status == 404, (path, status)
        elif not allowed:
            assert status == 404  # a stranger is told what a missing job's visitor is told
        elif action == "download":
            assert status == 404  # a countdown job has no files
        else:
            assert status == 303, (action, target, status)
        assert status != 500
        retried = status == 303 and action == "retry" and method == "POST"
        enqueued = retried and target[0] in ("failed", "stopped", "canceled")
        jobs_after = sum(1 for _ in connection.scan_iter("rq:job:*", count=1000))
        deleted = status == 303 and action == "delete" and target[0] != "started"
        assert jobs_after - jobs_before == (1 if enqueued else 0) - (1 if deleted else 0), (action, target)

    case()
    assert len(ran) >= CASES, f"hypothesis ran {len(ran)} cases"


# --- the API -------------------------------------------------------------------------------------
JSON_SCALARS = st.one_of(
    st.none(), st.booleans(), st.integers(-(2**70), 2**70), st.floats(allow_nan=True), TEXT
)
JSON_VALUES = st.recursive(
    JSON_SCALARS,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(TEXT, inner, max_size=4),
    max_leaves=10,
)
PARAM_NAMES = [
    "seconds",
    "limit",
    "url",
    "text",
    "top",
    "stop_words",
    "csv",
    "upload",
    "images",
    "sizes",
    "base_url",
]
UPLOAD_REFS = st.fixed_dictionaries(
    {"file": st.one_of(TEXT, JSON_VALUES)}, optional={"filename": JSON_VALUES, "size": JSON_VALUES}
)
PARAMS = st.dictionaries(
    st.one_of(st.sampled_from(PARAM_NAMES), TEXT),
    st.one_of(
        JSON_VALUES,
        st.integers(0, 5000),
        st.sampled_from(ODD_NUMBERS + ["3", "64", "https://example.com/"]),
        UPLOAD_REFS,
        st.lists(UPLOAD_REFS, max_size=2),
    ),
    max_size=4,
)
VALID_PARAMS = {
    "countdown": {"seconds": 3},
    "primes": {"limit": 1000},
    "url_words": {"url": "https://example.com/"},
    "word_frequency": {"text": "a b a", "top": 5},
    "thumbnails": {"images": [{"file": "in-x", "filename": "a.png", "size": 3}], "sizes": [64]},
    "csv_profile": {"csv": {"file": "in-x", "filename": "a.csv", "size": 3}},
}
NEAR_VALID = st.builds(
    lambda task, changed, options: {"task": task, "params": {**VALID_PARAMS[task], **changed}, **options},
    st.sampled_from(sorted(VALID_PARAMS)),
    st.just({}) | PARAMS,
    st.just({})
    | st.fixed_dictionaries(
        {},
        optional={
            "priority": st.sampled_from([*QUEUE_NAMES, None, "urgent"]),
            "start_in": st.one_of(st.integers(1, MAX_AHEAD_SECONDS), st.integers(-5, 10**7)),
        },
    ),
)
BODIES = st.one_of(
    NEAR_VALID,
    st.fixed_dictionaries(
        {},
        optional={
            "task": st.one_of(st.sampled_from(sorted(TASKS) + ["", "nope", "Countdown"]), JSON_VALUES),
            "params": st.one_of(PARAMS, JSON_VALUES),
            "priority": st.one_of(st.sampled_from(list(QUEUE_NAMES) + ["urgent"]), JSON_VALUES),
            "start_in": st.one_of(st.integers(-10, 10**6), JSON_VALUES),
            "start_at": st.one_of(
                st.sampled_from(
                    ["2030-01-01T00:00:00+00:00", "tomorrow", "2030-01-01T00:00", "9999-12-31T23:59:59-23:59"]
                ),
                JSON_VALUES,
            ),
        },
    ),
    JSON_VALUES,
)


def countdown_body_ok(body: dict) -> bool | None:
    """Exact rule for countdown bodies without options; None when this oracle does not decide."""
    if body.get("task") != "countdown" or set(body) - {"task", "params"}:
        return None
    params = body.get("params", {})
    if not isinstance(params, dict):
        return False
    seconds = params.get("seconds", 10)  # left out: the declared default
    if isinstance(seconds, float) and seconds.is_integer():
        seconds = int(seconds)  # JSON 3.0 is the whole number 3
    if isinstance(seconds, str):
        return whole_ok(seconds, 1, 3600)
    return isinstance(seconds, int) and not isinstance(seconds, bool) and 1 <= seconds <= 3600


@pytest.mark.slow
def test_fuzz_api_submit_json(client, connection):
    ran, accepted = [], []

    @FUZZ
    @given(body=BODIES)
    def case(body):
        ran.append(1)
        before = keys(connection)
        response = client.post("/api/jobs", data=json.dumps(body), content_type="application/json")
        reply = response.get_json()
        assert response.status_code in (202, 400), (body, response.status_code, reply)
        exact = countdown_body_ok(body) if isinstance(body, dict) else False
        if exact is not None:
            assert (response.status_code == 202) == exact, (body, reply)
        if response.status_code == 400:
            assert isinstance(reply["error"], str) and reply["error"].strip() and reply["status"] == 400
            assert_wrote_nothing(connection, before)
        else:
            assert isinstance(body, dict) and body["task"] in TASKS
            assert response.headers["Location"] == f"/api/jobs/{reply['id']}"
            job = Job.fetch(reply["id"], connection=connection, serializer=JSONSerializer)
            registry_validate(job.meta["task"], job.meta["params"])
            if body.get("priority") is not None:
                assert job.origin == body["priority"]
            if body.get("start_in") is not None:
                assert isinstance(body["start_in"], int) and 1 <= body["start_in"] <= MAX_AHEAD_SECONDS
                assert job.get_status().value == "scheduled"
            accepted.append(job.id)

    case()
    assert len(ran) >= CASES, f"hypothesis ran {len(ran)} cases"
    assert len(accepted) >= CASES // 50, f"only {len(accepted)} valid cases"
    print(f"FUZZ api json: {len(ran)} cases, {len(accepted)} accepted")


HEADER_TEXT = st.text(st.characters(min_codepoint=32, max_codepoint=126), max_size=40)
CONTENT_TYPES = [
    "application/json",
    "application/json; charset=utf-8",
    "text/plain",
    "application/x-www-form-urlencoded",
    "multipart/form-data; boundary=x",
    "application/jsonx",
    "",
]


@pytest.mark.slow
def test_fuzz_api_submit_raw_bodies(client, connection):
    raw = st.one_of(
        st.binary(max_size=200),
        JSON_VALUES.map(lambda v: json.dumps(v).encode()),
        st.sampled_from([b"{", b"[" * 5000 + b"]" * 5000, b'{"task": "countdown"', b"\xff\xfe{}", b"null"]),
    )

    ran = []

    @FUZZ
    @given(body=raw, content_type=st.one_of(st.sampled_from(CONTENT_TYPES), HEADER_TEXT))
    def case(body, content_type):
        ran.append(1)
        before = keys(connection)
        response = client.post("/api/jobs", data=body, headers={"Content-Type": content_type})
        assert response.status_code in (202, 400), (body[:100], content_type, response.status_code)
        assert response.is_json
        if response.status_code == 400:
            assert response.get_json()["error"].strip()
            assert_wrote_nothing(connection, before)

    case()
    assert len(ran) >= CASES, f"hypothesis ran {len(ran)} cases"


@pytest.mark.slow
def test_fuzz_api_read_job(client, connection):
    real = client.post("/api/jobs", json={"task": "countdown", "params": {"seconds": 3}}).get_json()["id"]

    ran = []

    @FUZZ
    @given(job_id=st.one_of(st.sampled_from(ODD_IDS + [real, real.upper(), real + "x"]), TEXT))
    def case(job_id):
        ran.append(1)
        before = keys(connection)
        response = client.get(f"/api/jobs/{urllib.parse.quote(job_id, safe='')}")
        body = response.get_json()
        if job_id == real:
            assert response.status_code == 200 and body["id"] == real
        elif not job_id or job_id.startswith("/"):
            assert response.status_code in (308, 404)  # "/api/jobs//x": Werkzeug merges the slashes
        else:
            assert response.status_code == 404, (job_id, response.status_code)
            assert body["status"] == 404 and body["error"].strip()
        assert_wrote_nothing(connection, before)

    case()
    assert len(ran) >= CASES, f"hypothesis ran {len(ran)} cases"


# --- fixed cases: sizes, ids, methods, content types ---------------------------------------------
@pytest.fixture
def small_app(redis_url):
    from webapp import create_app

    return create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "t",
            "REDIS_URL": redis_url,
            "WTF_CSRF_ENABLED": False,
            "RATE_LIMIT": "off",
            "MAX_CONTENT_LENGTH": 64 * 1024,
        }
    )


def test_oversized_bodies_get_413_everywhere_and_enqueue_nothing(small_app, connection):
    client = small_app.test_client()
    big = b"x" * (65 * 1024)
    for task in sorted(FORMS):
        response = client.post(
            f"/tasks/{task}",
            data={"csv": (io.BytesIO(big), "big.csv"), "text": "x"},
            content_type="multipart/form-data",
        )
        assert response.status_code == 413, task
        assert "the limit is 64 KiB per request" in response.get_data(as_text=True)
    api = client.post(
        "/api/jobs",
        data=b'{"task": "countdown", "params": {"text": "' + big + b'"}}',
        content_type="application/json",
    )
    assert api.status_code == 413 and "too large" in api.get_json()["error"]
    assert client.post("/why", data={"seconds": "1", "pad": big.decode()}).status_code == 413
    assert connection.dbsize() == 0


def test_the_413_message_names_the_limit(redis_url):
    from webapp import create_app

    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "t",
            "REDIS_URL": redis_url,
            "RATE_LIMIT": "off",
            "MAX_CONTENT_LENGTH": 2 * 1024 * 1024,
        }
    )
    response = app.test_client().post(
        "/api/jobs", data=b"{" * (3 * 1024 * 1024), content_type="application/json"
    )
    assert response.status_code == 413
    assert response.get_json()["error"] == "That upload is too large: the limit is 2 MiB per request."


MALFORMED_IDS = [
    "00000000-0000-4000-8000-000000000000",
    "a.b",
    "..",
    "%2E%2E",
    "a%2Fb",
    "caf%C3%A9",
    "%F0%9F%92%A5",
    "x" * 3000,
    "%3Cscript%3E",
    "a%00b",
]


def test_unknown_and_malformed_job_ids_are_404_everywhere(client, connection):
    submit = client.post("/tasks/countdown", data={"seconds": "3"})
    assert submit.status_code == 303
    for job_id in MALFORMED_IDS:
        for method, path in [
            ("GET", f"/jobs/{job_id}"),
            ("GET", f"/api/jobs/{job_id}"),
            ("GET", f"/jobs/{job_id}/files/words.csv"),
            ("GET", f"/jobs/{job_id}/edit"),
            ("POST", f"/jobs/{job_id}/cancel"),
            ("POST", f"/jobs/{job_id}/stop"),
            ("POST", f"/jobs/{job_id}/retry"),
            ("POST", f"/jobs/{job_id}/delete"),
            ("GET", f"/tasks/countdown?from={job_id}"),
        ]:
            response = client.open(path, method=method)
            expected = 200 if path.startswith("/tasks/") else 404  # an unknown ?from= just shows the form
            assert response.status_code == expected, (path, response.status_code)
            scripts = re.findall(r"<script\b[^>]*>", response.get_data(as_text=True))
            assert all('src="/static/' in tag for tag in scripts), (path, scripts)
            if path.startswith("/api/"):
                body = response.get_json()
                assert body["status"] == 404 and body["error"], (path, body)
                if "%2F" not in job_id:  # a slash in the id matches no route at all ("nothing here")
                    assert "does not exist or its result has expired" in body["error"], (path, body)
    assert sum(1 for _ in connection.scan_iter("rq:job:*")) == 1


def test_wrong_methods_are_405_with_allow(client):
    job_id = job_id_from(client.post("/tasks/countdown", data={"seconds": "3"}))
    cases = [
        ("PUT", "/tasks/countdown", {"GET", "POST"}),
        ("DELETE", f"/jobs/{job_id}", {"GET"}),
        ("POST", f"/jobs/{job_id}", {"GET"}),
        ("GET", f"/jobs/{job_id}/cancel", {"POST"}),
        ("GET", f"/jobs/{job_id}/delete", {"POST"}),
        ("POST", f"/jobs/{job_id}/edit", {"GET"}),
        ("GET", "/api/jobs", {"POST"}),
        ("DELETE", f"/api/jobs/{job_id}", {"GET"}),
        ("POST", "/", {"GET"}),
        ("PATCH", "/why", {"GET", "POST"}),
    ]
    for method, path, allowed in cases:
        response = client.open(path, method=method)
        assert response.status_code == 405, (method, path)
        assert allowed <= set(response.headers["Allow"].replace(" ", "").split(",")), (method, path)
        if path.startswith("/api/"):
            assert response.get_json() == {"error": "That method is not allowed here.", "status": 405}
        else:
            assert "That method is not allowed here." in response.get_data(as_text=True)


def test_api_wrong_content_type_and_broken_json_are_400_with_a_message(client, connection):
    cases = [
        (b'{"task": "countdown", "params": {"seconds": 3}}', "text/plain", "Content-Type: application/json"),
        (b"task=countdown&seconds=3", "application/x-www-form-urlencoded", "Content-Type: application/json"),
        (b'{"task": "countdown"', "application/json", "not valid JSON"),
        (b"", "application/json", "not valid JSON"),
        (b"\xff\xfe\x00", "application/json", "not valid JSON"),
        (b"[" * 100_000 + b"]" * 100_000, "application/json", "nested too deeply"),
        (b"[1, 2]", "application/json", "must be a JSON object"),
        (b'"countdown"', "application/json", "must be a JSON object"),
    ]
    for body, content_type, message in cases:
        response = client.post("/api/jobs", data=body, content_type=content_type)
        assert response.status_code == 400, (body[:40], content_type)
        assert message in response.get_json()["error"], (body[:40], response.get_json())
    assert connection.dbsize() == 0


def test_html_forms_do_not_read_json_bodies(client, connection):
    """Flask-WTF would read JSON as form data (a JSON list was a 500); the forms are HTML-only."""
    for path in [f"/tasks/{task}" for task in sorted(FORMS)] + ["/why"]:
        for body in ([1, 2], "x", 5, None, {"seconds": 5, "limit": 100, "url": "https://example.com/"}):
            response = client.post(path, json=body)
            assert response.status_code == 400, (path, body)
            assert 'class="field-error"' in response.get_data(as_text=True), (path, body)
    assert connection.dbsize() == 0
