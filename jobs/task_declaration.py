"""A task's one declaration: its name, how it runs, how its result is shown, and its parameters.

The parameters are a pydantic model (a subclass of ``Params``); every field carries its type, limits,
default, label (``title``), help (``description``) and example (``examples``). From the declaration
the site builds the form, the JSON Schema, the catalog entry and the result page; the form, the JSON
API and the worker all validate through ``TaskSpec.validate``, so each rule has one message
(``jobs/param_messages.py``). Uploads are ``Upload`` references declared with ``upload(...)``.
"""

import re
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator
from pydantic_core import InitErrorDetails, PydanticCustomError, PydanticUndefined

from jobs.errors import TaskInputError
from jobs.param_messages import error_messages
from jobs.queue_names import DEFAULT_QUEUE, QUEUE_NAMES
from jobs.sizes import human_size
from jobs.upload_kinds import KINDS

#: the type of a rule's error that carries its own message (``reject``)
RULE = "jobdeck_rule"
NAME = re.compile(r"[a-z][a-z0-9_]{0,63}")


def reject(field_name: str, message: str, value: Any = None) -> ValidationError:
    """A validation error for one field with its own message; raise it from a model validator
    (a cross-field rule, such as "a file or text, not both") so it shows beside that field."""
    detail = InitErrorDetails(type=PydanticCustomError(RULE, message), loc=(field_name,), input=value)
    return ValidationError.from_exception_data("params", [detail])


class Upload(BaseModel):
    """A reference to an uploaded file the site stored in Redis under the job's id."""

    model_config = ConfigDict(extra="ignore")

    file: str = Field(min_length=1)
    filename: str = ""
    size: int | None = None

    @model_validator(mode="before")
    @classmethod
    def _user_name(cls, value):
        if isinstance(value, dict) and isinstance(value.get("file"), str):
            name = value.get("filename") if isinstance(value.get("filename"), str) else value["file"]
            size = value.get("size") if isinstance(value.get("size"), int) else None
            return {"file": value["file"], "filename": name[:200], "size": size}
        return value


def upload(
    title: str,
    *,
    kinds: tuple[str, ...] = ("text",),
    max_bytes: int = 32 * 1024 * 1024,
    max_files: int = 1,
    description: str = "",
    what: str = "file",
    default: Any = PydanticUndefined,
):
    """A file parameter: the accepted kinds (checked by content), the largest file, how many files.

    Annotate it ``Upload`` (one file), ``Upload | None`` (optional) or ``list[Upload]`` (several)."""
    unknown = set(kinds) - set(KINDS)
    if unknown:
        raise ValueError(f"unknown upload kind {sorted(unknown)[0]!r}; known: {', '.join(KINDS)}")
    rules = {"kinds": list(kinds), "max_bytes": max_bytes, "max_files": max_files, "what": what}
    extra = {"x-upload": rules}
    if max_files > 1:  # a list of files: at least one
        return Field(
            default,
            title=title,
            description=description,
            min_length=1,
            max_length=max_files,
            json_schema_extra=extra,
        )
    return Field(default, title=title, description=description, json_schema_extra=extra)


def upload_rules(info) -> dict | None:
    extra = info.json_schema_extra if isinstance(info.json_schema_extra, dict) else {}
    return extra.get("x-upload")


class Params(BaseModel):
    """Base of every task's parameters. Unknown keys are ignored, as a form ignores unknown fields."""

    model_config = ConfigDict(extra="ignore")

    @field_validator("*", mode="before")
    @classmethod
    def _numbers_are_not_booleans(cls, value, info):
        # pydantic reads True as 1; a checkbox's value is never a count
        if isinstance(value, bool) and cls.model_fields[info.field_name].annotation in (int, float):
            raise PydanticCustomError("int_type", "not a number")
        return value

    @model_validator(mode="after")
    def _upload_limits(self):
        for name, info in type(self).model_fields.items():
            rules = upload_rules(info)
            value = getattr(self, name)
            if not rules or value is None:
                continue
            for ref in value if isinstance(value, list) else [value]:
                if ref.size is not None and ref.size > rules["max_bytes"]:
                    limit = human_size(rules["max_bytes"])
                    raise reject(name, f"{ref.filename!r} is larger than {limit}.")
        return self


class InvalidParams(TaskInputError):
    """The parameters break declared rules. ``errors`` maps each field ("" for the whole) to its
    messages; the text names each field by its label, for the API and the job's error."""

    def __init__(self, errors: dict[str, list[str]], labels: dict[str, str]):
        self.errors = errors
        parts = [f"{labels.get(name, name)}: {m}" if name else m for name, ms in errors.items() for m in ms]
        super().__init__(" ".join(parts))


class DeclarationError(ValueError):
    """A task declaration that cannot work; the message says what is wrong with it."""


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
        labels = {
            n: info.title or n.replace("_", " ").capitalize() for n, info in self.params.model_fields.items()
        }
        object.__setattr__(self, "labels", labels)
        object.__setattr__(self, "retry_intervals", tuple(self.retry_intervals))
        if self.template:
            if not self.template_path().is_file():
                raise DeclarationError(f"task {self.name!r}: no template {self.template!r} beside its module")
            object.__setattr__(self, "result_kind", self.name)

    @property
    def module(self) -> str:
        return self.run.__module__

    def template_path(self) -> Path:
        return Path(sys.modules[self.module].__file__).parent / self.template

    def validate(self, params: dict) -> dict:
        """The clean parameters (JSON-ready), or ``InvalidParams`` with one message per broken rule."""
        if not isinstance(params, dict):
            raise TaskInputError("The job's parameters must be a JSON object.")
        try:
            return self.params.model_validate(params).model_dump(mode="json")
        except ValidationError as error:
            raise InvalidParams(error_messages(error, self.params), self.labels) from None

    def json_schema(self) -> dict:
        return self.params.model_json_schema()
