"""A task's own result template, kept beside its module (``TaskSpec.template``).

The job page includes ``results/<result kind>.html``; for a task that brings its template, that
name is answered from the file beside the task's module when ``templates/results/`` has no such
file. A task's template is the task author's code, trusted as the module is.
"""

from jinja2 import BaseLoader, ChoiceLoader, FunctionLoader

from jobs.registry import get_task

PREFIX, SUFFIX = "results/", ".html"


def task_template(name: str):
    if not (name.startswith(PREFIX) and name.endswith(SUFFIX)):
        return None
    spec = get_task(name[len(PREFIX) : -len(SUFFIX)])
    if spec is None or not spec.template:
        return None
    path = spec.template_path()
    mtime = path.stat().st_mtime
    return path.read_text(encoding="utf-8"), str(path), lambda: path.stat().st_mtime == mtime


def with_task_templates(loader: BaseLoader) -> ChoiceLoader:
    """``loader`` first (the site's templates), then the tasks' own."""
    return ChoiceLoader([loader, FunctionLoader(task_template)])
