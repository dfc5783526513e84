"""The RQ queues Jobdeck uses, in priority order: workers listen on them in this order, and a
submission's "priority" is one of these names."""

QUEUE_NAMES = ("high", "default", "low")
#: the queue a task runs on when its declaration names none
DEFAULT_QUEUE = "default"
#: the queue of tasks declared ``in_process``, served by the Procfile's non-forking worker
IN_PROCESS_QUEUE = "in_process"
