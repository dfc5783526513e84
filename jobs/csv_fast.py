"""The fast engine of ``csv_profile``: Polars parses and aggregates whole columns in native code.

It gives the same profile as the streaming Python engine in ``jobs/csv_profile.py`` (the reference:
Python's ``csv`` and the same number rules), or ``None`` when a file needs that engine's exact
behaviour: ragged rows (so the user gets the one-sentence message), blank lines, bare-CR line
endings, dialects Polars does not parse (escape characters, spaces after delimiters), anything
Polars refuses. A column whose values are not all plainly numeric or plainly not (thousands
separators, spaces around numbers, numbers past 64 bits) is handed to the Python engine's
``Column`` alone.

On well-formed CSV (RFC 4180: what spreadsheets and CSV writers produce) the two engines agree
exactly. Where quotes are malformed (``"ab"c``) Polars mostly refuses, so the Python engine reads
the file; in the few cases it does not refuse, its reading of the broken field stands.

Polars is imported on first use, inside the RQ work horse: its thread pool must not exist in a
process that forks (the worker's main process never imports it).
"""

import csv
import re

from jobs.csv_rules import HUGE, MAX_VALUE_CHARS, TOP_VALUES, histogram, is_number, python_reads


def available() -> bool:
    try:
        import polars  # noqa: F401
    except ImportError:  # pragma: no cover - it is in requirements.txt
        return False
    return True


def split_header(text: str, dialect) -> tuple[list[str] | None, int]:
    """The first non-blank record and the character offset where the rows after it start
    (None when there is none, or Python's ``csv`` cannot read it: the reference engine will say why)."""
    pos = 0

    def lines():
        nonlocal pos
        while pos < len(text):
            nl = text.find("\n", pos)
            end = len(text) if nl < 0 else nl + 1
            line = text[pos:end]
            pos = end
            yield line

    reader = csv.reader(lines(), dialect)
    try:
        header = next(reader, None)
        while header == []:
            header = next(reader, None)
    except csv.Error:
        return None, 0
    return header, pos


def _supported(dialect, body: str, width: int) -> bool:
    if dialect.escapechar or dialect.skipinitialspace or len(dialect.delimiter) != 1:
        return False
    if not dialect.quotechar or dialect.quoting == csv.QUOTE_NONE:
        return False
    if body.startswith(("\n", "\r")):
        return False
    if "\r" in body and body.count("\r") != body.count("\r\n"):
        return False  # a CR on its own is a line end to Python's csv; Polars drops it
    # Python's csv skips blank lines; Polars reads them as rows of empty values. With two columns or
    # more such a row is short (see _disagrees); with one it looks like a missing value.
    return width > 1 or not ("\n\n" in body or "\n\r\n" in body)


def _trim_end(body: str) -> str:
    """Without the blank lines at the end (all but one line end), copying only when there are some."""
    end = len(body)
    while end and body[end - 1] in "\r\n":
        end -= 1
    if end == len(body):
        return body
    newline = "\r\n" if body[end : end + 2] == "\r\n" else body[end]
    return body[:end] + newline if end + len(newline) < len(body) else body


#: what ``profile_utf8`` answers for rows only the reference engine reads as Python's csv does
PYTHON_ONLY = "python"


def profile_rows(
    text: str, dialect, names: list[str], offset: int, exact_limit: int, column_factory, data=None
):
    """``(rows, column summaries)`` for the rows of ``text`` after ``offset``, or None (see above).

    ``column_factory(name)`` makes the Python engine's column, for the columns it must handle.
    ``data``: the bytes ``text`` was decoded from; when they are ASCII they are parsed as they are.
    """
    body = _trim_end(text[offset:])
    if not body or body.isspace() or not _supported(dialect, body, len(names)):
        return None
    ascii_bytes = data is not None and len(data) == len(text) and len(body) == len(text) - offset
    raw = data[offset:] if ascii_bytes else body.encode("utf-8")
    if not raw.endswith(b"\n"):
        raw += b"\n"  # Polars lets a long last row through when no line end follows it
    frame = _read(raw, dialect, len(names), skip_lines=0)
    if frame is None or _disagrees(frame, body.count(dialect.delimiter), dialect):
        return None
    rows = frame.height
    return rows, _summaries(frame, names, exact_limit, column_factory)


