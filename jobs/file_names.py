"""File names that are safe anywhere a name goes: a download's Content-Disposition, a name inside a
zip archive, a stored output's name."""

import re

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
MAX_LENGTH = 80


def safe_name(filename: str, default: str = "file", max_length: int | None = MAX_LENGTH) -> str:
    """``filename`` without its folders, made of letters, digits, dot, dash and underscore only
    (each other run of characters becomes one underscore), at most ``max_length`` characters, or
    ``default`` when nothing is left. Leading and trailing dots are dropped, so the name never
    hides itself or points at a parent folder."""
    base = filename.replace("\\", "/").rsplit("/", 1)[-1]
    cleaned = _UNSAFE.sub("_", base).strip("._")
    return cleaned[:max_length] or default
