"""One message per rule: pydantic's validation errors as the sentences the form, the API and the
worker show alike.

A number field has one rule (a whole number in its range) and so one message, whatever was wrong
with the value (missing, text, out of range). A rule a task writes itself (``reject``, a
``ValueError`` in a validator) keeps its own message; ``json_schema_extra={"x-message": ...}`` gives
a field's one rule its own words.
"""

from pydantic import ValidationError


def number_text(n) -> str:
    return f"{n:,}" if abs(n) >= 10_000 else str(n)


def _characters(n: int) -> str:
    return f"{number_text(n)} character{'s' if n != 1 else ''}"


def _range(info) -> tuple:
    low = high = None
    for item in info.metadata:
        low = getattr(item, "ge", None) if getattr(item, "ge", None) is not None else low
        high = getattr(item, "le", None) if getattr(item, "le", None) is not None else high
    return low, high


def choices_of(info) -> list | None:
    from typing import Literal, get_args, get_origin

    annotation = info.annotation
    if get_origin(annotation) is list:
        annotation = get_args(annotation)[0]
    if get_origin(annotation) is Literal:
        return list(get_args(annotation))
    return None


def field_message(info, label: str, kind: str, ctx: dict) -> str:
    """The message of the rule a value of this field broke."""
    from jobs.task_declaration import upload_rules

    extra = info.json_schema_extra if isinstance(info.json_schema_extra, dict) else {}
    if extra.get("x-message"):  # the field's own words for its one rule
        return extra["x-message"]
    rules = upload_rules(info)
    if rules and kind == "too_long":
        return f"Upload at most {rules['max_files']} {rules['what']}s at a time."
    if rules:
        return f"Choose {'at least one' if rules['max_files'] > 1 else 'a'} {rules['what']} to upload."
    choices = choices_of(info)
    if choices is not None:
        listed = ", ".join(map(str, choices))
        if kind == "too_short" and ctx.get("min_length"):
            return f"Choose at least {ctx['min_length']} of: {listed}."
        return f"Choose among: {listed}."
    if info.annotation in (int, float):
        what = "a whole number" if info.annotation is int else "a number"
        low, high = _range(info)
        if low is not None and high is not None:
            return f"Enter {what} from {number_text(low)} to {number_text(high)}."
        if low is not None:
            return f"Enter {what} of at least {number_text(low)}."
        if high is not None:
            return f"Enter {what} of at most {number_text(high)}."
        return f"Enter {what}."
    if info.annotation is bool:
        return f"{label} must be on or off."
    if kind == "string_too_long":
        return f"Enter at most {_characters(ctx['max_length'])}."
    if kind == "string_too_short" and ctx.get("min_length", 0) > 1:
        return f"Enter at least {_characters(ctx['min_length'])}."
    if kind == "string_pattern_mismatch":
        example = f", such as {info.examples[0]}" if info.examples else ""
        return f"{label} is not in the expected form{example}."
    return f"Enter {label[:1].lower()}{label[1:]}."


def _errors(error: ValidationError):
    """pydantic's errors, with the errors of a rule raised as a ValidationError (``reject``) in
    their place."""
    for item in error.errors():
        inner = (item.get("ctx") or {}).get("error")
        if isinstance(inner, ValidationError):
            yield from _errors(inner)
        else:
            yield item


def error_messages(error: ValidationError, model) -> dict[str, list[str]]:
    """Field name ("" for the whole) -> its messages, one per broken rule, in field order."""
    from jobs.task_declaration import RULE

    found: dict[str, list[str]] = {}
    for item in _errors(error):
        name = item["loc"][0] if item["loc"] and item["loc"][0] in model.model_fields else ""
        kind, ctx = item["type"], item.get("ctx") or {}
        if kind == RULE:
            message = item["msg"]
        elif kind in ("value_error", "assertion_error"):
            message = str(ctx.get("error", item["msg"]))
        elif name:
            info = model.model_fields[name]
            message = field_message(info, info.title or name.replace("_", " ").capitalize(), kind, ctx)
        else:
            message = "The parameters must be a JSON object."
        if message not in found.setdefault(name, []):
            found[name].append(message)
    order = {name: i for i, name in enumerate(model.model_fields)}
    return dict(sorted(found.items(), key=lambda item: order.get(item[0], -1)))
