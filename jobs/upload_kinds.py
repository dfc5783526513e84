"""The kinds of file an upload parameter accepts, each recognised by its content (never its name).

``KINDS[kind]`` gives what the form's ``accept`` attribute offers, the words a message uses for it,
and the test on the file's first bytes.
"""

from typing import NamedTuple

IMAGE_MAGIC = (b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n", b"GIF87a", b"GIF89a")
#: bytes read from the front of a file to recognise it
HEAD_BYTES = 8192


def _is_text(head: bytes) -> bool:
    return b"\x00" not in head


def _is_image(head: bytes) -> bool:
    return head.startswith(IMAGE_MAGIC) or (head[:4] == b"RIFF" and head[8:12] == b"WEBP")


class Kind(NamedTuple):
    accept: str
    words: str
    matches: object  # head bytes -> bool


KINDS = {
    "text": Kind(".txt,.md,.log,text/plain", "plain text file", _is_text),
    "csv": Kind(".csv,.tsv,.txt,text/csv,text/plain", "CSV text file", _is_text),
    "image": Kind("image/jpeg,image/png,image/webp,image/gif", "JPEG, PNG, WebP or GIF image", _is_image),
}


def accept(kinds) -> str:
    return ",".join(KINDS[kind].accept for kind in kinds)


def kind_problem(head: bytes, filename: str, kinds) -> str | None:
    """None when the file's first bytes are one of ``kinds``, else the message saying it is not."""
    if any(KINDS[kind].matches(head) for kind in kinds):
        return None
    return f"{filename!r} is not a {' or a '.join(KINDS[kind].words for kind in kinds)}."
