"""Tools for the fault tests: free ports, bounded waits, a private Redis that can be killed and started again,
a TCP proxy in front of PostgreSQL that can be cut, and Celery workers or a web server in their own process
groups, killed for sure at the end.

Nothing here touches the machine's own PostgreSQL or Redis: other tests (and CI) use them."""

import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from contextlib import contextmanager, suppress
from pathlib import Path

from django.db import connection

ROOT = Path(__file__).resolve().parents[2]
PYTHON = sys.executable


def free_port() -> int:
    """A free loopback port below the kernel's ephemeral range, so that no outgoing connection can take it
    while a server that was stopped on it is down: a private Redis or the proxy can listen on it again."""
    try:
        low = int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        low = 32768
    below_ephemeral = range(20000, min(low, 32000))
    candidates = random.SystemRandom().sample(below_ephemeral, 50) if len(below_ephemeral) >= 100 else [0]
    for port in candidates:
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return probe.getsockname()[1]
    raise RuntimeError("no free loopback port between 20000 and the ephemeral range")


def wait_for(predicate, *, timeout: float, what: str, every: float = 0.1, detail=None):
    """Poll until `predicate()` is truthy; fail the test with `what` (and `detail()`, e.g. a worker's log)
    after `timeout` seconds. Returns the predicate's value."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() >= deadline:
            extra = f"\n{detail()}" if detail else ""
            raise AssertionError(f"timed out after {timeout}s waiting for {what}{extra}")
        time.sleep(every)


def database_url(*, port: int | None = None) -> str:
    """The test database (test_<name>), optionally reached through another port (the proxy)."""
    s = connection.settings_dict
    host = s["HOST"] or "127.0.0.1"
    user = s["USER"] or "postgres"
    password = f":{s['PASSWORD']}" if s["PASSWORD"] else ""
    return f"postgres://{user}{password}@{host}:{port or s['PORT'] or 5432}/{s['NAME']}"


def database_address() -> tuple[str, int]:
    s = connection.settings_dict
    return s["HOST"] or "127.0.0.1", int(s["PORT"] or 5432)


# --- processes ---------------------------------------------------------------------------------------------


class Process:
    """A child in its own session (process group): kill() takes the group down with SIGKILL, so a prefork
    child or a gunicorn worker cannot outlive the test. Output goes to a log file, shown when a wait fails."""

    def __init__(self, args: list[str], *, env: dict, log_path: Path, cwd: Path = ROOT):
        self.args, self.env, self.log_path, self.cwd = args, env, log_path, cwd
        self.proc: subprocess.Popen | None = None

    def start(self) -> "Process":
        log = open(self.log_path, "ab")  # noqa: SIM115 - handed to the child, closed right after
        try:
            self.proc = subprocess.Popen(
                self.args, cwd=self.cwd, env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )
        finally:
            log.close()
        return self

    @property
    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def assert_running(self) -> None:
        if not self.running:
            raise AssertionError(f"{self.args[2:4]} exited early\n{self.log()}")

    def kill(self) -> None:
        """SIGKILL to the whole group: no cleanup, no acknowledgement, like a machine losing power."""
        if self.proc is None:
            return
        with suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGKILL)
        with suppress(subprocess.TimeoutExpired):  # SIGKILL cannot be ignored; a zombie is reaped later
            self.proc.wait(timeout=15)

    def log(self, tail: int = 4000) -> str:
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError:
            return ""
        return f"--- {self.log_path.name} (last {tail} characters) ---\n{text[-tail:]}"


def worker_env(**extra: str) -> dict:
    """Environment for a Celery worker against the test database: development settings (not the test profile, whose
    tasks run eagerly) and whatever the test adds."""
    env = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "DJANGO_SETTINGS_MODULE": "crm.settings.development",
        "CELERY_TASK_ALWAYS_EAGER": "0",
        "PYTHONUNBUFFERED": "1",
        "LOG_LEVEL": "WARNING",
    }
    env.update(extra)
    return env


def celery_worker(*, env: dict, queues: str, log_path: Path, slow: dict[str, float] | None = None) -> Process:
    """One worker process (solo pool: the task runs in the process we kill) consuming `queues`. `slow` maps
    `module.function` to a pause before each call (tests/faults/slow_worker.py), so a test can kill the worker
    in the middle of a job."""
    if slow:
        env = {**env, "FAULTS_SLOW": ",".join(f"{target}={pause}" for target, pause in slow.items())}
        start = [PYTHON, "-m", "tests.faults.slow_worker"]
    else:
        start = [PYTHON, "-m", "celery", "-A", "crm"]
    args = [
        *start, "worker", "-P", "solo", "-Q", queues, "-l", "warning",
        "--without-gossip", "--without-mingle", "--without-heartbeat", "-n", f"faults-{os.getpid()}@%h",
    ]  # fmt: skip
    return Process(args, env=env, log_path=log_path)


# --- a private Redis ---------------------------------------------------------------------------------------


def redis_server_available() -> bool:
    return shutil.which("redis-server") is not None


class PrivateRedis:
    """A redis-server of our own on a free loopback port, no persistence: killing it loses every queued
    message, as a broker restart without persistence does."""

    def __init__(self, workdir: Path):
        self.port = free_port()
        self.workdir = workdir
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.process: Process | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def client(self):
        import redis

        return redis.Redis(host="127.0.0.1", port=self.port, socket_timeout=2, socket_connect_timeout=2)

    def ping(self) -> bool:
        try:
            return bool(self.client().ping())
        except Exception:
            return False

    def start(self) -> None:
        args = [
            shutil.which("redis-server"), "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
            "--appendonly", "no", "--daemonize", "no", "--dir", str(self.workdir),
        ]  # fmt: skip
        self.process = Process(args, env=dict(os.environ), log_path=self.workdir / "redis.log", cwd=self.workdir)
        self.process.start()
        wait_for(self.ping, timeout=15, what=f"redis-server on port {self.port}", detail=self.process.log)

    def kill(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process = None


@contextmanager
def celery_publishing_to(url: str):
    """Tasks sent from this test process go to the broker at `url`, for real (not eagerly), until the block
    ends. Celery reads CELERY_BROKER_URL from the environment before its configuration, so both change. The
    app forgets its pools (they live on, shared, in kombu's pool groups keyed by URL, and the suite's own are
    found again afterwards); the private broker's pools are closed and removed from those groups at the end,
    so a later test whose private Redis gets the same port starts afresh."""
    from kombu import pools
    from kombu.utils.collections import eqhash

    from crm.celery import app

    def forget_pools():
        app._pool = None
        app.amqp._producer_pool = None

    saved = app.conf.broker_url, app.conf.task_always_eager, os.environ.get("CELERY_BROKER_URL")
    forget_pools()
    app.conf.broker_url, app.conf.task_always_eager = url, False
    os.environ["CELERY_BROKER_URL"] = url
    try:
        assert app.connection_for_write().as_uri(include_password=True) == url
        yield app
    finally:
        key = eqhash(app.connection_for_write())
        for group in (pools.producers, pools.connections):
            pool = dict.pop(group, key, None)
            if pool is not None:
                with suppress(Exception):
                    pool.force_close_all()
        forget_pools()
        app.conf.broker_url, app.conf.task_always_eager, env_url = saved
        if env_url is None:
            os.environ.pop("CELERY_BROKER_URL", None)
        else:
            os.environ["CELERY_BROKER_URL"] = env_url


# --- a TCP proxy that can be cut -----------------------------------------------------------------------------


class TcpProxy:
    """Forwards 127.0.0.1:<port> to `upstream`. `cut()` closes the listener and every forwarded connection
    (new connections are refused, open ones see the server vanish); `restore()` listens again on the same port.
    `cut_on(pattern)` cuts at the moment a client sends bytes containing `pattern`, before they reach the
    server: with PostgreSQL (no TLS on loopback) a pattern from an SQL statement stops the database in the
    middle of a transaction, at a chosen statement."""

    def __init__(self, upstream: tuple[str, int]):
        self.upstream = upstream
        self.port = free_port()
        self._lock = threading.Lock()
        self._sockets: set[socket.socket] = set()
        self._listener: socket.socket | None = None
        self._accepting: threading.Thread | None = None
        self._stop = threading.Event()
        self._trip: bytes | None = None
        self.tripped = threading.Event()
        self.connections = 0

    def start(self) -> "TcpProxy":
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(64)
        listener.settimeout(0.1)
        self._listener, self._stop = listener, threading.Event()
        self._accepting = threading.Thread(target=self._accept_loop, args=(listener, self._stop), daemon=True)
        self._accepting.start()
        return self

    restore = start

    def _accept_loop(self, listener: socket.socket, stop: threading.Event) -> None:
        while not stop.is_set():
            try:
                downstream, _ = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            downstream.settimeout(None)
            try:
                upstream = socket.create_connection(self.upstream, timeout=5)
                upstream.settimeout(None)
            except OSError:
                downstream.close()
                continue
            with self._lock:
                if stop.is_set():
                    downstream.close()
                    upstream.close()
                    return
                self._sockets.update((downstream, upstream))
                self.connections += 1
            for src, dst, watch in ((downstream, upstream, True), (upstream, downstream, False)):
                threading.Thread(target=self._pump, args=(src, dst, watch), daemon=True).start()

    def _pump(self, src: socket.socket, dst: socket.socket, watch: bool) -> None:
        tail = b""
        try:
            while True:
                data = src.recv(65536)
                if not data:
                    break
                trip = self._trip if watch else None
                if trip is not None and trip in tail + data:
                    self._trip = None
                    self.tripped.set()  # before the cut: the client must not hear of it before the flag is up
                    self.cut()
                    break
                dst.sendall(data)
                tail = (tail + data)[-256:]
        except OSError:
            pass
        finally:
            for sock in (src, dst):
                self._close(sock)

    def _close(self, sock: socket.socket) -> None:
        with suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)
        sock.close()
        with self._lock:
            self._sockets.discard(sock)

    def cut_on(self, pattern: bytes) -> None:
        self.tripped.clear()
        self._trip = pattern

    def cut(self) -> None:
        """The database is gone: refuse new connections and drop every open one."""
        self._stop.set()
        if self._accepting is not None and self._accepting is not threading.current_thread():
            self._accepting.join(timeout=5)
        if self._listener is not None:
            self._listener.close()
            self._listener = None
        with self._lock:
            sockets = list(self._sockets)
        for sock in sockets:
            self._close(sock)

    close = cut
