"""Checks the tasks' ``validate(params)`` share: numbers as forms and JSON send them."""

from jobs.errors import TaskInputError


def parse_decimal(value):
    """A string of decimal digits (as HTML forms send numbers) as an int; anything else unchanged.

    ``str.isdecimal`` rather than ``isdigit``, which also passes characters like "²" that ``int()``
    refuses; more than 30 digits is left as text, since ``int()`` refuses over 4,300 digits.
    """
    if isinstance(value, str) and value.strip().isdecimal() and len(value.strip()) <= 30:
        return int(value)
    return value


def _number_text(n: int) -> str:
    return f"{n:,}" if n >= 10_000 else str(n)


def whole_number(value, low: int, high: int, what: str) -> int:
    """``value`` (an int, or a string of digits) as an int from ``low`` to ``high``, else a
    ``TaskInputError`` naming ``what``."""
    value = parse_decimal(value)
    if isinstance(value, bool) or not isinstance(value, int):
        raise TaskInputError(f"{what} must be a whole number.")
    if not low <= value <= high:
        raise TaskInputError(f"{what} must be between {_number_text(low)} and {_number_text(high)}.")
    return value
