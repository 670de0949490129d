"""Latency of the forum's pages on a large forum under an open-loop load, beside a trivial view.

Run with no arguments: `.venv/bin/python bench/forum_pages.py` (2 to 2.5 minutes on 2 cores;
`--small` for a quick run). It starts daphne on a fresh seeded SQLite database (the demo world,
`tests/support/live_server.demo_server`), then, while daphne is still idle, writes a large forum
into that same database from this process with the server's settings (`bench/_forum_seed.py`:
10,000 topics and 100,000 replies of French text by default, bulk-inserted and indexed with the
search backend's `add_bulk`, about 25 s; `--index command` runs `update_index` instead, which
took about twice as long to index). One topic in the space below has exactly 200 replies.

Signed in as a demo member, it then drives four targets one after the other with an open-loop
load: requests leave on a fixed schedule (`--rate` a second for `--duration` seconds) whatever
the answers, from a pool of `--in-flight` threads, and each latency runs from the request's
scheduled time to the end of its answer, so that a slow server cannot slow the client's pace
and hide its own queue (coordinated omission). The targets:

- floor: `/health/`, a trivial view on the same server, measured first;
- topic: the topic page with 200 replies (page 1: the opening post and 100 replies);
- list: page 1 of the space's topic list (the space holds about 3,000 of the 10,000 topics);
- search: `/forum/search/?q=` over a cycle of varied queries (frequent, rare, none).

The server sends no Server-Timing header, so every figure is the client-observed latency on
loopback (client and server share the machine's two cores). Each target first gets a few
sequential warm-up requests; if one of them takes longer than `--timeout`, the open loop is
skipped for that target (it would only pile up requests the server cannot answer) and its
figures are those probes, timeouts counted at the timeout: lower bounds, flagged
`<target>_open_loop=skipped`. In the open loop, a request that times out, fails or answers
other than 200 counts as an error, and one not sent within `--drain` seconds after the schedule
ends counts with the time it had waited; both stay in the percentiles. Past its capacity a
target's figures measure the queue (they grow with `--duration`), and "served/s" falls below the
offered rate: the table says SATURATED; `--rate 10` shows the pages' own latency. Requests given
up on still run in daphne for a moment, into the next target's warm-up.

Prints p50/p95/p99 per target and their ratios to the floor, checks the targets (topic page
p99 <= 100 ms, search p99 <= 150 ms), and ends with one RESULT line.
"""

import argparse
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
# Django starts in this process: the script's own folder on the path would make
# bench/notifications.py shadow the `notifications` app.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]
sys.path.insert(0, str(ROOT))
from bench.pages import percentile, signed_in_session  # noqa: E402
from tests.support.live_server import demo_server  # noqa: E402

MEMBER = "hugo.kerbrat@demo.egalite.example"  # a plain member of the list space
LIST_SPACE = "recruter-sans-stereotypes"
TOPIC_P99_TARGET_MS = 100
SEARCH_P99_TARGET_MS = 150


def use_server_database(directory: str) -> None:
    """Set up Django in this process on the database demo_server keeps in `directory`, with the
    settings it gives daphne (the seed writes rows the server then reads)."""
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "config.settings.base",
            "DATABASE_URL": f"sqlite:///{directory}/demo.sqlite3",
            "MEDIA_ROOT": f"{directory}/media",
            "DEBUG": "false",
            "SECRET_KEY": "local-demo-server-only-0123456789abcdefghijklmnopqrstuvwxyz",
            "ALLOWED_HOSTS": "127.0.0.1",
            "EMAIL_URL": "dummymail://",
            "LOG_LEVEL": "WARNING",
            "REDIS_URL": "",
        }
    )
    import django

    django.setup()


def daphne_child() -> int | None:
    """The pid of the daphne process demo_server started for us (a direct child)."""
    me = str(os.getpid())
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        if stat[stat.rindex(")") + 2 :].split()[1] == me and b"daphne" in cmdline:
            return int(entry.name)
    return None


@dataclass
class Outcome:
    latencies: list[float] = field(default_factory=list)  # ms, errors included
    errors: int = 0
    requests: int = 0
    open_loop: bool = True
    elapsed: float = 0.0  # seconds from the first scheduled request to the last answer

    @property
    def served_rps(self) -> float:
        """Good answers a second: below the offered rate, the server could not keep up."""
        return (self.requests - self.errors) / self.elapsed if self.elapsed else 0.0

    def p(self, q: float) -> float:
        return percentile(self.latencies, q) if self.latencies else float("nan")


