"""The relationship page and "My mentoring": who sees them, what each person sees (never a
mentor's private note unless they wrote it), the actions through the forms, and a constant
number of queries."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from forum.chat.models import Room
from mentorship.models import Booking, Milestone, Relationship, SessionFeedback, SessionNote
from mentorship.services import relationships as services
from tests.factories import UserFactory
from tests.mentorship.factories import (
    BookingFactory,
    MenteeProfileFactory,
    ProgrammeFactory,
    RelationshipFactory,
)

State = Relationship.State
PRIVATE = "Private worry about her confidence"
SHARED = "Shared: prepare the interview"


@pytest.fixture
def coordinator(db):
    return UserFactory(profile__display_name="Corinne Coordinatrice")


@pytest.fixture
def relationship(coordinator):
    programme = ProgrammeFactory(coordinators=[coordinator], title="Reconversion au féminin")
    return RelationshipFactory(
        programme=programme,
        mentor__user__profile__display_name="Marie Mentor",
        mentee__user__profile__display_name="Lina Mentee",
    )


@pytest.fixture
def with_notes(relationship):
    mentor = relationship.mentor.user
    services.note_add(by=mentor, relationship=relationship, body=PRIVATE, shared=False)
    services.note_add(by=mentor, relationship=relationship, body=SHARED, shared=True)
    return relationship


def page_url(relationship) -> str:
    return reverse("mentorship:relationship", kwargs={"pk": relationship.pk})


def url(name: str, relationship, **kwargs) -> str:
    return reverse(f"mentorship:{name}", kwargs={"pk": relationship.pk, **kwargs})


def test_the_page_lives_at_its_address(relationship):
    assert page_url(relationship) == f"/mentorship/relationships/{relationship.pk}/"
    assert relationship.get_absolute_url() == page_url(relationship)
    assert reverse("mentorship:mine") == "/mentorship/mine/"


# --- Who sees the page ----------------------------------------------------------------------


def test_a_stranger_gets_a_404(client, relationship, other_member):
    client.force_login(other_member)
    assert client.get(page_url(relationship)).status_code == 404


def test_an_unknown_relationship_is_a_404(client, member):
    client.force_login(member)
    assert client.get("/mentorship/relationships/999999/").status_code == 404


def test_a_visitor_is_sent_to_sign_in(client, relationship):
    response = client.get(page_url(relationship))
    assert response.status_code == 302
    assert "login" in response["Location"]


def test_another_programmes_coordinator_gets_a_404(client, relationship):
    elsewhere = UserFactory()
    ProgrammeFactory(coordinators=[elsewhere])
    client.force_login(elsewhere)
    assert client.get(page_url(relationship)).status_code == 404


@pytest.mark.parametrize("who", ["mentor", "mentee", "coordinator", "lead"])
def test_the_two_people_the_coordinators_and_the_safeguarding_lead_see_the_page(
    who, client, relationship, coordinator
):
    user = {
        "mentor": relationship.mentor.user,
        "mentee": relationship.mentee.user,
        "coordinator": coordinator,
        "lead": relationship.programme.safeguarding_lead,
    }[who]
    client.force_login(user)
    response = client.get(page_url(relationship))
    assert response.status_code == 200
    body = response.content.decode()
    assert "Marie Mentor" in body and "Lina Mentee" in body
    assert "Reconversion au féminin" in body


# --- Private notes --------------------------------------------------------------------------


def test_the_mentor_reads_their_private_note_on_the_page(client, with_notes):
    client.force_login(with_notes.mentor.user)
    body = client.get(page_url(with_notes)).content.decode()
    assert PRIVATE in body and SHARED in body


@pytest.mark.parametrize("who", ["mentee", "coordinator", "staff", "lead"])
def test_a_private_note_never_shows_to_the_mentee_nor_a_coordinator(
    who, client, with_notes, coordinator, staff
):
    user = {
        "mentee": with_notes.mentee.user,
        "coordinator": coordinator,
        "staff": staff,
        "lead": with_notes.programme.safeguarding_lead,
    }[who]
    client.force_login(user)
    body = client.get(page_url(with_notes)).content.decode()
    assert SHARED in body
    assert PRIVATE not in body


def test_the_mentee_cannot_remove_the_mentors_private_note_even_by_its_id(client, with_notes):
    note = SessionNote.objects.get(shared=False)
    client.force_login(with_notes.mentee.user)
    response = client.post(url("note_remove", with_notes, note_id=note.pk))
    assert response.status_code == 404
    assert SessionNote.objects.filter(pk=note.pk).exists()


def test_the_mentee_sees_no_note_form_and_a_posted_note_is_refused(client, relationship):
    client.force_login(relationship.mentee.user)
    assert 'name="body"' not in client.get(page_url(relationship)).content.decode()
    response = client.post(url("note_add", relationship), {"body": "Sneaky", "shared": "on"})
    assert "Only the mentor writes session notes." in response.content.decode()
    assert not SessionNote.objects.exists()


def test_the_mentor_adds_a_private_note_through_the_form(client, relationship):
    booking = BookingFactory(relationship=relationship)
    client.force_login(relationship.mentor.user)
    response = client.post(
        url("note_add", relationship), {"body": "Went well", "booking": str(booking.pk)}
    )
    assert response.status_code == 302
    note = SessionNote.objects.get()
    assert (note.body, note.shared, note.booking) == ("Went well", False, booking)


def test_the_author_removes_a_note_from_the_page(client, with_notes):
    note = SessionNote.objects.get(shared=False)
    client.force_login(with_notes.mentor.user)
    assert client.post(url("note_remove", with_notes, note_id=note.pk)).status_code == 302
    assert not SessionNote.objects.filter(pk=note.pk).exists()


# --- Actions --------------------------------------------------------------------------------


def test_the_mentee_pauses_and_resumes_from_the_page(client, relationship):
    client.force_login(relationship.mentee.user)
    assert "Pause" in client.get(page_url(relationship)).content.decode()
    client.post(url("relationship_pause", relationship))
    assert Relationship.objects.get(pk=relationship.pk).state == State.PAUSED
    client.post(url("relationship_resume", relationship))
    assert Relationship.objects.get(pk=relationship.pk).state == State.ACTIVE


def test_an_illegal_move_from_the_page_shows_why_and_changes_nothing(client, relationship):
    client.force_login(relationship.mentor.user)
    response = client.post(url("relationship_resume", relationship), follow=True)
    assert "Only a paused relationship can be resumed." in response.content.decode()
    assert Relationship.objects.get(pk=relationship.pk).state == State.ACTIVE


def test_the_mentee_does_not_see_complete_and_posting_it_is_refused(client, relationship):
    client.force_login(relationship.mentee.user)
    assert "Mark as completed" not in client.get(page_url(relationship)).content.decode()
    response = client.post(url("relationship_complete", relationship), follow=True)
    assert "Only the mentor or a coordinator" in response.content.decode()
    assert Relationship.objects.get(pk=relationship.pk).state == State.ACTIVE


def test_a_stranger_posting_an_action_gets_a_404(client, relationship, other_member):
    client.force_login(other_member)
    for name in ("relationship_pause", "relationship_complete", "milestone_add"):
        assert client.post(url(name, relationship)).status_code == 404
    assert Relationship.objects.get(pk=relationship.pk).state == State.ACTIVE


def test_ending_without_a_reason_shows_the_error_on_the_form(client, relationship):
    client.force_login(relationship.mentor.user)
    response = client.post(url("relationship_cancel", relationship), {"reason": ""})
    assert response.status_code == 200
    assert 'id="id_reason_error"' in response.content.decode()
    assert Relationship.objects.get(pk=relationship.pk).state == State.ACTIVE


def test_the_mentor_ends_the_relationship_with_a_reason(client, relationship):
    client.force_login(relationship.mentor.user)
    response = client.post(url("relationship_cancel", relationship), {"reason": "Moving away"})
    assert response.status_code == 302
    relationship = Relationship.objects.get(pk=relationship.pk)
    assert (relationship.state, relationship.end_reason) == (State.CANCELLED, "Moving away")


def test_goals_are_added_reached_and_removed_from_the_page(client, relationship):
    client.force_login(relationship.mentee.user)
    client.post(url("milestone_add", relationship), {"title": "Update my CV", "due_on": ""})
    milestone = Milestone.objects.get()
    client.post(url("milestone_complete", relationship, milestone_id=milestone.pk))
    assert Milestone.objects.get().done_at is not None
    client.post(url("milestone_remove", relationship, milestone_id=milestone.pk))
    assert not Milestone.objects.exists()


def test_another_relationships_milestone_is_a_404(client, relationship):
    other = RelationshipFactory(mentee=relationship.mentee)
    milestone = Milestone.objects.create(relationship=other, title="Theirs")
    client.force_login(relationship.mentee.user)
    response = client.post(url("milestone_remove", relationship, milestone_id=milestone.pk))
    assert response.status_code == 404
    assert Milestone.objects.filter(pk=milestone.pk).exists()


def test_the_conversation_link_shows_when_there_is_a_room(client, relationship):
    room = Room.objects.create(kind=Room.Kind.GROUP, title="Mentoring")
    Relationship.objects.filter(pk=relationship.pk).update(room=room)
    client.force_login(relationship.mentee.user)
    assert room.get_absolute_url() in client.get(page_url(relationship)).content.decode()


# --- Feedback and survey through the page ---------------------------------------------------


def test_feedback_is_offered_after_a_session_and_given_once(client, relationship, coordinator):
    starts = timezone.now() - timedelta(days=1)
    booking = BookingFactory(
        relationship=relationship, starts_at=starts, ends_at=starts + timedelta(hours=1)
    )
    client.force_login(relationship.mentee.user)
    feedback_url = url("feedback_give", relationship, booking_id=booking.pk)
    assert feedback_url in client.get(page_url(relationship)).content.decode()
    response = client.post(feedback_url, {"rating": "2", "working": "no", "comment": "Hard"})
    assert response.status_code == 302
    assert SessionFeedback.objects.get().working == "no"
    assert feedback_url not in client.get(page_url(relationship)).content.decode()
    response = client.post(feedback_url, {"rating": "5", "working": "yes"})
    assert "already gave feedback" in response.content.decode()
    assert SessionFeedback.objects.count() == 1


def test_the_other_person_does_not_read_ones_feedback_but_a_coordinator_does(
    client, relationship, coordinator
):
    starts = timezone.now() - timedelta(days=1)
    booking = BookingFactory(
        relationship=relationship, starts_at=starts, ends_at=starts + timedelta(hours=1)
    )
    services.feedback_give(
        by=relationship.mentee.user, booking=booking, rating=2, working="no", comment="Unheard"
    )
    client.force_login(relationship.mentor.user)
    assert "Unheard" not in client.get(page_url(relationship)).content.decode()
    client.force_login(coordinator)
    assert "Unheard" in client.get(page_url(relationship)).content.decode()


def test_the_end_survey_is_answered_from_the_page_once_completed(client, relationship):
    services.relationship_complete(by=relationship.mentor.user, relationship=relationship)
    client.force_login(relationship.mentee.user)
    response = client.post(
        url("end_survey_give", relationship),
        {"goals_reached": "4", "would_recommend": "on", "comment": "Merci"},
    )
    assert response.status_code == 302
    survey = relationship.end_surveys.get()
    assert (survey.goals_reached, survey.would_recommend) == (4, True)


# --- My mentoring ---------------------------------------------------------------------------


def test_my_mentoring_lists_relationships_as_mentor_and_as_mentee(client, relationship):
    user = relationship.mentor.user
    as_mentee = RelationshipFactory(
        mentee=MenteeProfileFactory(user=user),
        mentor__user__profile__display_name="Hélène Experte",
    )
    BookingFactory(relationship=as_mentee)
    client.force_login(user)
    body = client.get(reverse("mentorship:mine")).content.decode()
    assert "You mentor Lina Mentee" in body
    assert "Hélène Experte mentors you" in body
    assert "Next session:" in body
    assert relationship.get_absolute_url() in body and as_mentee.get_absolute_url() in body


def test_my_mentoring_shows_the_next_session_in_the_viewers_time_zone(client, relationship):
    relationship.mentee.time_zone = "America/Montreal"
    relationship.mentee.save()
    starts = (timezone.now() + timedelta(days=5)).replace(
        hour=17, minute=0, second=0, microsecond=0
    )
    BookingFactory(relationship=relationship, starts_at=starts)
    client.force_login(relationship.mentee.user)
    body = client.get(reverse("mentorship:mine")).content.decode()
    assert "America/Montreal" in body
    assert ("12:00" in body) or ("13:00" in body)  # 17:00 UTC, in winter or summer time


def test_my_mentoring_shows_nothing_of_others(client, relationship, other_member):
    client.force_login(other_member)
    body = client.get(reverse("mentorship:mine")).content.decode()
    assert "Lina Mentee" not in body
    assert "You have no mentoring relationship under way." in body


# --- Query counts ---------------------------------------------------------------------------


def _grow(relationship, n: int) -> None:
    mentor = relationship.mentor.user
    mentee = relationship.mentee.user
    for i in range(n):
        starts = timezone.now() - timedelta(days=10 + i)
        past = BookingFactory(
            relationship=relationship, starts_at=starts, ends_at=starts + timedelta(hours=1)
        )
        BookingFactory(relationship=relationship, starts_at=timezone.now() + timedelta(days=3 + i))
        services.feedback_give(by=mentee, booking=past, rating=4, working="yes")
        services.note_add(by=mentor, relationship=relationship, body=f"n{i}", shared=i % 2 == 0)
        services.milestone_add(by=mentee, relationship=relationship, title=f"Goal {i}")


@pytest.mark.parametrize("who", ["mentor", "mentee", "coordinator"])
def test_the_relationship_page_reads_in_a_constant_number_of_queries(
    who, client, relationship, coordinator, django_assert_max_num_queries
):
    user = {
        "mentor": relationship.mentor.user,
        "mentee": relationship.mentee.user,
        "coordinator": coordinator,
    }[who]
    client.force_login(user)
    _grow(relationship, 1)
    with django_assert_max_num_queries(25) as small:
        assert client.get(page_url(relationship)).status_code == 200
    _grow(relationship, 8)
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert client.get(page_url(relationship)).status_code == 200


def test_my_mentoring_reads_in_a_constant_number_of_queries(
    client, relationship, django_assert_max_num_queries
):
    user = relationship.mentor.user
    client.force_login(user)
    with django_assert_max_num_queries(15) as small:
        assert client.get(reverse("mentorship:mine")).status_code == 200
    for _ in range(8):
        other = RelationshipFactory(mentor=relationship.mentor, programme=relationship.programme)
        BookingFactory(relationship=other)
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert client.get(reverse("mentorship:mine")).status_code == 200
    assert Booking.objects.count() == 8
