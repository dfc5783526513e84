"""File sizes as people read them, for progress messages and summaries."""


def human_size(n: float) -> str:
    """12 bytes, 3.4 KB, 5.6 MB (decimal units)."""
    if n < 1000:
        return f"{n:.0f} bytes"
    if n < 1_000_000:
        return f"{n / 1000:.1f} KB"
    return f"{n / 1_000_000:.1f} MB"
