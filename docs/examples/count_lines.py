"""count_lines: the lines of a log file that contain a word (docs/adding-a-task.md)."""

from jobs.outputs import save_output
from jobs.progress import report
from jobs.task_declaration import Params, TaskSpec, Upload, param, upload
from jobs.text_decoding import decode_text
from jobs.uploads import read_upload


class CountLinesParams(Params):
    log: Upload = upload("Log file", kinds=("text",), max_bytes=20_000_000, what="log file")
    word: str = param("ERROR", min_length=1, max_length=100, title="Word to look for", examples=["ERROR"])


def run(params: dict) -> dict:
    lines = decode_text(read_upload(params["log"])).splitlines()
    found = []
    for number, line in enumerate(lines, start=1):
        if params["word"] in line:
            found.append(line)
        if number % 10_000 == 0:
            report(number, len(lines), f"{number:,} of {len(lines):,} lines read")
    return {
        "summary": f"{len(found):,} of {len(lines):,} lines contain {params['word']!r}.",
        "lines": len(lines),
        "matching": len(found),
        "files": [save_output("matching.txt", "\n".join(found).encode(), "text/plain", "The lines")],
    }


TASK = TaskSpec(
    name="count_lines",
    title="Count lines in a log file",
    description="Counts the lines of a log file that contain a word; download those lines.",
    params=CountLinesParams,
    run=run,
)
