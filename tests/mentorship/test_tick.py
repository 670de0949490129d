"""`manage.py mentorship_tick`: one round of request reminders and expiries, session reminders
and nudges, each reported; a second round sends nothing again."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone
from notifications.models import Notification

from mentorship.models import Booking, Relationship
from tests.mentorship.factories import (
    BookingFactory,
    EnrolmentFactory,
    ProgrammeFactory,
    ProgrammeMentorFactory,
    RelationshipFactory,
)

pytestmark = pytest.mark.django_db


def run() -> str:
    out = StringIO()
    call_command("mentorship_tick", stdout=out)
    return out.getvalue()


def test_one_round_reminds_expires_and_nudges_once():
    now = timezone.now()
    programme = ProgrammeFactory(request_days=7, reminder_days=4)
    link = ProgrammeMentorFactory(programme=programme)
    waiting = RelationshipFactory(
        programme=programme,
        mentor=link.mentor,
        state=Relationship.State.REQUESTED,
        started_at=None,
        expires_at=now + timedelta(days=1),
    )
    Relationship.objects.filter(pk=waiting.pk).update(requested_at=now - timedelta(days=6))
    EnrolmentFactory(programme=programme, mentee=waiting.mentee)
    session = BookingFactory(starts_at=now + timedelta(hours=20))
    quiet = RelationshipFactory(started_at=now - timedelta(days=60))

    first = run()

    assert "requests:" in first and "bookings:" in first and "relationships:" in first
    waiting.refresh_from_db()
    session.refresh_from_db()
    quiet.refresh_from_db()
    assert waiting.reminded_at is not None
    assert session.reminded_at is not None and session.status == Booking.Status.CONFIRMED
    assert quiet.nudged_at is not None
    sent = Notification.objects.count()
    assert sent >= 3

    run()
    assert Notification.objects.count() == sent
