"""Web server, Celery workers (one for the default queue, one for bulk work) and Celery beat together in the
foreground; Ctrl-C stops them all."""

import os
import signal
import subprocess
import sys
import time

from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Run web + worker + scheduler; Ctrl-C stops them all."

    def add_arguments(self, parser):
        parser.add_argument("--addr", default="127.0.0.1:8000")

    @staticmethod
    def commands(addr: str) -> dict[str, list[str]]:
        py = sys.executable
        celery = [py, "-m", "celery", "-A", "crm"]
        return {
            "web": [py, "manage.py", "runserver", addr, "--noreload"],
            "worker": [*celery, "worker", "-l", "info", "-Q", "celery", "--concurrency", "2", "-n", "worker@%h"],
            "bulk-worker": [*celery, "worker", "-l", "info", "-Q", "bulk", "--concurrency", "1", "-n", "bulk@%h"],
            "beat": [*celery, "beat", "-l", "info"],
        }

    def handle(self, *args, addr, **options):
        commands = self.commands(addr)
        # The development server runs each request in a thread of its own: persistent connections would pile
        # up one per thread (PostgreSQL ran out of them under 8 concurrent API clients), so it closes them.
        web_env = {**os.environ, "DATABASE_CONN_MAX_AGE": "0"}
        procs = {name: subprocess.Popen(cmd, env=web_env if name == "web" else None) for name, cmd in commands.items()}
        self.stdout.write(self.style.SUCCESS(f"CRM on http://{addr}/  (web, workers, beat; Ctrl-C stops all)"))
        stopping = False

        def stop(*_):
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)
        try:
            while not stopping:
                for name, proc in procs.items():
                    if proc.poll() is not None:
                        self.stderr.write(f"{name} exited with {proc.returncode}; stopping the others.")
                        stopping = True
                time.sleep(0.5)
        finally:
            for proc in procs.values():
                if proc.poll() is None:
                    proc.terminate()
            deadline = time.time() + 15
            for proc in procs.values():
                try:
                    proc.wait(timeout=max(0.1, deadline - time.time()))
                except subprocess.TimeoutExpired:
                    proc.kill()
        self.stdout.write("Stopped.")
