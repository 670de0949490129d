"""The matching pages: suggestions for an enrolled mentee, the requests inbox, answering a
request and a coordinator's pairing form."""

import pytest
from django.urls import reverse

from community.models import Theme
from mentorship.models import Relationship
from tests.factories import UserFactory
from tests.mentorship.factories import (
    EnrolmentFactory,
    MenteeProfileFactory,
    MentorProfileFactory,
    ProgrammeFactory,
    ProgrammeMentorFactory,
)

pytestmark = pytest.mark.django_db
State = Relationship.State


@pytest.fixture
def coordinator(db):
    return UserFactory()


@pytest.fixture
def programme(coordinator):
    return ProgrammeFactory(coordinators=[coordinator])


@pytest.fixture
def mentee(programme):
    mentee = MenteeProfileFactory()
    EnrolmentFactory(programme=programme, mentee=mentee)
    return mentee


def add_mentors(programme, count, theme=None):
    mentors = []
    for _ in range(count):
        mentor = MentorProfileFactory(headline="Ingénieure <b>réseaux</b>")
        ProgrammeMentorFactory(programme=programme, mentor=mentor)
        if theme:
            mentor.themes.add(theme)
        mentors.append(mentor)
    return mentors


def suggestions_url(programme):
    return reverse("mentorship:programme_mentors", kwargs={"slug": programme.slug})


def test_an_enrolled_mentee_sees_suggestions_with_score_and_reasons(client, mentee, programme):
    theme = Theme.objects.create(slug="numerique", label_fr="Numérique", label_en="Digital")
    mentee.themes.add(theme)
    [mentor] = add_mentors(programme, 1, theme)
    client.force_login(mentee.user)
    page = client.get(suggestions_url(programme)).content.decode()
    assert str(mentor.user) in page
    assert "points out of 100" in page
    assert "Works on 1 of your interests: Digital." in page
    assert "Request this mentor" in page
    # A mentor's text is escaped.
    assert "<b>réseaux</b>" not in page


def test_a_member_not_enrolled_sees_no_mentor(client, programme, other_member):
    [mentor] = add_mentors(programme, 1)
    MenteeProfileFactory(user=other_member)
    client.force_login(other_member)
    page = client.get(suggestions_url(programme)).content.decode()
    assert str(mentor.user) not in page
    assert "Only mentees enrolled" in page


@pytest.mark.parametrize("count", [2, 12])
def test_the_suggestions_page_keeps_a_constant_number_of_queries(
    client, mentee, programme, count, django_assert_max_num_queries
):
    theme = Theme.objects.create(slug="t", label_fr="T", label_en="T")
    mentee.themes.add(theme)
    add_mentors(programme, count, theme)
    client.force_login(mentee.user)
    suggestions_url(programme)
    with django_assert_max_num_queries(16):
        response = client.get(suggestions_url(programme))
    assert response.status_code == 200
    assert response.content.decode().count("Request this mentor") == min(count, 10)


def test_a_mentee_requests_a_mentor_from_the_page(client, mentee, programme):
    [mentor] = add_mentors(programme, 1)
    client.force_login(mentee.user)
    url = reverse(
        "mentorship:request_create", kwargs={"slug": programme.slug, "mentor_id": mentor.pk}
    )
    response = client.post(url, {"message": "Bonjour, pouvez-vous m'aider ?"})
    assert response.status_code == 302
    relationship = Relationship.objects.get()
    assert relationship.mentor == mentor and relationship.state == State.REQUESTED
    # The mentor sees it in their inbox.
    client.force_login(mentor.user)
    page = client.get(reverse("mentorship:requests")).content.decode()
    assert "Bonjour, pouvez-vous m&#x27;aider ?" in page


def test_a_refused_request_shows_why_on_the_page(client, mentee, programme):
    mentor = MentorProfileFactory(paused=True)
    ProgrammeMentorFactory(programme=programme, mentor=mentor)
    client.force_login(mentee.user)
    url = reverse(
        "mentorship:request_create", kwargs={"slug": programme.slug, "mentor_id": mentor.pk}
    )
    response = client.post(url, {"message": ""})
    assert response.status_code == 400
    assert "paused their mentoring" in response.content.decode()
    assert not Relationship.objects.exists()


