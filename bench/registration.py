"""Registration under a rush on PostgreSQL: N members registering at once for one event.

Run with no arguments: `.venv/bin/python bench/registration.py` (about 75 s the first time, 15 s
after). It works in its own database (`egalite_bench_registration` on the local server),
dropped and recreated through psycopg on the `postgres` database, and dropped at the end
(`--keep` keeps it): the developer's data is never touched. `--database-url` points elsewhere;
its database name must contain "bench", since it is dropped. Migrating takes about a minute,
so the first run keeps a migrated copy on the server as a template (`<database>_tpl_<hash of
the migration files>`, replaced when a migration changes) and later runs copy it in a second;
`--no-template` migrates from scratch (`manage.py migrate` in a subprocess) and keeps nothing.

Each round publishes a fresh event of `--seats` seats and writes `--attempts` members in bulk.
`--threads` threads (40: PostgreSQL allows 100 connections) each open their own connection,
then wait at a barrier; once it releases them, each takes the next attempt from the shared list
and calls `events.services.registration_create` (what the site and the API both call), until
none is left: `--threads` attempts are in flight at every moment. Timed from the barrier's
release to the end of the last attempt (after-commit work included: the notification's
publication, the confirmation e-mail, run at once as in the embedded mode, to a dummy backend).

Then the invariants are checked in the database: confirmed seats == capacity, waitlisted ==
attempts - capacity, one registration per person, no call failed. Several rounds; the median
and the worst are reported. `--profile` also times where an attempt spends its time: waiting
for the event's row lock, holding it (by step, and its SQL), and after the commit.

`--http P` goes through the site instead: P daphne processes on the same database (the
project's settings: a pool of connections per process), each member signed in by a session row,
the threads posting the event's registration form (`/events/<id>/register/`) and expecting the
redirect to the ticket. Daphne runs a process's views on one thread, so P bounds how many
registrations are in progress at once; the invariants are checked the same way.

Each round also shows `cpu s`, the CPU time this process used during the round (its threads
share one interpreter lock, so it is at most about one CPU second a second), and `busy`, how
much of the machine's CPUs were in use meanwhile (this process, PostgreSQL, daphne and anything
else). The machine's load average is printed before the rounds: other work on the machine (a
test suite running beside) slows the rounds down and spreads them.

Target: 200 attempts complete within 2 s in every round (`target=met` when the worst round
does). Ends with one RESULT line.
"""

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from contextlib import ExitStack, contextmanager
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
# The bench folder on the path would make bench/notifications.py shadow the app.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]
sys.path.insert(0, str(ROOT))
from bench._chat_seed import _migrations_key, daphnes, machine_cpu_seconds  # noqa: E402

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/egalite_bench_registration"
SECRET_KEY = "local-bench-only-0123456789abcdefghijklmnopqrstuvwxyz-0123456789"  # noqa: S105
TARGET_S = 2.0


# --- The bench's own database -----------------------------------------------------------------


def database_name(url: str) -> str:
    name = urlsplit(url).path.lstrip("/")
    if "bench" not in name:
        raise SystemExit(f"refusing to drop {name!r}: the bench's database name must say 'bench'")
    return name


@contextmanager
def server(url: str):
    """An autocommit connection to the server's `postgres` database, for CREATE/DROP DATABASE."""
    import psycopg

    admin_url = urlunsplit(urlsplit(url)._replace(path="/postgres"))
    with psycopg.connect(admin_url, autocommit=True) as conn:
        yield conn


