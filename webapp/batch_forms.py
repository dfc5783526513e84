"""Batch forms: many files, one job each ("profile each of these 20 files").

Every task whose declaration has exactly one single-file parameter gets one, built from that
declaration: the files field (that parameter's accepted kinds, checked by content) and the task's
other fields, the same for every job. A long text field (``x-widget: textarea``), the alternative to
a file, is left out: each job gets its file instead. Each item is validated by the task's own rules
before anything is enqueued (``webapp/batches.py``).
"""

from wtforms import MultipleFileField
from wtforms.validators import ValidationError

from jobs.registry import TASKS
from jobs.task_declaration import TaskSpec
from jobs.upload_kinds import accept, kind_problem
from webapp.forms import PostedForm
from webapp.task_forms import chosen_files, declared_fields, head_and_size, submitted_value

#: the most files one batch form takes; the request size limit (MAX_CONTENT_LENGTH) bounds their bytes
MAX_FILES = 100


class BatchForm(PostedForm):
    """``file_param``: the task's parameter that takes one file; ``files``: the chosen files."""

    spec: TaskSpec
    file_param = ""
    shared = ()  # the names of the task's other fields, the same for every job

    def validate_files(self, field):
        files = chosen_files(field)
        if not files:
            raise ValidationError("Choose at least one file.")
        if len(files) > MAX_FILES:
            raise ValidationError(f"Choose at most {MAX_FILES} files at a time.")
        kinds = self.spec.field(self.file_param).upload["kinds"]
        for upload in files:
            problem = kind_problem(head_and_size(upload)[0], upload.filename, kinds)
            if problem:
                raise ValidationError(problem)

    def shared_params(self) -> dict:
        return {name: submitted_value(self[name]) for name in self.shared}

    def to_items(self, store_file) -> list[dict]:
        """One parameter dict per file; ``store_file(index, field, upload)`` keeps it."""
        shared = self.shared_params()
        return [
            {**shared, self.file_param: store_file(i, self.file_param, upload)}
            for i, upload in enumerate(chosen_files(self.files))
        ]


def file_param(spec: TaskSpec) -> str | None:
    """The task's one single-file parameter, or None when it has none or several."""
    singles = [f.name for f in spec.fields if f.upload and f.upload["max_files"] == 1]
    files = [f.name for f in spec.fields if f.upload]
    return singles[0] if len(singles) == 1 and len(files) == 1 else None


def batch_form(spec: TaskSpec, param: str) -> type[BatchForm]:
    rules = spec.field(param).upload
    texts = [f.name for f in spec.fields if f.widget == "textarea"]
    fields = declared_fields(spec, skip=(param, *texts))
    files = MultipleFileField(
        f"{rules['what'][:1].upper()}{rules['what'][1:]}s",
        description=f"Choose up to {MAX_FILES}; each becomes its own job.",
        render_kw={"accept": accept(rules["kinds"])},
    )
    attributes = {"spec": spec, "file_param": param, "shared": tuple(fields), "files": files, **fields}
    return type(f"{spec.params.__name__}BatchForm", (BatchForm,), attributes)


BATCH_FORMS = {
    spec.name: batch_form(spec, param)
    for spec in TASKS.values()
    if spec.listed and (param := file_param(spec))
}
