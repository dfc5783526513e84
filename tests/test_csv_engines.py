"""csv_profile's two engines: the fast one (Polars) must give what the reference (Python's csv) gives,
or hand the file back; it must really be the one used for ordinary files."""

import csv
import io
import math
import os
import random

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from jobs import csv_fast, csv_profile
from jobs.csv_profile import Column, header_names, profile_text
from jobs.errors import TaskInputError

FUZZ_EXAMPLES = int(os.environ.get("CSV_FUZZ_EXAMPLES", 400))


def fast_rows(text, dialect=csv.excel):
    header, offset = csv_fast.split_header(text, dialect)
    if header is None:
        return None
    return csv_fast.profile_rows(
        text, dialect, header_names(header), offset, csv_profile.EXACT_DISTINCT, Column
    )


def outcome(text, engine):
    """The profile, or the one sentence the user would read."""
    original = csv_profile.sniff_dialect
    csv_profile.sniff_dialect = lambda sample: csv.excel  # tiny samples: pin the dialect
    try:
        return profile_text(text, engine=engine)
    except TaskInputError as exc:
        return str(exc)
    finally:
        csv_profile.sniff_dialect = original


def outcome_of_bytes(data: bytes):
    """``outcome`` of the bytes as an upload gives them (``profile_bytes``: UTF-8 read as bytes)."""
    original = csv_profile.sniff_dialect
    csv_profile.sniff_dialect = lambda sample: csv.excel
    try:
        return csv_profile.profile_bytes(data)
    except TaskInputError as exc:
        return str(exc)
    finally:
        csv_profile.sniff_dialect = original


def assert_same(fast, reference):
    if isinstance(reference, str) or isinstance(fast, str):
        assert fast == reference
        return
    assert fast["rows"] == reference["rows"]
    assert fast["delimiter"] == reference["delimiter"]
    for got, want in zip(fast["columns"], reference["columns"], strict=True):
        assert got.keys() == want.keys(), (got, want)
        for key, value in want.items():
            if isinstance(value, float):
                assert got[key] == pytest.approx(value, rel=1e-9, abs=1e-9), (key, got, want)
            else:
                assert got[key] == value, (key, got, want)
                assert type(got[key]) is type(value), (key, got, want)


def test_an_ordinary_file_is_profiled_by_the_fast_engine():
    text = "id,price,name,when\n" + "".join(
        f"{i},{i / 3:.2f},n{i % 7},2026-01-{i % 28 + 1:02d}\n" for i in range(2000)
    )
    found = fast_rows(text)
    assert found is not None
    rows, columns = found
    assert rows == 2000
    assert [c["type"] for c in columns] == ["integer", "number", "text", "text"]
    assert_same(outcome(text, "auto"), outcome(text, "python"))


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("a,b,c\n1,2,3\n4,5\n", "a short row"),
        ("a,b\n1,2\n3,4,5\n", "a long row"),
        ("a,b\n1,2\n\n3,4\n", "a blank line"),
        ("a,b\r1,2\r3,4\r", "bare CR line ends"),
    ],
)
def test_files_only_the_reference_engine_reads_exactly_are_handed_back(text, why):
    assert fast_rows(text) is None, why
    assert_same(outcome(text, "auto"), outcome(text, "python"))


@pytest.mark.parametrize(
    "values",
    [
        ["1,234", "5", "-3,000.5"],  # thousands separators
        [" 7", "8 ", "9"],  # spaces around numbers: Python's int reads them
        ["99999999999999999999", "1"],  # past 64 bits
        ["1e400", "2"],  # not finite: text
        ["inf", "1.5"],
        ["١٢", "3"],  # Arabic-Indic digits: Python's int reads them
    ],
)
def test_numbers_only_python_reads_give_the_reference_answer(values):
    text = "x,y\n" + "".join(f'"{v}",{i}\n' for i, v in enumerate(values))
    assert_same(outcome(text, "auto"), outcome(text, "python"))


def test_large_columns_agree_including_the_median_and_ties():
    rng = random.Random(7)
    rows = [(rng.randrange(-(10**12), 10**12), rng.gauss(1e9, 3), rng.choice("abcd")) for _ in range(30_001)]
    out = io.StringIO()
    csv.writer(out).writerows([("big", "offset", "tied"), *rows])
    fast, reference = outcome(out.getvalue(), "auto"), outcome(out.getvalue(), "python")
    assert_same(fast, reference)
    assert math.isclose(fast["columns"][1]["stddev"], 3, rel_tol=0.05)