def prepare_database(url: str, *, template: bool) -> tuple[float, bool]:
    """A freshly migrated bench database; returns (seconds, True if copied from the template).

    Migrating takes about a minute, so a migrated copy is kept on the server as a template,
    named after the migration files (`<database>_tpl_<hash>`): a changed migration makes a new
    one and the old ones are dropped. `--no-template` migrates from scratch and keeps nothing.
    """
    from psycopg.sql import SQL, Identifier, Literal

    start = time.perf_counter()
    name = database_name(url)
    kept = f"{name}_tpl_{_migrations_key()}"[:63]
    drop = SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)")
    with server(url) as conn:
        conn.execute(drop.format(Identifier(name)))
        if template:
            others = conn.execute(
                SQL(
                    "SELECT datname FROM pg_database"
                    " WHERE starts_with(datname, {}) AND datname <> {}"
                ).format(Literal(f"{name}_tpl_"), Literal(kept))
            ).fetchall()
            for (other,) in others:
                conn.execute(drop.format(Identifier(other)))
            found = conn.execute(
                SQL("SELECT 1 FROM pg_database WHERE datname = {}").format(Literal(kept))
            ).fetchone()
            if found:
                conn.execute(
                    SQL("CREATE DATABASE {} TEMPLATE {}").format(Identifier(name), Identifier(kept))
                )
                return time.perf_counter() - start, True
        conn.execute(SQL("CREATE DATABASE {}").format(Identifier(name)))
    subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), "migrate", "--no-input", "-v0"],
        cwd=ROOT,
        env=bench_env(url),
        check=True,
        capture_output=True,
    )
    if template:
        with server(url) as conn:
            conn.execute(
                SQL("CREATE DATABASE {} TEMPLATE {}").format(Identifier(kept), Identifier(name))
            )
    return time.perf_counter() - start, False


def drop_database(url: str) -> None:
    from psycopg.sql import SQL, Identifier

    with server(url) as conn:
        conn.execute(
            SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(Identifier(database_name(url)))
        )


def bench_env(url: str) -> dict:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.base",
        "DATABASE_URL": url,
        # One connection per thread, opened before the race: no pool to queue on.
        "DATABASE_POOL": "false",
        "CONN_MAX_AGE": "0",
        "DEBUG": "false",
        "SECRET_KEY": SECRET_KEY,
        "ALLOWED_HOSTS": "127.0.0.1",
        "EMAIL_URL": "dummymail://",
        "LOG_LEVEL": "WARNING",
        "REDIS_URL": "",
    }


def set_up_django(url: str) -> None:
    """Set Django up in this process on the bench database."""
    os.environ.update(bench_env(url))
    import django

    django.setup()


# --- One round ------------------------------------------------------------------------------


def new_event(label: str, seats: int):
    from datetime import timedelta

    from django.utils import timezone

    from events.models import EventIndexPage, EventPage

    start = timezone.now() + timedelta(days=7)
    event = EventPage(
        title=f"Séminaire de capitalisation {label}",
        slug=f"bench-{label}",
        event_type=EventPage.Type.WORKSHOP,
        summary="Partager les grilles d'entretien mixtes des adhérents.",
        start=start,
        end=start + timedelta(hours=3),
        city="Rennes",
        venue_name="Maison des entreprises",
        capacity=seats,
    )
    EventIndexPage.objects.get().add_child(instance=event)
    event.save_revision().publish()
    return EventPage.objects.get(pk=event.pk)


def new_members(label: str, count: int, *, signed_in: bool = False) -> list:
    """`count` members written in bulk; with `signed_in`, each gets a session row (its key in
    `member.session_key`), which daphne reads on a cache miss."""
    from datetime import timedelta

    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.auth.hashers import make_password
    from django.contrib.sessions.backends.db import SessionStore
    from django.contrib.sessions.models import Session
    from django.utils import timezone
    from django.utils.crypto import get_random_string

    from community.models import Profile, User

    password = make_password(None)  # unusable: these members only ever sign in by session
    users = User.objects.bulk_create(
        [User(email=f"bench-{label}-{i}@bench.example", password=password) for i in range(count)]
    )
    Profile.objects.bulk_create(
        [
            Profile(user=user, display_name=f"Membre {label}-{i}", handle=f"bench-{label}-{i}")
            for i, user in enumerate(users)
        ]
    )
    members = list(User.objects.filter(pk__in=[u.pk for u in users]).select_related("profile"))
    if signed_in:
        store, expires = SessionStore(), timezone.now() + timedelta(days=1)
        for member in members:
            member.session_key = get_random_string(32, "abcdefghijklmnopqrstuvwxyz0123456789")
        Session.objects.bulk_create(
            Session(
                session_key=member.session_key,
                session_data=store.encode(
                    {
                        SESSION_KEY: str(member.pk),
                        BACKEND_SESSION_KEY: settings.AUTHENTICATION_BACKENDS[0],
                        HASH_SESSION_KEY: member.get_session_auth_hash(),
                    }
                ),
                expire_date=expires,
            )
            for member in members
        )
    return members


