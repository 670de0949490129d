"""Latency of the practice library's index over 5,000 items under an open-loop load, beside a
trivial view.

Run with no arguments: `.venv/bin/python bench/library.py` (about 2.5 minutes on 2 cores; the
first run after a migration changed also migrates, up to a minute more). It works in its own
PostgreSQL database (`egalite_bench_library` on 127.0.0.1:5432, user postgres), dropped and
recreated, copied from a migrated template kept on the server (see `bench/registration.py`,
whose database helpers it uses), and dropped at the end (`--keep` keeps it). When PostgreSQL
does not answer, it says so and runs on a fresh SQLite database instead; the RESULT line names
the database (`db=`).

Into that database it writes, from this process, 5,000 published items (mostly practice sheets,
some interviews, video capsules and toolbox items) and an English translation of a tenth of
them, with their facets and search index (`bench/_library_seed.py`, bulk inserts, about 25 s),
checks that they are real Wagtail pages, then starts daphne on it (one process, the project's
settings: DEBUG off, a pool of connections), signed in as a member by a session row.

It drives six targets one after the other with an open-loop load: requests leave on a fixed
schedule (`--rate` a second for `--duration` seconds) whatever the answers, from a pool of
`--in-flight` threads, and each latency runs from the request's scheduled time to the end of
its answer, so that a slow server cannot slow the client's pace and hide its own queue
(coordinated omission). The index keeps its counts and its searches between requests, until the
library changes (`selectors._cached`): each kind of request is measured both ways.

- floor: `/health/`, a trivial view on the same server, measured first;
- facet_cached: the library index with combined facets, two themes + a country + a kind,
  cycling over 24 combinations of the seeded vocabulary, each asked once before the load: the
  answers the index kept;
- partial_cached: the same requests as htmx sends them (`HX-Request: true`): the results
  fragment;
- facet_uncached: at every request a combination nobody asked before: the counts computed
  (the list of the items a reader is not shown, which does not depend on the filters, is kept
  once per language and generation, like the counts);
- search_cached: the index with a full-text search and one facet (theme, country or kind),
  cycling over frequent and rarer words, each asked once before the load;
- search_uncached: at every request a word of the seeded text nobody searched before (then
  pairs of words): the search and its facets computed. The heaviest last: a queue left behind
  by one target would spill into the next.

Uncached concerns the index's own answers only: Wagtail's caches (sites, content types) and
PostgreSQL's buffers are warm, as on a live server. `tests/library/test_browse.py` pins the
queries of a request with nothing kept at all.

The default rate, 5 requests a second per target, is a busy hour of the platform's library,
not a stress test; `--rate` raises it.

Each target first gets sequential warm-up requests (`--warmup`, or each of a cached target's
query strings once); if one of them takes longer than `--timeout`, the open loop is skipped for
that target and its figures are those probes (lower bounds). A request that times out, fails or
answers other than 200 counts as an error and stays in the percentiles. When "served/s" falls
below the offered rate the server could not keep up: the figures measure its queue, and the
table says SATURATED. Beside each target, the table gives daphne's CPU use and the whole
machine's. Daphne runs a process's views one at a time, so a request waiting for PostgreSQL
holds the next ones back even while daphne's own figure is low; a busy machine (other work
beside the bench) slows every target down.

Before the load, each page is also rendered in this process with Django's test client, a few
times, to show where a request's time goes: queries, time in SQL, the rest (Python and
templates), and the slowest query; `--explain` prints PostgreSQL's EXPLAIN ANALYZE of every
query of an uncached facet page and an uncached search.

Target: facet and search p99 <= 100 ms, without errors, cached and uncached. Ends with one
RESULT line, which gives both, and the load average when the load began and ended (the machine
being shared, figures taken under a load average above 1.5 are the machine's as much as the
library's).
"""

import argparse
import math
import os
import random
import re
import statistics
import sys
import tempfile
import time
import warnings
from contextlib import ExitStack
from pathlib import Path
from urllib.parse import urlencode, urlsplit, urlunsplit

import requests

ROOT = Path(__file__).resolve().parent.parent
# Django starts in this process: the script's own folder on the path would make
# bench/notifications.py shadow the `notifications` app.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]
sys.path.insert(0, str(ROOT))
from bench import _chat_seed as sqlite_bench  # noqa: E402
from bench import registration as postgres_bench  # noqa: E402
from bench.forum_pages import Outcome, open_loop, probe  # noqa: E402

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/egalite_bench_library"
INDEX = "/library/"
TARGET_P99_MS = 100
COMBINATIONS = 24  # distinct query strings a cached target cycles over


