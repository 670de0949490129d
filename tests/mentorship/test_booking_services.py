"""Availability, booking, cancelling, rescheduling and reminders: the services' effects and
every refusal, which changes nothing."""

from datetime import date, time, timedelta

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from notifications.models import Notification

from mentorship.models import AvailabilityException, AvailabilityRule, Booking, GuardianConsent
from mentorship.services import booking as services
from tests.factories import UserFactory
from tests.mentorship.factories import (
    BookingFactory,
    GuardianConsentFactory,
    MenteeProfileFactory,
    MentorProfileFactory,
    RelationshipFactory,
)
from tests.mentorship.test_booking_support import (
    NOW,
    TUESDAY_18H,
    TUESDAY_19H,
    exception,
    pair,
    rule,
)

pytestmark = pytest.mark.django_db


def verbs(user) -> list[str]:
    return list(
        Notification.objects.filter(recipient=user).order_by("pk").values_list("verb", flat=True)
    )


def book(relationship, *, by=None, starts_at=TUESDAY_18H, **kwargs) -> Booking:
    return services.booking_create(
        by=by or relationship.mentee.user,
        relationship=relationship,
        starts_at=starts_at,
        now=kwargs.pop("now", NOW),
        **kwargs,
    )


def refused(call, code: str | None = None):
    """Run `call`, expect a refusal (with `code` for a ValidationError); return it."""
    with pytest.raises((ValidationError, PermissionDenied)) as caught:
        call()
    if code is not None:
        error = caught.value
        assert isinstance(error, ValidationError)
        if hasattr(error, "error_dict"):
            codes = {e.code for errors in error.error_dict.values() for e in errors}
        else:
            codes = {e.code for e in error.error_list}
        assert code in codes, codes
    return caught.value


# --- Availability -------------------------------------------------------------------------------


def test_a_mentor_adds_weekly_hours_in_their_own_zone():
    mentor = MentorProfileFactory()

    added = services.availability_rule_add(
        by=mentor.user, weekday=2, starts_at=time(9), ends_at=time(11)
    )

    assert list(AvailabilityRule.objects.filter(mentor=mentor)) == [added]
    assert (added.weekday, added.starts_at, added.ends_at) == (2, time(9), time(11))


def test_overlapping_weekly_hours_on_the_same_day_are_refused_with_the_other_hours_named():
    mentor = MentorProfileFactory()
    rule(mentor, 2, "09:00", "11:00")

    error = refused(
        lambda: services.availability_rule_add(
            by=mentor.user, weekday=2, starts_at=time(10), ends_at=time(12)
        ),
        "rule_overlap",
    )

    assert "09:00-11:00" in error.messages[0]
    assert AvailabilityRule.objects.filter(mentor=mentor).count() == 1


def test_the_same_hours_are_accepted_on_another_day_after_a_rule_or_in_other_dates():
    mentor = MentorProfileFactory()
    rule(mentor, 2, "09:00", "11:00", valid_until=date(2027, 1, 31))

    services.availability_rule_add(by=mentor.user, weekday=3, starts_at=time(9), ends_at=time(11))
    services.availability_rule_add(by=mentor.user, weekday=2, starts_at=time(11), ends_at=time(12))
    services.availability_rule_add(
        by=mentor.user,
        weekday=2,
        starts_at=time(9),
        ends_at=time(11),
        valid_from=date(2027, 2, 1),
    )

    assert AvailabilityRule.objects.filter(mentor=mentor).count() == 4


def test_hours_that_end_before_they_start_are_refused():
    mentor = MentorProfileFactory()

    refused(
        lambda: services.availability_rule_add(
            by=mentor.user, weekday=2, starts_at=time(11), ends_at=time(9)
        ),
        "hours_reversed",
    )

    assert not AvailabilityRule.objects.exists()


def test_someone_without_a_mentor_profile_cannot_publish_availability(member):
    refused(
        lambda: services.availability_rule_add(
            by=member, weekday=2, starts_at=time(9), ends_at=time(11)
        )
    )
    refused(lambda: services.availability_exception_add(by=member, date=date(2027, 1, 5)))

    assert not AvailabilityRule.objects.exists()
    assert not AvailabilityException.objects.exists()