def session_from(cookies) -> requests.Session:
    session = requests.Session()
    session.cookies.update(cookies)
    return session


def probe(session, url, paths, count, timeout, *, headers=None) -> tuple[Outcome, bool]:
    """Sequential warm-up requests; False if one took longer than `timeout` (stops there)."""
    outcome = Outcome(open_loop=False)
    for i in range(count):
        start = time.perf_counter()
        try:
            response = session.get(url + paths[i % len(paths)], headers=headers, timeout=timeout)
            ok = response.status_code == 200
            fast = True
        except requests.Timeout:
            ok = fast = False
        elapsed = (time.perf_counter() - start) * 1000
        outcome.latencies.append(elapsed)
        outcome.requests += 1
        outcome.errors += not ok
        if not fast or elapsed > timeout * 1000:
            return outcome, False
    return outcome, True


def open_loop(
    cookies, url, paths, *, rate, duration, timeout, in_flight, drain, headers=None
) -> Outcome:
    """Requests sent at `rate` a second for `duration` seconds on a fixed schedule; each latency
    from the request's scheduled time, so a slow server cannot slow the client's pace."""
    n = max(1, round(rate * duration))
    local = threading.local()
    latencies: list[float | None] = [None] * n
    failed = [False] * n
    t0 = time.perf_counter() + 0.05

    def fire(i: int) -> None:
        session = getattr(local, "session", None) or session_from(cookies)
        local.session = session
        try:
            response = session.get(
                url + paths[i % len(paths)],
                headers=headers,
                timeout=timeout,
                allow_redirects=False,
            )
            ok = response.status_code == 200
        except requests.RequestException:
            ok = False
            local.session = None  # a fresh connection for the next one
        latencies[i] = (time.perf_counter() - (t0 + i / rate)) * 1000
        failed[i] = not ok

    pool = ThreadPoolExecutor(in_flight, thread_name_prefix="load")
    futures = []
    for i in range(n):
        delay = t0 + i / rate - time.perf_counter()
        if delay > 0:
            time.sleep(delay)
        futures.append(pool.submit(fire, i))
    wait(futures, timeout=drain)
    pool.shutdown(wait=True, cancel_futures=True)  # those sent end by their timeout
    gave_up = time.perf_counter()
    outcome = Outcome(requests=n, elapsed=gave_up - t0)
    for i in range(n):
        if latencies[i] is None:  # never sent: it waited until now
            latencies[i] = (gave_up - (t0 + i / rate)) * 1000
            failed[i] = True
    outcome.latencies = latencies
    outcome.errors = sum(failed)
    return outcome


def measure(session, url, name, paths, args) -> Outcome:
    warm, fast = probe(session, url, paths, args.warmup, args.timeout)
    if not fast:
        print(
            f"  {name}: a warm-up request took over {args.timeout:g} s: open loop skipped, "
            "figures are the warm-up requests (lower bounds)"
        )
        return warm
    print(f"  {name}: {args.rate:g} req/s for {args.duration:g} s ...", flush=True)
    outcome = open_loop(
        session.cookies,
        url,
        paths,
        rate=args.rate,
        duration=args.duration,
        timeout=args.timeout,
        in_flight=args.in_flight,
        drain=args.drain,
    )
    time.sleep(args.pause)
    return outcome