# --- The database ------------------------------------------------------------------------------


def postgresql_answers(url: str) -> str | None:
    """None when the server accepts a connection, else why not."""
    import psycopg

    admin_url = urlunsplit(urlsplit(url)._replace(path="/postgres"))
    try:
        with psycopg.connect(admin_url, connect_timeout=3):
            return None
    except psycopg.Error as error:
        return str(error).strip().splitlines()[0]


def migrate_missing() -> int:
    """Apply the migrations the copied template lacks; returns how many.

    The template is named after the migration files of the top-level apps only, so a new
    migration of a nested app (`community/library`, `forum/chat`) finds an older template: the
    library's own indexes would be missing, and the figures wrong.
    """
    from django.core.management import call_command
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    if plan:
        call_command("migrate", interactive=False, verbosity=0)
    return len(plan)


# --- What the load asks for --------------------------------------------------------------------


# Targets whose query strings repeat: each string is asked once before the load, which then
# measures the answers the index keeps between requests (`selectors._cached`). The "uncached"
# targets ask at every request a string nobody asked before, so the index computes its counts or
# its search (the list of the items a reader is not shown, per language, stays kept; Wagtail's
# own caches and PostgreSQL's buffers are warm all the same).
CACHED = ("facet_cached", "partial_cached", "search_cached")
HEADERS = {"partial_cached": {"HX-Request": "true"}}


def target_paths(seeded, rng: random.Random, fresh: int) -> dict[str, list[str]]:
    """Query strings over the seeded vocabulary: frequent and rarer themes, the busiest
    countries, mostly sheets; `fresh` strings never repeated for each uncached target."""
    from bench._library_seed import QUERIES

    themes = seeded.themes[:10]
    countries = seeded.countries[:5]
    kinds = ["sheet", "sheet", "sheet", "interview", "video", "toolbox"]
    pairs = [(a, b) for i, a in enumerate(themes) for b in themes[i + 1 :]]
    combinations = [
        (pair, country, kind)
        for pair in pairs
        for country in countries
        for kind in sorted(set(kinds))
    ]
    rng.shuffle(combinations)
    # Mostly sheets in the repeated strings, as readers ask; every kind in the fresh ones.
    cached = []
    for _ in range(COMBINATIONS):
        pair, country, kind = rng.choice(pairs), rng.choice(countries), rng.choice(kinds)
        cached.append((pair, country, kind))
    fresh_combinations = [c for c in combinations if c not in cached][:fresh]

    def facet_path(pair, country, kind) -> str:
        params = [("theme", pair[0]), ("theme", pair[1]), ("country", country), ("kind", kind)]
        return f"{INDEX}?{urlencode(params)}"

    def search_path(i: int, query: str) -> str:
        one = (
            ("theme", rng.choice(themes)),
            ("country", rng.choice(countries)),
            ("kind", "sheet"),
        )[i % 3]
        return f"{INDEX}?{urlencode([('q', query), one])}"

    facet = [facet_path(*c) for c in cached]
    # The heaviest last: requests still queued when a target ends spill into the next one.
    return {
        "floor": ["/health/"],
        "facet_cached": facet,
        "partial_cached": facet,
        "facet_uncached": [facet_path(*c) for c in fresh_combinations],
        "search_cached": [search_path(i, query) for i, query in enumerate(QUERIES)],
        "search_uncached": [
            search_path(i, query) for i, query in enumerate(fresh_queries(fresh, rng, QUERIES))
        ],
    }


def fresh_queries(count: int, rng: random.Random, asked) -> list[str]:
    """`count` searches none of which repeats one of `asked` or another: the words of the
    seeded text's noun phrases, then pairs of them."""
    from bench._forum_seed import NOUNS

    taken = {word for query in asked for word in query.split()}
    words = sorted({w.lower() for noun in NOUNS for w in re.findall(r"\w{6,}", noun)} - taken)
    rng.shuffle(words)
    queries = list(words)
    while len(queries) < count:
        queries.append(" ".join(rng.sample(words, 2)))
    return list(dict.fromkeys(queries))[:count]


def split(name: str, urls: list[str], warmup: int) -> tuple[list[str], list[str]]:
    """The warm-up's query strings and the load's: a cached target asks each of its strings
    before the load; an uncached one keeps its first strings for the warm-up alone."""
    if name in CACHED or name == "floor":
        return urls, urls
    return urls[:warmup], urls[warmup:]