def profile_utf8(data: bytes, dialect, names: list[str], offset: int, exact_limit: int, column_factory):
    """``profile_rows`` for UTF-8 ``data`` whose rows start at byte ``offset``, read from the bytes
    as they are: no decoded text, no copy of the rows (but when the file ends without a line end
    or with blank lines). The same checks, made on the bytes: the delimiter, the quote and line
    ends are ASCII, and in UTF-8 an ASCII byte is never part of another character.

    None where the text engine must decide (a body of spaces, a dialect not plain ASCII);
    ``PYTHON_ONLY`` where Polars read the rows and ``profile_rows`` would hand them back too."""
    if not (dialect.delimiter.isascii() and (dialect.quotechar or "").isascii()):
        return None
    end = len(data)
    while end > offset and data[end - 1] in b"\r\n":
        end -= 1
    if end == offset or not _VISIBLE_ASCII.search(data, offset, end):
        return None
    newline = b"\r\n" if data[end : end + 2] == b"\r\n" else data[end : end + 1]
    body_end = end + len(newline)
    if not _supported_bytes(dialect, data, offset, body_end, len(names)):
        return None
    raw = data
    if body_end < len(data) or not data.endswith(b"\n"):  # blank lines at the end, no last line end
        raw = data[:body_end] + (b"" if data[:body_end].endswith(b"\n") else b"\n")
    frame = _read(raw, dialect, len(names), skip_lines=data.count(b"\n", 0, offset))
    del raw
    delimiters = data.count(dialect.delimiter.encode(), offset, body_end)
    if frame is None or _disagrees(frame, delimiters, dialect):
        return PYTHON_ONLY
    rows = frame.height
    return rows, _summaries(frame, names, exact_limit, column_factory)


#: a byte that makes a text more than white space (non-ASCII bytes are left to the text engine)
_VISIBLE_ASCII = re.compile(rb"[^\s\x80-\xff]")


def _supported_bytes(dialect, data: bytes, start: int, end: int, width: int) -> bool:
    """``_supported`` for the body ``data[start:end]``, without slicing it."""
    if dialect.escapechar or dialect.skipinitialspace or len(dialect.delimiter) != 1:
        return False
    if not dialect.quotechar or dialect.quoting == csv.QUOTE_NONE:
        return False
    if data.startswith((b"\n", b"\r"), start):
        return False
    crs = data.count(b"\r", start, end)
    if crs and crs != data.count(b"\r\n", start, end):
        return False
    return width > 1 or (data.find(b"\n\n", start, end) < 0 and data.find(b"\n\r\n", start, end) < 0)


def _read(raw: bytes, dialect, width: int, skip_lines: int):
    """The rows as a frame of strings (``c0``, ``c1``, ...), or None when Polars refuses them."""
    import polars as pl

    keys = [f"c{i}" for i in range(width)]
    try:
        return pl.read_csv(
            raw,
            has_header=False,
            skip_lines=skip_lines,
            schema=dict.fromkeys(keys, pl.String),
            separator=dialect.delimiter,
            quote_char=dialect.quotechar,
            empty_string_is_null=False,
            raise_if_empty=False,
            truncate_ragged_lines=False,  # a row with more fields than the header raises
        )
    except (pl.exceptions.PolarsError, ValueError):
        return None


def _summaries(frame, names: list[str], exact_limit: int, column_factory) -> list[dict]:
    """Each column's summary; a column is dropped from the frame once summed up, so the work on the
    next one reuses its memory."""
    import polars as pl

    summaries = []
    for i, name in enumerate(names):
        series = frame.drop_in_place(f"c{i}")
        summary = _column(series, name, exact_limit, pl)
        if summary is None:
            column = column_factory(name)
            column.add(tuple(series.to_list()))
            summary = column.summary()
        del series
        summaries.append(summary)
    return summaries


def _disagrees(frame, delimiters: int, dialect) -> bool:
    """Whether Python's csv would read this text differently from how Polars did; ``delimiters``:
    how many delimiters the text has.

    * A short row: Polars fills it with empty values. Every delimiter in the text separates two
      fields of a row or sits inside a (quoted) value, so full rows account for all of them.
    * A quote in a value when the sniffer said quotes are not doubled: Python then reads ``""`` as
      the end of the value.
    """
    import polars as pl

    delimiter, quote = dialect.delimiter, dialect.quotechar
    checks = [pl.all().str.count_matches(delimiter, literal=True).sum().name.suffix("_delimiters")]
    if not dialect.doublequote:
        checks.append(pl.all().str.contains(quote, literal=True).any().name.suffix("_quote"))
    found = frame.select(checks).row(0, named=True)
    inside = sum(v for k, v in found.items() if k.endswith("_delimiters"))
    if delimiters != frame.height * (frame.width - 1) + inside:
        return True
    return any(v for k, v in found.items() if not k.endswith("_delimiters"))


