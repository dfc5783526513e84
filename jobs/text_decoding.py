"""Uploaded bytes as text: the encodings people's files come in, and a refusal for binary files."""

import codecs

from jobs.errors import TaskInputError

_CHUNK = 1024 * 1024


def refuse_binary(data: bytes, what: str = "The file") -> None:
    """Raises the user's message when the data looks binary (judged on its start)."""
    sample = data[:65536]
    controls = sum(sample.count(bytes([c])) for c in (*range(0, 9), 11, 12, *range(14, 32)))
    if b"\x00" in sample or controls > len(sample) // 100:
        raise TaskInputError(f"{what} is not text in UTF-8 or Latin-1.")


def is_utf8(data: bytes) -> bool:
    """Whether ``decode_text`` reads the data as UTF-8, found without holding its decoded text (which
    takes up to 4 bytes a character): decoded a chunk at a time, each dropped."""
    if data.isascii():
        return True
    decoder = codecs.getincrementaldecoder("utf-8")()
    view = memoryview(data)
    try:
        for start in range(0, len(view), _CHUNK):
            decoder.decode(view[start : start + _CHUNK])
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


def decode_text(data: bytes, what: str = "The file") -> str:
    """UTF-8 (with or without a BOM), else Windows-1252/Latin-1; refused when it looks binary."""
    refuse_binary(data, what)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError:
        return data.decode("latin-1")
