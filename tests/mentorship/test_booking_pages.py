"""The availability, booking, session, calendar and sessions pages: what they show, what they
refuse (another person's booking is a 404), and their query counts."""

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar

from mentorship.models import AvailabilityRule, Booking, GuardianConsent
from mentorship.services import booking as services
from tests.factories import UserFactory
from tests.mentorship.factories import (
    BookingFactory,
    GuardianConsentFactory,
    MenteeProfileFactory,
    MentorProfileFactory,
)
from tests.mentorship.test_booking_support import exception, pair, rule

pytestmark = pytest.mark.django_db


def every_day(mentor, starts="09:00", ends="17:00"):
    for weekday in range(7):
        rule(mentor, weekday, starts, ends)


def open_pair(**kwargs):
    """A relationship whose mentor is free every day, so the pages have slots whatever today."""
    mentor = MentorProfileFactory(**kwargs.pop("mentor_kw", {}))
    every_day(mentor)
    return pair(mentor=mentor, **kwargs)


def future_booking(relationship, **kwargs) -> Booking:
    kwargs.setdefault("starts_at", (timezone.now() + timedelta(days=3)).replace(microsecond=0))
    kwargs.setdefault("video_url", "https://meet.jit.si/egalite-abc123")
    return BookingFactory(relationship=relationship, **kwargs)


# --- Availability -------------------------------------------------------------------------------


def test_a_mentor_sees_their_availability_page_with_their_zone(client):
    mentor = MentorProfileFactory(time_zone="Europe/Bucharest")
    rule(mentor, 1, "18:00", "20:00")
    client.force_login(mentor.user)

    response = client.get(reverse("mentorship:availability"))

    assert response.status_code == 200
    page = response.content.decode()
    assert "Europe/Bucharest" in page
    assert "18:00–20:00" in page
    assert 'for="id_rule-starts_at"' in page


def test_the_availability_page_is_a_404_for_someone_who_is_not_a_mentor(client, member):
    client.force_login(member)

    assert client.get(reverse("mentorship:availability")).status_code == 404


def test_a_mentor_adds_weekly_hours_through_the_form(client):
    mentor = MentorProfileFactory()
    client.force_login(mentor.user)

    response = client.post(
        reverse("mentorship:availability_rule_add"),
        {"rule-weekday": "2", "rule-starts_at": "09:00", "rule-ends_at": "11:30"},
    )

    assert response.status_code == 302
    assert AvailabilityRule.objects.filter(mentor=mentor, weekday=2).count() == 1


def test_overlapping_hours_are_shown_as_an_error_on_the_form(client):
    mentor = MentorProfileFactory()
    rule(mentor, 2, "09:00", "11:00")
    client.force_login(mentor.user)

    response = client.post(
        reverse("mentorship:availability_rule_add"),
        {"rule-weekday": "2", "rule-starts_at": "10:00", "rule-ends_at": "12:00"},
    )

    assert response.status_code == 400
    assert "overlap your availability" in response.content.decode()
    assert AvailabilityRule.objects.filter(mentor=mentor).count() == 1


def test_a_mentor_adds_a_day_off_and_removes_it_through_the_forms(client):
    mentor = MentorProfileFactory()
    client.force_login(mentor.user)

    client.post(
        reverse("mentorship:availability_exception_add"),
        {"exception-date": "2027-01-05", "exception-kind": "day_off"},
    )
    day_off = mentor.exceptions.get()
    client.post(reverse("mentorship:availability_exception_remove", args=[day_off.pk]))

    assert (day_off.starts_at, day_off.available) == (None, False)
    assert not mentor.exceptions.exists()


def test_a_mentor_cannot_remove_another_mentors_hours_through_the_page(client):
    mentor, other = MentorProfileFactory(), MentorProfileFactory()
    theirs = rule(other, 1, "18:00", "20:00")
    client.force_login(mentor.user)

    response = client.post(reverse("mentorship:availability_rule_remove", args=[theirs.pk]))

    assert response.status_code == 404
    assert AvailabilityRule.objects.filter(pk=theirs.pk).exists()


# --- The booking page ---------------------------------------------------------------------------