# --- Where a request's time goes, in this process ---------------------------------------------


def in_process(paths: dict[str, list[str]], session_key: str, runs: int, explain: bool) -> dict:
    """Each target's pages rendered by Django's test client here, on the same database:
    queries, SQL time and the rest, per request (median over `runs` requests). A cached
    target's string is asked once before it is measured; an uncached target's are all new."""
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client(HTTP_HOST="127.0.0.1")
    client.cookies[settings.SESSION_COOKIE_NAME] = session_key
    found = {}
    for name, urls in paths.items():
        totals, sqls, counts, slowest = [], [], [], (0.0, "")
        for run in range(runs + 1):
            url = urls[run % len(urls)]
            headers = {
                f"HTTP_{k.upper().replace('-', '_')}": v for k, v in HEADERS.get(name, {}).items()
            }
            if name in CACHED:
                client.get(url, **headers)
            with CaptureQueriesContext(connection) as queries:
                start = time.perf_counter()
                response = client.get(url, **headers)
                total = time.perf_counter() - start
            if response.status_code != 200:
                raise RuntimeError(f"{url} answered {response.status_code}")
            if run == 0:
                continue  # the first request of a target fills the caches
            totals.append(total * 1000)
            sqls.append(sum(float(q["time"]) for q in queries.captured_queries) * 1000)
            counts.append(len(queries.captured_queries))
            for query in queries.captured_queries:
                if float(query["time"]) * 1000 > slowest[0]:
                    slowest = (float(query["time"]) * 1000, query["sql"])
        found[name] = {
            "ms": statistics.median(totals),
            "sql_ms": statistics.median(sqls),
            "queries": (min(counts), max(counts)),
            "slowest": slowest,
        }
        uncached = name in ("facet_uncached", "search_uncached")
        if explain and uncached and connection.vendor == "postgresql":
            explain_page(client, urls[runs + 1])  # a string not asked yet
    return found


def explain_page(client, url: str) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        client.get(url)
    print(f"\nEXPLAIN ANALYZE of the queries of {url}:")
    with connection.cursor() as cursor:
        for query in queries.captured_queries:
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + query["sql"])
            plan = [row[0] for row in cursor.fetchall()]
            print(f"--- {float(query['time']) * 1000:.1f} ms: {query['sql'][:300]}")
            print("\n".join(line[:220] for line in plan))


def print_in_process(local: dict, runs: int) -> None:
    print(
        f"\nin this process, per request (median of {runs}; the test client, no load):\n"
        f"{'target':<16}{'total ms':>10}{'SQL ms':>9}{'other ms':>10}{'queries':>9}"
        "  slowest query"
    )
    for target, row in local.items():
        slow_ms, slow_sql = row["slowest"]
        fewest, most = row["queries"]
        count = f"{fewest}" if fewest == most else f"{fewest}-{most}"
        print(
            f"{target:<16}{row['ms']:>10.1f}{row['sql_ms']:>9.1f}"
            f"{row['ms'] - row['sql_ms']:>10.1f}{count:>9}"
            f"  {slow_ms:.1f} ms {' '.join(slow_sql.split())[:70]}"
        )
    if any(row["queries"][0] != row["queries"][1] for row in local.values()):
        print("(a range: the query strings differ; an empty result skips the cards' queries)")


# --- The open loop -----------------------------------------------------------------------------


def measure(session, url, pid, name, paths, args) -> tuple[Outcome, dict]:
    """The target's outcome, and how busy daphne and the whole machine were meanwhile."""
    headers = HEADERS.get(name, {})
    warm_paths, paths = split(name, paths, args.warmup)
    count = max(args.warmup, len(warm_paths))
    warm, fast = probe(session, url, warm_paths, count, args.timeout, headers=headers)
    if not fast:
        print(
            f"  {name}: a warm-up request took over {args.timeout:g} s: open loop skipped, "
            "figures are the warm-up requests (lower bounds)"
        )
        return warm, {}
    print(f"  {name}: {args.rate:g} req/s for {args.duration:g} s ...", flush=True)
    server, machine = sqlite_bench.cpu_seconds(pid), sqlite_bench.machine_cpu_seconds()
    outcome = open_loop(
        session.cookies,
        url,
        paths,
        headers=headers,
        rate=args.rate,
        duration=args.duration,
        timeout=args.timeout,
        in_flight=args.in_flight,
        drain=args.drain,
    )
    usage = {
        "daphne": (sqlite_bench.cpu_seconds(pid) - server) / outcome.elapsed,
        "machine": (sqlite_bench.machine_cpu_seconds() - machine)
        / (outcome.elapsed * (os.cpu_count() or 1)),
    }
    time.sleep(args.pause)
    return outcome, usage


