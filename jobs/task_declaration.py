"""A task's one declaration: its name, how it runs, how its result is shown, and its parameters.

The parameters are a msgspec Struct (a subclass of ``Params``). Each field is declared with
``param(default, ge=..., title=..., ...)`` (or ``upload(...)`` for files), which puts its limits,
label (``title``), help (``description``) and example (``examples``) on its type as msgspec's own
field metadata (``msgspec.Meta``). From the declaration the site builds the form, the JSON Schema,
the catalog entry and the result page; the form, the JSON API and the worker all validate through
``TaskSpec.validate``, which checks every field on its own (so every broken field gets its message
at once), then the rule across fields, if any; each rule has one message (``jobs/param_messages.py``).

msgspec rather than pydantic: the worker imports every declaration before it forks a work horse per
job, so the library is in every worker's memory (docs/adding-a-task.md says what it weighs).
"""

import re
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any

import msgspec

from jobs.errors import TaskInputError
from jobs.param_fields import ParamField, fields_of
from jobs.param_messages import field_message
from jobs.param_reading import read_field
from jobs.queue_names import DEFAULT_QUEUE, QUEUE_NAMES
from jobs.upload_kinds import KINDS

NAME = re.compile(r"[a-z][a-z0-9_]{0,63}")


class DeclarationError(ValueError):
    """A task declaration that cannot work; the message says what is wrong with it."""


class Rejected(ValueError):
    """A rule across fields broken, with the field its message shows beside."""

    def __init__(self, field_name: str, message: str):
        super().__init__(message)
        self.field = field_name
        self.message = message


def reject(field_name: str, message: str) -> Rejected:
    """A field's message for a rule across fields (such as "a file or text, not both"): raise it from
    the parameters' ``__post_init__``, which runs once every field is valid on its own."""
    return Rejected(field_name, message)


class Upload(msgspec.Struct, kw_only=True):
    """A reference to an uploaded file the site stored in Redis under the job's id."""

    file: Annotated[str, msgspec.Meta(min_length=1)]
    filename: str = ""
    size: int | None = None


def _needs_factory(default) -> bool:
    """msgspec takes a non-empty list, dict or set as a default only through a factory, so that no
    two instances share it."""
    return isinstance(default, list | dict | set) and bool(default)


class Param:
    """What ``param()`` declares; ``Params`` turns it into the field's type metadata and default."""

    __slots__ = ("default", "meta")

    def __init__(self, default, meta: msgspec.Meta):
        self.default = default
        self.meta = meta


def param(
    default: Any = msgspec.NODEFAULT,
    *,
    title: str | None = None,
    description: str | None = None,
    examples: list | None = None,
    message: str | None = None,
    widget: str | None = None,
    schema: dict | None = None,
    read: Callable | None = None,
    clean: Callable | None = None,
    **limits,
) -> Param:
    """A parameter: its default (none: required), its limits (msgspec.Meta's ``ge``, ``le``, ``gt``,
    ``lt``, ``min_length``, ``max_length``, ``pattern``), label, help and example. Optionally:
    ``message``, the words of the field's one rule instead of the generated ones; ``widget="textarea"``
    for long text; ``schema``, more JSON Schema (``{"format": "uri"}``); ``read(value)``, how a value
    is read before it is checked (such as "1,000" as 1000); ``clean(value)``, a rule of your own after
    the type's, which returns the value to keep or raises ``ValueError("One sentence.")``."""
    extra_schema = dict(schema or {})
    if _needs_factory(default):  # msgspec's schema shows a plain default only
        extra_schema["default"] = list(default) if isinstance(default, set) else default
    if message:
        extra_schema["x-message"] = message
    if widget:
        extra_schema["x-widget"] = widget
    hooks = {name: hook for name, hook in (("read", read), ("clean", clean)) if hook is not None}
    meta = msgspec.Meta(
        title=title,
        description=description,
        examples=list(examples) if examples is not None else None,
        extra_json_schema=extra_schema or None,
        extra=hooks or None,
        **limits,
    )
    return Param(default, meta)


def upload(
    title: str,
    *,
    kinds: tuple[str, ...] = ("text",),
    max_bytes: int = 32 * 1024 * 1024,
    max_files: int = 1,
    description: str | None = None,
    what: str = "file",
    default: Any = msgspec.NODEFAULT,
) -> Param:
    """A file parameter: the accepted kinds (checked by content), the largest file, how many files.

    Annotate it ``Upload`` (one file), ``Upload | None`` (optional) or ``list[Upload]`` (several)."""
    unknown = set(kinds) - set(KINDS)
    if unknown:
        raise DeclarationError(f"unknown upload kind {sorted(unknown)[0]!r}; known: {', '.join(KINDS)}")
    rules = {"kinds": list(kinds), "max_bytes": max_bytes, "max_files": max_files, "what": what}
    limits = {"min_length": 1, "max_length": max_files} if max_files > 1 else {}  # a list: at least one
    return param(default, title=title, description=description, schema={"x-upload": rules}, **limits)


