"""Two races on PostgreSQL where a minor's safety or a marraine's calendar is at stake:

- a guardian withdraws consent while a booking for the minor is being made: the withdrawal waits
  for the booking (both take the mentee's profile row) and then cancels it, so no session stays
  confirmed without consent;
- two coordinators confirm the same marraine for two interventions at the same time: both take
  her profile row first, so the second sees the first and is refused.

Each step is held at a chosen point (a wrapped service function) while the other one runs.
"""

import contextlib
import threading
from datetime import time, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections
from django.utils import timezone

from mentorship import slots
from mentorship.models import (
    AvailabilityRule,
    Booking,
    GuardianConsent,
    InterventionNeed,
    Programme,
    Volunteer,
)
from mentorship.services import booking as booking_services
from mentorship.services import interventions, safeguarding
from tests.factories import UserFactory
from tests.mentorship.factories import (
    GuardianConsentFactory,
    MenteeProfileFactory,
    MentorProfileFactory,
    ProgrammeFactory,
    ProgrammeMentorFactory,
    RelationshipFactory,
)

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]


def in_thread(target, out, key):
    def run():
        try:
            out[key] = target()
        except ValidationError as error:
            out[key] = error
        finally:
            connections.close_all()

    thread = threading.Thread(target=run)
    thread.start()
    return thread


def test_a_withdrawal_during_a_booking_leaves_no_session_confirmed(monkeypatch):
    assert connection.vendor == "postgresql"
    mentor = MentorProfileFactory()
    for weekday in range(7):
        AvailabilityRule.objects.create(
            mentor=mentor, weekday=weekday, starts_at=time(8), ends_at=time(20)
        )
    mentee = MenteeProfileFactory(minor=True)
    consent = GuardianConsentFactory(mentee=mentee)
    relationship = RelationshipFactory(mentor=mentor, mentee=mentee)
    slot = slots.next_free_slots(mentor, now=timezone.now())[0]

    checked, release = threading.Event(), threading.Event()
    real = booking_services._clean_format

    def held(*args, **kwargs):  # after the consent check, both profile rows locked
        checked.set()
        release.wait(20)
        return real(*args, **kwargs)

    monkeypatch.setattr(booking_services, "_clean_format", held)
    out = {}
    booking = in_thread(
        lambda: booking_services.booking_create(
            by=mentee.user, relationship=relationship, starts_at=slot
        ),
        out,
        "booking",
    )
    assert checked.wait(20)
    withdrawal = in_thread(
        lambda: safeguarding.consent_withdraw(by=mentee.user, mentee=mentee), out, "withdrawal"
    )
    withdrawal.join(2)
    waited = withdrawal.is_alive()
    release.set()
    booking.join(30)
    withdrawal.join(30)

    assert waited, "the withdrawal must wait for the booking's locks"
    assert isinstance(out["booking"], Booking)
    assert GuardianConsent.objects.get(pk=consent.pk).state == GuardianConsent.State.WITHDRAWN
    assert not Booking.objects.filter(mentee=mentee, status=Booking.Status.CONFIRMED).exists()


def test_one_marraine_is_never_confirmed_for_two_interventions_at_once(monkeypatch):
    assert connection.vendor == "postgresql"
    coordinator = UserFactory()
    programme = ProgrammeFactory(kind=Programme.Kind.INTERVENTIONS, coordinators=[coordinator])
    marraine = MentorProfileFactory()
    ProgrammeMentorFactory(programme=programme, mentor=marraine)
    start = timezone.now() + timedelta(days=5)
    volunteers = [
        Volunteer.objects.create(
            need=InterventionNeed.objects.create(
                programme=programme,
                kind=InterventionNeed.Kind.CLASS_TALK,
                title=f"Collège {i}",
                host="Collège",
                starts_at=start,
                ends_at=start + timedelta(hours=2),
                place="Lorient",
                audience="3e",
                marraines_wanted=1,
            ),
            mentor=marraine,
            status=Volunteer.Status.VOLUNTEERED,
        )
        for i in range(2)
    ]
    barrier = threading.Barrier(2)
    real = interventions._check_open

    def held(need):  # both confirmations inside their transaction at the same time, if they can
        real(need)
        with contextlib.suppress(threading.BrokenBarrierError):
            barrier.wait(2)

    monkeypatch.setattr(interventions, "_check_open", held)
    out = {}
    threads = [
        in_thread(lambda v=v: interventions.volunteer_confirm(by=coordinator, volunteer=v), out, i)
        for i, v in enumerate(volunteers)
    ]
    for thread in threads:
        thread.join(30)

    outcomes = sorted(type(result).__name__ for result in out.values())
    assert outcomes == ["ValidationError", "Volunteer"], out
    assert Volunteer.objects.filter(mentor=marraine, status="confirmed").count() == 1
