"""Concurrent confirmations of marraines on PostgreSQL: never more confirmed than wanted.

Coordinators confirm many volunteers of the same need at the same instant (threads released
together by a barrier, each on its own connection). `volunteer_confirm` locks the need's row,
so they are served one after the other: exactly `marraines_wanted` succeed, the rest are
refused ("full" or "not_open"), and the counts are checked in the database at the end.
"""

from datetime import timedelta

import pytest
from django.utils import timezone

from mentorship.models import InterventionNeed, Programme, Volunteer
from mentorship.services import interventions as services
from tests.factories import UserFactory
from tests.mentorship.factories import (
    MentorProfileFactory,
    ProgrammeFactory,
    ProgrammeMentorFactory,
)
from tests.support.races import connections_for, race

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]

THREADS = 24
VStatus = Volunteer.Status


@pytest.fixture(autouse=True)
def _a_connection_for_every_thread():
    with connections_for(THREADS):
        yield


@pytest.fixture
def setting():
    coordinators = [UserFactory() for _ in range(3)]
    programme = ProgrammeFactory(kind=Programme.Kind.INTERVENTIONS, coordinators=coordinators)
    return programme, coordinators


def need_with_volunteers(programme, *, wanted: int, volunteers: int):
    start = timezone.now() + timedelta(days=7)
    need = InterventionNeed.objects.create(
        programme=programme,
        kind=InterventionNeed.Kind.CLASS_TALK,
        title="Collège",
        host="Collège",
        starts_at=start,
        ends_at=start + timedelta(hours=2),
        place="Rennes",
        audience="4e",
        marraines_wanted=wanted,
    )
    offers = []
    for _ in range(volunteers):
        mentor = MentorProfileFactory()
        ProgrammeMentorFactory(programme=programme, mentor=mentor)
        offers.append(
            Volunteer.objects.create(need=need, mentor=mentor, status=VStatus.VOLUNTEERED)
        )
    return need, offers


@pytest.mark.parametrize("wanted", [1, 3])
def test_concurrent_confirmations_never_exceed_the_marraines_wanted(setting, wanted):
    programme, coordinators = setting
    need, offers = need_with_volunteers(programme, wanted=wanted, volunteers=THREADS)
    calls = [
        (
            lambda offer=offer, n=n: services.volunteer_confirm(
                by=coordinators[n % len(coordinators)], volunteer=offer
            )
        )
        for n, offer in enumerate(offers)
    ]
    outcomes = race(calls)
    succeeded = [value for kind, value in outcomes if kind == "ok"]
    refused = [value for kind, value in outcomes if kind == "refused"]
    assert len(succeeded) == wanted
    assert {error.code for error in refused} <= {"full", "not_open"}
    assert need.volunteers.filter(status=VStatus.CONFIRMED).count() == wanted
    need.refresh_from_db()
    assert need.status == InterventionNeed.Status.CONFIRMED


def test_the_same_volunteer_confirmed_twice_at_once_is_confirmed_once(setting):
    programme, coordinators = setting
    need, (offer,) = need_with_volunteers(programme, wanted=2, volunteers=1)
    outcomes = race(
        [
            lambda coordinator=coordinator: services.volunteer_confirm(
                by=coordinator, volunteer=offer
            )
            for coordinator in coordinators
        ]
    )
    assert [kind for kind, _value in outcomes].count("ok") == 1
    assert {value.code for kind, value in outcomes if kind == "refused"} == {"not_volunteered"}
    assert need.volunteers.filter(status=VStatus.CONFIRMED).count() == 1
    need.refresh_from_db()
    assert need.status == InterventionNeed.Status.OPEN
