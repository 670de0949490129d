"""A relationship's writes under concurrent calls, proven on PostgreSQL: one end wins, feedback
is given once, a nudge is sent once even when two ticks run together.

Same pattern as `test_event_concurrency.py`: every thread opens its own connection, then waits
at a barrier that releases them all at once; the invariants are read in the database after.
"""

from datetime import timedelta

import pytest
from django.utils import timezone
from notifications.models import Notification

from mentorship import slots
from mentorship.models import Booking, Relationship, SessionFeedback
from mentorship.services import booking as booking_services
from mentorship.services import relationships as services
from tests.factories import UserFactory
from tests.mentorship.factories import (
    AvailabilityRuleFactory,
    BookingFactory,
    ProgrammeFactory,
    RelationshipFactory,
)
from tests.support.races import connections_for, race

pytestmark = [
    pytest.mark.services,
    pytest.mark.django_db(transaction=True),
]

THREADS = 8
State = Relationship.State


@pytest.fixture(autouse=True)
def _a_connection_for_every_thread():
    with connections_for(THREADS):
        yield


@pytest.fixture
def relationship(transactional_db):
    coordinator = UserFactory()
    return RelationshipFactory(programme=ProgrammeFactory(coordinators=[coordinator]))


def test_the_same_person_giving_feedback_at_once_gives_it_once(relationship):
    starts = timezone.now() - timedelta(days=1)
    booking = BookingFactory(
        relationship=relationship, starts_at=starts, ends_at=starts + timedelta(hours=1)
    )
    mentee = relationship.mentee.user
    outcomes = race(
        [
            lambda: services.feedback_give(by=mentee, booking=booking, rating=4, working="yes")
            for _ in range(THREADS)
        ]
    )
    assert [kind for kind, _value in outcomes].count("ok") == 1
    assert all(value.code == "already_given" for kind, value in outcomes if kind == "refused")
    assert SessionFeedback.objects.filter(booking=booking, author=mentee).count() == 1


def test_completing_and_cancelling_at_once_leaves_one_end(relationship):
    mentor, mentee = relationship.mentor.user, relationship.mentee.user
    upcoming = BookingFactory(relationship=relationship)
    calls = [
        lambda: services.relationship_complete(by=mentor, relationship=relationship),
        lambda: services.relationship_cancel(by=mentee, relationship=relationship, reason="x"),
    ] * (THREADS // 2)
    outcomes = race(calls)
    assert [kind for kind, _value in outcomes].count("ok") == 1
    relationship.refresh_from_db()
    assert relationship.state in (State.COMPLETED, State.CANCELLED)
    upcoming.refresh_from_db()
    assert upcoming.status == "cancelled"
    assert upcoming.sequence == 1


def test_two_ticks_at_once_nudge_each_quiet_relationship_once(relationship):
    others = [RelationshipFactory() for _ in range(3)]
    later = timezone.now() + timedelta(days=30)
    outcomes = race([lambda: services.nudges_tick(now=later) for _ in range(THREADS)])
    assert sum(value["nudged"] for _kind, value in outcomes) == 4
    for pair in [relationship, *others]:
        for user in (pair.mentor.user, pair.mentee.user):
            assert Notification.objects.filter(recipient=user, verb="mentorship.nudge").count() == 1


def test_a_session_booked_while_the_relationship_ends_never_stays_confirmed(relationship):
    """The state change locks the two profiles first, as booking does: whichever commits first,
    no confirmed session is left in a cancelled relationship."""
    for weekday in range(7):
        AvailabilityRuleFactory(
            mentor=relationship.mentor, weekday=weekday, starts_at="08:00", ends_at="20:00"
        )
    free = slots.next_free_slots(relationship.mentor, now=timezone.now())
    mentor = relationship.mentor.user
    for round_number in range(4):
        pair = RelationshipFactory(mentor=relationship.mentor, programme=relationship.programme)
        starts_at = free[round_number * 3]
        outcomes = race(
            [
                lambda pair=pair, starts_at=starts_at: booking_services.booking_create(
                    by=pair.mentee.user, relationship=pair, starts_at=starts_at
                ),
                lambda pair=pair: services.relationship_cancel(
                    by=mentor, relationship=pair, reason="Leaving"
                ),
            ]
        )
        assert outcomes[1][0] == "ok"
        pair.refresh_from_db()
        assert pair.state == State.CANCELLED
        assert not Booking.objects.filter(relationship=pair, status="confirmed").exists()
