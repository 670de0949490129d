"""Many mentees trying to book the same slot of one mentor at the same instant.

`booking_race(attempts=50)` needs Django set up against a PostgreSQL database: the bench's own
(`bench/matching.py`), or the test database of
`tests/integration/test_mentorship_booking_postgres.py`.
It writes a programme, a vetted mentor free on weekdays 09:00-17:00 (Paris) and `attempts`
adult mentees, each in an active relationship with the mentor; then `attempts` threads each
open their own database connection, wait at a barrier, and all call
`mentorship.services.booking.booking_create` (what the booking page calls) for the mentor's
first free slot. It returns the counts and the time from the barrier's release to the last
answer, and asserts nothing: the caller checks that exactly one succeeded; `LAST_RACE` says
which mentor and slot it was and how many confirmed bookings the database holds there.

The threads need one connection each beside the caller's: with the project's connection pool
(PostgreSQL), the pool is widened for the race and restored after.
"""

import secrets
import threading
import time as clock
from datetime import date, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, connections
from django.utils import timezone

# What the last race was about, for a caller that checks the database (the PostgreSQL test)
# or wants the errors' text: the mentor, the slot, the errors, the confirmed bookings there.
LAST_RACE: dict = {}


def _people(attempts: int, tag: str):
    from community.models import Profile, User
    from mentorship.models import (
        AvailabilityRule,
        MenteeProfile,
        MentorProfile,
        Programme,
        Relationship,
    )

    def user(n: str) -> User:
        account = User.objects.create_user(email=f"race-{tag}-{n}@bench.invalid", password=None)
        # A profile may already be made with the account (a signal): name it either way.
        Profile.objects.update_or_create(user=account, defaults={"display_name": f"Race {n}"})
        return account

    lead = user("lead")
    today = date.today()
    programme = Programme.objects.create(
        kind=Programme.Kind.ONE_TO_ONE,
        title=f"Booking race {tag}",
        slug=f"booking-race-{tag}",
        starts_on=today - timedelta(days=1),
        ends_on=today + timedelta(days=365),
        capacity=attempts + 1,
        eligibility=Programme.Eligibility.ALL,
        safeguarding_lead=lead,
    )
    mentor = MentorProfile.objects.create(
        user=user("mentor"),
        vetting=MentorProfile.Vetting.CLEARED,
        identity_checked_on=today,
        record_seen_on=today,
        capacity=20,
        time_zone="Europe/Paris",
    )
    for weekday in range(5):
        AvailabilityRule.objects.create(
            mentor=mentor, weekday=weekday, starts_at="09:00", ends_at="17:00"
        )
    relationships = []
    for n in range(attempts):
        mentee = MenteeProfile.objects.create(user=user(f"mentee{n}"), age_band="18+")
        relationships.append(
            Relationship.objects.create(
                programme=programme,
                mentor=mentor,
                mentee=mentee,
                state=Relationship.State.ACTIVE,
                started_at=timezone.now(),
            )
        )
    return mentor, relationships


def _widen_pool(size: int):
    pool = getattr(connection, "pool", None)
    if pool is None:
        return None
    sizes = (pool.min_size, pool.max_size)
    pool.resize(sizes[0], max(sizes[1], size))
    return pool, sizes


def booking_race(*, attempts: int = 50) -> dict:
    from mentorship import slots
    from mentorship.models import Booking
    from mentorship.services.booking import booking_create

    tag = secrets.token_hex(4)
    mentor, relationships = _people(attempts, tag)
    now = timezone.now()
    slot = slots.next_free_slots(mentor, now=now)[0]

    barrier = threading.Barrier(attempts)
    outcomes: list[str | None] = [None] * attempts
    errors: list[str] = []
    released: list[float] = []

    def attempt(index: int) -> None:
        relationship = relationships[index]
        try:
            connections["default"].ensure_connection()  # connecting is not part of the race
            if barrier.wait(timeout=60) == 0:
                released.append(clock.perf_counter())
            booking_create(
                by=relationship.mentee.user,
                relationship=relationship,
                starts_at=slot,
                format="online",
                now=now,
            )
            outcomes[index] = "ok"
        except (ValidationError, PermissionDenied):
            outcomes[index] = "refused"
        except Exception as error:  # Counted and reported: the caller fails on any.
            outcomes[index] = "error"
            errors.append(repr(error))
        finally:
            connections.close_all()

    widened = _widen_pool(attempts + 2)
    try:
        threads = [threading.Thread(target=attempt, args=(i,)) for i in range(attempts)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=180)
        finished = clock.perf_counter()
    finally:
        if widened is not None:
            pool, sizes = widened
            pool.resize(*sizes)
    seconds = finished - released[0] if released else 0.0
    LAST_RACE.clear()
    LAST_RACE.update(
        mentor_id=mentor.pk,
        starts_at=slot,
        errors=errors,
        confirmed_at_slot=Booking.objects.filter(
            mentor=mentor, starts_at=slot, status=Booking.Status.CONFIRMED
        ).count(),
    )
    return {
        "attempts": attempts,
        "succeeded": outcomes.count("ok"),
        "refused": outcomes.count("refused"),
        "errors": outcomes.count("error") + outcomes.count(None),
        "seconds": round(seconds, 3),
    }
