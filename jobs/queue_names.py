"""The RQ queues Jobdeck uses, in priority order: workers listen on them in this order, and a
submission's "priority" is one of these names."""

QUEUE_NAMES = ("high", "default", "low")
#: the queue a task runs on when its declaration names none
DEFAULT_QUEUE = "default"
