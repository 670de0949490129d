"""What the chat benches share: a migrated SQLite database, members signed in by sessions
written straight into it, and daphne processes started on it.

- `prepare_database(directory)` migrates a fresh database in `directory` (about 20 s). The
  migrated file is kept in the system's temporary folder under a name made from the project's
  migration files, and copied on the next run (under a second); a changed migration makes
  another name. `seed_demo` is not run: the benches need only their own members.
- `use_database(directory)` sets Django up in the calling process on that database, with the
  settings `server_env` gives daphne.
- `seed_members(count, ...)` writes, in bulk, `count` active users with a profile and a
  session each (the session row is what `cached_db` falls back to on a cache miss); with
  `space=True`, one open space whose room they all read (active memberships and their
  `RoomMember` rows, written by hand since `bulk_create` sends no signal). With
  `presence=False` they switch presence and typing off in their chat preferences.
- `daphne(directory, extra_env)` runs one daphne process on the database and yields its URL
  and pid; its output goes to `daphne-<port>.log` in `directory`. `daphnes(directory, count,
  extra_env)` runs `count` of them side by side (same database file, same environment: with
  REDIS_URL, the same channel layer and cache) and yields a list of (URL, pid);
  `log_problems(directory, url)` counts what went wrong in one's log.
"""

import hashlib
import os
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SECRET_KEY = "local-bench-only-0123456789abcdefghijklmnopqrstuvwxyz-0123456789"  # noqa: S105


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def server_env(directory: str, url: str = "http://127.0.0.1", extra: dict | None = None) -> dict:
    """The environment of daphne (and of this process's Django) on the bench database."""
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.base",
        "DATABASE_URL": f"sqlite:///{directory}/bench.sqlite3",
        "MEDIA_ROOT": f"{directory}/media",
        "DEBUG": "false",
        "SECRET_KEY": SECRET_KEY,
        "ALLOWED_HOSTS": "127.0.0.1",
        "CSRF_TRUSTED_ORIGINS": url,
        "EMAIL_URL": "dummymail://",
        "LOG_LEVEL": "WARNING",
        "REDIS_URL": "",
        **(extra or {}),
    }


def _migrations_key() -> str:
    digest = hashlib.sha256()
    for path in sorted(ROOT.glob("*/migrations/*.py")):
        digest.update(str(path.relative_to(ROOT)).encode())
        digest.update(path.read_bytes())
    digest.update(sys.executable.encode())
    return digest.hexdigest()[:16]


def prepare_database(directory: str) -> tuple[float, bool]:
    """A migrated database in `directory`; returns (seconds, True if it came from the copy)."""
    start = time.perf_counter()
    target = Path(directory) / "bench.sqlite3"
    kept = Path(tempfile.gettempdir()) / f"chat-bench-migrated-{_migrations_key()}.sqlite3"
    if not kept.exists():
        env = server_env(directory)
        subprocess.run(
            [sys.executable, str(ROOT / "manage.py"), "migrate", "--no-input", "-v0"],
            cwd=ROOT,
            env=env,
            check=True,
            capture_output=True,
        )
        # The backup API copies a consistent database whatever is left in the WAL file.
        with sqlite3.connect(target) as source, sqlite3.connect(f"{kept}.part") as copy:
            source.backup(copy)
        os.replace(f"{kept}.part", kept)
        return time.perf_counter() - start, False
    shutil.copyfile(kept, target)
    return time.perf_counter() - start, True


def use_database(directory: str) -> None:
    """Set up Django in this process on the bench database, with daphne's settings."""
    os.environ.update(server_env(directory))
    # The bench folder on the path would make bench/notifications.py shadow the app.
    sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    import django

    django.setup()


@dataclass
class Seeded:
    user_ids: list[int] = field(default_factory=list)
    sessions: list[str] = field(default_factory=list)  # session keys, in the order of user_ids
    space_id: int | None = None
    room_id: int | None = None
    seconds: float = 0.0


