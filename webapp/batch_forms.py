"""Batch forms: many files, one job each ("profile each of these 20 files").

A batch form names the task's file parameter and keeps the task's other fields; each chosen file
becomes one job's parameters, with the other fields the same for all.
"""

from wtforms import MultipleFileField
from wtforms.validators import ValidationError

from webapp.forms import CsvProfileForm, PostedForm, WordFrequencyForm, _looks_binary, _uploads

#: the most files one batch form takes; the request size limit (MAX_CONTENT_LENGTH) bounds their bytes
MAX_FILES = 100


class BatchForm(PostedForm):
    """``file_param``: the task's parameter that takes one file; ``files``: the chosen files."""

    file_param = ""
    files = MultipleFileField("Files", description=f"Choose up to {MAX_FILES}; each becomes its own job.")

    def validate_files(self, field):
        files = _uploads(field)
        if not files:
            raise ValidationError("Choose at least one file.")
        if len(files) > MAX_FILES:
            raise ValidationError(f"Choose at most {MAX_FILES} files at a time.")
        for upload in files:
            if _looks_binary(upload):
                raise ValidationError(f"{upload.filename!r} is not a text file.")

    def shared_params(self) -> dict:
        return {}

    def to_items(self, store_file) -> list[dict]:
        """One parameter dict per file; ``store_file(index, field, filename, data)`` keeps its bytes."""
        shared = self.shared_params()
        return [
            {**shared, self.file_param: store_file(i, self.file_param, upload.filename, upload.read())}
            for i, upload in enumerate(_uploads(self.files))
        ]


def files_field(label: str, accept: str) -> MultipleFileField:
    return MultipleFileField(
        label,
        description=f"Choose up to {MAX_FILES}; each becomes its own job.",
        render_kw={"accept": accept},
    )


class CsvProfileBatchForm(BatchForm):
    file_param = "csv"
    files = files_field("CSV files", CsvProfileForm.csv.kwargs["render_kw"]["accept"])


class WordFrequencyBatchForm(BatchForm):
    file_param = "upload"
    files = files_field("Text files", WordFrequencyForm.upload.kwargs["render_kw"]["accept"])
    top = WordFrequencyForm.top  # the same field (label, limits, messages) as the one-file form
    stop_words = WordFrequencyForm.stop_words

    def shared_params(self) -> dict:
        return {"top": self.top.data, "stop_words": bool(self.stop_words.data)}


BATCH_FORMS = {"csv_profile": CsvProfileBatchForm, "word_frequency": WordFrequencyBatchForm}
