"""One WTForms class per task. The field names are the task's parameter names."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flask import request
from flask_wtf import FlaskForm
from werkzeug.datastructures import CombinedMultiDict
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    FileField,
    HiddenField,
    IntegerField,
    MultipleFileField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.csrf.core import CSRFTokenField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, NumberRange, Optional, ValidationError

from jobs import countdown, primes, thumbnails, url_words, word_frequency
from jobs.errors import TaskInputError
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
    """A task's form; ``to_params`` turns the validated fields into the job's parameters."""

    #: the fields that become parameters (the CSRF token and the options are not)
    param_fields: tuple[str, ...] = ()

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


def _uploads(field) -> list:
    """The files actually chosen in a file field (browsers send an empty part when none is)."""
    data = field.data if isinstance(field.data, list) else [field.data]
    return [f for f in data if f is not None and getattr(f, "filename", "")]


def _store(store_file, field_name: str, upload) -> dict:
    return store_file(field_name, upload.filename, upload.read())


def _looks_binary(upload) -> bool:
    head = upload.stream.read(8192)
    upload.stream.seek(0)
    return b"\x00" in head


IMAGE_MAGIC = (b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n", b"GIF87a", b"GIF89a")


def _looks_like_image(upload) -> bool:
    head = upload.stream.read(16)
    upload.stream.seek(0)
    return head.startswith(IMAGE_MAGIC) or (head[:4] == b"RIFF" and head[8:12] == b"WEBP")


class CsvProfileForm(TaskForm):
    csv = FileField(
        "CSV file",
        description="UTF-8 or Latin-1; comma, semicolon, tab or pipe separated; the first row names the columns.",
        render_kw={"accept": ".csv,.tsv,.txt,text/csv,text/plain"},
    )

    def validate_csv(self, field):
        files = _uploads(field)
        if not files:
            raise ValidationError("Choose a CSV file to upload.")
        if _looks_binary(files[0]):
            raise ValidationError("That file is not a CSV text file.")

    def to_params(self, store_file=None) -> dict:
        return {"csv": _store(store_file, "csv", _uploads(self.csv)[0])}


class WordFrequencyForm(TaskForm):
    upload = FileField(
        "Text file", description="UTF-8 or Latin-1 plain text.", render_kw={"accept": ".txt,.md,text/plain"}
    )
    text = TextAreaField("Or paste text", render_kw={"rows": 8})
    top = IntegerField(
        "How many top words",
        default=20,
        validators=[
            InputRequired("Enter how many top words to show."),
            NumberRange(1, word_frequency.MAX_TOP, "Enter a whole number from %(min)s to %(max)s."),
        ],
        render_kw={"min": 1, "max": word_frequency.MAX_TOP, "inputmode": "numeric"},
    )
    stop_words = BooleanField("Leave out common English words (the, and, of, ...)")

    def validate_text(self, field):
        files = _uploads(self.upload)
        text = (field.data or "").strip()
        if files and text:
            raise ValidationError("Either upload a file or paste text, not both.")
        if not files and not text:
            raise ValidationError("Upload a text file or paste some text.")
        if len(text) > word_frequency.MAX_PASTED_CHARS:
            raise ValidationError("That is too much text to paste; upload it as a file instead.")
        if files and _looks_binary(files[0]):
            raise ValidationError("That file is not a plain text file.")

    def to_params(self, store_file=None) -> dict:
        params = {"top": self.top.data, "stop_words": bool(self.stop_words.data)}
        files = _uploads(self.upload)
        if files:
            params["upload"] = _store(store_file, "upload", files[0])
        else:
            params["text"] = self.text.data
        return params


class ThumbnailsForm(TaskForm):
    images = MultipleFileField(
        "Images",
        description="JPEG, PNG, WebP or GIF; choose one or more.",
        render_kw={"accept": "image/jpeg,image/png,image/webp,image/gif"},
    )
    sizes = SelectMultipleField(
        "Sizes (longest side, pixels)",
        choices=[SelectChoice(s, f"{s} px") for s in thumbnails.SIZES],
        coerce=int,
        default=[128, 256],
        description="Hold Ctrl (or Cmd) to choose several.",
    )

    def validate_images(self, field):
        files = _uploads(field)
        if not files:
            raise ValidationError("Choose at least one image to upload.")
        if len(files) > thumbnails.MAX_FILES:
            raise ValidationError(f"Upload at most {thumbnails.MAX_FILES} images at a time.")
        for upload in files:
            if not _looks_like_image(upload):
                raise ValidationError(f"{upload.filename!r} is not a JPEG, PNG, WebP or GIF image.")

    def validate_sizes(self, field):
        if not field.data:
            raise ValidationError("Choose at least one size.")

    def to_params(self, store_file=None) -> dict:
        images = [_store(store_file, f"images{i}", upload) for i, upload in enumerate(_uploads(self.images))]
        return {"images": images, "sizes": sorted(set(self.sizes.data))}


class PrimesForm(TaskForm):
    param_fields = ("limit",)
    limit = IntegerField(
        "Count primes up to",
        default=10_000_000,
        validators=[
            InputRequired("Enter an upper bound."),
            NumberRange(2, primes.MAX_LIMIT, "Enter a whole number from %(min)s to %(max)s."),
        ],
        description="Up to 1000000000 (one billion); that takes a while, which is the point.",
        render_kw={"min": 2, "max": primes.MAX_LIMIT, "inputmode": "numeric"},
    )


class UrlWordsForm(TaskForm):
    param_fields = ("url",)
    url = StringField(
        "Web page address",
        validators=[InputRequired("Enter the address of a web page.")],
        render_kw={"type": "url", "placeholder": "https://example.com/"},
    )

    def validate_url(self, field):
        try:
            field.data = url_words.validate({"url": field.data})["url"]
        except TaskInputError as exc:
            raise ValidationError(str(exc)) from exc


FORMS: dict[str, type[TaskForm]] = {
    "countdown": CountdownForm,
    "csv_profile": CsvProfileForm,
    "word_frequency": WordFrequencyForm,
    "thumbnails": ThumbnailsForm,
    "primes": PrimesForm,
    "url_words": UrlWordsForm,
}