def call_service(event):
    """An attempt: the service called in this thread, on this thread's own connection."""
    from django.core.exceptions import PermissionDenied, ValidationError

    from events import services

    def attempt(member) -> str:
        try:
            return services.registration_create(event=event, user=member).status
        except (ValidationError, PermissionDenied) as refusal:
            return f"refused:{getattr(refusal, 'code', '')}"

    return attempt


CSRF_TOKEN = "benchCsrfSecret0123456789abcdefg"  # noqa: S105 (32 letters and digits, as Django's)


def post_form(urls: list[str], event):
    """An attempt: the registration form posted to daphne (the servers taken in turn), as the
    member's browser would; success is the redirect to the ticket."""
    import requests

    local = threading.local()
    turn = iter(range(10**9))

    def attempt(member) -> str:
        if not hasattr(local, "client"):
            local.client = requests.Session()
            local.url = urls[next(turn) % len(urls)]
        response = local.client.post(
            f"{local.url}/events/{event.pk}/register/",
            data={"csrfmiddlewaretoken": CSRF_TOKEN},
            cookies={"sessionid": member.session_key, "csrftoken": CSRF_TOKEN},
            allow_redirects=False,
            timeout=120,
        )
        if response.status_code == 302 and "/events/registrations/" in response.headers["Location"]:
            return "redirected"
        return f"error:HTTP {response.status_code}"

    return attempt


def rush(members: list, threads: int, attempt, *, connect: bool) -> tuple[float, list, dict]:
    """`attempt(member)` for every member, from `threads` threads released at once by a
    barrier (each with its database connection already open when `connect`); returns
    (seconds from the release to the end of the last attempt, [(start, end, outcome)], the CPU
    seconds used meanwhile by this process and by the whole machine)."""
    from django.db import connections

    pending = iter(members)
    take = threading.Lock()
    results = []
    barrier = threading.Barrier(threads + 1)

    def worker():
        mine = []
        try:
            if connect:
                connections["default"].ensure_connection()
            barrier.wait(timeout=60)
            while True:
                with take:
                    member = next(pending, None)
                if member is None:
                    break
                start = time.perf_counter()
                try:
                    outcome = attempt(member)
                except Exception as error:  # Counted as a failure: the invariants say not ok.
                    outcome = f"error:{error!r}"
                mine.append((start, time.perf_counter(), outcome))
        finally:
            connections.close_all()
            with take:
                results.extend(mine)

    workers = [threading.Thread(target=worker) for _ in range(threads)]
    for thread in workers:
        thread.start()
    barrier.wait(timeout=60)
    released, cpu, machine = time.perf_counter(), time.process_time(), machine_cpu_seconds()
    for thread in workers:
        thread.join()
    usage = {
        "client_cpu_s": time.process_time() - cpu,
        "machine_cpu_s": machine_cpu_seconds() - machine,
    }
    return max(end for _start, end, _outcome in results) - released, results, usage


