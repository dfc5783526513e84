"""Jobs for the worker benchmarks (importable by a worker started from the project root)."""


def noop() -> None:
    """Does nothing: what is left of a job's time is the worker's own."""
    return None
