"""Uploaded bytes as text: the encodings people's files come in, and a refusal for binary files."""

from jobs.errors import TaskInputError


def decode_text(data: bytes, what: str = "The file") -> str:
    """UTF-8 (with or without a BOM), else Windows-1252/Latin-1; refused when it looks binary."""
    sample = data[:65536]
    controls = sum(sample.count(bytes([c])) for c in (*range(0, 9), 11, 12, *range(14, 32)))
    if b"\x00" in sample or controls > len(sample) // 100:
        raise TaskInputError(f"{what} is not text in UTF-8 or Latin-1.")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError:
        return data.decode("latin-1")