def seed_members(count: int, *, space: bool, presence: bool = True) -> Seeded:
    """`count` signed-in members (and their space and room when `space`), in bulk."""
    from datetime import timedelta

    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.auth.hashers import make_password
    from django.contrib.sessions.backends.db import SessionStore
    from django.contrib.sessions.models import Session
    from django.db import transaction
    from django.utils import timezone
    from django.utils.crypto import get_random_string

    from community.models import Membership, Profile, Space, User
    from forum.chat.models import ChatPreferences, Room, RoomMember

    start = time.perf_counter()
    seeded = Seeded()
    password = make_password(None)  # unusable: these members only ever sign in by session
    with transaction.atomic():
        users = User.objects.bulk_create(
            User(email=f"bench{i}@bench.example", password=password, is_active=True)
            for i in range(count)
        )
        Profile.objects.bulk_create(
            Profile(user=user, display_name=f"Bench member {i}", handle=f"bench-{i}")
            for i, user in enumerate(users)
        )
        if not presence:
            ChatPreferences.objects.bulk_create(
                ChatPreferences(user=user, share_presence=False, share_typing=False)
                for user in users
            )
        store = SessionStore()
        backend = settings.AUTHENTICATION_BACKENDS[0]
        expires = timezone.now() + timedelta(days=1)
        sessions = [
            Session(
                session_key=get_random_string(32, "abcdefghijklmnopqrstuvwxyz0123456789"),
                session_data=store.encode(
                    {
                        SESSION_KEY: str(user.pk),
                        BACKEND_SESSION_KEY: backend,
                        HASH_SESSION_KEY: user.get_session_auth_hash(),
                    }
                ),
                expire_date=expires,
            )
            for user in users
        ]
        Session.objects.bulk_create(sessions)
        if space:
            made = Space.objects.create(
                name="Bench chat space",
                slug="bench-chat-space",
                visibility=Space.Visibility.PUBLIC,
                join_policy=Space.JoinPolicy.OPEN,
            )
            room = Room.objects.get(space=made)  # made by the space's post_save receiver
            Membership.objects.bulk_create(
                Membership(
                    space=made,
                    user=user,
                    role=Membership.Role.MEMBER,
                    state=Membership.State.ACTIVE,
                )
                for user in users
            )
            RoomMember.objects.bulk_create(
                RoomMember(room=room, user=user, last_read_seq=room.last_seq) for user in users
            )
            seeded.space_id, seeded.room_id = made.pk, room.pk
    seeded.user_ids = [user.pk for user in users]
    seeded.sessions = [session.session_key for session in sessions]
    seeded.seconds = time.perf_counter() - start
    return seeded


def raise_open_files() -> int:
    """Raise this process's soft limit of open files to the hard one (children inherit it)."""
    import resource

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError(f"no VmRSS for {pid}")


def cpu_seconds(pid: int) -> float:
    """User and system CPU time of a process so far."""
    stat = Path(f"/proc/{pid}/stat").read_text()
    fields = stat[stat.rindex(")") + 2 :].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def machine_cpu_seconds() -> float:
    """CPU time all processes of the machine have used so far (every core)."""
    fields = Path("/proc/stat").read_text().splitlines()[0].split()[1:]
    user, nice, system, _idle, _iowait, irq, softirq, steal = (int(f) for f in fields[:8])
    return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")


@contextmanager
def daphne(directory: str, extra_env: dict | None = None):
    """Yields (url, pid) of a daphne process serving the bench database."""
    with daphnes(directory, 1, extra_env) as servers:
        yield servers[0]


@contextmanager
def daphnes(directory: str, count: int, extra_env: dict | None = None):
    """Yields [(url, pid), ...] of `count` daphne processes serving the bench database, each
    on its own port with the same environment (so the same database file and, with REDIS_URL,
    the same channel layer and cache): started together, stopped together."""
    started: list[tuple[int, subprocess.Popen, object]] = []
    try:
        for _ in range(count):
            port = free_port()
            url = f"http://127.0.0.1:{port}"
            env = server_env(directory, url, extra_env)
            log = open(log_path(directory, port), "wb")  # noqa: SIM115
            server = subprocess.Popen(
                [
                    str(Path(sys.executable).with_name("daphne")),
                    "-b",
                    "127.0.0.1",
                    "-p",
                    str(port),
                    "config.asgi:application",
                ],
                cwd=ROOT,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
            started.append((port, server, log))
        deadline = time.monotonic() + 60
        for port, server, log in started:
            while True:
                try:
                    with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                        break
                except OSError:
                    if time.monotonic() > deadline or server.poll() is not None:
                        raise RuntimeError(
                            "daphne did not start: " + Path(log.name).read_text()[-2000:]
                        ) from None
                    time.sleep(0.2)
        yield [(f"http://127.0.0.1:{port}", server.pid) for port, server, _ in started]
    finally:
        for _, server, _ in started:
            server.terminate()
        for _, server, log in started:
            try:
                server.wait(timeout=15)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()
            log.close()


def log_path(directory: str, port: int) -> Path:
    return Path(directory) / f"daphne-{port}.log"


def log_problems(directory: str, url: str) -> dict:
    """What went wrong in the log of the daphne process at `url` (it logs at WARNING and
    above): "database is locked" (SQLite refusing a writer after its busy timeout),
    tracebacks, and the first few distinct lines naming an error or exception."""
    port = int(url.rsplit(":", 1)[1])
    text = log_path(directory, port).read_text(errors="replace")
    named = [
        line.strip()
        for line in text.splitlines()
        if ("Error" in line or "Exception" in line or "locked" in line) and not line.startswith(" ")
    ]
    return {
        "locked": text.count("database is locked"),
        "tracebacks": text.count("Traceback (most recent call last)"),
        "lines": list(dict.fromkeys(named))[:3],
    }
