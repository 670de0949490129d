"""Programmes: who creates and edits one, enrolling as a mentee (eligibility, places under a
lock), joining as a mentor, and the coordinators' dashboard (coordinators only, a constant
number of queries)."""

from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from mentorship.models import Booking, Enrolment, Programme, ProgrammeMentor, SessionFeedback
from mentorship.services.programmes import (
    enrolment_create,
    enrolment_leave,
    programme_create,
    programme_mentor_join,
    programme_update,
)
from tests.factories import ClusterFactory, UserFactory
from tests.mentorship.factories import (
    BookingFactory,
    EnrolmentFactory,
    GuardianConsentFactory,
    MenteeProfileFactory,
    MentorProfileFactory,
    ProgrammeFactory,
    ProgrammeMentorFactory,
    RelationshipFactory,
)

pytestmark = pytest.mark.django_db


def programme_fields(**extra) -> dict:
    return {
        "kind": Programme.Kind.ONE_TO_ONE,
        "title": "Reconversion au féminin",
        "slug": "reconversion",
        "starts_on": date(2026, 9, 1),
        "ends_on": date(2027, 6, 30),
        "capacity": 2,
        "eligibility": Programme.Eligibility.ADULTS,
        "safeguarding_lead": UserFactory(),
        **extra,
    }


def test_an_animator_creates_a_programme_of_their_cluster_and_coordinates_it(animator, cluster):
    programme = programme_create(by=animator, **programme_fields(cluster=cluster))

    assert list(programme.coordinators.all()) == [animator]


def test_a_member_or_an_animator_of_another_cluster_cannot_create_a_programme(member, animator):
    with pytest.raises(PermissionDenied):
        programme_create(by=member, **programme_fields())
    with pytest.raises(PermissionDenied):
        programme_create(by=animator, **programme_fields(cluster=ClusterFactory()))
    assert not Programme.objects.exists()


def test_a_programme_that_ends_before_it_starts_is_refused(staff):
    with pytest.raises(ValidationError) as error:
        programme_create(by=staff, **programme_fields(ends_on=date(2026, 1, 1)))
    assert "ends_on" in error.value.message_dict
    assert not Programme.objects.exists()


def test_only_coordinators_edit_a_programme_and_it_keeps_a_coordinator(staff, member):
    programme = programme_create(by=staff, **programme_fields())
    with pytest.raises(PermissionDenied):
        programme_update(by=member, programme=programme, title="Pris")
    with pytest.raises(ValidationError):
        programme_update(by=staff, programme=programme, coordinators=[])
    programme.refresh_from_db()
    assert programme.title == "Reconversion au féminin"
    assert programme.coordinators.count() == 1


def test_a_mentee_enrols_when_eligible_and_a_place_is_left():
    programme = ProgrammeFactory(capacity=1, eligibility=Programme.Eligibility.ADULTS)
    adult, other, minor = (
        MenteeProfileFactory(),
        MenteeProfileFactory(),
        MenteeProfileFactory(minor=True),
    )

    with pytest.raises(ValidationError):
        enrolment_create(by=minor.user, programme=programme, mentee=minor)
    enrolment = enrolment_create(by=adult.user, programme=programme, mentee=adult)
    assert enrolment_create(by=adult.user, programme=programme, mentee=adult) == enrolment
    with pytest.raises(ValidationError, match="full"):
        enrolment_create(by=other.user, programme=programme, mentee=other)
    with pytest.raises(PermissionDenied):
        enrolment_create(by=adult.user, programme=programme, mentee=other)

    enrolment_leave(by=adult.user, enrolment=enrolment)
    assert enrolment_create(by=other.user, programme=programme, mentee=other).status == "active"
    assert Enrolment.objects.filter(status="active").count() == 1


