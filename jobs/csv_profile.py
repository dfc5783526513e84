"""csv_profile: per-column statistics of an uploaded CSV.

Two engines give the same profile. The fast one (``jobs/csv_fast.py``) parses and aggregates whole
columns with Polars. This module's own engine is the reference and the fallback for what the fast
one hands back (ragged rows, blank lines, odd dialects, numbers only Python's rules read): it streams
the rows with Python's ``csv`` in batches and works column-wise (``zip(*rows)``), so most of it
runs in C: counting missing cells, ``Counter.update`` for distinct and top values, ``map(int/float)``
for numbers. Distinct values are exact up to ``EXACT_DISTINCT``; past that the Python engine
switches to a k-minimum-values estimate over the hashes of its values (and its top values become
approximate), the fast one to Polars' HyperLogLog.
"""

import bisect
import codecs
import csv
import heapq
import io
import json
import logging
import math
import operator
from collections import Counter
from functools import partial
from itertools import islice, repeat

from jobs import csv_fast
from jobs.csv_rules import (
    HUGE,
    MAX_COLUMNS,
    MAX_VALUE_CHARS,
    SHOWN_COLUMNS,
    THOUSANDS,
    fits_a_float,
    histogram,
    too_many_columns,
    top_values,
)
from jobs.errors import TaskInputError
from jobs.outputs import save_output
from jobs.progress import report
from jobs.sizes import human_size
from jobs.task_declaration import Params, TaskSpec, Upload, param, upload
from jobs.text_decoding import decode_text, is_utf8, refuse_binary
from jobs.uploads import read_upload

log = logging.getLogger(__name__)

BATCH_ROWS = 512
#: a batch holds at most this many cells, so a wide file's batch is no larger than a narrow one's
BATCH_CELLS = 32_768
EXACT_DISTINCT = 50_000
KMV_K = 1024
DELIMITERS = ",;\t|"
_HASH_SPACE = 2.0**64
#: how much of a UTF-8 file's start is decoded for its dialect and header (``profile_bytes``)
HEAD_BYTES = 1024 * 1024
WHAT = "The CSV file"


COMMENT_LABEL = "Skip lines starting with"
COMMENT_HINT = f" If the file has comment lines, give their first character in {COMMENT_LABEL!r}."


class CsvProfileParams(Params):
    csv: Upload = upload(
        "CSV file",
        kinds=("csv",),
        description="UTF-8 or Latin-1; comma, semicolon, tab or pipe separated; the first row names "
        "the columns.",
        what="CSV file",
    )
    comment: str = param(
        "",
        max_length=1,
        title=COMMENT_LABEL,
        description="A character such as #: lines that start with it are left out. Empty: every line is read.",
        examples=["#"],
    )


def _to_numbers(values, as_int: bool):
    """The values as numbers, or None when one of them is not a (finite) number."""
    try:
        numbers = list(map(int, values)) if as_int else list(map(float, values))
    except ValueError:
        if as_int:
            return None
        numbers = []
        for value in values:
            try:
                numbers.append(float(value))
            except ValueError:
                if not THOUSANDS.fullmatch(value.strip()):
                    return None
                numbers.append(float(value.replace(",", "")))
    if not as_int and not all(map(math.isfinite, numbers)):
        return None
    if as_int and not fits_a_float(numbers):
        return None  # read as floats next: they are infinite, so the column is text
    return numbers