def check(event, members: list, results: list, seats: int) -> dict:
    """The invariants, from sums in the database."""
    from django.db.models import Count, Sum

    from events.models import Registration

    Status = Registration.Status
    rows = event.registrations.all()
    confirmed = rows.filter(status=Status.CONFIRMED).aggregate(seats=Sum("seats"))["seats"] or 0
    waitlisted = rows.filter(status=Status.WAITLISTED).count()
    others = rows.exclude(status__in=(Status.CONFIRMED, Status.WAITLISTED)).count()
    duplicates = rows.values("user").annotate(n=Count("pk")).filter(n__gt=1).count()
    succeeded = {*Status.values, "redirected"}
    failures = [outcome for _s, _e, outcome in results if outcome not in succeeded]
    expected_confirmed = min(seats, len(members))
    ok = (
        confirmed == expected_confirmed
        and waitlisted == len(members) - expected_confirmed
        and others == 0
        and duplicates == 0
        and rows.count() == len(members)
        and not failures
    )
    return {
        "confirmed": confirmed,
        "waitlisted": waitlisted,
        "duplicates": duplicates,
        "failures": failures,
        "ok": ok,
    }


# --- Where the time goes (--profile) ------------------------------------------------------------


class Profiler:
    """Stamps each attempt: when PostgreSQL granted the event's row lock (the SELECT ... FOR
    UPDATE answered), when the transaction committed, and the time of the steps in between."""

    STEPS = ("_check_window", "_clean_seats", "_clean_answers", "_place", "_announce", "_email")

    def __init__(self):
        self.local = threading.local()
        self.lock = threading.Lock()
        self.attempts = []  # one dict of stamps and sums per attempt

    def install(self):
        from django.db import connections, transaction

        from community import notifications
        from events import services

        profiler = self
        real_lock, real_create = services._lock, services.registration_create

        def lock(event):
            locked = real_lock(event)
            state = getattr(profiler.local, "state", None)
            if state is not None:  # a registration, not the publish of the next event
                state["steps"]["_lock: the row made an EventPage"] += (
                    time.perf_counter() - state["locked"]
                )
                transaction.on_commit(lambda: state.__setitem__("committed", time.perf_counter()))
            return locked

        def timed(name, function):
            def wrapper(*args, **kwargs):
                state = getattr(profiler.local, "state", None)
                start = time.perf_counter()
                try:
                    return function(*args, **kwargs)
                finally:
                    if state is not None:
                        state["steps"][name] += time.perf_counter() - start

            return wrapper

        def sql(execute, statement, params, many, context):
            state = getattr(profiler.local, "state", None)
            start = time.perf_counter()
            try:
                return execute(statement, params, many, context)
            finally:
                if state is not None and "locked" not in state and "FOR UPDATE" in statement:
                    state["locked"] = time.perf_counter()
                elif state is not None and "locked" in state and "committed" not in state:
                    state["sql_n"] += 1
                    state["sql_s"] += time.perf_counter() - start
                    verb = statement.split(None, 1)[0].upper()
                    state["sql_by_verb"][verb] += 1
                    state["sql_s_by_verb"][verb] += time.perf_counter() - start

        def create(**kwargs):
            state = {
                "start": time.perf_counter(),
                "steps": defaultdict(float),
                "sql_n": 0,
                "sql_s": 0.0,
                "sql_by_verb": defaultdict(int),
                "sql_s_by_verb": defaultdict(float),
            }
            profiler.local.state = state
            wrapper = connections["default"].execute_wrapper(sql)
            with wrapper:
                try:
                    return real_create(**kwargs)
                finally:
                    state["end"] = time.perf_counter()
                    profiler.local.state = None
                    with profiler.lock:
                        profiler.attempts.append(state)

        from django.db.backends.postgresql.base import DatabaseWrapper

        real_commit = DatabaseWrapper._commit

        def commit(wrapper):
            start = time.perf_counter()
            try:
                return real_commit(wrapper)
            finally:
                state = getattr(profiler.local, "state", None)
                if state is not None:
                    state["steps"]["COMMIT"] += time.perf_counter() - start

        DatabaseWrapper._commit = commit
        services._lock = lock
        services.registration_create = create
        for name in self.STEPS:
            setattr(services, name, timed(name, getattr(services, name)))
        services.notification_send = timed("notification_send", notifications.notification_send)
        services.seats_held = timed("seats_held", services.seats_held)

    def report(self, total_s: float, rounds: int) -> None:
        done = [a for a in self.attempts if "locked" in a and "committed" in a]
        if not done:
            return
        wait = [a["locked"] - a["start"] for a in done]
        hold = [a["committed"] - a["locked"] for a in done]
        after = [a["end"] - a["committed"] for a in done]
        n = len(done)
        ms = 1000
        print(f"\nprofile over {n} attempts (all rounds), mean per attempt:")
        print(f"  waiting for the event's lock         {statistics.mean(wait) * ms:7.2f} ms")
        print(f"  holding the lock                     {statistics.mean(hold) * ms:7.2f} ms")
        sql_s = statistics.mean(a["sql_s"] for a in done)
        sql_n = statistics.mean(a["sql_n"] for a in done)
        print(f"    of which SQL                       {sql_s * ms:7.2f} ms in {sql_n:.1f} queries")
        verbs, verb_s = defaultdict(int), defaultdict(float)
        for attempt in done:
            for verb, count in attempt["sql_by_verb"].items():
                verbs[verb] += count
                verb_s[verb] += attempt["sql_s_by_verb"][verb]
        for verb, count in sorted(verbs.items()):
            print(f"      {verb:<32}{verb_s[verb] / n * ms:7.2f} ms in {count / n:.1f}")
        steps = defaultdict(float)
        for attempt in done:
            for name, seconds in attempt["steps"].items():
                steps[name] += seconds
        for name in (
            "_lock: the row made an EventPage",
            *self.STEPS,
            "notification_send",
            "seats_held",
            "COMMIT",
        ):
            print(f"    {name:<34}{steps[name] / n * ms:7.2f} ms")
        print(f"  after the commit                     {statistics.mean(after) * ms:7.2f} ms")
        # Each hold ends when this process hears of the commit, a little after PostgreSQL has
        # handed the lock on: the sum can pass the round's time; close to it, the lock leads.
        print(
            f"  holds summed over a round: {sum(hold) / rounds:.3f} s, for a round's "
            f"{total_s:.3f} s (median): when they are close, the row lock sets the pace"
        )


