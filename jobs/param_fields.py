"""What the site and the rules read of each declared parameter: ``ParamField``, from the msgspec
fields of a ``Params`` class (its type, its default, and the ``msgspec.Meta`` that ``param()`` or
``upload()`` put on it)."""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Annotated, Any, Literal, get_args, get_origin

import msgspec

_META = (
    "gt",
    "ge",
    "lt",
    "le",
    "multiple_of",
    "pattern",
    "min_length",
    "max_length",
    "title",
    "description",
    "examples",
    "extra_json_schema",
    "extra",
)


@dataclass(frozen=True)
class ParamField:
    name: str
    #: the declared type without its metadata: int, str, bool, Literal[...], list[...], Upload | None
    annotation: Any
    #: the type with its limits, as msgspec checks a value against it
    checked: Any
    required: bool
    default: Any  # None when required
    meta: dict  # the msgspec.Meta attributes set on the field (title, ge, max_length, extra, ...)
    # What every validation reads, worked out here, as the task is declared: a worker declares its
    # tasks once and validates once in each forked work horse, where anything lazy would start again.
    #: the upload's rules (kinds, max_bytes, max_files, what), or None for another parameter
    upload: dict | None = field(init=False)
    #: how a value is read before it is checked (``param(read=...)``), or None
    read: Callable | None = field(init=False)
    #: the task's own rule after the type's (``param(clean=...)``), or None
    clean: Callable | None = field(init=False)

    def __post_init__(self):
        hooks = self.meta.get("extra") or {}
        object.__setattr__(self, "upload", self.schema_extra.get("x-upload"))
        object.__setattr__(self, "read", hooks.get("read"))
        object.__setattr__(self, "clean", hooks.get("clean"))

    @property
    def label(self) -> str:
        return self.meta.get("title") or self.name.replace("_", " ").capitalize()

    @property
    def description(self) -> str:
        return self.meta.get("description") or ""

    @property
    def examples(self) -> list:
        return self.meta.get("examples") or []

    @property
    def schema_extra(self) -> dict:
        return self.meta.get("extra_json_schema") or {}

    @property
    def message(self) -> str | None:
        """The field's own words for its one rule, if it declares them."""
        return self.schema_extra.get("x-message")

    @property
    def widget(self) -> str | None:
        return self.schema_extra.get("x-widget")

    @property
    def many(self) -> bool:
        """A list of values (several choices, several files)."""
        return get_origin(self.annotation) is list

    @property
    def choices(self) -> list | None:
        annotation = get_args(self.annotation)[0] if self.many else self.annotation
        return list(get_args(annotation)) if get_origin(annotation) is Literal else None


def _meta_of(annotation) -> tuple[Any, dict]:
    """(the type without Annotated, the merged attributes of its msgspec.Meta)."""
    meta: dict = {}
    if get_origin(annotation) is Annotated:
        annotation, *extras = get_args(annotation)
        for item in extras:
            if isinstance(item, msgspec.Meta):
                meta.update({k: getattr(item, k) for k in _META if getattr(item, k) is not None})
    return annotation, meta


def fields_of(params: type) -> tuple[ParamField, ...]:
    """The parameters of a ``Params`` class, in declaration order."""
    found = []
    for info in msgspec.structs.fields(params):
        annotation, meta = _meta_of(info.type)
        required = info.default is msgspec.NODEFAULT and info.default_factory is msgspec.NODEFAULT
        default = None
        if info.default is not msgspec.NODEFAULT:
            default = info.default
        elif info.default_factory is not msgspec.NODEFAULT:
            default = info.default_factory()
        found.append(ParamField(info.name, annotation, info.type, required, default, meta))
    return tuple(found)