def test_a_mentor_cannot_remove_another_mentors_hours():
    mine, theirs = MentorProfileFactory(), MentorProfileFactory()
    their_rule = rule(theirs, 1, "18:00", "20:00")
    their_day_off = exception(theirs, date(2027, 1, 5))

    refused(lambda: services.availability_rule_remove(by=mine.user, rule=their_rule))
    refused(lambda: services.availability_exception_remove(by=mine.user, exception=their_day_off))

    assert AvailabilityRule.objects.filter(pk=their_rule.pk).exists()
    assert AvailabilityException.objects.filter(pk=their_day_off.pk).exists()


def test_a_mentor_removes_their_own_hours_and_changes():
    mentor = MentorProfileFactory()
    weekly = rule(mentor, 1, "18:00", "20:00")
    day_off = exception(mentor, date(2027, 1, 5))

    services.availability_rule_remove(by=mentor.user, rule=weekly)
    services.availability_exception_remove(by=mentor.user, exception=day_off)

    assert not AvailabilityRule.objects.exists()
    assert not AvailabilityException.objects.exists()


def test_a_mentor_takes_a_day_off_and_adds_extra_hours_on_another_date():
    mentor = MentorProfileFactory()

    services.availability_exception_add(by=mentor.user, date=date(2027, 1, 5))
    services.availability_exception_add(
        by=mentor.user, date=date(2027, 1, 6), available=True, starts_at=time(9), ends_at=time(10)
    )

    rows = AvailabilityException.objects.filter(mentor=mentor).order_by("date")
    assert [(e.date, e.available, e.starts_at) for e in rows] == [
        (date(2027, 1, 5), False, None),
        (date(2027, 1, 6), True, time(9)),
    ]


def test_extra_hours_without_hours_and_a_second_change_on_a_day_off_are_refused():
    mentor = MentorProfileFactory()
    exception(mentor, date(2027, 1, 5))
    exception(mentor, date(2027, 1, 6), starts="09:00", ends="11:00")

    refused(
        lambda: services.availability_exception_add(
            by=mentor.user, date=date(2027, 1, 7), available=True
        ),
        "missing_hours",
    )
    refused(
        lambda: services.availability_exception_add(
            by=mentor.user, date=date(2027, 1, 5), starts_at=time(9), ends_at=time(10)
        ),
        "exception_twice",
    )
    refused(
        lambda: services.availability_exception_add(
            by=mentor.user, date=date(2027, 1, 6), starts_at=time(10), ends_at=time(12)
        ),
        "exception_overlap",
    )

    assert AvailabilityException.objects.count() == 2


# --- Booking ------------------------------------------------------------------------------------


def test_a_mentee_books_a_free_slot_online_and_the_mentor_is_told(settings):
    settings.MENTORSHIP_VIDEO_BASE = "https://video.example.org/room-"
    relationship = pair()

    booking = book(relationship)

    assert booking.status == Booking.Status.CONFIRMED
    assert (booking.starts_at, booking.ends_at) == (TUESDAY_18H, TUESDAY_19H)
    assert (booking.mentor, booking.mentee) == (relationship.mentor, relationship.mentee)
    assert booking.booked_by == relationship.mentee.user
    assert booking.video_url.startswith("https://video.example.org/room-")
    assert len(booking.video_url) > len("https://video.example.org/room-") + 16
    assert verbs(relationship.mentor.user) == ["mentorship.booking.created"]
    assert verbs(relationship.mentee.user) == []


def test_each_online_booking_gets_its_own_video_room():
    relationship = pair()

    first = book(relationship)
    second = book(relationship, starts_at=TUESDAY_19H)

    assert first.video_url.startswith("https://meet.jit.si/egalite-")
    assert first.video_url != second.video_url


def test_the_mentor_books_for_the_mentee_and_the_mentee_is_told():
    relationship = pair()

    book(relationship, by=relationship.mentor.user)

    assert verbs(relationship.mentee.user) == ["mentorship.booking.created"]
    assert verbs(relationship.mentor.user) == []


def test_an_in_person_session_needs_a_place_and_gets_no_video_link():
    relationship = pair(in_person=True)

    refused(lambda: book(relationship, format="in_person"), "place_missing")
    booking = book(relationship, format="in_person", place="Médiathèque, Rennes")

    assert (booking.format, booking.place, booking.video_url) == (
        "in_person",
        "Médiathèque, Rennes",
        "",
    )
    assert Booking.objects.count() == 1


def test_a_format_the_mentor_does_not_offer_is_refused():
    relationship = pair()  # online only

    error = refused(lambda: book(relationship, format="in_person", place="Rennes"))

    assert "does not meet in person" in error.messages[0]
    assert not Booking.objects.exists()