def main():
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--topics", type=int, default=10_000)
    parser.add_argument("--replies", type=int, default=100_000)
    parser.add_argument("--small", action="store_true", help="1,000 topics, 10,000 replies, 5 s")
    parser.add_argument("--index", choices=("bulk", "command"), default="bulk")
    parser.add_argument("--rate", type=float, default=50, help="requests a second per target")
    parser.add_argument("--duration", type=float, default=20, help="seconds per target")
    parser.add_argument("--in-flight", type=int, default=32, help="most requests at once")
    parser.add_argument("--timeout", type=float, default=5, help="seconds before giving up")
    parser.add_argument("--drain", type=float, default=5, help="seconds after the schedule")
    parser.add_argument("--warmup", type=int, default=5, help="sequential requests first")
    parser.add_argument("--pause", type=float, default=1, help="seconds between targets")
    args = parser.parse_args()
    if args.small:
        args.topics, args.replies, args.duration = 1_000, 10_000, 5
    began = time.perf_counter()

    results: dict[str, Outcome] = {}
    seeded = None
    daphne = None
    with tempfile.TemporaryDirectory(prefix="forum-bench-") as directory:
        try:
            with demo_server(directory=directory) as url:
                daphne = daphne_child()
                print(f"demo server up ({time.perf_counter() - began:.0f}s); seeding the forum")
                use_server_database(directory)
                from bench._forum_seed import QUERIES, seed_forum

                seeded = seed_forum(topics=args.topics, replies=args.replies, index=args.index)
                t = seeded.timings
                print(
                    f"seeded {args.topics} topics, {args.replies} replies in {t['total']:.1f}s "
                    f"(rows {t['rows']:.1f}s, search index {t['index']:.1f}s with "
                    f"{args.index}); big topic #{seeded.big_topic_id}"
                )
                session = signed_in_session(url, MEMBER)
                targets = {
                    "floor": ["/health/"],
                    "topic": [f"/forum/t/{seeded.big_topic_id}/"],
                    "list": [f"/forum/s/{LIST_SPACE}/"],
                    "search": [f"/forum/search/?q={query}" for query in QUERIES],
                }
                # The load threads copy these cookies: check they make a signed-in page.
                worker = session_from(session.cookies)
                if "/accounts/logout/" not in worker.get(url + targets["topic"][0]).text:
                    raise RuntimeError("the load would not be signed in")
                for name, paths in targets.items():
                    results[name] = measure(session, url, name, paths, args)
        except subprocess.TimeoutExpired:
            # daphne would not stop: a thread still runs a request we gave up on.
            if daphne is not None:
                os.kill(daphne, signal.SIGKILL)
                print(f"daphne (pid {daphne}) did not stop in time: killed")
    seconds = time.perf_counter() - began

    floor = results["floor"]
    print()
    print(
        f"{'target':<8}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>10}{'p99/floor':>11}"
        f"{'requests':>10}{'errors':>8}{'served/s':>10}  load"
    )
    for name, r in results.items():
        if not r.open_loop:
            load = "warm-up only: lower bounds"
        elif r.served_rps < 0.95 * args.rate:
            load = f"open loop {args.rate:g}/s, SATURATED (queueing dominates)"
        else:
            load = f"open loop {args.rate:g}/s"
        print(
            f"{name:<8}{r.p(50):>9.1f}{r.p(95):>9.1f}{r.p(99):>10.1f}"
            f"{r.p(99) / floor.p(99):>11.1f}{r.requests:>10}{r.errors:>8}"
            f"{r.served_rps:>10.1f}  {load}"
        )
    topic_ok = results["topic"].p(99) <= TOPIC_P99_TARGET_MS and not results["topic"].errors
    search_ok = results["search"].p(99) <= SEARCH_P99_TARGET_MS and not results["search"].errors
    print(
        f"topic page p99 <= {TOPIC_P99_TARGET_MS} ms: {'yes' if topic_ok else 'NO'}; "
        f"search p99 <= {SEARCH_P99_TARGET_MS} ms: {'yes' if search_ok else 'NO'} "
        "(client-observed latency on loopback; the server sends no Server-Timing)"
    )
    print(f"total {seconds:.0f}s")

    fields = []
    for name, r in results.items():
        fields += [f"{name}_p50_ms={r.p(50):.1f}", f"{name}_p99_ms={r.p(99):.1f}"]
    for name, r in results.items():
        if name != "floor":
            fields += [
                f"{name}_ratio_p50={r.p(50) / floor.p(50):.1f}",
                f"{name}_ratio_p99={r.p(99) / floor.p(99):.1f}",
            ]
    for name, r in results.items():
        fields.append(f"{name}_errors={r.errors}")
        if r.open_loop:
            fields.append(f"{name}_served_rps={r.served_rps:.1f}")
        else:
            fields.append(f"{name}_open_loop=skipped")
    fields += [
        f"topic_ok={'yes' if topic_ok else 'no'}",
        f"search_ok={'yes' if search_ok else 'no'}",
        f"rate={args.rate:g}",
        f"duration={args.duration:g}",
        f"topics={args.topics}",
        f"replies={args.replies}",
        f"seed_seconds={seeded.timings['total']:.1f}" if seeded else "seed_seconds=nan",
        f"seconds={seconds:.0f}",
    ]
    print("RESULT " + " ".join(fields))


if __name__ == "__main__":
    main()
