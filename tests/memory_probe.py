"""Peak memory of one piece of work, measured in a fresh process (run by tests as a subprocess).

``python -m tests.memory_probe <kind> <shape>`` prints one JSON line: ``{"shape", "upload",
"growth", "outcome"}``. ``growth`` is the peak resident memory (VmHWM) over what the process held
just before the work, with the upload already in memory and the libraries imported and used once on
a tiny input (their first-use allocations are not the work's); the peak is reset just before the
work (``/proc/self/clear_refs``). One shape per process: memory a previous shape freed would be
reused unseen.
"""

import io
import json
import sys


def _status(field: str) -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(field):
                return int(line.split()[1]) * 1024
    raise RuntimeError(f"{field} is not in /proc/self/status")


def _reset_peak() -> None:
    with open("/proc/self/clear_refs", "w") as clear:
        clear.write("5")


# --- CSV shapes: "<kind>:<columns>:<bytes>" ---------------------------------------------------------
def csv_shape(shape: str) -> bytes:
    kind, columns, size = shape.split(":")
    columns, size = int(columns), int(size)
    header = ",".join(f"c{i}" for i in range(columns)) + "\n"
    if kind == "digits":  # one-character numbers: the most cells per byte
        row = ",".join(str(i % 10) for i in range(columns)) + "\n"
        return (header + row * max(1, (size - len(header)) // len(row))).encode()
    rows, total, r = [header], len(header), 0
    while total < size:  # "distinct": every value different (the most distinct-value state)
        line = ",".join(f"v{r}x{i}" for i in range(columns)) + "\n"
        rows.append(line)
        total += len(line)
        r += 1
    return "".join(rows).encode()


def csv_work(data: bytes) -> str:
    from jobs import csv_profile
    from jobs.errors import TaskInputError

    try:
        return f"{len(csv_profile.profile_bytes(data)['columns'])} columns"
    except TaskInputError as exc:
        return f"refused: {exc}"


# --- image shapes: "<format>:<width>x<height>:<count>" -----------------------------------------------
def image_shape(shape: str) -> list[bytes]:
    from PIL import Image

    fmt, size, count = shape.split(":")
    width, height = map(int, size.split("x"))
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (200, 120, 40)).save(buffer, fmt)
    return [buffer.getvalue()] * int(count)


def image_work(images: list[bytes]) -> str:
    from jobs import thumbnails
    from jobs.errors import TaskInputError

    try:
        return (
            f"{thumbnails.make_all(images, [f'i{n}.img' for n in range(len(images))], [64, 1024])} thumbnails"
        )
    except TaskInputError as exc:
        return f"refused: {exc}"


# --- text shapes: "distinct:<bytes>" (every word different: the largest vocabulary) ------------------
def words_shape(shape: str) -> bytes:
    _, size = shape.split(":")
    letters = "abcdefghijklmnopqrstuvwxyz"
    words, total, n = [], 0, 0
    while total < int(size):
        word, k = [], n
        while True:  # n written in letters: a distinct word per n
            word.append(letters[k % 26])
            k //= 26
            if not k:
                break
        words.append("w" + "".join(word))
        total += len(words[-1]) + 1
        n += 1
    return " ".join(words).encode()


def words_work(data: bytes) -> str:
    """What word_frequency's run does with an upload, but storing its CSV."""
    from jobs import word_frequency, word_table
    from jobs.text_decoding import decode_text

    text = decode_text(data, "The file")
    table = word_table.count(lambda: word_frequency.words_in(text), len(text), 20)
    return f"{table.distinct} different words, {len(table.csv)} bytes of CSV"


#: per kind: (make the upload from a shape, do the work, a tiny shape to warm up with)
KINDS = {
    "csv": (csv_shape, csv_work, "digits:3:100"),
    "image": (image_shape, image_work, "PNG:8x8:1"),
    "words": (words_shape, words_work, "distinct:100"),
}


def main(kind: str, shape: str) -> None:
    make, work, tiny = KINDS[kind]
    work(make(tiny))
    upload = make(shape)
    size = sum(map(len, upload)) if isinstance(upload, list) else len(upload)
    _reset_peak()
    before = _status("VmRSS:")
    outcome = work(upload)
    growth = _status("VmHWM:") - before
    print(json.dumps({"shape": shape, "upload": size, "growth": growth, "outcome": outcome}))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