def test_a_coordinator_or_a_stranger_cannot_book_in_someone_elses_relationship(member):
    coordinator = UserFactory()
    relationship = pair(coordinator=coordinator)

    refused(lambda: book(relationship, by=coordinator))
    refused(lambda: book(relationship, by=member))

    assert not Booking.objects.exists()


def test_another_mentee_cannot_book_in_a_relationship_that_is_not_theirs():
    relationship = pair()
    other = MenteeProfileFactory()

    refused(lambda: book(relationship, by=other.user))

    assert not Booking.objects.exists()


def test_a_slot_in_the_past_is_refused():
    relationship = pair()

    error = refused(lambda: book(relationship, now=TUESDAY_18H + timedelta(days=1)), "slot_past")

    assert "passed" in error.messages[0]
    assert not Booking.objects.exists()


def test_a_slot_within_the_minimum_notice_is_refused():
    relationship = pair()

    refused(lambda: book(relationship, now=TUESDAY_18H - timedelta(hours=3)), "slot_too_soon")

    assert not Booking.objects.exists()


def test_a_slot_beyond_the_horizon_is_refused():
    relationship = pair()

    refused(lambda: book(relationship, starts_at=TUESDAY_18H + timedelta(weeks=9)), "slot_too_far")

    assert not Booking.objects.exists()


def test_a_time_outside_the_mentors_availability_is_refused():
    relationship = pair()

    refused(
        lambda: book(relationship, starts_at=TUESDAY_18H + timedelta(hours=4)), "slot_unavailable"
    )
    # Inside the hours, but not the start of a slot.
    refused(
        lambda: book(relationship, starts_at=TUESDAY_18H + timedelta(minutes=30)),
        "slot_unavailable",
    )
    # A day off.
    exception(relationship.mentor, date(2027, 1, 12))
    refused(
        lambda: book(relationship, starts_at=TUESDAY_18H + timedelta(weeks=1)), "slot_unavailable"
    )

    assert not Booking.objects.exists()


def test_a_taken_slot_and_a_slot_overlapping_a_booking_are_refused():
    relationship = pair()
    book(relationship)
    other = RelationshipFactory(mentor=relationship.mentor)
    BookingFactory(
        relationship=other,
        starts_at=TUESDAY_19H + timedelta(minutes=30),
        ends_at=TUESDAY_19H + timedelta(minutes=90),
    )

    refused(lambda: book(other), "slot_taken")
    refused(lambda: book(other, starts_at=TUESDAY_19H), "slot_taken")

    assert Booking.objects.count() == 2


def test_a_mentee_already_in_a_session_with_another_mentor_is_refused_at_that_time():
    relationship = pair()
    elsewhere = RelationshipFactory(mentee=relationship.mentee)
    BookingFactory(relationship=elsewhere, starts_at=TUESDAY_18H + timedelta(minutes=30))

    error = refused(lambda: book(relationship), "mentee_busy")

    assert "already has a session" in error.messages[0]
    assert Booking.objects.count() == 1


def test_a_paused_mentor_cannot_be_booked():
    relationship = pair(paused=True)

    error = refused(lambda: book(relationship))

    assert "paused" in str(error)
    assert not Booking.objects.exists()


def test_a_mentor_not_vetted_for_one_to_one_cannot_be_booked():
    relationship = pair(vetting="none", identity_checked_on=None, record_seen_on=None)

    refused(lambda: book(relationship))

    assert not Booking.objects.exists()


def test_no_booking_in_a_relationship_that_is_not_active():
    relationship = pair()
    relationship.state = relationship.State.PAUSED
    relationship.save()

    refused(lambda: book(relationship))

    assert not Booking.objects.exists()


def test_a_minor_cannot_book_before_the_guardian_consents():
    relationship = pair(mentee=MenteeProfileFactory(minor=True))

    error = refused(lambda: book(relationship))

    assert "guardian must consent" in str(error)
    assert not Booking.objects.exists()


def test_a_minor_cannot_book_after_the_guardian_withdrew_consent_nor_be_booked_by_the_mentor():
    mentee = MenteeProfileFactory(minor=True)
    GuardianConsentFactory(
        mentee=mentee, state=GuardianConsent.State.WITHDRAWN, withdrawn_at=timezone.now()
    )
    relationship = pair(mentee=mentee)

    error = refused(lambda: book(relationship))
    refused(lambda: book(relationship, by=relationship.mentor.user))

    assert "withdrawn" in str(error)
    assert not Booking.objects.exists()