cell = st.one_of(
    st.integers(-(10**6), 10**6).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.sampled_from(["1,234", " 5 ", "0x1F", "1_000", "+7", ".5", "5.", "1e5", "١٢", "NA", "null"]),
    st.text(alphabet="ab ,\"'\n\r;", max_size=6),
    st.just(""),
)


@settings(
    max_examples=FUZZ_EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(
    st.integers(1, 4).flatmap(
        lambda w: st.lists(st.lists(cell, min_size=w, max_size=w + 1), min_size=1, max_size=25)
    ),
    st.sampled_from([csv.QUOTE_MINIMAL, csv.QUOTE_ALL]),
)
@example([["1", ""], ["", "2"]], csv.QUOTE_MINIMAL)
def test_fuzz_both_engines_agree_on_well_formed_and_ragged_files(body, quoting):
    out = io.StringIO()
    width = len(body[0])
    csv.writer(out, quoting=quoting).writerows([[f"c{i}" for i in range(width)], *body])
    text = out.getvalue()
    assert_same(outcome(text, "auto"), outcome(text, "python"))
    assert_same(outcome_of_bytes(text.encode()), outcome(text, "python"))


@settings(max_examples=FUZZ_EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(alphabet="ab1 ,;\n\r\t", min_size=1, max_size=40))
def test_fuzz_both_engines_agree_on_unquoted_text_with_blank_lines_crs_and_ragged_rows(text):
    assert_same(outcome("h1,h2\n" + text, "auto"), outcome("h1,h2\n" + text, "python"))
    assert_same(outcome_of_bytes(f"h1,h2\n{text}".encode()), outcome("h1,h2\n" + text, "python"))


@settings(max_examples=FUZZ_EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(alphabet='ab1,"\n\r ', min_size=1, max_size=40))
def test_fuzz_malformed_quotes_give_a_consistent_profile_or_one_sentence(text):
    """Broken quoting has no one right reading: either engine's will do, but never a crash."""
    profile = outcome("h1,h2\n" + text, "auto")
    if isinstance(profile, str):
        assert profile == outcome("h1,h2\n" + text, "python")
        return
    for column in profile["columns"]:
        assert column["count"] + column["missing"] == profile["rows"]


@pytest.mark.parametrize(
    "text",
    [
        "id,name\n1,caf\u00e9\n2,na\u00efve\n3,caf\u00e9\n",  # non-ASCII values
        "\ufeffid;n\u00e4me\r\n1;x\r\n2;y\r\n",  # a BOM, CRLF, semicolons, a non-ASCII header
        'id,"multi\nline"\n1,2\n3,4\n',  # a quoted line end in the header
        "id,name\n1,a\n2,b",  # no line end after the last row
        "id,name\n1,a\n2,b\n\n\n",  # blank lines at the end
        "id,name\r\n1,a\r\n2,b\r\n\r\n",
        "id,name\n1,a\n2,b,c\n",  # ragged: the reference engine's sentence
        "only\n\u00e9\n\u00e9\nx\n",  # one column
        "a,b\n  \n",  # nothing but spaces after the header
    ],
)
def test_a_utf8_upload_is_profiled_from_its_bytes_as_from_its_text(text, monkeypatch):
    reference = outcome(text.removeprefix("\ufeff"), "python")
    assert_same(outcome_of_bytes(text.encode()), reference)
    monkeypatch.setattr(csv_profile, "decode_text", lambda *args: pytest.fail("the file was decoded whole"))
    if not isinstance(reference, str) and text != "a,b\n  \n":
        assert_same(outcome_of_bytes(text.encode()), reference)


def test_a_latin1_upload_is_still_read_as_text():
    data = "id,name\n1,caf\u00e9\n2,caf\u00e9\n".encode("latin-1")
    profile = csv_profile.profile_bytes(data)
    assert profile["columns"][1]["top"] == [["caf\u00e9", 2]]


@settings(max_examples=FUZZ_EXAMPLES * 5, deadline=None)
@given(st.text(alphabet="0123456789+-._eE xXbBoO,infatyINFATY١٢\t\n", min_size=1, max_size=12))
def test_polars_reads_a_subset_of_what_python_reads_as_numbers(value):
    """What csv_fast._numbers relies on: where Polars reads a number, Python reads the same one."""
    import polars as pl

    series = pl.Series([value])
    as_int = series.cast(pl.Int64, strict=False).item()
    if as_int is not None:
        assert int(value) == as_int
    as_float = series.cast(pl.Float64, strict=False).item()
    if as_float is not None:
        python = float(value)
        assert python == as_float or (math.isnan(python) and math.isnan(as_float))
