"""A mentor's capacity under concurrent requests, proven on PostgreSQL.

Ten mentees ask the same mentor (capacity 2) at the same instant: each thread opens its own
connection, then waits at a barrier that releases them together; `request_create` locks the
mentor's row before counting their open relationships, so exactly two requests are made and
eight are refused as "mentor_full". Then concurrent acceptances and coordinator pairings never
take the mentor over their capacity either. Counted in the database at the end.
"""

import pytest

from mentorship.models import OPEN_STATES, Relationship
from mentorship.services import matching as services
from tests.factories import UserFactory
from tests.mentorship.factories import (
    EnrolmentFactory,
    MenteeProfileFactory,
    MentorProfileFactory,
    ProgrammeFactory,
    ProgrammeMentorFactory,
)
from tests.support.races import connections_for, race

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]

THREADS = 10


@pytest.fixture(autouse=True)
def _a_connection_for_every_thread():
    with connections_for(THREADS):
        yield


def refusal_codes(outcomes) -> set:
    return {getattr(value, "code", None) for kind, value in outcomes if kind == "refused"}


@pytest.fixture
def programme():
    return ProgrammeFactory(coordinators=[UserFactory()])


def enrolled_mentees(programme, count):
    mentees = [MenteeProfileFactory() for _ in range(count)]
    for mentee in mentees:
        EnrolmentFactory(programme=programme, mentee=mentee)
    return mentees


def test_ten_mentees_asking_a_mentor_of_capacity_two_at_once_make_exactly_two_requests(programme):
    mentor = MentorProfileFactory(capacity=2)
    ProgrammeMentorFactory(programme=programme, mentor=mentor)
    mentees = enrolled_mentees(programme, 10)

    def ask(mentee):
        return lambda: services.request_create(
            by=mentee.user, mentee=mentee, mentor=mentor, programme=programme, message=""
        )

    outcomes = race([ask(mentee) for mentee in mentees])

    assert sum(kind == "ok" for kind, _ in outcomes) == 2
    assert refusal_codes(outcomes) == {"mentor_full"}
    assert Relationship.objects.filter(mentor=mentor, state__in=OPEN_STATES).count() == 2


def test_concurrent_pairings_by_coordinators_never_exceed_the_capacity(programme):
    coordinator = programme.coordinators.get()
    mentor = MentorProfileFactory(capacity=3)
    ProgrammeMentorFactory(programme=programme, mentor=mentor)
    mentees = enrolled_mentees(programme, 8)

    def assign(mentee):
        return lambda: services.relationship_assign(
            by=coordinator, mentee=mentee, mentor=mentor, programme=programme
        )

    outcomes = race([assign(mentee) for mentee in mentees])

    assert sum(kind == "ok" for kind, _ in outcomes) == 3
    assert refusal_codes(outcomes) == {"mentor_full"}
    assert Relationship.objects.filter(mentor=mentor, state="active").count() == 3


def test_one_mentee_asking_two_mentors_at_once_gets_one_open_request(programme):
    mentors = [MentorProfileFactory() for _ in range(4)]
    for mentor in mentors:
        ProgrammeMentorFactory(programme=programme, mentor=mentor)
    [mentee] = enrolled_mentees(programme, 1)

    def ask(mentor):
        return lambda: services.request_create(
            by=mentee.user, mentee=mentee, mentor=mentor, programme=programme, message=""
        )

    outcomes = race([ask(mentor) for mentor in mentors])

    assert sum(kind == "ok" for kind, _ in outcomes) == 1
    assert refusal_codes(outcomes) == {"mentee_busy"}
    assert Relationship.objects.filter(mentee=mentee, state__in=OPEN_STATES).count() == 1