def test_a_minor_with_a_valid_consent_books():
    mentee = MenteeProfileFactory(minor=True)
    GuardianConsentFactory(mentee=mentee)
    relationship = pair(mentee=mentee)

    assert book(relationship).status == Booking.Status.CONFIRMED


def test_a_naive_time_is_refused():
    relationship = pair()

    refused(lambda: book(relationship, starts_at=TUESDAY_18H.replace(tzinfo=None)), "invalid_slot")

    assert not Booking.objects.exists()


# --- Cancelling and rescheduling ----------------------------------------------------------------


def test_the_mentee_cancels_with_notice_and_the_mentor_is_told():
    relationship = pair()
    booking = book(relationship)

    cancelled = services.booking_cancel(
        by=relationship.mentee.user, booking=booking, reason="Examen", now=NOW
    )

    booking.refresh_from_db()
    assert booking.status == Booking.Status.CANCELLED
    assert (booking.cancelled_by, booking.cancel_reason) == (relationship.mentee.user, "Examen")
    assert booking.sequence == 1
    assert cancelled.late is False
    assert verbs(relationship.mentor.user) == [
        "mentorship.booking.created",
        "mentorship.booking.cancelled",
    ]


def test_a_cancellation_under_the_notice_is_allowed_and_said_to_be_late():
    relationship = pair()
    booking = book(relationship)

    cancelled = services.booking_cancel(
        by=relationship.mentor.user, booking=booking, now=TUESDAY_18H - timedelta(hours=5)
    )

    assert cancelled.late is True
    assert verbs(relationship.mentee.user) == ["mentorship.booking.cancelled_late"]


def test_a_cancelled_or_past_session_cannot_be_cancelled_and_others_cannot_cancel():
    relationship = pair()
    booking = book(relationship)
    stranger = MenteeProfileFactory().user

    refused(lambda: services.booking_cancel(by=stranger, booking=booking, now=NOW))
    refused(
        lambda: services.booking_cancel(
            by=relationship.mentee.user, booking=booking, now=TUESDAY_19H
        ),
        "started",
    )
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CONFIRMED

    services.booking_cancel(by=relationship.mentee.user, booking=booking, now=NOW)
    refused(
        lambda: services.booking_cancel(by=relationship.mentee.user, booking=booking, now=NOW),
        "already_cancelled",
    )


def test_a_cancelled_slot_can_be_booked_again():
    relationship = pair()
    booking = book(relationship)
    services.booking_cancel(by=relationship.mentee.user, booking=booking, now=NOW)

    again = book(relationship)

    assert again.pk != booking.pk
    assert Booking.objects.filter(status=Booking.Status.CONFIRMED).count() == 1


def test_a_reschedule_cancels_the_old_session_and_books_the_new_one_at_once():
    relationship = pair()
    booking = book(relationship)

    moved = services.booking_reschedule(
        by=relationship.mentor.user, booking=booking, starts_at=TUESDAY_19H, now=NOW
    )

    booking.refresh_from_db()
    assert booking.status == Booking.Status.CANCELLED
    assert moved.status == Booking.Status.CONFIRMED
    assert moved.starts_at == TUESDAY_19H
    assert moved.rescheduled_from == booking
    assert (booking.sequence, moved.sequence) == (1, 2)
    assert moved.video_url == booking.video_url  # the same room: nobody needs a new link
    assert verbs(relationship.mentee.user) == ["mentorship.booking.rescheduled"]


def test_a_reschedule_may_move_into_a_slot_overlapping_the_old_one():
    relationship = pair()
    booking = book(relationship)  # 18:00-19:00 on Tuesday
    # The mentor's hours move by half an hour: 18:30 now overlaps the booked session.
    AvailabilityRule.objects.filter(mentor=relationship.mentor).delete()
    rule(relationship.mentor, 1, "18:30", "20:30")

    moved = services.booking_reschedule(
        by=relationship.mentee.user,
        booking=booking,
        starts_at=TUESDAY_18H + timedelta(minutes=30),
        now=NOW,
    )

    assert moved.status == Booking.Status.CONFIRMED
    assert moved.starts_at - booking.starts_at == timedelta(minutes=30)


