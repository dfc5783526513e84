"""What both csv_profile engines agree on: what counts as a number, how many top values, how long."""

import heapq
import math
import re
import sys

TOP_VALUES = 5
HISTOGRAM_BINS = 10
MAX_VALUE_CHARS = 100  # for values and column names alike
#: The widest CSV profiled. A profile is a table to read, one row per column: a thousand rows is
#: already more than anyone reads, and data wider than that (one-hot matrices, genomics) wants other
#: tools than a per-column profile. The fast engine's memory per column is fixed and large (Polars'
#: buffers), so past about a thousand columns it grows with columns x rows rather than with the
#: upload (3 MB of 20,000 columns: 90x the upload; at 1,000 columns: 18x; docs/security.md).
MAX_COLUMNS = 1000
#: The columns a job's result (so its page and its JSON) carries; the downloads carry all of them.
SHOWN_COLUMNS = 100
THOUSANDS = re.compile(r"[+-]?\d{1,3}(?:,\d{3})+(?:\.\d+)?")
# Numbers past this are scaled down before squaring or summing, which would overflow a float.
HUGE = 1e150
_FLOAT_MAX = sys.float_info.max


def fits_a_float(integers: list) -> bool:
    """Integers too long for a float (hundreds of digits) are identifiers, not quantities."""
    return min(integers) >= -_FLOAT_MAX and max(integers) <= _FLOAT_MAX


def python_reads(kind, value: str) -> bool:
    """Whether ``kind`` (``int`` or ``float``) reads the value."""
    try:
        kind(value)
    except ValueError:
        return False
    return True


def is_number(value: str) -> bool:
    """Python's ``float`` reads it, or it is a number with thousands separators ("1,234.5")."""
    return python_reads(float, value) or bool(THOUSANDS.fullmatch(value.strip()))


def top_values(counts) -> list:
    """The most frequent values as ``[value, count]``, ties by value, values cut to MAX_VALUE_CHARS."""
    top = heapq.nsmallest(TOP_VALUES, counts.items(), key=lambda item: (-item[1], item[0]))
    return [[value[:MAX_VALUE_CHARS], n] for value, n in top]


def too_many_columns(found: int) -> str:
    return (
        f"The CSV file has {found:,} columns; Jobdeck profiles files of at most {MAX_COLUMNS:,} "
        "columns. Split it, or keep the columns you need."
    )


def histogram(low, high, n: int, count_below) -> dict:
    """``HISTOGRAM_BINS`` equal-width bins from ``low`` to ``high``, each [edge, next edge) and the
    last closed: ``{"edges", "counts"}``. ``count_below(edge)`` is how many values are below an edge
    (a search in the engine's sorted values). One bin when all values are equal."""
    width = (high - low) / HISTOGRAM_BINS
    if not width or not math.isfinite(width):
        return {"edges": [low, high], "counts": [n]}
    edges = [low + width * i for i in range(HISTOGRAM_BINS)] + [high]
    below = [0, *(count_below(edge) for edge in edges[1:-1]), n]
    return {"edges": edges, "counts": [b - a for a, b in zip(below, below[1:], strict=False)]}
