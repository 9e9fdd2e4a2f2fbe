"""Web server, Celery worker and Celery beat together in the foreground; Ctrl-C stops all three."""

import signal
import subprocess
import sys
import time

from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Run web + worker + scheduler; Ctrl-C stops them all."

    def add_arguments(self, parser):
        parser.add_argument("--addr", default="127.0.0.1:8000")

    def handle(self, *args, addr, **options):
        py = sys.executable
        commands = {
            "web": [py, "manage.py", "runserver", addr, "--noreload"],
            "worker": [
                py,
                "-m",
                "celery",
                "-A",
                "crm",
                "worker",
                "-l",
                "info",
                "--concurrency",
                "2",
                "-n",
                "worker@%h",
            ],
            "beat": [py, "-m", "celery", "-A", "crm", "beat", "-l", "info"],
        }
        procs = {name: subprocess.Popen(cmd) for name, cmd in commands.items()}
        self.stdout.write(self.style.SUCCESS(f"CRM on http://{addr}/  (web, worker, beat; Ctrl-C stops all)"))
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
