"""The relationship's services: every state change allowed and refused, goals, notes (private
ones never readable by the mentee nor a coordinator), feedback, the end survey and nudges."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from notifications.models import Notification

from forum.chat.models import Room
from mentorship.models import (
    OPEN_STATES,
    Booking,
    EndSurvey,
    GuardianConsent,
    Milestone,
    Relationship,
    SessionFeedback,
    SessionNote,
)
from mentorship.services import relationships as services
from tests.factories import UserFactory
from tests.mentorship.factories import (
    BookingFactory,
    GuardianConsentFactory,
    MenteeProfileFactory,
    ProgrammeFactory,
    RelationshipFactory,
)

State = Relationship.State


@pytest.fixture
def coordinator(db):
    return UserFactory(profile__display_name="Corinne Coordinatrice")


@pytest.fixture
def stranger(db):
    return UserFactory(profile__display_name="Sam Stranger")


@pytest.fixture
def relationship(coordinator):
    programme = ProgrammeFactory(coordinators=[coordinator])
    return RelationshipFactory(
        programme=programme,
        mentor__user__profile__display_name="Marie Mentor",
        mentee__user__profile__display_name="Lina Mentee",
    )


def mentor(relationship):
    return relationship.mentor.user


def mentee(relationship):
    return relationship.mentee.user


def fresh(relationship) -> Relationship:
    return Relationship.objects.get(pk=relationship.pk)


def verbs(user) -> list[str]:
    return list(
        Notification.objects.filter(recipient=user).order_by("pk").values_list("verb", flat=True)
    )


def past_booking(relationship, **fields) -> Booking:
    starts = timezone.now() - timedelta(days=2)
    return BookingFactory(
        relationship=relationship, starts_at=starts, ends_at=starts + timedelta(hours=1), **fields
    )


def with_state(relationship, state) -> Relationship:
    Relationship.objects.filter(pk=relationship.pk).update(state=state)
    return fresh(relationship)


# --- Pause and resume -----------------------------------------------------------------------


@pytest.mark.parametrize("who", ["mentor", "mentee", "coordinator"])
def test_either_party_or_a_coordinator_pauses_an_active_relationship(
    who, relationship, coordinator
):
    by = {
        "mentor": mentor(relationship),
        "mentee": mentee(relationship),
        "coordinator": coordinator,
    }[who]
    services.relationship_pause(by=by, relationship=relationship)
    assert fresh(relationship).state == State.PAUSED


def test_a_paused_relationship_keeps_the_mentors_capacity_place(relationship):
    services.relationship_pause(by=mentee(relationship), relationship=relationship)
    assert fresh(relationship).state in OPEN_STATES


def test_pausing_notifies_the_other_person_not_the_one_who_paused(relationship):
    services.relationship_pause(by=mentee(relationship), relationship=relationship)
    assert verbs(mentor(relationship)) == ["mentorship.relationship_paused"]
    assert verbs(mentee(relationship)) == []


def test_a_stranger_cannot_pause_a_relationship(relationship, stranger):
    with pytest.raises(PermissionDenied):
        services.relationship_pause(by=stranger, relationship=relationship)
    assert fresh(relationship).state == State.ACTIVE


def test_another_programmes_coordinator_cannot_pause_the_relationship(relationship):
    elsewhere = UserFactory()
    ProgrammeFactory(coordinators=[elsewhere])
    with pytest.raises(PermissionDenied):
        services.relationship_pause(by=elsewhere, relationship=relationship)


@pytest.mark.parametrize("state", [State.PAUSED, State.COMPLETED, State.CANCELLED, State.REQUESTED])
def test_only_an_active_relationship_can_be_paused(state, relationship):
    relationship = with_state(relationship, state)
    with pytest.raises(ValidationError, match="Only an active relationship"):
        services.relationship_pause(by=mentor(relationship), relationship=relationship)
    assert fresh(relationship).state == state


@pytest.mark.parametrize("who", ["mentor", "mentee", "coordinator"])
def test_either_party_or_a_coordinator_resumes_a_paused_relationship(
    who, relationship, coordinator
):
    relationship = with_state(relationship, State.PAUSED)
    by = {
        "mentor": mentor(relationship),
        "mentee": mentee(relationship),
        "coordinator": coordinator,
    }[who]
    services.relationship_resume(by=by, relationship=relationship)
    assert fresh(relationship).state == State.ACTIVE


@pytest.mark.parametrize("state", [State.ACTIVE, State.COMPLETED, State.CANCELLED])
def test_only_a_paused_relationship_can_be_resumed(state, relationship):
    relationship = with_state(relationship, state)
    with pytest.raises(ValidationError, match="Only a paused relationship"):
        services.relationship_resume(by=mentor(relationship), relationship=relationship)
    assert fresh(relationship).state == state


def test_a_stranger_cannot_resume_a_relationship(relationship, stranger):
    relationship = with_state(relationship, State.PAUSED)
    with pytest.raises(PermissionDenied):
        services.relationship_resume(by=stranger, relationship=relationship)
    assert fresh(relationship).state == State.PAUSED


def test_a_minors_relationship_is_not_resumed_after_the_guardian_withdrew_consent(coordinator):
    minor = MenteeProfileFactory(minor=True)
    GuardianConsentFactory(
        mentee=minor, state=GuardianConsent.State.WITHDRAWN, withdrawn_at=timezone.now()
    )
    relationship = RelationshipFactory(
        programme=ProgrammeFactory(coordinators=[coordinator]), mentee=minor, state=State.PAUSED
    )
    with pytest.raises(PermissionDenied, match="withdrawn"):
        services.relationship_resume(by=coordinator, relationship=relationship)
    assert fresh(relationship).state == State.PAUSED


def test_a_minors_relationship_resumes_with_a_valid_consent(coordinator):
    minor = MenteeProfileFactory(minor=True)
    GuardianConsentFactory(mentee=minor)
    relationship = RelationshipFactory(
        programme=ProgrammeFactory(coordinators=[coordinator]), mentee=minor, state=State.PAUSED
    )
    services.relationship_resume(by=minor.user, relationship=relationship)
    assert fresh(relationship).state == State.ACTIVE


# --- Complete -------------------------------------------------------------------------------


@pytest.mark.parametrize("start", [State.ACTIVE, State.PAUSED])
def test_the_mentor_completes_an_active_or_paused_relationship(start, relationship):
    relationship = with_state(relationship, start)
    services.relationship_complete(by=mentor(relationship), relationship=relationship)
    relationship = fresh(relationship)
    assert relationship.state == State.COMPLETED
    assert relationship.ended_at is not None
    assert verbs(mentee(relationship)) == ["mentorship.relationship_completed"]


def test_a_coordinator_completes_a_relationship(relationship, coordinator):
    services.relationship_complete(by=coordinator, relationship=relationship)
    assert fresh(relationship).state == State.COMPLETED


def test_the_mentee_cannot_complete_the_relationship(relationship):
    with pytest.raises(PermissionDenied, match="Only the mentor or a coordinator"):
        services.relationship_complete(by=mentee(relationship), relationship=relationship)
    assert fresh(relationship).state == State.ACTIVE


@pytest.mark.parametrize("state", [State.REQUESTED, State.CANCELLED, State.COMPLETED])
def test_completing_is_refused_unless_active_or_paused(state, relationship):
    relationship = with_state(relationship, state)
    with pytest.raises(ValidationError, match="Only an active or paused"):
        services.relationship_complete(by=mentor(relationship), relationship=relationship)
    assert fresh(relationship).state == state


def test_completing_cancels_the_upcoming_sessions(relationship):
    upcoming = BookingFactory(relationship=relationship)
    services.relationship_complete(by=mentor(relationship), relationship=relationship)
    assert Booking.objects.get(pk=upcoming.pk).status == Booking.Status.CANCELLED


# --- Cancel ---------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["mentor", "mentee", "coordinator"])
def test_either_party_or_a_coordinator_cancels_with_a_reason(who, relationship, coordinator):
    by = {
        "mentor": mentor(relationship),
        "mentee": mentee(relationship),
        "coordinator": coordinator,
    }[who]
    services.relationship_cancel(by=by, relationship=relationship, reason="Moving abroad")
    relationship = fresh(relationship)
    assert relationship.state == State.CANCELLED
    assert relationship.end_reason == "Moving abroad"
    assert relationship.ended_at is not None


def test_cancelling_without_a_reason_is_refused_and_changes_nothing(relationship):
    booking = BookingFactory(relationship=relationship)
    with pytest.raises(ValidationError, match="why the relationship ends"):
        services.relationship_cancel(by=mentor(relationship), relationship=relationship, reason=" ")
    assert fresh(relationship).state == State.ACTIVE
    assert Booking.objects.get(pk=booking.pk).status == Booking.Status.CONFIRMED


def test_a_stranger_cannot_cancel_a_relationship(relationship, stranger):
    with pytest.raises(PermissionDenied):
        services.relationship_cancel(by=stranger, relationship=relationship, reason="No")
    assert fresh(relationship).state == State.ACTIVE


@pytest.mark.parametrize("state", [State.COMPLETED, State.CANCELLED, State.DECLINED])
def test_an_ended_relationship_cannot_be_cancelled(state, relationship):
    relationship = with_state(relationship, state)
    with pytest.raises(ValidationError, match="already ended"):
        services.relationship_cancel(by=mentor(relationship), relationship=relationship, reason="x")
    assert fresh(relationship).state == state


def test_cancelling_cancels_the_upcoming_confirmed_sessions_and_keeps_the_past_ones(relationship):
    upcoming = BookingFactory(relationship=relationship)
    past = past_booking(relationship)
    services.relationship_cancel(
        by=mentee(relationship), relationship=relationship, reason="Found a job"
    )
    upcoming = Booking.objects.get(pk=upcoming.pk)
    assert upcoming.status == Booking.Status.CANCELLED
    assert upcoming.cancelled_by == mentee(relationship)
    assert upcoming.cancel_reason == "Found a job"
    assert upcoming.sequence == 1
    assert Booking.objects.get(pk=past.pk).status == Booking.Status.CONFIRMED


def test_cancelling_notifies_the_other_side(relationship):
    services.relationship_cancel(by=mentee(relationship), relationship=relationship, reason="x")
    assert verbs(mentor(relationship)) == ["mentorship.relationship_cancelled"]
    assert verbs(mentee(relationship)) == []


def test_a_coordinator_cancelling_notifies_both_people(relationship, coordinator):
    services.relationship_cancel(by=coordinator, relationship=relationship, reason="Safeguarding")
    assert verbs(mentor(relationship)) == ["mentorship.relationship_cancelled"]
    assert verbs(mentee(relationship)) == ["mentorship.relationship_cancelled"]


def test_a_pending_request_can_be_cancelled(relationship):
    relationship = with_state(relationship, State.REQUESTED)
    services.relationship_cancel(by=mentee(relationship), relationship=relationship, reason="x")
    assert fresh(relationship).state == State.CANCELLED


# --- Goals and milestones -------------------------------------------------------------------


def test_the_mentee_adds_a_milestone_and_the_mentor_marks_it_reached(relationship):
    milestone = services.milestone_add(
        by=mentee(relationship), relationship=relationship, title="Update my CV"
    )
    services.milestone_complete(by=mentor(relationship), milestone=milestone)
    assert Milestone.objects.get(pk=milestone.pk).done_at is not None
    assert fresh(relationship).last_activity_at is not None


def test_a_milestone_is_reached_only_once(relationship):
    milestone = services.milestone_add(
        by=mentor(relationship), relationship=relationship, title="Apply"
    )
    services.milestone_complete(by=mentor(relationship), milestone=milestone)
    with pytest.raises(ValidationError, match="already reached"):
        services.milestone_complete(by=mentee(relationship), milestone=milestone)


def test_a_milestone_without_a_title_is_refused(relationship):
    with pytest.raises(ValidationError, match="title"):
        services.milestone_add(by=mentor(relationship), relationship=relationship, title="  ")
    assert not Milestone.objects.exists()


def test_a_coordinator_does_not_keep_the_pairs_milestones(relationship, coordinator):
    with pytest.raises(PermissionDenied):
        services.milestone_add(by=coordinator, relationship=relationship, title="Apply")
    assert not Milestone.objects.exists()


def test_a_stranger_cannot_remove_a_milestone(relationship, stranger):
    milestone = services.milestone_add(
        by=mentor(relationship), relationship=relationship, title="Apply"
    )
    with pytest.raises(PermissionDenied):
        services.milestone_remove(by=stranger, milestone=milestone)
    assert Milestone.objects.filter(pk=milestone.pk).exists()


def test_either_party_removes_a_milestone(relationship):
    milestone = services.milestone_add(
        by=mentor(relationship), relationship=relationship, title="Apply"
    )
    services.milestone_remove(by=mentee(relationship), milestone=milestone)
    assert not Milestone.objects.filter(pk=milestone.pk).exists()


def test_milestones_are_not_added_to_an_ended_relationship(relationship):
    relationship = with_state(relationship, State.CANCELLED)
    with pytest.raises(ValidationError, match="active or paused"):
        services.milestone_add(by=mentor(relationship), relationship=relationship, title="x")
    assert not Milestone.objects.exists()


# --- Notes ----------------------------------------------------------------------------------


def test_the_mentor_writes_a_private_note_nobody_else_reads(relationship, coordinator, staff):
    services.note_add(
        by=mentor(relationship), relationship=relationship, body="She seems tired", shared=False
    )
    assert [n.body for n in services.notes_visible_to(mentor(relationship), relationship)] == [
        "She seems tired"
    ]
    assert not services.notes_visible_to(mentee(relationship), relationship).exists()
    assert not services.notes_visible_to(coordinator, relationship).exists()
    assert not services.notes_visible_to(staff, relationship).exists()
    assert verbs(mentee(relationship)) == []


def test_a_shared_note_is_read_by_both_and_the_coordinators_and_the_mentee_is_told(
    relationship, coordinator
):
    services.note_add(
        by=mentor(relationship), relationship=relationship, body="Great progress", shared=True
    )
    for reader in (mentor(relationship), mentee(relationship), coordinator):
        assert services.notes_visible_to(reader, relationship).count() == 1
    assert verbs(mentee(relationship)) == ["mentorship.note_shared"]


@pytest.mark.parametrize("who", ["mentee", "coordinator"])
def test_only_the_mentor_writes_notes(who, relationship, coordinator):
    by = mentee(relationship) if who == "mentee" else coordinator
    with pytest.raises(PermissionDenied, match="Only the mentor"):
        services.note_add(by=by, relationship=relationship, body="x", shared=True)
    assert not SessionNote.objects.exists()


def test_a_note_cannot_point_to_another_relationships_session(relationship):
    other = BookingFactory()
    with pytest.raises(ValidationError, match="session of this relationship"):
        services.note_add(
            by=mentor(relationship),
            relationship=relationship,
            body="x",
            shared=False,
            booking=other,
        )
    assert not SessionNote.objects.exists()


def test_an_empty_note_is_refused(relationship):
    with pytest.raises(ValidationError, match="Write the note"):
        services.note_add(
            by=mentor(relationship), relationship=relationship, body=" ", shared=False
        )


def test_only_its_author_removes_a_note(relationship):
    note = services.note_add(
        by=mentor(relationship), relationship=relationship, body="x", shared=True
    )
    with pytest.raises(PermissionDenied):
        services.note_remove(by=mentee(relationship), note=note)
    assert SessionNote.objects.filter(pk=note.pk).exists()
    services.note_remove(by=mentor(relationship), note=note)
    assert not SessionNote.objects.filter(pk=note.pk).exists()


def test_no_note_is_written_in_a_cancelled_relationship(relationship):
    relationship = with_state(relationship, State.CANCELLED)
    with pytest.raises(ValidationError):
        services.note_add(
            by=mentor(relationship), relationship=relationship, body="x", shared=False
        )
    assert not SessionNote.objects.exists()


# --- Feedback -------------------------------------------------------------------------------


def test_either_party_gives_feedback_once_after_the_session(relationship):
    booking = past_booking(relationship)
    services.feedback_give(by=mentee(relationship), booking=booking, rating=5, working="yes")
    services.feedback_give(by=mentor(relationship), booking=booking, rating=4, working="yes")
    assert SessionFeedback.objects.filter(booking=booking).count() == 2
    with pytest.raises(ValidationError, match="already gave feedback"):
        services.feedback_give(by=mentee(relationship), booking=booking, rating=1, working="no")
    assert SessionFeedback.objects.filter(booking=booking).count() == 2


def test_feedback_before_the_session_ends_is_refused(relationship):
    booking = BookingFactory(relationship=relationship)
    with pytest.raises(ValidationError, match="once the session has ended"):
        services.feedback_give(by=mentee(relationship), booking=booking, rating=5, working="yes")
    assert not SessionFeedback.objects.exists()


def test_feedback_on_a_cancelled_session_is_refused(relationship):
    booking = past_booking(relationship, status=Booking.Status.CANCELLED)
    with pytest.raises(ValidationError, match="cancelled"):
        services.feedback_give(by=mentee(relationship), booking=booking, rating=5, working="yes")
    assert not SessionFeedback.objects.exists()


def test_a_coordinator_or_a_stranger_cannot_give_a_sessions_feedback(
    relationship, coordinator, stranger
):
    booking = past_booking(relationship)
    for by in (coordinator, stranger):
        with pytest.raises(PermissionDenied):
            services.feedback_give(by=by, booking=booking, rating=5, working="yes")
    assert not SessionFeedback.objects.exists()


@pytest.mark.parametrize("rating", [0, 6, "many", None])
def test_a_rating_outside_1_to_5_is_refused(rating, relationship):
    booking = past_booking(relationship)
    with pytest.raises(ValidationError, match="1 to 5"):
        services.feedback_give(
            by=mentee(relationship), booking=booking, rating=rating, working="yes"
        )
    assert not SessionFeedback.objects.exists()


def test_a_pairing_not_working_notifies_the_coordinators(relationship, coordinator):
    booking = past_booking(relationship)
    services.feedback_give(
        by=mentee(relationship), booking=booking, rating=2, working="no", comment="We never talk"
    )
    assert verbs(coordinator) == ["mentorship.pairing_not_working"]
    assert verbs(mentor(relationship)) == []


def test_a_pairing_that_works_notifies_nobody(relationship, coordinator):
    booking = past_booking(relationship)
    services.feedback_give(by=mentee(relationship), booking=booking, rating=5, working="yes")
    assert verbs(coordinator) == []


def test_each_person_reads_their_own_feedback_and_the_coordinators_read_all(
    relationship, coordinator
):
    booking = past_booking(relationship)
    services.feedback_give(by=mentee(relationship), booking=booking, rating=2, working="no")
    services.feedback_give(by=mentor(relationship), booking=booking, rating=4, working="yes")
    assert [f.author for f in services.feedback_visible_to(mentor(relationship), relationship)] == [
        mentor(relationship)
    ]
    assert services.feedback_visible_to(coordinator, relationship).count() == 2


# --- End survey -----------------------------------------------------------------------------


def test_the_end_survey_opens_once_the_relationship_is_completed(relationship):
    with pytest.raises(ValidationError, match="once the relationship is completed"):
        services.end_survey_give(
            by=mentee(relationship),
            relationship=relationship,
            goals_reached=4,
            would_recommend=True,
        )
    services.relationship_complete(by=mentor(relationship), relationship=relationship)
    services.end_survey_give(
        by=mentee(relationship), relationship=relationship, goals_reached=4, would_recommend=True
    )
    services.end_survey_give(
        by=mentor(relationship), relationship=relationship, goals_reached=5, would_recommend=True
    )
    assert EndSurvey.objects.filter(relationship=relationship).count() == 2


def test_the_end_survey_is_answered_once_per_person(relationship):
    relationship = with_state(relationship, State.COMPLETED)
    services.end_survey_give(
        by=mentee(relationship), relationship=relationship, goals_reached=4, would_recommend=True
    )
    with pytest.raises(ValidationError, match="already answered"):
        services.end_survey_give(
            by=mentee(relationship),
            relationship=relationship,
            goals_reached=1,
            would_recommend=False,
        )
    assert EndSurvey.objects.get().goals_reached == 4


def test_a_coordinator_does_not_answer_the_pairs_end_survey(relationship, coordinator):
    relationship = with_state(relationship, State.COMPLETED)
    with pytest.raises(PermissionDenied):
        services.end_survey_give(
            by=coordinator, relationship=relationship, goals_reached=4, would_recommend=True
        )
    assert not EndSurvey.objects.exists()


# --- Nudges ---------------------------------------------------------------------------------


def days_later(days: int):
    return timezone.now() + timedelta(days=days)


def test_a_quiet_active_relationship_is_nudged_once(relationship):
    assert services.nudges_tick(now=days_later(22)) == {"nudged": 1}
    assert verbs(mentor(relationship)) == ["mentorship.nudge"]
    assert verbs(mentee(relationship)) == ["mentorship.nudge"]
    assert services.nudges_tick(now=days_later(30)) == {"nudged": 0}
    assert services.nudges_tick(now=days_later(60)) == {"nudged": 0}
    assert verbs(mentor(relationship)) == ["mentorship.nudge"]


def test_a_relationship_quiet_for_less_than_21_days_is_not_nudged(relationship):
    assert services.nudges_tick(now=days_later(20)) == {"nudged": 0}
    assert verbs(mentor(relationship)) == []


def test_new_activity_then_21_quiet_days_brings_a_second_nudge(relationship):
    services.nudges_tick(now=days_later(22))
    Relationship.objects.filter(pk=relationship.pk).update(last_activity_at=days_later(25))
    assert services.nudges_tick(now=days_later(40)) == {"nudged": 0}
    assert services.nudges_tick(now=days_later(47)) == {"nudged": 1}
    assert verbs(mentee(relationship)) == ["mentorship.nudge", "mentorship.nudge"]


def test_a_recent_chat_message_counts_as_activity(relationship):
    room = Room.objects.create(
        kind=Room.Kind.GROUP, title="Mentoring", last_message_at=days_later(10)
    )
    Relationship.objects.filter(pk=relationship.pk).update(room=room)
    assert services.nudges_tick(now=days_later(22)) == {"nudged": 0}
    assert services.nudges_tick(now=days_later(32)) == {"nudged": 1}


def test_a_recent_booking_counts_as_activity(relationship):
    booking = BookingFactory(relationship=relationship)
    Booking.objects.filter(pk=booking.pk).update(created_at=days_later(10))
    assert services.nudges_tick(now=days_later(22)) == {"nudged": 0}


def test_activity_logged_by_the_services_postpones_the_nudge(relationship):
    services.milestone_add(by=mentee(relationship), relationship=relationship, title="CV")
    Relationship.objects.filter(pk=relationship.pk).update(started_at=days_later(-30))
    assert services.nudges_tick(now=days_later(20)) == {"nudged": 0}


@pytest.mark.parametrize("state", [State.PAUSED, State.COMPLETED, State.REQUESTED])
def test_only_active_relationships_are_nudged(state, relationship):
    with_state(relationship, state)
    assert services.nudges_tick(now=days_later(60)) == {"nudged": 0}


def test_the_quiet_period_is_a_setting(relationship, settings):
    settings.MENTORSHIP_NUDGE_DAYS = 7
    assert services.nudges_tick(now=days_later(8)) == {"nudged": 1}


def test_a_request_paused_before_it_was_accepted_resumes_as_a_request(relationship):
    Relationship.objects.filter(pk=relationship.pk).update(state=State.PAUSED, started_at=None)
    services.relationship_resume(by=mentee(relationship), relationship=fresh(relationship))
    assert fresh(relationship).state == State.REQUESTED


def test_a_request_paused_before_it_was_accepted_cannot_be_completed(relationship):
    Relationship.objects.filter(pk=relationship.pk).update(state=State.PAUSED, started_at=None)
    with pytest.raises(ValidationError, match="Only an active or paused"):
        services.relationship_complete(by=mentor(relationship), relationship=fresh(relationship))
    assert fresh(relationship).state == State.PAUSED
