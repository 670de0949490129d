"""Real daphne and redis-server processes for the service tests (make test-services).

The processes serve the test's own PostgreSQL database (the one pytest-django made for this
worker) so the test creates its rows with the ORM and reads back what the sockets wrote. Every
process is killed by the test that started it (`finally`), whatever happened.
"""

import os
import signal
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_port(port: int, process: subprocess.Popen, what: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while True:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            if process.poll() is not None:
                raise RuntimeError(f"{what} exited with {process.returncode}") from None
            if time.monotonic() > deadline:
                raise RuntimeError(f"{what} did not listen on {port}") from None
            time.sleep(0.1)


def this_database_url() -> str:
    """The URL of the database this test process uses (pytest-django's, on PostgreSQL)."""
    db = connection.settings_dict
    credentials = db["USER"] + (f":{db['PASSWORD']}" if db.get("PASSWORD") else "")
    return f"postgres://{credentials}@{db['HOST']}:{db['PORT'] or 5432}/{db['NAME']}"


class RedisServer:
    """A private, empty, non-persistent redis-server on a loopback port."""

    def __init__(self, log: Path):
        self.port = free_port()
        self.log = log
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        with open(self.log, "ab") as out:
            self.process = subprocess.Popen(
                [
                    "redis-server",
                    "--port",
                    str(self.port),
                    "--bind",
                    "127.0.0.1",
                    "--save",
                    "",
                    "--appendonly",
                    "no",
                ],
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        wait_for_port(self.port, self.process, "redis-server", 20)

    def kill(self) -> None:
        """SIGKILL: everything it held (groups, cache, queued messages) is gone."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=10)


class Daphne:
    """One daphne process of the platform, on its own port."""

    def __init__(self, name: str, port: int, env: dict, log: Path):
        self.name = name
        self.port = port
        self.env = env
        self.log = log
        self.process: subprocess.Popen | None = None

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/ws/"

    def spawn(self) -> None:
        daphne = Path(sys.executable).with_name("daphne")
        with open(self.log, "ab") as out:
            self.process = subprocess.Popen(
                [str(daphne), "-b", "127.0.0.1", "-p", str(self.port), "config.asgi:application"],
                cwd=ROOT,
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
            )

    def wait_ready(self) -> None:
        wait_for_port(self.port, self.process, f"daphne {self.name}")

    def kill(self) -> None:
        """SIGKILL: its sockets drop without a close frame, as when a machine dies."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=10)

    def log_tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""


def daphnes(
    count: int, *, redis_url: str, channels_prefix: str, logs: Path, extra_env: dict | None = None
) -> list[Daphne]:
    """`count` daphne processes (not started) sharing this test's database and `redis_url`.

    Limits are raised so the load of a test is never rate-limited; the heartbeat and the
    fan-out refresh are short so recovery is quick. Each process accepts the Origin of every
    process, so a client may fail over from one to another.
    """
    ports = [free_port() for _ in range(count)]
    origins = ",".join(f"http://127.0.0.1:{port}" for port in ports)
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.base",
        "DATABASE_URL": this_database_url(),
        "REDIS_URL": redis_url,
        "REDIS_CACHE_URL": redis_url,
        "CHANNELS_PREFIX": channels_prefix,
        "CACHE_PREFIX": f"{channels_prefix}-cache",
        # Sessions are signed and hashed with the key of the process that wrote them (this one).
        "SECRET_KEY": settings.SECRET_KEY,
        "DEBUG": "false",
        "ALLOWED_HOSTS": "127.0.0.1",
        "CSRF_TRUSTED_ORIGINS": origins,
        "WEBSOCKET_ALLOWED_ORIGINS": origins,
        "EMAIL_URL": "dummymail://",
        "LOG_LEVEL": "WARNING",
        "CHAT_SEND_RATE": "1000",
        "CHAT_SEND_BURST": "1000",
        "WS_FRAME_RATE": "1000",
        "WS_FRAME_BURST": "1000",
        "WS_MAX_SOCKETS_PER_MEMBER": "50",
        "WS_FANOUT_REFRESH_SECONDS": "1",
        "WS_HEARTBEAT_SECONDS": "1",
        **(extra_env or {}),
    }
    env.pop("PYTEST_XDIST_WORKER", None)
    return [
        Daphne(chr(ord("A") + index), port, env, logs / f"daphne-{chr(ord('A') + index)}.log")
        for index, port in enumerate(ports)
    ]


@contextmanager
def running(processes: list[Daphne]):
    """Start the processes together (Django loads in parallel); SIGKILL them all at the end."""
    try:
        for process in processes:
            process.spawn()
        for process in processes:
            process.wait_ready()
        yield processes
    finally:
        for process in processes:
            process.kill()
