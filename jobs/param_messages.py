"""One message per rule: what the form, the API and the worker say alike when a parameter's value
breaks its declared rule.

A number field has one rule (a whole number in its range) and so one message, whatever was wrong
with the value (missing, text, out of range). A text field's message names the limit the value
breaks. A rule a task writes itself (a ``ValueError`` from a field's ``clean``, ``reject`` for a
rule across fields) keeps its own message; ``param(message=...)`` gives a field's one rule its own
words.
"""

import re


def number_text(n) -> str:
    return f"{n:,}" if abs(n) >= 10_000 else str(n)


def _characters(n: int) -> str:
    return f"{number_text(n)} character{'s' if n != 1 else ''}"


def _number_message(field) -> str:
    what = "a whole number" if field.annotation is int else "a number"
    low, high = field.meta.get("ge"), field.meta.get("le")
    if low is not None and high is not None:
        return f"Enter {what} from {number_text(low)} to {number_text(high)}."
    if low is not None:
        return f"Enter {what} of at least {number_text(low)}."
    if high is not None:
        return f"Enter {what} of at most {number_text(high)}."
    return f"Enter {what}."


def _text_message(field, value) -> str:
    label = field.label
    longest, shortest = field.meta.get("max_length"), field.meta.get("min_length") or 0
    pattern = field.meta.get("pattern")
    if isinstance(value, str):
        if longest is not None and len(value) > longest:
            return f"Enter at most {_characters(longest)}."
        if shortest > 1 and len(value) < shortest:
            return f"Enter at least {_characters(shortest)}."
        if value and len(value) >= shortest and pattern and not re.search(pattern, value):
            example = f", such as {field.examples[0]}" if field.examples else ""
            return f"{label} is not in the expected form{example}."
    return f"Enter {label[:1].lower()}{label[1:]}."


def field_message(field, value) -> str:
    """The message of the rule ``value`` (as sent; None when left out) broke for this field
    (a ``jobs.param_fields.ParamField``)."""
    if field.message:  # the field's own words for its one rule
        return field.message
    rules = field.upload
    if rules:
        if rules["max_files"] > 1 and isinstance(value, list) and len(value) > rules["max_files"]:
            return f"Upload at most {rules['max_files']} {rules['what']}s at a time."
        return f"Choose {'at least one' if rules['max_files'] > 1 else 'a'} {rules['what']} to upload."
    choices = field.choices
    if choices is not None:
        listed = ", ".join(map(str, choices))
        fewest = field.meta.get("min_length") or 0
        if isinstance(value, list) and len(value) < fewest:
            return f"Choose at least {fewest} of: {listed}."
        return f"Choose among: {listed}."
    if field.annotation in (int, float):
        return _number_message(field)
    if field.annotation is bool:
        return f"{field.label} must be on or off."
    return _text_message(field, value)