def cpu(usage: dict, key: str) -> str:
    return f"{usage[key] * 100:.0f}%" if key in usage else "-"


def report(args, seeded, local, results, usage, problems, db: str, seconds: float, loads) -> None:
    """The table of the targets, the verdicts (answers kept, answers computed) and the RESULT
    line."""
    floor = results["floor"]
    print(
        f"\n{'target':<16}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'p99/floor':>11}"
        f"{'requests':>10}{'errors':>8}{'served/s':>10}{'daphne':>8}{'busy':>6}  load"
    )
    for target, r in results.items():
        if not r.open_loop:
            load = "warm-up only: lower bounds"
        elif r.served_rps < 0.95 * args.rate:
            load = f"open loop {args.rate:g}/s, SATURATED (queueing dominates)"
        else:
            load = f"open loop {args.rate:g}/s"
        print(
            f"{target:<16}{r.p(50):>9.1f}{r.p(95):>9.1f}{r.p(99):>9.1f}"
            f"{r.p(99) / floor.p(99):>11.1f}{r.requests:>10}{r.errors:>8}"
            f"{r.served_rps:>10.1f}{cpu(usage[target], 'daphne'):>8}"
            f"{cpu(usage[target], 'machine'):>6}  {load}"
        )
    print(
        "cached: repeated query strings, answered from what the index keeps between requests; "
        "uncached: every request a query string not asked before, its counts or its search "
        "computed (the items a reader is not shown, one list per language, kept).\n"
        "daphne: its CPU time over the target's time (its views run one at a time: waiting for "
        "PostgreSQL holds the queue back too); busy: the machine's CPUs in use meanwhile "
        "(daphne, PostgreSQL, this client and any other work)"
    )
    if problems["tracebacks"] or problems["lines"]:
        print(f"daphne's log: {problems['tracebacks']} tracebacks; {problems['lines']}")
    errors = sum(r.errors for r in results.values())

    def met(*targets) -> bool:
        return all(
            results[t].open_loop and not results[t].errors and results[t].p(99) <= TARGET_P99_MS
            for t in targets
        )

    cached, uncached = (
        met("facet_cached", "search_cached"),
        met("facet_uncached", "search_uncached"),
    )
    print(
        f"facet and search p99 <= {TARGET_P99_MS} ms without errors: cached "
        f"{'yes' if cached else 'NO'}, uncached {'yes' if uncached else 'NO'} (client-observed "
        f"latency on loopback, one daphne process; load average {loads[0]:.2f} when the load "
        f"began, {loads[1]:.2f} when it ended; total {seconds:.0f} s)"
    )
    fields = [f"items={seeded.items}", f"db={db}"]
    for target in ("facet_cached", "facet_uncached", "search_cached", "search_uncached"):
        fields += [
            f"{target}_p50_ms={results[target].p(50):.1f}",
            f"{target}_p99_ms={results[target].p(99):.1f}",
        ]
    fields += [
        f"partial_cached_p99_ms={results['partial_cached'].p(99):.1f}",
        f"floor_p99_ms={floor.p(99):.1f}",
        f"rate={args.rate:g}",
        f"queries_cached={local['facet_cached']['queries'][1]}",
        f"queries_uncached={local['facet_uncached']['queries'][1]}",
        f"errors={errors}",
        f"target_cached={'met' if cached else 'missed'}",
        f"target_uncached={'met' if uncached else 'missed'}",
        f"load_avg={loads[0]:.2f},{loads[1]:.2f}",
        f"seconds={seconds:.0f}",
    ]
    print("RESULT " + " ".join(fields))


# --- Main -------------------------------------------------------------------------------------