class _Declared(msgspec.StructMeta):
    """Reads ``name: type = param(...)`` as msgspec's ``name: Annotated[type, Meta(...)] = default``.

    It rewrites the class body's ``__annotations__`` dict before msgspec reads it. Python 3.11 to
    3.13 (the ones scripts/bootstrap.sh picks) fill that dict as the body runs; 3.14 evaluates
    annotations lazily (PEP 649) and leaves no such dict, so there this refuses each ``param()`` as
    untyped, at start-up, until it reads them through ``annotationlib``."""

    def __new__(mcls, name, bases, namespace, **config):
        annotations = dict(namespace.get("__annotations__", {}))
        for key, value in list(namespace.items()):
            if type(value).__module__.startswith("pydantic"):  # a task written for pydantic
                raise DeclarationError(
                    f"{name}.{key} is declared with pydantic; write {key}: <type> = param(...) "
                    "from jobs.task_declaration (docs/adding-a-task.md)"
                )
            if not isinstance(value, Param):
                continue
            if key not in annotations:
                raise DeclarationError(f"{name}.{key} has no type: write {key}: <type> = param(...)")
            annotations[key] = Annotated[annotations[key], value.meta]
            if value.default is msgspec.NODEFAULT:
                del namespace[key]
            elif _needs_factory(value.default):
                namespace[key] = msgspec.field(default_factory=value.default.copy)
            else:
                namespace[key] = value.default
        namespace["__annotations__"] = annotations
        config.setdefault("kw_only", True)
        return super().__new__(mcls, name, bases, namespace, **config)


class Params(msgspec.Struct, metaclass=_Declared):
    """Base of every task's parameters. Unknown keys are ignored, as a form ignores unknown fields.

    A rule across fields goes in ``__post_init__`` (msgspec's hook), raising ``reject(field, message)``."""


class InvalidParams(TaskInputError):
    """The parameters break declared rules. ``errors`` maps each field ("" for the whole) to its
    messages; the text names each field by its label, for the API and the job's error."""

    def __init__(self, errors: dict[str, list[str]], labels: dict[str, str]):
        self.errors = errors
        parts = [f"{labels.get(name, name)}: {m}" if name else m for name, ms in errors.items() for m in ms]
        super().__init__(" ".join(parts))


@dataclass(frozen=True)
class TaskSpec:
    name: str
    title: str
    description: str
    params: type[Params]
    run: Callable[[dict], Any]  # takes the validated parameters (a dict), returns plain data
    queue: str = DEFAULT_QUEUE
    timeout: int = 600  # seconds; RQ stops the job after this long
    retry_max: int = 0  # extra attempts after a failure
    retry_intervals: tuple[int, ...] = ()  # seconds between attempts
    result_kind: str = "summary"  # which template in templates/results/ shows the result
    template: str | None = None  # a result template beside the task's module (its file name)
    listed: bool = True  # shown in the catalog (False for the site's own tools and test probes)
    #: short and trusted: runs in the worker's own process (IN_PROCESS_QUEUE, RQ's SimpleWorker),
    #: without a fork per job, so without isolation between jobs (docs/scaling.md)
    in_process: bool = False
    fields: tuple[ParamField, ...] = field(init=False, repr=False, compare=False)
    labels: dict[str, str] = field(init=False, repr=False, compare=False)

    def __post_init__(self):
        problems = []
        if not isinstance(self.name, str) or not NAME.fullmatch(self.name):
            problems.append(f"name {self.name!r} must be lower-case letters, digits and _")
        if not (isinstance(self.params, type) and issubclass(self.params, Params)):
            problems.append("params must be a subclass of jobs.task_declaration.Params")
        if not callable(self.run):
            problems.append("run must be a function")
        if self.queue not in QUEUE_NAMES:
            problems.append(f"queue must be one of {', '.join(QUEUE_NAMES)}")
        if isinstance(self.timeout, bool) or not isinstance(self.timeout, int) or self.timeout < 1:
            problems.append("timeout must be a whole number of seconds")
        if not isinstance(self.retry_max, int) or self.retry_max < 0:
            problems.append("retry_max must be 0 or more")
        if problems:
            raise DeclarationError(f"task {self.name!r}: {'; '.join(problems)}")
        object.__setattr__(self, "fields", fields_of(self.params))
        object.__setattr__(self, "labels", {f.name: f.label for f in self.fields})
        object.__setattr__(self, "retry_intervals", tuple(self.retry_intervals))
        if self.template:
            if not self.template_path().is_file():
                raise DeclarationError(f"task {self.name!r}: no template {self.template!r} beside its module")
            object.__setattr__(self, "result_kind", self.name)

    def field(self, name: str) -> ParamField:
        return next(f for f in self.fields if f.name == name)

    @property
    def module(self) -> str:
        return self.run.__module__

    def template_path(self) -> Path:
        return Path(sys.modules[self.module].__file__).parent / self.template

    def validate(self, params: dict) -> dict:
        """The clean parameters (JSON-ready), or ``InvalidParams`` with one message per broken rule,
        for every broken field at once."""
        if not isinstance(params, dict):
            raise TaskInputError("The job's parameters must be a JSON object.")
        values, errors = {}, {}
        for f in self.fields:
            if f.name not in params:
                if f.required:
                    errors[f.name] = [field_message(f, None)]
                else:
                    values[f.name] = f.default
                continue
            try:
                values[f.name] = read_field(f, params[f.name])
            except msgspec.ValidationError:
                errors[f.name] = [field_message(f, params[f.name])]
            except ValueError as error:  # a rule of the task's own, with its own message
                errors[f.name] = [str(error)]
        if not errors:
            try:
                return msgspec.to_builtins(self.params(**values))  # runs the rule across fields
            except Rejected as error:
                errors[error.field] = [error.message]
            except ValueError as error:
                errors[""] = [str(error)]
        raise InvalidParams(errors, self.labels)

    def json_schema(self) -> dict:
        """The parameters as JSON Schema (what they share, such as ``Upload``, under ``$defs``)."""
        (ref,), defs = msgspec.json.schema_components([self.params], ref_template="#/$defs/{name}")
        schema = defs.pop(ref["$ref"].rsplit("/", 1)[1])
        return {**schema, "$defs": defs} if defs else schema
