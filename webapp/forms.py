"""One WTForms class per task. The field names are the task's parameter names."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flask_wtf import FlaskForm
from wtforms import DateTimeLocalField, IntegerField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, NumberRange, Optional, ValidationError

from jobs import countdown

#: fields every task form has; they say how and when to run, they are not the task's parameters
OPTION_FIELDS = ("priority", "start_in", "start_at", "timezone")
MAX_DELAY_MINUTES = 7 * 24 * 60


class TaskForm(FlaskForm):
    """A task's form; ``to_params`` turns the validated fields into the job's parameters."""

    #: the fields that become parameters (the CSRF token and the options are not)
    param_fields: tuple[str, ...] = ()

    priority = SelectField(
        "Priority",
        choices=[
            SelectChoice("", "Normal (the task's own queue)"),
            SelectChoice("high", "High"),
            SelectChoice("default", "Default"),
            SelectChoice("low", "Low"),
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
    start_at = DateTimeLocalField("Or start at", format="%Y-%m-%dT%H:%M", validators=[Optional()])
    timezone = StringField(
        "Time zone for 'start at'",
        default="UTC",
        description="An IANA name such as Europe/Paris; filled in from your browser when it can.",
        validators=[Optional()],
    )

    def validate_timezone(self, field):
        try:
            ZoneInfo(field.data or "UTC")
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValidationError("Enter a time zone name such as UTC or Europe/Paris.") from exc

    def validate_start_at(self, field):
        if field.data is None:
            return
        if self.start_in.data:
            raise ValidationError("Choose either 'start in' or 'start at', not both.")
        when = self.start_time()
        if when is None or when <= datetime.now(UTC):
            raise ValidationError("Choose a time in the future.")
        if when > datetime.now(UTC) + timedelta(minutes=MAX_DELAY_MINUTES):
            raise ValidationError("Choose a time within the next 7 days.")

    def start_time(self) -> datetime | None:
        """When the job should start (aware, UTC), or None for 'as soon as possible'."""
        if self.start_in.data:
            return datetime.now(UTC) + timedelta(minutes=self.start_in.data)
        if self.start_at.data:
            try:
                zone = ZoneInfo(self.timezone.data or "UTC")
            except (ZoneInfoNotFoundError, ValueError):
                return None
            return self.start_at.data.replace(tzinfo=zone).astimezone(UTC)
        return None

    def to_params(self, store_file=None) -> dict:
        """``store_file(field_name, filename, data) -> reference`` saves an upload in Redis."""
        return {name: getattr(self, name).data for name in self.param_fields}


class CountdownForm(TaskForm):
    param_fields = ("seconds",)
    seconds = IntegerField(
        "Seconds to wait",
        default=10,
        validators=[
            InputRequired("Enter how many seconds to wait."),
            NumberRange(
                countdown.MIN_SECONDS, countdown.MAX_SECONDS, "Enter a whole number from %(min)s to %(max)s."
            ),
        ],
        render_kw={"min": countdown.MIN_SECONDS, "max": countdown.MAX_SECONDS, "inputmode": "numeric"},
    )


FORMS: dict[str, type[TaskForm]] = {
    "countdown": CountdownForm,
}