def request_between(client, mentee, mentor, programme):
    client.force_login(mentee.user)
    client.post(
        reverse(
            "mentorship:request_create", kwargs={"slug": programme.slug, "mentor_id": mentor.pk}
        ),
        {"message": ""},
    )
    return Relationship.objects.get(mentee=mentee, mentor=mentor)


def test_the_mentor_accepts_from_the_inbox(client, mentee, programme):
    [mentor] = add_mentors(programme, 1)
    relationship = request_between(client, mentee, mentor, programme)
    client.force_login(mentor.user)
    response = client.post(reverse("mentorship:request_accept", kwargs={"pk": relationship.pk}))
    assert response.status_code == 302
    relationship.refresh_from_db()
    assert relationship.state == State.ACTIVE
    page = client.get(reverse("mentorship:requests")).content.decode()
    assert relationship.get_absolute_url() in page and "My mentees" in page


def test_another_member_gets_a_404_for_someone_elses_request(client, mentee, programme):
    [mentor, other_mentor] = add_mentors(programme, 2)
    relationship = request_between(client, mentee, mentor, programme)
    for intruder in (other_mentor.user, MenteeProfileFactory().user):
        client.force_login(intruder)
        for name in ("request_accept", "request_decline", "request_withdraw"):
            response = client.post(reverse(f"mentorship:{name}", kwargs={"pk": relationship.pk}))
            assert response.status_code == 404
    relationship.refresh_from_db()
    assert relationship.state == State.REQUESTED


def test_the_mentee_cannot_accept_their_own_request(client, mentee, programme):
    [mentor] = add_mentors(programme, 1)
    relationship = request_between(client, mentee, mentor, programme)
    client.post(reverse("mentorship:request_accept", kwargs={"pk": relationship.pk}))
    relationship.refresh_from_db()
    assert relationship.state == State.REQUESTED


def test_the_mentor_declines_with_a_reason(client, mentee, programme):
    [mentor] = add_mentors(programme, 1)
    relationship = request_between(client, mentee, mentor, programme)
    client.force_login(mentor.user)
    client.post(
        reverse("mentorship:request_decline", kwargs={"pk": relationship.pk}),
        {"reason": "Pas disponible"},
    )
    relationship.refresh_from_db()
    assert relationship.state == State.DECLINED and relationship.end_reason == "Pas disponible"
    client.force_login(mentee.user)
    page = client.get(reverse("mentorship:requests")).content.decode()
    assert "Pas disponible" in page and "Find another mentor" in page


@pytest.mark.parametrize("count", [1, 8])
def test_the_requests_page_keeps_a_constant_number_of_queries(
    client, programme, count, django_assert_max_num_queries
):
    mentor = MentorProfileFactory(capacity=10)
    ProgrammeMentorFactory(programme=programme, mentor=mentor)
    mentees = [MenteeProfileFactory() for _ in range(count)]
    for mentee in mentees:
        EnrolmentFactory(programme=programme, mentee=mentee)
        Relationship.objects.create(programme=programme, mentor=mentor, mentee=mentee)
    client.force_login(mentor.user)
    with django_assert_max_num_queries(10):
        response = client.get(reverse("mentorship:requests"))
    assert response.content.decode().count(">Accept<") == count


def test_a_coordinator_pairs_from_the_assign_page_and_others_get_a_404(
    client, coordinator, mentee, programme, other_member
):
    [mentor] = add_mentors(programme, 1)
    url = reverse("mentorship:assign", kwargs={"slug": programme.slug})
    client.force_login(other_member)
    assert client.get(url).status_code == 404
    assert client.post(url, {"mentee": mentee.pk, "mentor": mentor.pk}).status_code == 404
    assert not Relationship.objects.exists()
    client.force_login(coordinator)
    page = client.get(url).content.decode()
    assert str(mentee.user) in page
    response = client.post(url, {"mentee": mentee.pk, "mentor": mentor.pk})
    assert response.status_code == 302
    relationship = Relationship.objects.get()
    assert relationship.state == State.ACTIVE and relationship.assigned_by == coordinator


def test_the_assign_page_preselects_the_mentee_named_in_the_address(
    client, coordinator, mentee, programme
):
    client.force_login(coordinator)
    url = reverse("mentorship:assign", kwargs={"slug": programme.slug})
    page = client.get(f"{url}?mentee={mentee.pk}").content.decode()
    assert f'<option value="{mentee.pk}" selected>' in page
