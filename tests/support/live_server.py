"""A daphne process on a fresh SQLite database with the demo data, for browser tests and benches."""

import os
import socket
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DEMO_PASSWORD = "demo-egalite-2026"  # noqa: S105 (public demo accounts)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def demo_server(extra_env: dict | None = None, directory: str | None = None):
    """Yields the base URL of a daphne process serving a freshly seeded SQLite database.

    `directory` keeps the database (and whatever `extra_env` points there) after the run.
    """
    with tempfile.TemporaryDirectory(prefix="demo-server-") as scratch:
        tmp = directory or scratch
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings.base",
            "DATABASE_URL": f"sqlite:///{tmp}/demo.sqlite3",
            "MEDIA_ROOT": f"{tmp}/media",
            "DEBUG": "false",
            "SECRET_KEY": "local-demo-server-only-0123456789abcdefghijklmnopqrstuvwxyz",
            "ALLOWED_HOSTS": "127.0.0.1",
            "CSRF_TRUSTED_ORIGINS": url,
            # Links in e-mails and QR codes point at this server, not the default :8000.
            "SITE_URL": url,
            "EMAIL_URL": "dummymail://",
            "LOG_LEVEL": "WARNING",
            "REDIS_URL": "",
            **(extra_env or {}),
        }
        manage = [sys.executable, str(ROOT / "manage.py")]
        for command in (
            ["migrate", "--no-input", "-v0"],
            ["seed_demo"],
            ["collectstatic", "--no-input", "-v0"],
        ):
            subprocess.run([*manage, *command], cwd=ROOT, env=env, check=True, capture_output=True)
        daphne = Path(sys.executable).with_name("daphne")
        server = subprocess.Popen(
            [str(daphne), "-b", "127.0.0.1", "-p", str(port), "config.asgi:application"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            deadline = time.monotonic() + 60
            while True:
                try:
                    with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                        break
                except OSError:
                    if time.monotonic() > deadline or server.poll() is not None:
                        raise RuntimeError("daphne did not start") from None
                    time.sleep(0.2)
            yield url
        finally:
            server.terminate()
            server.wait(timeout=10)