def test_the_booking_page_shows_free_slots_in_the_mentees_zone_and_says_which(client):
    relationship = open_pair(mentee_tz="America/Montreal")
    client.force_login(relationship.mentee.user)

    response = client.get(reverse("mentorship:relationship_book", args=[relationship.pk]))

    assert response.status_code == 200
    page = response.content.decode()
    assert "America/Montreal" in page
    assert "Europe/Paris" in page  # the mentor's zone is named too
    days = response.context["days"]
    assert days
    first = days[0][1][0]
    assert first.tzinfo.key == "America/Montreal"
    # The mentor's hours (09:00-17:00 in Paris), shown at Montreal's time.
    paris = {t.astimezone(ZoneInfo("Europe/Paris")).hour for _day, times in days for t in times}
    assert paris == set(range(9, 17))
    assert first.utcoffset() in (timedelta(hours=-5), timedelta(hours=-4))
    assert f'value="{first.isoformat()}"' in page


def test_a_mentee_books_a_slot_from_the_page_and_lands_on_the_session(client):
    relationship = open_pair()
    client.force_login(relationship.mentee.user)
    url = reverse("mentorship:relationship_book", args=[relationship.pk])
    slot = client.get(url).context["days"][0][1][0]

    response = client.post(url, {"starts_at": slot.isoformat(), "format": "online"})

    booking = Booking.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("mentorship:booking", args=[booking.pk])
    assert booking.starts_at == slot
    detail = client.get(response["Location"])
    assert booking.video_url in detail.content.decode()


def test_a_slot_taken_meanwhile_is_refused_on_the_page_and_nothing_changes(client):
    relationship = open_pair()
    client.force_login(relationship.mentee.user)
    url = reverse("mentorship:relationship_book", args=[relationship.pk])
    slot = client.get(url).context["days"][0][1][0]
    other = pair(mentor=relationship.mentor)
    services.booking_create(by=other.mentee.user, relationship=other, starts_at=slot)

    response = client.post(url, {"starts_at": slot.isoformat(), "format": "online"})

    assert response.status_code == 400
    assert "just been taken" in response.content.decode()
    assert Booking.objects.count() == 1


def test_a_made_up_slot_is_refused_on_the_page(client):
    relationship = open_pair()
    client.force_login(relationship.mentee.user)
    url = reverse("mentorship:relationship_book", args=[relationship.pk])

    garbage = client.post(url, {"starts_at": "tomorrow", "format": "online"})
    naive = client.post(url, {"starts_at": "2030-01-01T10:00:00", "format": "online"})

    assert garbage.status_code == naive.status_code == 400
    assert "Choose one of the free slots." in garbage.content.decode()
    assert not Booking.objects.exists()


def test_the_booking_page_of_a_minor_without_consent_says_why_and_offers_no_slot(client):
    mentee = MenteeProfileFactory(minor=True)
    GuardianConsentFactory(
        mentee=mentee, state=GuardianConsent.State.WITHDRAWN, withdrawn_at=timezone.now()
    )
    relationship = open_pair(mentee=mentee)
    client.force_login(mentee.user)

    response = client.get(reverse("mentorship:relationship_book", args=[relationship.pk]))

    assert response.status_code == 200
    assert "consent was withdrawn" in response.content.decode()
    assert response.context["days"] == []


def test_the_booking_page_of_another_relationship_is_a_404(client):
    relationship = open_pair()
    client.force_login(MenteeProfileFactory().user)

    response = client.get(reverse("mentorship:relationship_book", args=[relationship.pk]))

    assert response.status_code == 404


def test_a_coordinator_cannot_book_in_place_of_the_mentee(client):
    coordinator = UserFactory()
    relationship = open_pair(coordinator=coordinator)
    client.force_login(coordinator)

    response = client.get(reverse("mentorship:relationship_book", args=[relationship.pk]))

    assert response.status_code == 403


def _big(relationship):
    """More of everything the booking page reads."""
    for weekday in range(7):
        rule(relationship.mentor, weekday, "18:00", "21:00")
    today = timezone.localdate()
    for days in range(2, 12):
        exception(
            relationship.mentor, today + timedelta(days=days * 3), starts="10:00", ends="11:00"
        )
    for days in range(2, 9):
        future_booking(relationship, starts_at=timezone.now() + timedelta(days=days, hours=1))


def test_the_booking_page_reads_in_a_constant_number_of_queries(
    client, django_assert_max_num_queries
):
    small = open_pair()
    big = open_pair()
    _big(big)

    for relationship in (small, big):
        client.force_login(relationship.mentee.user)
        url = reverse("mentorship:relationship_book", args=[relationship.pk])
        client.get(url)  # the site's settings rows are made on the first page ever shown
        with django_assert_max_num_queries(8):
            response = client.get(url)
        assert response.status_code == 200
        assert response.context["days"]


