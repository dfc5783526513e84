"""How a declared parameter's value is read and checked: as a form or a JSON client spells it
(numbers and booleans from text, a JSON 3.0 as the whole number 3, an upload reference as the site
stores it), then against its type and limits by msgspec, then by the task's own rule, if any.

msgspec's own lax reading (``strict=False``) takes "1e3" as a whole number and only "true", "false",
"1" and "0" as booleans; the readers here give the rules the forms and the JSON API state instead.
"""

import re

import msgspec

from jobs.param_fields import ParamField
from jobs.sizes import human_size

#: a whole number as text: ASCII digits (``_`` between two of them), a sign, spaces around, a zero
#: fraction ("3.0")
WHOLE_NUMBER = re.compile(r"\s*[+-]?[0-9]+(?:_[0-9]+)*(?:\.0+)?\s*")
MAX_DIGITS = 4300  # int() refuses longer text
#: on and off as text, in any case
BOOLEAN_WORDS = dict.fromkeys(("1", "on", "t", "true", "y", "yes"), True) | dict.fromkeys(
    ("0", "off", "f", "false", "n", "no"), False
)
NAME_LENGTH = 200  # characters of an upload's file name kept


def _whole_number(value):
    if not isinstance(value, str):
        return value
    if len(value) <= MAX_DIGITS and WHOLE_NUMBER.fullmatch(value):
        return int(value.strip().split(".")[0])
    raise msgspec.ValidationError("not a whole number")


def _boolean(value):
    if isinstance(value, str):
        if value.lower() not in BOOLEAN_WORDS:
            raise msgspec.ValidationError("not on or off")
        return BOOLEAN_WORDS[value.lower()]
    if isinstance(value, float) and value in (0, 1):  # JSON 1.0 as 1; true and false stay as they are
        return bool(value)
    return value


def _upload_ref(value):
    """A reference as the site stores it: the user's file name (the stored name when there is none)
    and the size when known."""
    if isinstance(value, dict) and isinstance(value.get("file"), str):
        name = value.get("filename") if isinstance(value.get("filename"), str) else value["file"]
        size = value.get("size")
        size = size if isinstance(size, int) and not isinstance(size, bool) else None
        return {"file": value["file"], "filename": name[:NAME_LENGTH], "size": size}
    return value


def _too_large(refs, max_bytes: int) -> None:
    for ref in refs if isinstance(refs, list) else [refs]:
        if ref is not None and ref.size is not None and ref.size > max_bytes:
            raise ValueError(f"{ref.filename!r} is larger than {human_size(max_bytes)}.")


def read_field(field: ParamField, value):
    """The field's value, checked: its ``read``, the readers above, the type and limits, then its
    ``clean``. Raises msgspec.ValidationError (the field's declared rule is broken) or ValueError
    (a rule of the task's own, with its message)."""
    if field.read is not None:
        value = field.read(value)
    rules = field.upload
    if rules:
        value = [_upload_ref(v) for v in value] if isinstance(value, list) else _upload_ref(value)
    elif field.annotation is int:
        value = _whole_number(value)
    elif field.annotation is bool:
        value = _boolean(value)
    elif field.annotation is float and isinstance(value, str):
        value = value.strip()
    value = msgspec.convert(value, field.checked, strict=False)
    if rules:
        _too_large(value, rules["max_bytes"])
    return field.clean(value) if field.clean is not None else value