def main():
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--items", type=int, default=5000, help="published items (originals)")
    parser.add_argument("--translations", type=float, default=0.10, help="share translated")
    parser.add_argument("--database-url", default=DEFAULT_DATABASE_URL)
    parser.add_argument("--sqlite", action="store_true", help="SQLite even if PostgreSQL answers")
    parser.add_argument("--keep", action="store_true", help="keep the PostgreSQL bench database")
    parser.add_argument(
        "--no-template", action="store_true", help="migrate from scratch, keep no template"
    )
    parser.add_argument("--rate", type=float, default=5, help="requests a second per target")
    parser.add_argument("--duration", type=float, default=15, help="seconds per target")
    parser.add_argument("--in-flight", type=int, default=16, help="most requests at once")
    parser.add_argument("--timeout", type=float, default=5, help="seconds before giving up")
    parser.add_argument("--drain", type=float, default=5, help="seconds after the schedule")
    parser.add_argument("--warmup", type=int, default=5, help="sequential requests first")
    parser.add_argument("--pause", type=float, default=1, help="seconds between targets")
    parser.add_argument("--runs", type=int, default=5, help="in-process requests per target")
    parser.add_argument("--explain", action="store_true", help="EXPLAIN ANALYZE the queries")
    args = parser.parse_args()
    began = time.perf_counter()
    # WhiteNoise in this process (the test client) looks for collected files nobody asks for.
    warnings.filterwarnings("ignore", message="No directory at", category=UserWarning)

    why_not = None if args.sqlite else postgresql_answers(args.database_url)
    db = "sqlite" if args.sqlite or why_not else "postgresql"
    if why_not:
        print(f"PostgreSQL does not answer ({why_not}): running on SQLite instead")

    results: dict[str, Outcome] = {}
    usage: dict[str, dict] = {}
    stack = ExitStack()
    try:
        directory = stack.enter_context(tempfile.TemporaryDirectory(prefix="library-bench-"))
        if db == "postgresql":
            seconds, copied = postgres_bench.prepare_database(
                args.database_url, template=not args.no_template
            )
            postgres_bench.set_up_django(args.database_url)
            server_env = {"DATABASE_URL": args.database_url, "DATABASE_POOL": "true"}
            name = postgres_bench.database_name(args.database_url)
        else:
            seconds, copied = sqlite_bench.prepare_database(directory)
            sqlite_bench.use_database(directory)
            server_env, name = {}, f"{directory}/bench.sqlite3"
        how = "copied from its migrated template" if copied else "migrated"
        missing = migrate_missing()
        if missing:
            how += f", then {missing} migrations it lacked applied"
        print(f"database {name} ({db}) {how} in {seconds:.1f} s; seeding the library")

        from bench._library_seed import check_seeded, seed_library

        seeded = seed_library(items=args.items, translations=args.translations)
        checked = check_seeded(seeded)
        t = seeded.timings
        kinds = ", ".join(f"{n} {kind}" for kind, n in seeded.by_kind.items())
        print(
            f"seeded {seeded.items} items ({kinds}) and {seeded.translations} translations in "
            f"{t['total']:.1f} s (text {t['text']:.1f} s, rows {t['rows']:.1f} s, search index "
            f"{t['index']:.1f} s); {checked['live']} live pages, e.g. {checked['url']}"
        )
        member = sqlite_bench.seed_members(1, space=False)
        session_key = member.sessions[0]
        # Each uncached target's strings: the warm-up's, then one per request of the load. The
        # measures in this process use them too, harmlessly: its cache is not daphne's.
        fresh = max(args.warmup + math.ceil(args.rate * args.duration), args.runs + 2)
        paths = target_paths(seeded, random.Random(5), fresh)
        if min(len(paths["facet_uncached"]), len(paths["search_uncached"])) < fresh:
            print("(more uncached requests than fresh query strings: some will be repeats)")

        local = in_process(paths, session_key, args.runs, args.explain)
        print_in_process(local, args.runs)

        from django.db import connections

        connections.close_all()  # daphne gets the database to itself
        [(url, pid)] = stack.enter_context(sqlite_bench.daphnes(directory, 1, server_env))
        load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
        print(
            f"\ndaphne up at {url} ({time.perf_counter() - began:.0f} s); load average "
            f"{load} on {os.cpu_count()} CPUs (other work on the machine slows the targets down)"
        )
        from django.conf import settings

        session = requests.Session()
        session.cookies.set(settings.SESSION_COOKIE_NAME, session_key)
        if "/accounts/logout/" not in session.get(url + INDEX, timeout=30).text:
            raise RuntimeError("the load would not be signed in")
        loads = [os.getloadavg()[0]]
        for target, target_urls in paths.items():
            results[target], usage[target] = measure(session, url, pid, target, target_urls, args)
        loads.append(os.getloadavg()[0])
        problems = sqlite_bench.log_problems(directory, url)
    finally:
        stack.close()  # daphne stops before its database goes
        if db == "postgresql" and not args.keep:
            from django.db import connections

            connections.close_all()
            postgres_bench.drop_database(args.database_url)
    seconds = time.perf_counter() - began

    report(args, seeded, local, results, usage, problems, db, seconds, loads)


if __name__ == "__main__":
    main()