# --- A session's page, cancelling, moving ------------------------------------------------------


def test_another_mentees_booking_is_a_404_on_every_page(client):
    relationship = open_pair()
    booking = future_booking(relationship)
    client.force_login(MenteeProfileFactory().user)

    for name in ("booking", "booking_ics", "booking_reschedule"):
        assert client.get(reverse(f"mentorship:{name}", args=[booking.pk])).status_code == 404
    cancel = client.post(reverse("mentorship:booking_cancel", args=[booking.pk]), {"reason": "x"})

    assert cancel.status_code == 404
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CONFIRMED


def test_the_mentor_cancels_from_the_session_page_and_a_late_cancellation_is_announced(client):
    relationship = open_pair()
    booking = future_booking(relationship, starts_at=timezone.now() + timedelta(hours=5))
    client.force_login(relationship.mentor.user)

    page = client.get(reverse("mentorship:booking", args=[booking.pk])).content.decode()
    response = client.post(
        reverse("mentorship:booking_cancel", args=[booking.pk]), {"reason": "Malade"}
    )

    assert "late cancellation" in page
    assert response.status_code == 302
    booking.refresh_from_db()
    assert (booking.status, booking.cancel_reason) == (Booking.Status.CANCELLED, "Malade")


def test_a_coordinator_reads_a_session_but_is_offered_no_cancel_nor_move(client):
    coordinator = UserFactory()
    relationship = open_pair(coordinator=coordinator)
    booking = future_booking(relationship)
    client.force_login(coordinator)

    response = client.get(reverse("mentorship:booking", args=[booking.pk]))
    cancel = client.post(reverse("mentorship:booking_cancel", args=[booking.pk]))

    assert response.status_code == 200
    assert response.context["changeable"] is False
    assert cancel.status_code == 400
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CONFIRMED


def test_the_mentee_moves_a_session_from_the_reschedule_page(client):
    relationship = open_pair()
    client.force_login(relationship.mentee.user)
    book_url = reverse("mentorship:relationship_book", args=[relationship.pk])
    first, second = client.get(book_url).context["days"][0][1][:2]
    booking = services.booking_create(
        by=relationship.mentee.user, relationship=relationship, starts_at=first
    )
    url = reverse("mentorship:booking_reschedule", args=[booking.pk])

    offered = [t for _day, times in client.get(url).context["days"] for t in times]
    response = client.post(url, {"starts_at": second.isoformat()})

    assert first in offered  # its own time does not count as taken
    moved = Booking.objects.get(status=Booking.Status.CONFIRMED)
    assert response["Location"] == reverse("mentorship:booking", args=[moved.pk])
    assert (moved.starts_at, moved.rescheduled_from) == (second, booking)


# --- Calendar file ------------------------------------------------------------------------------


def _event(response):
    calendar = Calendar.from_ical(response.content)
    return next(c for c in calendar.walk() if c.name == "VEVENT"), calendar


def test_the_calendar_file_has_the_zone_the_sequence_and_the_video_link(client):
    relationship = open_pair(mentee_tz="America/Montreal")
    booking = future_booking(relationship, sequence=3)
    client.force_login(relationship.mentee.user)

    response = client.get(reverse("mentorship:booking_ics", args=[booking.pk]))

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    assert "private" in response["Cache-Control"]
    event, calendar = _event(response)
    assert event.decoded("dtstart") == booking.starts_at
    assert event["dtstart"].params["TZID"] == "America/Montreal"
    assert any(c.name == "VTIMEZONE" and c["tzid"] == "America/Montreal" for c in calendar.walk())
    assert int(event["sequence"]) == 3
    assert str(event["status"]) == "CONFIRMED"
    assert str(event["location"]) == booking.video_url
    assert str(event["uid"]).startswith(f"mentorship-booking-{booking.pk}@")


def test_a_cancelled_session_is_cancelled_in_the_calendar_and_a_moved_one_keeps_its_uid(client):
    relationship = open_pair()
    client.force_login(relationship.mentee.user)
    first, second = client.get(
        reverse("mentorship:relationship_book", args=[relationship.pk])
    ).context["days"][0][1][:2]
    booking = services.booking_create(
        by=relationship.mentee.user, relationship=relationship, starts_at=first
    )
    moved = services.booking_reschedule(
        by=relationship.mentee.user, booking=booking, starts_at=second
    )

    old, _ = _event(client.get(reverse("mentorship:booking_ics", args=[booking.pk])))
    new, _ = _event(client.get(reverse("mentorship:booking_ics", args=[moved.pk])))

    assert str(old["status"]) == "CANCELLED"
    assert str(new["status"]) == "CONFIRMED"
    assert str(old["uid"]) == str(new["uid"])
    assert int(new["sequence"]) > int(old["sequence"])
    assert new.decoded("dtstart") == second