class Column:
    """Running statistics of one column.

    Numeric columns keep a set of their distinct strings and the parsed numbers (for the median);
    text columns keep a Counter (distinct and top values at once). Past ``EXACT_DISTINCT`` values
    the distinct count comes from the ``KMV_K`` smallest string hashes instead.
    """

    def __init__(self, name: str):
        self.name = name
        self.count = 0
        self.missing = 0
        self.kind = "integer"  # integer -> number -> text, only ever widened
        self.numbers: list = []
        self.seen: set = set()  # distinct values while the column is numeric and counted exactly
        self.counts: Counter = Counter()  # value counts once the column is text
        self.estimating = False  # distinct is estimated from hashes (KMV)
        self.top_exact = True
        self.heap: list[int] = []  # negated: -heap[0] is the largest of the smallest hashes kept
        self.hash_set: set[int] = set()

    def add(self, values: tuple) -> None:
        total = len(values)
        values = list(filter(None, values))  # "" is a missing value
        self.missing += total - len(values)
        if not values:
            return
        self.count += len(values)
        if self.kind != "text":
            self._add_numbers(values)
        if self.kind == "text":
            self._add_text(values)
        elif self.estimating:
            self._add_hashes(values)
        else:
            self.seen.update(values)
            if len(self.seen) > EXACT_DISTINCT:
                self._add_hashes(self.seen)
                self.seen = set()
                self.estimating = True

    def _add_numbers(self, values: list) -> None:
        numbers = _to_numbers(values, as_int=self.kind == "integer")
        if numbers is None and self.kind == "integer":
            numbers = _to_numbers(values, as_int=False)
            if numbers is not None:
                self.kind = "number"
                self.numbers = list(map(float, self.numbers))
        if numbers is not None:
            self.numbers.extend(numbers)
            return
        self.kind = "text"
        self.numbers = []
        if self.count > len(values):  # earlier values join the counts once each: top is approximate
            self.top_exact = False
            self.counts = Counter(dict.fromkeys(self.seen, 1))
        self.seen = set()

    def _add_text(self, values: list) -> None:
        counts = self.counts
        if self.estimating:
            self._add_hashes(values)
            counts.update(filter(counts.__contains__, values))
            return
        counts.update(values)
        if len(counts) > EXACT_DISTINCT:
            self._add_hashes(counts)
            self.counts = Counter(dict(counts.most_common(EXACT_DISTINCT // 2)))
            self.estimating = True
            self.top_exact = False

    def _add_hashes(self, values) -> None:
        heap, kept = self.heap, self.hash_set
        candidates = map(hash, values)
        if len(heap) >= KMV_K:
            candidates = filter((-heap[0]).__gt__, candidates)  # in C: most values stop here
        for h in candidates:
            if h in kept:
                continue
            if len(heap) < KMV_K:
                heapq.heappush(heap, -h)
                kept.add(h)
            elif h < -heap[0]:
                kept.discard(-heapq.heappushpop(heap, -h))
                kept.add(h)

    def distinct(self) -> int:
        if not self.estimating:
            return len(self.counts) if self.kind == "text" else len(self.seen)
        kth = (-self.heap[0] + 2**63) / _HASH_SPACE  # Python's str hashes are signed 64-bit
        return max(len(self.counts), round((KMV_K - 1) / kth))

    def summary(self) -> dict:
        kind = self.kind if self.count else "empty"
        out = {
            "name": self.name,
            "type": kind,
            "count": self.count,
            "missing": self.missing,
            "distinct": self.distinct(),
            "distinct_exact": not self.estimating,
        }
        if kind in ("integer", "number"):
            out.update(numeric_stats(self.numbers))
        else:
            out["top"] = top_values(self.counts)
            out["top_exact"] = self.top_exact
        return out


def numeric_stats(numbers: list) -> dict:
    """min, max, mean, median and sample standard deviation; the sums run in C (map, fsum)."""
    numbers.sort()
    n = len(numbers)
    mid = n // 2
    median = numbers[mid] if n % 2 else (numbers[mid - 1] + numbers[mid]) / 2
    scale = max(abs(numbers[0]), abs(numbers[-1]))
    if scale <= HUGE:
        mean, stddev = _moments(numbers, numbers[mid])
    else:  # squares (or sums) of such numbers overflow a float: work on them scaled down
        mean, stddev = _moments([x / scale for x in numbers], numbers[mid] / scale)
        mean, stddev = mean * scale, stddev * scale
    return {
        "min": numbers[0],
        "max": numbers[-1],
        "mean": mean,
        "median": median,
        "stddev": stddev,
        "histogram": histogram(numbers[0], numbers[-1], n, partial(bisect.bisect_left, numbers)),
    }


def _moments(numbers: list, shift) -> tuple[float, float]:
    """Mean and sample standard deviation; squares taken around ``shift`` (the median), so a large
    offset (timestamps, ids) does not cancel out."""
    n = len(numbers)
    mean = math.fsum(numbers) / n
    squares = math.fsum(map(pow, map(operator.sub, numbers, repeat(shift)), repeat(2)))
    offset = mean - shift
    variance = max(0.0, (squares - n * offset * offset) / (n - 1)) if n > 1 else 0.0
    return mean, math.sqrt(variance)


def sniff_dialect(sample: str):
    try:
        return csv.Sniffer().sniff(sample, delimiters=DELIMITERS)
    except csv.Error:
        return csv.excel


def header_names(row: list[str]) -> list[str]:
    names, seen = [], set()
    for i, raw in enumerate(row, start=1):
        name = raw.strip()[:MAX_VALUE_CHARS] or f"column {i}"
        while name in seen:
            name = f"{name} ({i})"
        seen.add(name)
        names.append(name)
    return names


def without_comments(text: str, comment: str) -> str:
    return "".join(line for line in text.splitlines(keepends=True) if not line.startswith(comment))


def profile_text(
    text: str, progress=None, engine: str = "auto", data: bytes | None = None, comment: str = ""
) -> dict:
    """Profiles CSV text whose first row is the header; ``progress(done, total)`` gets characters.

    ``engine``: "auto" (the fast engine when it can, else this module's), or "python" (the reference).
    ``data``: the bytes ``text`` was decoded from, if at hand (the fast engine may parse them as they are).
    ``comment``: lines that start with it are left out before parsing.
    """
    if comment:
        text, data = without_comments(text, comment), None
    dialect = sniff_dialect(text[:65536])
    header, _ = csv_fast.split_header(text, dialect)
    if header and len(header) > MAX_COLUMNS:  # refused before any engine builds its columns
        raise TaskInputError(too_many_columns(len(header)))
    if engine == "auto" and csv_fast.available():
        profile = _profile_fast(text, dialect, data)
        if profile is not None:
            if progress:
                progress(len(text), len(text))
            return profile
    return _profile_streaming(text, dialect, progress, hint="" if comment else COMMENT_HINT)


def _profile_fast(text: str, dialect, data: bytes | None) -> dict | None:
    header, offset = csv_fast.split_header(text, dialect)
    if not header:
        return None
    names = header_names(header)
    found = csv_fast.profile_rows(text, dialect, names, offset, EXACT_DISTINCT, Column, data)
    if found is None:
        return None
    rows, columns = found
    return _profile(rows, dialect, columns)


def _profile(rows: int, dialect, columns: list[dict]) -> dict:
    delimiter = {"\t": "tab", ",": "comma", ";": "semicolon", "|": "pipe"}.get(dialect.delimiter)
    return {
        "rows": rows,
        "delimiter": delimiter or dialect.delimiter,
        "distinct_limit": EXACT_DISTINCT,
        "columns": columns,
    }


def _profile_streaming(text: str, dialect, progress=None, hint: str = "") -> dict:
    stream = io.StringIO(text)
    reader = csv.reader(stream, dialect)
    try:
        header = next(reader, None)
        while header == []:
            header = next(reader, None)
        if not header:
            raise TaskInputError("The CSV file is empty.")
        if len(header) > MAX_COLUMNS:
            raise TaskInputError(too_many_columns(len(header)))
        columns = [Column(name) for name in header_names(header)]
        width = len(columns)
        batch_rows = max(1, min(BATCH_ROWS, BATCH_CELLS // width))
        rows_done = 0
        total = len(text)
        while True:
            batch = list(islice(reader, batch_rows))
            if not batch:
                break
            lengths = set(map(len, batch))
            if 0 in lengths:
                batch = [row for row in batch if row]
                lengths.discard(0)
                if not batch:
                    continue
            if lengths and lengths != {width}:
                index, row = next((i, r) for i, r in enumerate(batch) if len(r) != width)
                raise TaskInputError(
                    f"Row {rows_done + index + 2} has {len(row)} field{'s' if len(row) != 1 else ''} "
                    f"but the header has {width}; every row needs the same number of fields.{hint}"
                )
            for column, values in zip(columns, zip(*batch, strict=True), strict=True):
                column.add(values)
            rows_done += len(batch)
            if progress:
                progress(stream.tell(), total)
    except csv.Error as exc:
        raise TaskInputError(f"The CSV file could not be read near line {reader.line_num}: {exc}.") from exc
    return _profile(rows_done, dialect, [column.summary() for column in columns])


def profile_bytes(data: bytes, progress=None, engine: str = "auto", comment: str = "") -> dict:
    """``profile_text`` of the bytes' text. A UTF-8 file goes to the fast engine as the bytes it is,
    without its decoded text (as large as the file, or larger): only its start is decoded, for
    the dialect and the header."""
    if engine == "auto" and not comment and csv_fast.available():
        refuse_binary(data, WHAT)
        if is_utf8(data):
            found = _profile_utf8(data)
            if isinstance(found, dict):
                if progress:
                    progress(len(data), len(data))
                return found
            if found == csv_fast.PYTHON_ONLY:
                engine = "python"
    return profile_text(decode_text(data, WHAT), progress, engine, data, comment)


def _profile_utf8(data: bytes) -> dict | str | None:
    """The fast engine's profile of UTF-8 ``data``, or what ``csv_fast.profile_utf8`` answers instead.
    The dialect and header come from the first ``HEAD_BYTES``, decoded as ``decode_text`` does."""
    head = data[:HEAD_BYTES]
    whole = len(head) == len(data)
    head_text = codecs.getincrementaldecoder("utf-8-sig")().decode(head, final=whole)
    dialect = sniff_dialect(head_text[:65536])
    header, end = csv_fast.split_header(head_text, dialect)
    if header and len(header) > MAX_COLUMNS:
        raise TaskInputError(too_many_columns(len(header)))
    if not header or (end >= len(head_text) and not whole):  # the header may go on past the head
        return None
    offset = len(head_text[:end].encode("utf-8")) + (3 if data.startswith(codecs.BOM_UTF8) else 0)
    found = csv_fast.profile_utf8(data, dialect, header_names(header), offset, EXACT_DISTINCT, Column)
    if not isinstance(found, tuple):
        return found
    rows, columns = found
    return _profile(rows, dialect, columns)


def to_csv(profile: dict) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    fields = ["name", "type", "count", "missing", "distinct", "distinct_exact"]
    fields += ["min", "max", "mean", "median", "stddev", "top"]
    writer.writerow(fields)
    for column in profile["columns"]:
        top = "; ".join(f"{value} ({n})" for value, n in column.get("top", []))
        writer.writerow([column.get(f, "") for f in fields[:-1]] + [top])
    return out.getvalue().encode("utf-8")


def run(params: dict) -> dict:
    ref = params["csv"]
    data = read_upload(ref)
    size = human_size(len(data))
    log.info("Profiling %s (%s)", ref["filename"], size)

    def progress(done, total):
        report(done, total, f"{human_size(len(data) * done / total)} of {size} read" if total else "")

    profile = profile_bytes(data, progress, comment=params.get("comment", ""))
    report(1, 1, f"{size} read")
    files = [
        save_output(
            "profile.json", json.dumps(profile, indent=2).encode(), "application/json", "Profile (JSON)"
        ),
        save_output("profile.csv", to_csv(profile), "text/csv; charset=utf-8", "Profile (CSV)"),
    ]
    n_rows, n_cols = profile["rows"], len(profile["columns"])
    return {
        "summary": f"Profiled {n_rows} row{'s' if n_rows != 1 else ''} and "
        f"{n_cols} column{'s' if n_cols != 1 else ''} of {ref['filename']}.",
        "filename": ref["filename"],
        **profile,
        # the result (kept in Redis, drawn on the page) is bounded; the downloads have every column
        "columns": profile["columns"][:SHOWN_COLUMNS],
        "columns_total": n_cols,
        "files": files,
    }


TASK = TaskSpec(
    name="csv_profile",
    title="CSV profile",
    description="Upload a CSV file (UTF-8 or Latin-1, any common delimiter): per column its type, "
    "counts, distinct values, numeric statistics and top values, with JSON and CSV downloads.",
    params=CsvProfileParams,
    run=run,
    timeout=900,
    result_kind="csv_profile",
)
validate = TASK.validate