def test_a_reschedule_to_a_taken_or_unavailable_slot_changes_nothing():
    relationship = pair()
    booking = book(relationship)
    other = RelationshipFactory(mentor=relationship.mentor)
    BookingFactory(relationship=other, starts_at=TUESDAY_19H)

    refused(
        lambda: services.booking_reschedule(
            by=relationship.mentee.user, booking=booking, starts_at=TUESDAY_19H, now=NOW
        ),
        "slot_taken",
    )
    refused(
        lambda: services.booking_reschedule(
            by=relationship.mentee.user,
            booking=booking,
            starts_at=TUESDAY_18H + timedelta(hours=5),
            now=NOW,
        ),
        "slot_unavailable",
    )
    refused(
        lambda: services.booking_reschedule(
            by=relationship.mentee.user, booking=booking, starts_at=TUESDAY_18H, now=NOW
        ),
        "same_slot",
    )

    booking.refresh_from_db()
    assert booking.status == Booking.Status.CONFIRMED
    assert booking.sequence == 0
    assert Booking.objects.count() == 2


def test_another_mentee_cannot_reschedule_a_booking():
    relationship = pair()
    booking = book(relationship)
    stranger = MenteeProfileFactory().user

    refused(
        lambda: services.booking_reschedule(
            by=stranger, booking=booking, starts_at=TUESDAY_19H, now=NOW
        )
    )

    booking.refresh_from_db()
    assert booking.status == Booking.Status.CONFIRMED


# --- Reminders ----------------------------------------------------------------------------------


def test_reminders_go_to_both_sides_once_a_day_before_and_by_e_mail(
    django_capture_on_commit_callbacks,
):
    relationship = pair()
    booking = book(relationship)
    later = book(relationship, starts_at=TUESDAY_18H + timedelta(weeks=1))
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        first = services.reminders_tick(now=TUESDAY_18H - timedelta(hours=20))
    with django_capture_on_commit_callbacks(execute=True):
        second = services.reminders_tick(now=TUESDAY_18H - timedelta(hours=19))

    assert first == {"due": 1, "reminded": 1}
    assert second == {"due": 0, "reminded": 0}
    booking.refresh_from_db()
    later.refresh_from_db()
    assert booking.reminded_at is not None and later.reminded_at is None
    assert verbs(relationship.mentee.user).count("mentorship.booking.reminder") == 1
    assert verbs(relationship.mentor.user).count("mentorship.booking.reminder") == 1
    assert sorted(m.to[0] for m in mail.outbox) == sorted(
        [relationship.mentor.user.email, relationship.mentee.user.email]
    )
    mentee_mail = next(m for m in mail.outbox if m.to == [relationship.mentee.user.email])
    assert "05/01/2027 18:00" in mentee_mail.body  # in the mentee's zone (Paris)
    assert booking.video_url in mentee_mail.body


def test_a_cancelled_session_is_not_reminded():
    relationship = pair()
    booking = book(relationship)
    services.booking_cancel(by=relationship.mentee.user, booking=booking, now=NOW)

    assert services.reminders_tick(now=TUESDAY_18H - timedelta(hours=20))["reminded"] == 0
    assert "mentorship.booking.reminder" not in verbs(relationship.mentee.user)


def test_the_unique_constraint_refuses_a_second_confirmed_booking_that_slipped_past_the_checks():
    relationship = pair()
    book(relationship)
    other = RelationshipFactory(mentor=relationship.mentor)

    with pytest.raises(ValidationError) as caught:
        services._insert(
            Booking(
                relationship=other,
                mentor=other.mentor,
                mentee=other.mentee,
                starts_at=TUESDAY_18H,
                ends_at=TUESDAY_19H,
            )
        )

    assert "just been taken" in caught.value.messages[0]
    assert Booking.objects.filter(starts_at=TUESDAY_18H).count() == 1


def test_a_minors_session_is_not_reminded_while_the_guardians_consent_is_withdrawn():
    mentee = MenteeProfileFactory(minor=True)
    consent = GuardianConsentFactory(mentee=mentee)
    relationship = pair(mentee=mentee)
    booking = book(relationship)
    consent.state = GuardianConsent.State.WITHDRAWN
    consent.withdrawn_at = timezone.now()
    consent.save()

    result = services.reminders_tick(now=TUESDAY_18H - timedelta(hours=20))

    assert result == {"due": 1, "reminded": 0}
    booking.refresh_from_db()
    assert booking.reminded_at is None
    assert "mentorship.booking.reminder" not in verbs(mentee.user)