def test_a_mentor_joins_a_programme_but_not_a_cohort_on_their_own():
    mentor = MentorProfileFactory()
    programme_mentor_join(by=mentor.user, programme=ProgrammeFactory(), mentor=mentor)
    with pytest.raises(PermissionDenied):
        programme_mentor_join(
            by=mentor.user, programme=ProgrammeFactory(kind=Programme.Kind.COHORT), mentor=mentor
        )
    assert ProgrammeMentor.objects.count() == 1


def test_the_programme_pages_show_the_programme_and_its_safety_rules(client, member):
    programme = ProgrammeFactory(title="Wi-Filles Rennes", eligibility=Programme.Eligibility.MINORS)
    content = client.get(reverse("mentorship:programme_list")).content.decode()
    assert "Wi-Filles Rennes" in content

    client.force_login(member)
    response = client.get(programme.get_absolute_url())
    assert response.status_code == 200
    assert "safeguarding" in response.content.decode().lower()


def test_enrolling_from_the_page_without_a_mentee_profile_asks_for_one(client, member):
    programme = ProgrammeFactory()
    client.force_login(member)
    response = client.post(reverse("mentorship:programme_enrol", args=[programme.slug]))
    assert response.status_code == 302
    assert reverse("mentorship:mentee_profile") in response.url
    assert not Enrolment.objects.exists()


def populate(programme, size: int) -> None:
    """`size` enrolled mentees, half matched with a session held and feedback, a minor without
    consent and one with."""
    now = timezone.now()
    for i in range(size):
        mentee = MenteeProfileFactory()
        EnrolmentFactory(programme=programme, mentee=mentee)
        if i % 2:
            link = ProgrammeMentorFactory(programme=programme)
            relationship = RelationshipFactory(
                programme=programme, mentor=link.mentor, mentee=mentee
            )
            booking = BookingFactory(
                relationship=relationship,
                starts_at=now - timedelta(days=2, hours=i),
                ends_at=now - timedelta(days=2, hours=i) + timedelta(minutes=90),
            )
            SessionFeedback.objects.create(
                booking=booking, author=mentee.user, rating=4, working="yes", comment="Utile"
            )
    EnrolmentFactory(programme=programme, mentee=MenteeProfileFactory(minor=True))
    consent = GuardianConsentFactory()
    EnrolmentFactory(programme=programme, mentee=consent.mentee)


def test_the_dashboard_shows_the_programme_s_figures_in_constant_queries(client):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    coordinator = UserFactory()
    programme = ProgrammeFactory(coordinators=[coordinator], capacity=100)
    client.force_login(coordinator)
    url = reverse("mentorship:dashboard", args=[programme.slug])
    counts = []
    for size in (2, 8):
        populate(programme, size)
        client.get(url)
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        counts.append(len(queries.captured_queries))

    board = response.context["board"]
    matched = 1 + 4  # half of each batch
    assert board.sessions_held == matched
    assert board.hours_held == round(matched * 1.5, 1)
    assert board.unmatched_count == 10 - matched + 4
    assert board.consents_missing == 2
    assert board.feedback_count == matched
    assert Booking.objects.count() == matched
    assert counts[0] == counts[1] <= 25, counts


def test_the_dashboard_is_a_404_for_anyone_but_the_coordinators(client, member):
    programme = ProgrammeFactory()
    client.force_login(member)
    assert client.get(reverse("mentorship:dashboard", args=[programme.slug])).status_code == 404


def test_the_programme_list_and_page_cost_the_same_queries_whatever_their_size(client, member):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    programme = ProgrammeFactory(capacity=100)
    client.force_login(member)
    counts = []
    for size in (1, 8):
        for _ in range(size):
            ProgrammeFactory(coordinators=[UserFactory()])
            EnrolmentFactory(programme=programme)
            ProgrammeMentorFactory(programme=programme)
        programme.coordinators.add(UserFactory())
        seen = []
        for url in (reverse("mentorship:programme_list"), programme.get_absolute_url()):
            client.get(url)
            with CaptureQueriesContext(connection) as queries:
                assert client.get(url).status_code == 200
            seen.append(len(queries.captured_queries))
        counts.append(seen)

    assert counts[0] == counts[1], counts
