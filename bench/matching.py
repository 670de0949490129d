"""Mentor suggestions for one mentee among 5,000 mentors, then 50 concurrent attempts to book
the same slot.

Run with no arguments: `.venv/bin/python bench/matching.py` (under a minute once the migrated
template exists; the first run migrates, about a minute more). It works in its own PostgreSQL
database (`egalite_bench_matching` on 127.0.0.1:5432, user postgres), dropped and recreated,
copied from a migrated template kept on the server (`bench/registration.py`'s helpers), and
dropped at the end (`--keep` keeps it). When PostgreSQL does not answer, it says so and runs
on a fresh SQLite database instead; the RESULT line names the database (`db=`).

Seeding, in bulk from this process: `--mentors` mentors (5,000) of a one-to-one programme, with
1 to 4 themes among 20, 1 or 2 sectors among 10, 1 or 2 languages among 6, a country and a
region among 5 countries and 4 regions each, a capacity of 1 to 5, 85 % vetted, 5 % paused, 60 %
with weekly availability; about a third of them with open relationships (some full); 200
enrolled mentees with their own interests, sectors, languages and regions.

Measured in this process (no HTTP): `mentorship.matching.suggestions_for(mentee, programme)`
(the top 10 with their reasons), `--calls` calls (200) cycling over the mentees after 20 warm-up
calls; p50 and p99 in milliseconds, and the number of queries of one call. Beside it, in the
same run: the same ranking in a programme of 50 mentors (`ref50`), and a `SELECT 1` round trip
(`floor`). Target: p99 <= 100 ms over 5,000 mentors.

Then `bench._booking_race.booking_race(attempts=50)` (the booking area's race: 50 threads book
the same slot; exactly one must succeed) on the same database, PostgreSQL only; its figures go
in the RESULT line with the `booking_` prefix.

Ends with one line `RESULT key=value ...`.
"""

import argparse
import random
import statistics
import sys
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# The bench folder on the path would make bench/notifications.py shadow the app.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]
sys.path.insert(0, str(ROOT))
from bench import _chat_seed as sqlite_bench  # noqa: E402
from bench import registration as postgres_bench  # noqa: E402

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/egalite_bench_matching"
TARGET_P99_MS = 100
COUNTRIES = {
    "FR": ["Bretagne", "Occitanie", "Grand Est", "Normandie"],
    "BE": ["Wallonie", "Flandre", "Bruxelles", "Liège"],
    "ES": ["Catalogne", "Andalousie", "Madrid", "Galice"],
    "IT": ["Lombardie", "Toscane", "Piémont", "Latium"],
    "DE": ["Bavière", "Saxe", "Hesse", "Berlin"],
}


def postgresql_answers(url: str) -> str | None:
    """None when the server accepts a connection, else why not."""
    from urllib.parse import urlsplit, urlunsplit

    import psycopg

    admin_url = urlunsplit(urlsplit(url)._replace(path="/postgres"))
    try:
        with psycopg.connect(admin_url, connect_timeout=3):
            return None
    except psycopg.Error as error:
        return str(error).strip().splitlines()[0]


def migrate_missing() -> int:
    """Apply the migrations a copied template lacks (a nested app's new migration)."""
    from django.core.management import call_command
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    if plan:
        call_command("migrate", interactive=False, verbosity=0)
    return len(plan)


# --- Seeding -------------------------------------------------------------------------------------


def _terms(model, prefix: str, count: int) -> list:
    model.objects.bulk_create(
        [
            model(
                slug=f"bench-{prefix}-{i}",
                label_fr=f"{prefix} {i}",
                label_en=f"{prefix} {i}",
                position=100 + i,
            )
            for i in range(count)
        ],
        ignore_conflicts=True,
    )
    return list(model.objects.filter(slug__startswith=f"bench-{prefix}-").order_by("position"))


def _place(rng: random.Random) -> tuple[str, str]:
    country = rng.choice(list(COUNTRIES))
    return country, rng.choice(COUNTRIES[country])


