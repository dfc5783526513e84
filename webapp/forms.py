"""Task forms, generated from each task's declaration (``jobs/task_declaration.py``).

A form's fields are the task's parameters (same names, in declaration order), with the HTML
constraint attributes their limits give (min, max, maxlength, required, accept, multiple). The form
does not restate the rules: it hands what the browser sent to the task's own ``validate`` and shows
each message beside its field. What only the form can check (an uploaded file's content kind) is
checked here, with the words of ``jobs/upload_kinds.py``.
"""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flask import request
from flask_wtf import FlaskForm
from werkzeug.datastructures import CombinedMultiDict
from wtforms import (
    DateTimeLocalField,
    HiddenField,
    IntegerField,
    SelectField,
    StringField,
)
from wtforms.csrf.core import CSRFTokenField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import NumberRange, Optional, ValidationError

from jobs.queue_names import QUEUE_NAMES
from webapp.start_time import MAX_AHEAD_MINUTES, NOT_IN_FUTURE, start_time_problem

#: fields every task form has; they say how and when to run, they are not the task's parameters
OPTION_FIELDS = ("priority", "start_in", "start_at", "timezone")
MAX_DELAY_MINUTES = MAX_AHEAD_MINUTES


def time_zone(name: str) -> ZoneInfo | None:
    """The IANA zone, or None. A name is a path under the tz database, so a folder ("America") or a
    very long name raises OSError, not ZoneInfoNotFoundError."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        return None


class TokenOnRenderField(CSRFTokenField):
    """The form's CSRF token field, signing this browser's token when the form is shown, not each
    time a form object is built. WTForms signs a fresh one in ``process``: for a submission that is
    valid (CSRFProtect has checked the token it was sent) and is never shown again, that signature
    is never used. Shown again (invalid input), the form gets its token."""

    def process(self, *args, **kwargs):
        HiddenField.process(self, *args, **kwargs)

    def _value(self):
        if self.current_token is None:
            self.current_token = self.csrf_impl.generate_csrf_token(self)
        return self.current_token


class OptionalDateTimeLocalField(DateTimeLocalField):
    """A date-time field for an optional value: an empty input is no date, without the failed
    ``strptime`` (and the error WTForms makes, then ``Optional`` clears) that WTForms' field goes
    through for it; a filled-in one is parsed as WTForms parses it. Most submissions leave it empty."""

    def process_formdata(self, valuelist):
        if valuelist and not any(value.strip() for value in valuelist):
            self.data = None
            return
        super().process_formdata(valuelist)


class TokenOnRenderCSRF(FlaskForm.Meta.csrf_class):
    field_class = TokenOnRenderField


class PostedForm(FlaskForm):
    """Reads a submission only as an HTML form sends it (form-encoded or multipart), never as JSON.

    Flask-WTF would read a JSON body as form data, and a JSON list or number there is a TypeError
    (a 500); an empty submission would also silently take the fields' defaults.
    """

    class Meta(FlaskForm.Meta):
        csrf_class = TokenOnRenderCSRF

        def wrap_formdata(self, form, formdata):
            if request.method == "POST" and formdata is not None and not hasattr(formdata, "getlist"):
                return CombinedMultiDict((request.files, request.form))
            return super().wrap_formdata(form, formdata)


class TaskForm(PostedForm):
    """The fields every task's form has: how and when to run (``webapp/task_forms.py`` adds the
    task's own)."""

    priority = SelectField(
        "Priority",
        choices=[
            SelectChoice("", "Normal (the task's own queue)"),
            *(SelectChoice(name, name.capitalize()) for name in QUEUE_NAMES),
        ],
        default="",
        validators=[Optional()],
    )
    start_in = IntegerField(
        "Start in (minutes)",
        validators=[Optional(), NumberRange(1, MAX_DELAY_MINUTES, "Enter minutes from %(min)s to %(max)s.")],
        description="Leave empty to start as soon as a worker is free.",
        render_kw={"min": 1, "max": MAX_DELAY_MINUTES, "inputmode": "numeric"},
    )
    start_at = OptionalDateTimeLocalField("Or start at", format="%Y-%m-%dT%H:%M", validators=[Optional()])
    timezone = StringField(
        "Time zone for 'start at'",
        default="UTC",
        description="An IANA name such as Europe/Paris; filled in from your browser when it can.",
        validators=[Optional()],
    )

    def validate_timezone(self, field):
        if time_zone(field.data or "UTC") is None:
            raise ValidationError("Enter a time zone name such as UTC or Europe/Paris.")

    def validate_start_at(self, field):
        if field.data is None:
            return
        if self.start_in.data:
            raise ValidationError("Choose either 'start in' or 'start at', not both.")
        when = self.start_time()
        problem = start_time_problem(when) if when else NOT_IN_FUTURE
        if problem:
            raise ValidationError(problem)

    def start_time(self) -> datetime | None:
        """When the job should start (aware, UTC), or None for 'as soon as possible'."""
        if self.start_in.data:
            return datetime.now(UTC) + timedelta(minutes=self.start_in.data)
        if self.start_at.data:
            zone = time_zone(self.timezone.data or "UTC")
            if zone is None:
                return None
            try:
                return self.start_at.data.replace(tzinfo=zone).astimezone(UTC)
            except OverflowError:  # the first or last day of the calendar, shifted past its edge
                return None
        return None
