"""One WTForms class per task. The field names are the task's parameter names."""

from flask_wtf import FlaskForm
from wtforms import IntegerField
from wtforms.validators import InputRequired, NumberRange

from jobs import countdown


class TaskForm(FlaskForm):
    """A task's form; ``to_params`` turns the validated fields into the job's parameters."""

    #: the fields that become parameters (the CSRF token and any future options are not)
    param_fields: tuple[str, ...] = ()

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