def _programme(slug: str, lead):
    from datetime import date, timedelta

    from mentorship.models import Programme

    return Programme.objects.create(
        kind=Programme.Kind.ONE_TO_ONE,
        title=f"Bench {slug}",
        slug=slug,
        starts_on=date.today() - timedelta(days=30),
        ends_on=date.today() + timedelta(days=300),
        capacity=10_000,
        eligibility=Programme.Eligibility.ALL,
        safeguarding_lead=lead,
    )


def _mentors(users, rng, vocab):
    from datetime import date, timedelta

    from mentorship.models import AvailabilityRule, MentorProfile

    themes, sectors, languages = vocab
    checked = date.today() - timedelta(days=30)
    profiles = []
    for user in users:
        country, region = _place(rng)
        vetted = rng.random() < 0.85
        profiles.append(
            MentorProfile(
                user=user,
                headline="Ingénieure",
                country=country,
                region=region,
                online=rng.random() < 0.9,
                in_person=rng.random() < 0.5,
                capacity=rng.randint(1, 5),
                paused=rng.random() < 0.05,
                vetting=MentorProfile.Vetting.CLEARED if vetted else MentorProfile.Vetting.NONE,
                identity_checked_on=checked if vetted else None,
                record_seen_on=checked if vetted else None,
                time_zone="Europe/Paris",
            )
        )
    profiles = MentorProfile.objects.bulk_create(profiles)
    through = MentorProfile.themes.through, MentorProfile.sectors.through
    through += (MentorProfile.languages.through,)
    rows = ([], [], [])
    for profile in profiles:
        for theme in rng.sample(themes, rng.randint(1, 4)):
            rows[0].append(through[0](mentorprofile_id=profile.pk, theme_id=theme.pk))
        for sector in rng.sample(sectors, rng.randint(1, 2)):
            rows[1].append(through[1](mentorprofile_id=profile.pk, sector_id=sector.pk))
        for language in rng.sample(languages, rng.randint(1, 2)):
            rows[2].append(through[2](mentorprofile_id=profile.pk, language_id=language.pk))
    for model, batch in zip(through, rows, strict=True):
        model.objects.bulk_create(batch, batch_size=2000)
    AvailabilityRule.objects.bulk_create(
        [
            AvailabilityRule(
                mentor=profile, weekday=rng.randint(0, 4), starts_at="18:00", ends_at="20:00"
            )
            for profile in profiles
            if rng.random() < 0.6
        ],
        batch_size=2000,
    )
    return profiles


def _mentees(users, rng, vocab):
    from mentorship.models import MenteeProfile

    themes, sectors, languages = vocab
    profiles = []
    for user in users:
        country, region = _place(rng)
        profiles.append(
            MenteeProfile(
                user=user, country=country, region=region, age_band="18+", goals="Se reconvertir"
            )
        )
    profiles = MenteeProfile.objects.bulk_create(profiles)
    through = (
        MenteeProfile.themes.through,
        MenteeProfile.sectors.through,
        MenteeProfile.languages.through,
    )
    rows = ([], [], [])
    for profile in profiles:
        for theme in rng.sample(themes, rng.randint(1, 4)):
            rows[0].append(through[0](menteeprofile_id=profile.pk, theme_id=theme.pk))
        for sector in rng.sample(sectors, rng.randint(0, 2)):
            rows[1].append(through[1](menteeprofile_id=profile.pk, sector_id=sector.pk))
        for language in rng.sample(languages, rng.randint(1, 2)):
            rows[2].append(through[2](menteeprofile_id=profile.pk, language_id=language.pk))
    for model, batch in zip(through, rows, strict=True):
        model.objects.bulk_create(batch, batch_size=2000)
    return profiles


