"""A Celery worker for the fault tests, slowed down on purpose so that a test can kill it in the middle of a
job. Run as `python -m tests.faults.slow_worker worker -Q ...` (harness.celery_worker(slow=...)).

FAULTS_SLOW: comma-separated `module.function=seconds`; each named function is wrapped to sleep that long
before it runs (e.g. a pause per client written by an import). FAULTS_SETTINGS: a JSON object of settings to
override (e.g. a short lease). Only this test tool reads them: the application itself has no such hook."""

import functools
import importlib
import json
import os
import sys
import time


def _slow_down(spec: str) -> None:
    for entry in filter(None, (part.strip() for part in spec.split(","))):
        target, seconds = entry.rsplit("=", 1)
        module_name, name = target.rsplit(".", 1)
        module = importlib.import_module(module_name)
        original = getattr(module, name)

        @functools.wraps(original)
        def slow(*args, _original=original, _pause=float(seconds), **kwargs):
            time.sleep(_pause)
            return _original(*args, **kwargs)

        setattr(module, name, slow)


def main() -> None:
    import django

    django.setup()
    from django.conf import settings

    for name, value in json.loads(os.environ.get("FAULTS_SETTINGS") or "{}").items():
        setattr(settings, name, value)
    _slow_down(os.environ.get("FAULTS_SLOW", ""))

    from crm.celery import app

    app.worker_main(sys.argv[1:])


if __name__ == "__main__":
    main()
