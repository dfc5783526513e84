"""A task for ``python -m bench --only upload_memory``, loaded with ``JOBDECK_TASKS=bench.upload_task``:
csv_profile's upload with its size limit raised, so the web worker can be given 100 MB uploads."""

from jobs.task_declaration import Params, TaskSpec, Upload, upload

#: larger than the largest upload the benchmark sends
MAX_BYTES = 256 * 1024 * 1024


class BigUploadParams(Params):
    csv: Upload = upload("CSV file", kinds=("csv",), max_bytes=MAX_BYTES, what="CSV file")


def run(params: dict) -> dict:
    return {"summary": "Received."}


TASK = TaskSpec(
    name="bench_upload",
    title="Big upload (benchmark)",
    description="Takes a CSV file of up to 256 MiB and does nothing with it.",
    params=BigUploadParams,
    run=run,
)