def seed(mentor_count: int, mentee_count: int, rng: random.Random) -> dict:
    from community.models import Language, Sector, Theme
    from mentorship.models import Enrolment, ProgrammeMentor, Relationship

    start = time.perf_counter()
    vocab = (_terms(Theme, "theme", 20), _terms(Sector, "sector", 10), _terms(Language, "lang", 6))
    lead = postgres_bench.new_members("lead", 1)[0]
    programme, small = _programme("bench-matching", lead), _programme("bench-matching-50", lead)
    mentors = _mentors(postgres_bench.new_members("mentor", mentor_count), rng, vocab)
    mentees = _mentees(postgres_bench.new_members("mentee", mentee_count), rng, vocab)
    ProgrammeMentor.objects.bulk_create(
        [ProgrammeMentor(programme=programme, mentor=m) for m in mentors], batch_size=2000
    )
    ProgrammeMentor.objects.bulk_create(
        [ProgrammeMentor(programme=small, mentor=m) for m in rng.sample(mentors, 50)]
    )
    Enrolment.objects.bulk_create(
        [Enrolment(programme=p, mentee=m) for m in mentees for p in (programme, small)]
    )
    # Open relationships with mentees of their own (not measured): a third of the mentors busy,
    # some of them full.
    busy = rng.sample(mentors, len(mentors) // 3)
    taken = [rng.randint(1, mentor.capacity) for mentor in busy]
    others = _mentees(postgres_bench.new_members("busy", sum(taken)), rng, vocab)
    states = ["active"] * 6 + ["requested"] * 3 + ["paused"]
    pairs, position = [], 0
    for mentor, count in zip(busy, taken, strict=True):
        for other in others[position : position + count]:
            pairs.append(
                Relationship(
                    programme=programme, mentor=mentor, mentee=other, state=rng.choice(states)
                )
            )
        position += count
    Relationship.objects.bulk_create(pairs, batch_size=2000)
    full = sum(1 for mentor, count in zip(busy, taken, strict=True) if count >= mentor.capacity)
    return {
        "programme": programme,
        "small": small,
        "mentees": mentees,
        "relationships": len(pairs),
        "full": full,
        "seconds": time.perf_counter() - start,
    }


# --- Measuring -----------------------------------------------------------------------------------


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(share * (len(ordered) - 1))))
    return ordered[index]


def timed(call, runs: int) -> list[float]:
    found = []
    for i in range(runs):
        start = time.perf_counter()
        call(i)
        found.append((time.perf_counter() - start) * 1000)
    return found


def measure(seeded: dict, calls: int) -> dict:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from mentorship.matching import suggestions_for

    mentees, programme, small = seeded["mentees"], seeded["programme"], seeded["small"]

    def suggest(target):
        return lambda i: suggestions_for(mentees[i % len(mentees)], target, limit=10)

    def select_one(_i):
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()

    timed(suggest(programme), 20)  # warm-up: plans, buffers
    timed(suggest(small), 20)
    with CaptureQueriesContext(connection) as queries:
        found = suggest(programme)(0)
    figures = {
        "queries": len(queries.captured_queries),
        "suggested": len(found),
        "top_score": found[0].score if found else 0,
        "top_reasons": [reason.text for reason in found[0].reasons] if found else [],
    }
    for name, call in (
        ("floor", select_one),
        ("ref50", suggest(small)),
        ("suggest", suggest(programme)),
    ):
        values = timed(call, calls)
        figures[name] = {
            "p50": statistics.median(values),
            "p99": percentile(values, 0.99),
            "max": max(values),
        }
    return figures


def booking_figures() -> dict:
    """The booking area's race on the same database (`bench/_booking_race.py`)."""
    from bench._booking_race import booking_race

    start = time.perf_counter()
    found = booking_race(attempts=50)
    found = dict(found)
    found["seconds"] = round(time.perf_counter() - start, 1)
    return found


