"""Jobdeck's benchmarks against plain RQ and bare Flask, measured side by side in one run.

Run them all with ``.venv/bin/python -m bench`` (``make bench``); ``--help`` for the options.
``bench_tasks.py`` and ``bench_browser.py`` are separate scripts with their own commands.
"""
