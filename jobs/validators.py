"""Numbers as forms and JSON send them."""


def parse_decimal(value):
    """A string of decimal digits (as HTML forms send numbers) as an int; anything else unchanged.

    ``str.isdecimal`` rather than ``isdigit``, which also passes characters like "²" that ``int()``
    refuses; more than 30 digits is left as text, since ``int()`` refuses over 4,300 digits.
    """
    if isinstance(value, str) and value.strip().isdecimal() and len(value.strip()) <= 30:
        return int(value)
    return value