def main():
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--mentors", type=int, default=5000)
    parser.add_argument("--mentees", type=int, default=200)
    parser.add_argument("--calls", type=int, default=200, help="measured calls per target")
    parser.add_argument("--database-url", default=DEFAULT_DATABASE_URL)
    parser.add_argument("--sqlite", action="store_true", help="SQLite even if PostgreSQL answers")
    parser.add_argument("--keep", action="store_true", help="keep the PostgreSQL bench database")
    parser.add_argument("--no-template", action="store_true", help="migrate from scratch")
    parser.add_argument("--no-booking", action="store_true", help="skip the booking race")
    args = parser.parse_args()
    began = time.perf_counter()

    why_not = None if args.sqlite else postgresql_answers(args.database_url)
    db = "sqlite" if args.sqlite or why_not else "postgresql"
    if why_not:
        print(f"PostgreSQL does not answer ({why_not}): running on SQLite instead")

    stack = ExitStack()
    try:
        directory = stack.enter_context(tempfile.TemporaryDirectory(prefix="matching-bench-"))
        if db == "postgresql":
            seconds, copied = postgres_bench.prepare_database(
                args.database_url, template=not args.no_template
            )
            postgres_bench.set_up_django(args.database_url)
            name = postgres_bench.database_name(args.database_url)
        else:
            seconds, copied = sqlite_bench.prepare_database(directory)
            sqlite_bench.use_database(directory)
            name = f"{directory}/bench.sqlite3"
        how = "copied from its migrated template" if copied else "migrated"
        missing = migrate_missing()
        if missing:
            how += f", then {missing} migrations it lacked applied"
        print(f"database {name} ({db}) {how} in {seconds:.1f} s")

        rng = random.Random(7)
        seeded = seed(args.mentors, args.mentees, rng)
        if db == "postgresql":
            from django.db import connection

            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        print(
            f"seeded {args.mentors} mentors, {args.mentees} mentees and "
            f"{seeded['relationships']} open relationships ({seeded['full']} mentors full) "
            f"in {seeded['seconds']:.1f} s"
        )

        figures = measure(seeded, args.calls)
        print(
            f"\none call: {figures['queries']} queries, {figures['suggested']} suggestions, "
            f"top score {figures['top_score']}: " + " ".join(figures["top_reasons"])
        )
        print(f"\n{'target':<10}{'p50 ms':>10}{'p99 ms':>10}{'max ms':>10}   ({args.calls} calls)")
        for target in ("floor", "ref50", "suggest"):
            row = figures[target]
            print(f"{target:<10}{row['p50']:>10.2f}{row['p99']:>10.2f}{row['max']:>10.2f}")

        booking = {}
        if db != "postgresql" and not args.no_booking:
            print("\nthe booking race needs PostgreSQL: not run on SQLite")
            booking = {"race": "skipped_sqlite"}
        elif not args.no_booking:
            try:
                booking = booking_figures()
            except ModuleNotFoundError as error:
                if error.name != "bench._booking_race":
                    raise
                print("\nbench/_booking_race.py is not there: no booking race measured")
                booking = {"race": "missing"}
            else:
                print(f"\nbooking race: {booking}")
    finally:
        stack.close()
        if db == "postgresql" and not args.keep:
            from django.db import connections

            connections.close_all()
            postgres_bench.drop_database(args.database_url)

    suggest = figures["suggest"]
    target = "met" if suggest["p99"] <= TARGET_P99_MS else "missed"
    parts = [
        f"db={db}",
        f"mentors={args.mentors}",
        f"calls={args.calls}",
        f"suggest_p50_ms={suggest['p50']:.1f}",
        f"suggest_p99_ms={suggest['p99']:.1f}",
        f"queries_per_call={figures['queries']}",
        f"ref50_p50_ms={figures['ref50']['p50']:.1f}",
        f"ref50_p99_ms={figures['ref50']['p99']:.1f}",
        f"floor_p50_ms={figures['floor']['p50']:.2f}",
        f"floor_p99_ms={figures['floor']['p99']:.2f}",
        f"target_p99_ms={TARGET_P99_MS}",
        f"target={target}",
    ]
    parts += [f"booking_{key}={value}" for key, value in booking.items() if key != "seconds"]
    if "seconds" in booking:
        parts.append(f"booking_s={booking['seconds']}")
    parts.append(f"total_s={time.perf_counter() - began:.0f}")
    print("RESULT " + " ".join(parts))


if __name__ == "__main__":
    main()
