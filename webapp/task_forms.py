"""Each task's form, built from its declaration: nothing is written by hand per task.

A field's kind follows its parameter's type (number, text, long text, on/off, one or several
choices, file or files) and its HTML constraint attributes follow the parameter's JSON Schema
(minimum -> ``min``, maxLength -> ``maxlength``, ...), so the page and ``/api/tasks/<name>`` state
the same limits. Validation is the task's own (``TaskSpec.validate``): the form hands it what the
browser sent, as the API hands it JSON, and shows each message beside its field.
"""

from functools import cache

from wtforms import (
    BooleanField,
    FileField,
    MultipleFileField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice

from jobs.param_fields import ParamField
from jobs.registry import TASKS, get_task
from jobs.task_declaration import InvalidParams, TaskSpec
from jobs.upload_kinds import HEAD_BYTES, accept, kind_problem
from webapp.forms import TaskForm
from webapp.upload_stream import upload_size

#: what a placeholder says before a parameter's example
EXAMPLE_PREFIX = "e.g. "


def _property(schema: dict, name: str) -> dict:
    """The field's JSON Schema, with an optional (``X | None``) type read as X."""
    prop = dict(schema["properties"][name])
    for option in prop.pop("anyOf", []):
        if option.get("type") != "null":
            prop.update(option)
    return prop


def chosen_files(field) -> list:
    """The files actually chosen in a file field (browsers send an empty part when none is)."""
    data = field.data if isinstance(field.data, list) else [field.data]
    return [f for f in data if f is not None and getattr(f, "filename", "")]


def head_and_size(upload) -> tuple[bytes, int]:
    """The first bytes of an uploaded file (its kind is judged on them alone) and its size."""
    head = upload.stream.read(HEAD_BYTES)
    return head, upload_size(upload)


def _field(param: ParamField, prop: dict, required: bool):
    label, hint = param.label, param.description
    attrs: dict = {}
    if param.examples:
        attrs["placeholder"] = f"{EXAMPLE_PREFIX}{param.examples[0]}"
    rules = param.upload
    if rules:
        attrs = {"accept": accept(rules["kinds"])}
        many = rules["max_files"] > 1
        return (MultipleFileField if many else FileField)(label, description=hint, render_kw=attrs)
    choices = param.choices
    if choices is not None:
        options = [SelectChoice(str(value), f"{value}") for value in choices]
        default = param.default
        if param.many:
            return SelectMultipleField(
                label, choices=options, coerce=str, default=default, description=hint, validate_choice=False
            )
        return SelectField(
            label, choices=options, coerce=str, default=default, description=hint, validate_choice=False
        )
    if param.annotation is bool:
        return BooleanField(label, default=bool(param.default), description=hint)
    default = param.default
    if param.annotation in (int, float):
        attrs.update(type="number", inputmode="numeric" if param.annotation is int else "decimal")
        attrs["step"] = 1 if param.annotation is int else "any"
        for key, attr in (("minimum", "min"), ("maximum", "max")):
            if key in prop:
                attrs[attr] = prop[key]
        if default is not None or required:
            attrs["required"] = True
        return StringField(label, default=default, description=hint, render_kw=attrs)
    for key, attr in (("maxLength", "maxlength"), ("minLength", "minlength"), ("pattern", "pattern")):
        if key in prop:
            attrs[attr] = prop[key]
    if required or prop.get("minLength", 0) > 0:
        attrs["required"] = True
    if prop.get("x-widget") == "textarea":
        attrs.setdefault("rows", 8)
        return TextAreaField(label, default=default, description=hint, render_kw=attrs)
    if prop.get("format") == "uri":
        attrs["type"] = "url"
    return StringField(label, default=default, description=hint, render_kw=attrs)


def submitted_value(field):
    """A non-file field's value as the browser sent it, for the task's own validation."""
    if isinstance(field, BooleanField | SelectMultipleField):
        return field.data  # unticked, nothing chosen: the browser sends nothing
    return field.raw_data[0] if field.raw_data else ""  # a text input left out is an empty one


def declared_fields(spec: TaskSpec, skip=()) -> dict:
    """The form fields of the task's parameters (but ``skip``), in declaration order."""
    schema = spec.json_schema()
    required = set(schema.get("required", []))
    return {
        f.name: _field(f, _property(schema, f.name), f.name in required)
        for f in spec.fields
        if f.name not in skip
    }


class DeclaredForm(TaskForm):
    """A task's form; ``spec`` is the task it was built for."""

    spec: TaskSpec

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)  # the CSRF token and the run options
        values, self.chosen_files, kind_errors = {}, {}, {}
        for param in self.spec.fields:
            name, rules = param.name, param.upload
            field = self[name]
            if rules:
                files = self.chosen_files[name] = chosen_files(field)
                refs = []
                for upload in files:
                    head, size = head_and_size(upload)
                    refs.append({"file": "chosen", "filename": upload.filename, "size": size})
                    problem = kind_problem(head, upload.filename, rules["kinds"])
                    if problem and name not in kind_errors:
                        kind_errors[name] = problem
                if refs:
                    values[name] = refs if rules["max_files"] > 1 else refs[0]
            else:
                values[name] = submitted_value(field)
        try:
            self.clean = self.spec.validate(values)
        except InvalidParams as invalid:
            ok = False
            for name, messages in invalid.errors.items():
                (self[name].errors if name in self else self.form_errors).extend(messages)
        for name, problem in kind_errors.items():
            if not self[name].errors:
                self[name].errors.append(problem)
                ok = False
        return ok

    def to_params(self, store_file) -> dict:
        """The validated parameters, each chosen file saved by ``store_file(field_name, upload) ->
        reference`` (``webapp/upload_stream.py``)."""
        params = dict(self.clean)
        for name, files in self.chosen_files.items():
            refs = [store_file(f"{name}{i}", f) for i, f in enumerate(files)]
            many = self.spec.field(name).upload["max_files"] > 1
            params[name] = refs if many else (refs[0] if refs else None)
        return params


def longest_text_bytes(default: int = 500_000) -> int:
    """The most bytes one form field may carry: the longest text a task declares (in UTF-8, up to
    4 bytes a character), or Werkzeug's default when that is more. Below it, Werkzeug answers a
    long pasted text with 413 before the task's own rule can give its message."""
    lengths = [
        f.meta.get("max_length") or 0 for spec in TASKS.values() for f in spec.fields if f.annotation is str
    ]
    return max([default, *(4 * n + 1024 for n in lengths)])


@cache
def form_class(task: str) -> type[DeclaredForm] | None:
    """The form class of a task (built once per process), or None for an unknown task."""
    spec = get_task(task)
    if spec is None:
        return None
    return type(f"{spec.params.__name__}Form", (DeclaredForm,), {"spec": spec, **declared_fields(spec)})
