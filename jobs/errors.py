"""Errors a task raises when its input is wrong.

The web side shows the message of a ``TaskInputError`` to the user as it stands, so write it as
one plain sentence. Any other exception is shown by its type and message only, never a traceback.
"""


class TaskInputError(ValueError):
    """The job's parameters or input files cannot be processed; the message says why."""
