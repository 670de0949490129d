"""No slot and no person is ever booked twice, under concurrent attempts, proven on PostgreSQL.

Each thread opens its own connection, then waits at a barrier that releases them all at once;
the invariants are then read from the database, not only from what the calls returned.
"""

import threading
from datetime import UTC, datetime, time

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, connections
from django.db.models import Count
from django.utils import timezone

from bench._booking_race import LAST_RACE, booking_race
from mentorship import slots
from mentorship.models import AvailabilityRule, Booking
from mentorship.services import booking as services
from tests.mentorship.factories import (
    MenteeProfileFactory,
    MentorProfileFactory,
    RelationshipFactory,
)

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _on_postgresql():
    assert connection.vendor == "postgresql", "run with DATABASE_URL=postgres://... -m services"


def _no_one_twice_at_the_same_time():
    confirmed = Booking.objects.filter(status=Booking.Status.CONFIRMED)
    for person in ("mentor", "mentee"):
        twice = confirmed.values(person, "starts_at").annotate(n=Count("pk")).filter(n__gt=1)
        assert list(twice) == []


def test_fifty_mentees_racing_for_the_same_slot_leave_exactly_one_booking():
    result = booking_race(attempts=50)

    assert result["attempts"] == 50
    assert LAST_RACE["errors"] == []
    assert (result["succeeded"], result["refused"], result["errors"]) == (1, 49, 0)
    assert LAST_RACE["confirmed_at_slot"] == 1
    assert (
        Booking.objects.filter(
            mentor_id=LAST_RACE["mentor_id"], starts_at=LAST_RACE["starts_at"]
        ).count()
        == 1
    )
    _no_one_twice_at_the_same_time()


def _race(calls) -> list[str]:
    barrier = threading.Barrier(len(calls))
    outcomes: list[str] = [""] * len(calls)

    def run(index, call):
        try:
            connections["default"].ensure_connection()
            barrier.wait(timeout=60)
            call()
            outcomes[index] = "ok"
        except (ValidationError, PermissionDenied):
            outcomes[index] = "refused"
        except Exception as error:  # noqa: BLE001 - reported by the assertion below
            outcomes[index] = f"error: {error!r}"
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return outcomes


def test_the_same_mentee_booking_two_mentors_at_the_same_time_gets_only_one():
    mentee = MenteeProfileFactory()
    now = datetime(2027, 1, 4, 8, 0, tzinfo=UTC)  # a Monday
    slot = datetime(2027, 1, 5, 17, 0, tzinfo=UTC)  # Tuesday 18:00 in Paris
    relationships = []
    for _n in range(6):
        mentor = MentorProfileFactory(time_zone="Europe/Paris")
        AvailabilityRule.objects.create(
            mentor=mentor, weekday=1, starts_at=time(18), ends_at=time(20)
        )
        relationships.append(RelationshipFactory(mentor=mentor, mentee=mentee))

    for _round in range(3):
        Booking.objects.all().delete()
        outcomes = _race(
            [
                lambda relationship=relationship: services.booking_create(
                    by=mentee.user, relationship=relationship, starts_at=slot, now=now
                )
                for relationship in relationships
            ]
        )

        assert sorted(outcomes) == ["ok"] + ["refused"] * 5
        assert Booking.objects.filter(mentee=mentee, status="confirmed").count() == 1
        _no_one_twice_at_the_same_time()


def test_a_reschedule_racing_a_booking_for_the_same_slot_leaves_one_of_them():
    now = timezone.now()
    mentor = MentorProfileFactory(time_zone="Europe/Paris")
    for weekday in range(7):
        AvailabilityRule.objects.create(
            mentor=mentor, weekday=weekday, starts_at=time(9), ends_at=time(17)
        )
    first, second = RelationshipFactory(mentor=mentor), RelationshipFactory(mentor=mentor)
    free = slots.next_free_slots(mentor, now=now)
    booked = services.booking_create(
        by=first.mentee.user, relationship=first, starts_at=free[0], now=now
    )
    target = free[1]

    outcomes = _race(
        [
            lambda: services.booking_reschedule(
                by=first.mentee.user, booking=booked, starts_at=target, now=now
            ),
            lambda: services.booking_create(
                by=second.mentee.user, relationship=second, starts_at=target, now=now
            ),
        ]
    )

    assert sorted(outcomes) == ["ok", "refused"]
    assert Booking.objects.filter(starts_at=target, status="confirmed").count() == 1
    booked.refresh_from_db()
    moved = outcomes[0] == "ok"
    assert booked.status == ("cancelled" if moved else "confirmed")
    _no_one_twice_at_the_same_time()
