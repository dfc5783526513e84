"""What the generic result (``templates/results/summary.html``) shows of a task's plain data: its
"summary", its plain values, its lists of records as tables, its produced images. Sorted out here,
once per page, so the template only lays them out: in Jinja, each value's test and each key's
``replace`` is a call of its own, on every load of the job's page."""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from numbers import Number

#: the most rows the generic result shows of one table (the downloads have all of them)
MAX_ROWS = 1000


def label(key: str) -> str:
    """A key as a person reads it: ``waited_seconds`` is "waited seconds"."""
    return key.replace("_", " ")


def is_image_file(value) -> bool:
    """A produced file (``save_output``'s dict) that is an image."""
    return isinstance(value, dict) and str(value.get("content_type", "")).startswith("image/")


def _records(value) -> bool:
    """A non-empty list whose first item is a record (a mapping)."""
    return (
        isinstance(value, Sequence)
        and not isinstance(value, str)
        and bool(value)
        and isinstance(value[0], Mapping)
    )


@dataclass
class Table:
    """A list of records: ``key`` names it (its id), ``labels`` are its columns' (the first record's
    keys), ``rows`` the cells of the records shown (of the first ``MAX_ROWS`` items, the records; a
    key a record lacks is an empty cell), ``total`` the number of its items."""

    key: str
    title: str
    labels: list[str]
    rows: list[list]
    total: int


@dataclass
class GenericResult:
    summary: object
    #: (label, value) of each plain value (text, number, yes or no) but the summary, in order
    values: list[tuple[str, object]]
    tables: list[Table]
    #: the produced files ("files"), and those of them that are images
    files: list[dict]
    images: list[dict]


def generic_result(result) -> GenericResult | None:
    """What the generic result shows of ``result``; None for a result that is not a mapping (it is
    shown as it is)."""
    if not isinstance(result, Mapping):
        return None
    values, tables = [], []
    for key, value in result.items():
        if key != "summary" and isinstance(value, (str, Number)):
            values.append((label(key), value))
        elif key != "files" and _records(value):
            columns = list(value[0].keys())
            shown = [
                [row.get(column, "") for column in columns]
                for row in value[:MAX_ROWS]
                if isinstance(row, Mapping)
            ]
            tables.append(Table(key, label(key).capitalize(), [label(c) for c in columns], shown, len(value)))
    files = result.get("files")
    files = files if isinstance(files, Sequence) and not isinstance(files, str) else []
    return GenericResult(result.get("summary"), values, tables, files, [f for f in files if is_image_file(f)])