# --- Main -----------------------------------------------------------------------------------


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--attempts", type=int, default=200, help="registrations a round")
    parser.add_argument("--seats", type=int, default=50, help="the event's capacity")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--threads", type=int, default=40, help="attempts in flight at once")
    parser.add_argument("--database-url", default=DEFAULT_DATABASE_URL)
    parser.add_argument("--keep", action="store_true", help="keep the bench database")
    parser.add_argument(
        "--no-template", action="store_true", help="migrate from scratch, keep no template"
    )
    parser.add_argument("--profile", action="store_true", help="time the steps of an attempt")
    parser.add_argument(
        "--http",
        type=int,
        default=0,
        metavar="PROCESSES",
        help="post the registration form to this many daphne processes instead",
    )
    args = parser.parse_args()
    started = time.perf_counter()

    if args.http and args.profile:
        parser.error("--profile times the service in this process: not with --http")
    seconds, copied = prepare_database(args.database_url, template=not args.no_template)
    stack = ExitStack()
    try:
        set_up_django(args.database_url)
        print(
            f"database {database_name(args.database_url)} "
            + (
                f"copied from its migrated template in {seconds:.1f} s"
                if copied
                else f"migrated in {seconds:.1f} s"
            )
        )
        profiler = Profiler() if args.profile else None

        servers = []
        if args.http:
            directory = stack.enter_context(tempfile.TemporaryDirectory(prefix="bench-reg-"))
            extra = {"DATABASE_URL": args.database_url, "DATABASE_POOL": "true"}
            servers = [
                url for url, _pid in stack.enter_context(daphnes(directory, args.http, extra))
            ]
            print(f"{args.http} daphne process(es): {', '.join(servers)}")

        def attempt_for(event):
            return post_form(servers, event) if servers else call_service(event)

        # Warm-up (templates, content types, the first connections), not measured.
        warm_up = new_event("warm-up", 1)
        members = new_members("warm-up", 2 * max(1, args.http), signed_in=bool(servers))
        rush(members, len(members), attempt_for(warm_up), connect=not servers)
        if profiler:
            profiler.install()

        load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
        print(
            f"load average before the rounds: {load} ({os.cpu_count()} CPUs; other work on the "
            "machine slows the rounds down)\n"
            f"{args.attempts} attempts for {args.seats} seats, {args.threads} threads, "
            + (f"through {args.http} daphne process(es)\n" if servers else "calling the service\n")
            + f"{'round':<7}{'total s':>9}{'per s':>9}{'p50 ms':>9}{'p99 ms':>9}{'cpu s':>9}"
            f"{'busy':>9}{'confirmed':>11}{'waitlisted':>12}  invariants"
        )
        rounds = []
        for index in range(args.rounds):
            event = new_event(f"r{index}", args.seats)
            members = new_members(f"r{index}", args.attempts, signed_in=bool(servers))
            total_s, results, usage = rush(
                members, args.threads, attempt_for(event), connect=not servers
            )
            state = check(event, members, results, args.seats)
            latencies = sorted((end - start) * 1000 for start, end, _o in results)
            p50 = statistics.median(latencies)
            p99 = latencies[min(len(latencies) - 1, round(0.99 * (len(latencies) - 1)))]
            rounds.append({"total_s": total_s, "p50": p50, "p99": p99, **state})
            busy = usage["machine_cpu_s"] / (total_s * (os.cpu_count() or 1)) * 100
            print(
                f"{index + 1:<7}{total_s:>9.3f}{args.attempts / total_s:>9.0f}{p50:>9.1f}"
                f"{p99:>9.1f}{usage['client_cpu_s']:>9.2f}{busy:>8.0f}%"
                f"{state['confirmed']:>11}{state['waitlisted']:>12}  "
                + ("ok" if state["ok"] else f"BROKEN {state['failures'][:3]}")
            )
    finally:
        stack.close()  # daphne stops before its database goes
        if not args.keep:
            from django.db import connections

            connections.close_all()
            drop_database(args.database_url)

    median_s = statistics.median(r["total_s"] for r in rounds)
    worst_s = max(r["total_s"] for r in rounds)
    if profiler:
        profiler.report(median_s, args.rounds)
    invariants = "ok" if all(r["ok"] for r in rounds) else "broken"
    shown = next((r for r in rounds if not r["ok"]), rounds[-1])  # a broken round, if any
    target = "met" if worst_s <= TARGET_S else "missed"
    print(
        f"\nmedian {median_s:.3f} s, worst {worst_s:.3f} s for {args.attempts} attempts "
        f"(target {TARGET_S:g} s: {target}); whole run {time.perf_counter() - started:.0f} s"
    )
    print(
        "RESULT "
        + " ".join(
            [
                f"attempts={args.attempts}",
                f"seats={args.seats}",
                f"rounds={args.rounds}",
                f"threads={args.threads}",
                f"via={f'http:{args.http}' if args.http else 'service'}",
                f"confirmed={shown['confirmed']}",
                f"waitlisted={shown['waitlisted']}",
                f"invariants={invariants}",
                f"total_s={median_s:.3f}",
                f"worst_s={worst_s:.3f}",
                f"throughput_per_s={args.attempts / median_s:.0f}",
                f"p50_ms={statistics.median(r['p50'] for r in rounds):.1f}",
                f"p99_ms={max(r['p99'] for r in rounds):.1f}",
                f"target_s={TARGET_S:g}",
                f"target={target}",
            ]
        )
    )


if __name__ == "__main__":
    main()