def _column(series, name: str, exact_limit: int, pl) -> dict | None:
    empty = series.str.len_bytes() == 0
    values = series.filter(~empty) if empty.any() else series  # most columns have no empty value
    del empty
    count = len(values)
    out = {"name": name, "type": "empty", "count": count, "missing": len(series) - count}
    out.update(_distinct(values, exact_limit))
    if not count:
        out.update(top=[], top_exact=True)
        return out
    numbers = _numbers(values, pl)
    if numbers is False:
        return None  # numbers the Python engine must judge one by one
    if numbers is None:
        out["type"] = "text"
        out.update(top=_top(values, out["distinct"], exact_limit, pl), top_exact=True)
        return out
    out["type"] = "integer" if numbers.dtype == pl.Int64 else "number"
    out.update(_numeric_stats(numbers, pl))
    return out


def _distinct(values, exact_limit: int) -> dict:
    """Exact up to ``exact_limit`` (the estimate says whether it is past); a HyperLogLog past it."""
    estimate = values.approx_n_unique() if len(values) > exact_limit else 0
    if estimate > exact_limit:
        return {"distinct": int(estimate), "distinct_exact": False}
    return {"distinct": values.n_unique(), "distinct_exact": True}


def _numbers(values, pl):
    """The column as Int64 or Float64; None for text; False when only Python can tell.

    Polars reads a subset of what Python's ``int`` and ``float`` read, with the same values
    (tests/test_csv_engines.py checks it), so where it reads every value the answer stands; where
    it does not, the first value it could not read decides whether Python's rules are needed.
    """
    as_int = values.cast(pl.Int64, strict=False)
    if not as_int.has_nulls():
        return as_int
    first_non_int = values.filter(as_int.is_null()).head(1).item()
    if python_reads(int, first_non_int):
        return False  # past 64 bits, spaces, "1_000", other scripts' digits
    numbers = values.cast(pl.Float64, strict=False)
    if not numbers.has_nulls():
        return numbers if numbers.is_finite().all() else False
    return False if is_number(values.filter(numbers.is_null()).head(1).item()) else None


def _numeric_stats(numbers, pl) -> dict:
    ordered = numbers.sort()
    n = len(ordered)
    low, high = ordered[(n - 1) // 2], ordered[n // 2]
    median = low if n % 2 else (low + high) / 2
    scale = max(abs(ordered[0]), abs(ordered[-1]), 1)
    scale = scale if scale > HUGE else 1  # squares or sums of such numbers overflow a float
    floats = numbers.cast(pl.Float64) / scale
    # Around the median, so a large offset (timestamps, ids) does not cancel out.
    stddev = (floats - high / scale).std(ddof=1) if n > 1 else 0.0
    return {
        "min": ordered[0],
        "max": ordered[-1],
        "mean": floats.mean() * scale,
        "median": median,
        "stddev": (stddev or 0.0) * scale,
        "histogram": histogram(ordered[0], ordered[-1], n, ordered.cast(pl.Float64).search_sorted),
    }


def _top(values, distinct: int, exact_limit: int, pl) -> list:
    """The most frequent values, ties by value (as the Python engine orders them). Up to
    ``exact_limit`` distinct values they are counted in a hash table (``value_counts``, the fastest);
    past it, as runs of the sorted values, since a hash table of that many values takes several
    times the column's memory."""
    if distinct <= exact_limit:
        counts = values.value_counts(name="len")
    else:
        counts = values.sort().rle().struct.unnest().rename({"value": values.name})
    least = counts["len"].top_k(TOP_VALUES).min()  # the few rows that can be in the top
    top = counts.filter(pl.col("len") >= least).sort(["len", values.name], descending=[True, False])
    return [
        [value[:MAX_VALUE_CHARS], n]
        for value, n in top.select(values.name, "len").head(TOP_VALUES).iter_rows()
    ]