def test_an_in_person_session_puts_its_place_in_the_calendar_and_coordinators_may_fetch_it(
    client,
):
    coordinator = UserFactory()
    relationship = open_pair(coordinator=coordinator)
    booking = future_booking(relationship, format="in_person", place="Lycée Chateaubriand")
    client.force_login(coordinator)

    event, _ = _event(client.get(reverse("mentorship:booking_ics", args=[booking.pk])))

    assert str(event["location"]) == "Lycée Chateaubriand"
    assert "conference" not in event


# --- Sessions list and the relationship's section -----------------------------------------------


def test_a_mentor_lists_their_coming_sessions_only(client):
    relationship = open_pair()
    coming = future_booking(relationship)
    future_booking(relationship, starts_at=timezone.now() - timedelta(days=2))
    future_booking(
        relationship,
        starts_at=timezone.now() + timedelta(days=4),
        status=Booking.Status.CANCELLED,
    )
    client.force_login(relationship.mentor.user)

    response = client.get(reverse("mentorship:sessions"))

    assert response.status_code == 200
    assert response.context["sessions"] == [coming]
    assert "Léa Mentee" in response.content.decode()


def test_the_sessions_page_is_a_404_for_someone_neither_mentor_nor_mentee(client, member):
    client.force_login(member)

    assert client.get(reverse("mentorship:sessions")).status_code == 404


def test_the_relationship_section_lists_coming_past_and_cancelled_sessions():
    relationship = open_pair()
    coming = future_booking(relationship)
    past = future_booking(relationship, starts_at=timezone.now() - timedelta(days=7))
    cancelled = future_booking(
        relationship, starts_at=timezone.now() + timedelta(days=5), status="cancelled"
    )
    request = RequestFactory().get("/")
    request.user = relationship.mentee.user

    sessions = services.bookings_for(relationship, user=relationship.mentee.user)
    html = render_to_string(
        "mentorship/booking/_relationship_sessions.html",
        {"relationship": relationship, "sessions": sessions},
        request=request,
    )

    assert (sessions["upcoming"], sessions["past"], sessions["cancelled"]) == (
        [coming],
        [past],
        [cancelled],
    )
    assert reverse("mentorship:booking_reschedule", args=[coming.pk]) in html
    assert reverse("mentorship:booking_ics", args=[coming.pk]) in html
    assert reverse("mentorship:relationship_book", args=[relationship.pk]) in html
    assert reverse("mentorship:booking_reschedule", args=[past.pk]) not in html


def test_the_sessions_page_and_a_session_page_read_in_a_constant_number_of_queries(
    client, django_assert_max_num_queries
):
    small = open_pair()
    big = open_pair()
    future_booking(small)
    for days in range(2, 20):
        other = pair(mentor=big.mentor)
        future_booking(other, starts_at=timezone.now() + timedelta(days=days))
    client.force_login(small.mentor.user)
    client.get(reverse("mentorship:sessions"))  # the site's settings rows, made once

    for relationship, expected in ((small, 1), (big, 18)):
        client.force_login(relationship.mentor.user)
        with django_assert_max_num_queries(6):
            response = client.get(reverse("mentorship:sessions"))
        assert len(response.context["sessions"]) == expected
        booking = response.context["sessions"][0]
        with django_assert_max_num_queries(8):
            detail = client.get(reverse("mentorship:booking", args=[booking.pk]))
        assert detail.status_code == 200


def test_the_booking_page_shows_a_week_of_days_at_a_time_with_a_link_to_later_slots(client):
    relationship = open_pair()
    client.force_login(relationship.mentee.user)
    url = reverse("mentorship:relationship_book", args=[relationship.pk])

    first = client.get(url)
    second = client.get(url, {"page": "1"})
    nonsense = client.get(url, {"page": "soon"})

    assert len(first.context["days"]) == 7
    assert first.context["next_page"] == 1 and first.context["previous_page"] is None
    assert 'href="?page=1"' in first.content.decode()
    assert second.context["days"][0][0] > first.context["days"][-1][0]
    assert second.context["previous_page"] == 0
    assert nonsense.context["days"] == first.context["days"]
