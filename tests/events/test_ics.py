"""Calendars: an event's .ics file and the personal feed (RFC 5545), parsed back with icalendar."""

from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar

from events import services
from events.models import CalendarFeed, EventPage, Registration
from tests.events.conftest import fresh, register
from tests.factories import MembershipFactory, UserFactory

MEETING = "https://visio.example.org/atelier-secret"


def ics_of(client, event) -> Calendar:
    response = client.get(reverse("events:event_ics", kwargs={"event_id": event.pk}))
    assert response.status_code == 200
    return Calendar.from_ical(response.content)


def feed_url(user) -> str:
    return services.calendar_feed_for(user).get_absolute_url()


def test_the_event_file_is_a_calendar_attachment_with_one_zoned_event(client, make_event):
    event = make_event(time_zone="Europe/Paris", title="Atelier recrutement")
    response = client.get(reverse("events:event_ics", kwargs={"event_id": event.pk}))

    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert response["Content-Disposition"].startswith("attachment;")
    assert ".ics" in response["Content-Disposition"]
    calendar = Calendar.from_ical(response.content)
    assert calendar["VERSION"] == "2.0"
    assert calendar["PRODID"]
    assert calendar["CALSCALE"] == "GREGORIAN"
    assert calendar["METHOD"] == "PUBLISH"
    [vevent] = calendar.events
    host = urlsplit(settings.SITE_URL).hostname
    assert vevent["UID"] == f"event-{event.pk}@{host}"
    assert vevent["DTSTAMP"].dt.utcoffset() == timedelta(0)
    assert vevent["DTSTART"].params["TZID"] == "Europe/Paris"
    assert vevent["DTEND"].params["TZID"] == "Europe/Paris"
    # iCalendar counts in whole seconds.
    assert vevent.start == event.start.replace(microsecond=0)
    assert vevent.end == event.end.replace(microsecond=0)
    assert [tz["TZID"] for tz in calendar.timezones] == ["Europe/Paris"]
    assert vevent["SUMMARY"] == "Atelier recrutement"
    assert vevent["LOCATION"] == "Maison des entreprises, Rennes"
    assert vevent["STATUS"] == "CONFIRMED"
    assert vevent["URL"].startswith(settings.SITE_URL)
    assert event.summary in vevent["DESCRIPTION"]
    assert vevent["URL"] in vevent["DESCRIPTION"]
    assert "LAST-MODIFIED" in vevent
    assert vevent["SEQUENCE"] > 0


def test_an_event_across_the_october_clock_change_keeps_its_true_instants(client, make_event):
    # 24 Oct 2026 20:00 in Paris is summer time (UTC+2); 25 Oct 10:00 is winter time (UTC+1).
    event = make_event(
        time_zone="Europe/Paris",
        start=datetime(2026, 10, 24, 18, 0, tzinfo=UTC),
        end=datetime(2026, 10, 25, 9, 0, tzinfo=UTC),
    )
    calendar = ics_of(client, event)
    [vevent] = calendar.events

    assert vevent.decoded("DTSTART").replace(tzinfo=None) == datetime(2026, 10, 24, 20, 0)
    assert vevent.decoded("DTEND").replace(tzinfo=None) == datetime(2026, 10, 25, 10, 0)
    # Read through the file's own VTIMEZONE, not the reader's time zone database.
    [vtimezone] = calendar.timezones
    paris = vtimezone.to_tz()
    start = datetime(2026, 10, 24, 20, 0, tzinfo=paris).astimezone(UTC)
    end = datetime(2026, 10, 25, 10, 0, tzinfo=paris).astimezone(UTC)
    assert start == datetime(2026, 10, 24, 18, 0, tzinfo=UTC)
    assert end == datetime(2026, 10, 25, 9, 0, tzinfo=UTC)
    assert end - start == timedelta(hours=15)


def test_the_sequence_grows_when_a_new_time_is_published(client, make_event):
    event = make_event()
    # Published a minute ago (the sequence counts in seconds; the test runs faster than that).
    EventPage.objects.filter(pk=event.pk).update(
        last_published_at=event.last_published_at - timedelta(minutes=1)
    )
    before = ics_of(client, event).events[0]["SEQUENCE"]
    page = EventPage.objects.get(pk=event.pk)
    page.start += timedelta(hours=1)
    page.end += timedelta(hours=1)
    page.save_revision().publish()

    after = ics_of(client, event).events[0]
    assert after["SEQUENCE"] > before
    assert after.start == page.start.replace(microsecond=0)


def test_the_online_link_is_only_for_confirmed_participants_and_organisers(
    client, make_event, member, other_member, organiser
):
    event = make_event(
        capacity=1, format=EventPage.Format.HYBRID, online_url=MEETING, organisers=[organiser]
    )
    register(event, member)
    register(event, other_member)  # waitlisted: the event has one seat

    assert MEETING not in ics_of(client, event).to_ical().decode()
    client.force_login(other_member)
    assert MEETING not in ics_of(client, event).to_ical().decode()
    client.force_login(member)
    vevent = ics_of(client, event).events[0]
    assert MEETING in vevent["DESCRIPTION"]
    assert vevent["CONFERENCE"] == MEETING
    client.force_login(organiser)
    assert MEETING in ics_of(client, event).to_ical().decode()


def test_an_online_event_shows_online_as_its_place_without_the_link(client, make_event):
    event = make_event(format=EventPage.Format.ONLINE, online_url=MEETING, venue_name="", city="")
    vevent = ics_of(client, event).events[0]

    assert vevent["LOCATION"] == "Online"
    assert MEETING not in vevent.to_ical().decode()


def test_no_participant_name_or_address_is_in_the_file_or_the_feed(
    client, make_event, member, other_member
):
    event = make_event()
    register(event, member)
    register(event, other_member)
    services.registration_add(
        by=UserFactory(is_staff=True),
        event=event,
        guest_name="Gaëlle Invitée",
        guest_email="gaelle@example.net",
    )
    client.force_login(member)
    texts = [
        client.get(reverse("events:event_ics", kwargs={"event_id": event.pk})).content.decode(),
        client.get(feed_url(member)).content.decode(),
    ]

    for text in texts:
        assert "BEGIN:VEVENT" in text
        for person in (member, other_member):
            assert person.profile.display_name not in text
            assert person.email not in text
        assert "Gaëlle" not in text
        assert "gaelle@example.net" not in text


def test_a_private_space_event_file_is_not_found_for_a_non_member(
    client, make_event, private_space, member, other_member
):
    event = make_event(space=private_space)
    url = reverse("events:event_ics", kwargs={"event_id": event.pk})
    MembershipFactory(space=private_space, user=other_member)

    assert client.get(url).status_code == 404
    client.force_login(member)
    assert client.get(url).status_code == 404
    client.force_login(other_member)
    assert client.get(url).status_code == 200


def test_the_feed_holds_confirmed_and_offered_seats_with_links_for_confirmed_only(
    client, make_event, member
):
    confirmed = make_event(title="Confirmé", format=EventPage.Format.HYBRID, online_url=MEETING)
    offered = make_event(
        title="Proposé", capacity=1, format=EventPage.Format.HYBRID, online_url=MEETING + "-2"
    )
    waiting = make_event(title="En attente", capacity=1)
    cancelled = make_event(title="Annulé")
    register(confirmed, member)
    first = register(offered)
    register(offered, member)
    services.registration_cancel(by=first.user, registration=first)  # the seat goes to member
    register(waiting)
    register(waiting, member)
    services.registration_cancel(by=member, registration=register(cancelled, member))
    url = feed_url(member)

    response = client.get(url)  # no session: calendar apps fetch it as they are

    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert "private" in response["Cache-Control"]
    calendar = Calendar.from_ical(response.content)
    assert calendar["X-WR-CALNAME"]
    assert calendar["REFRESH-INTERVAL"].dt == timedelta(hours=6)
    assert "METHOD" not in calendar
    events = {vevent["SUMMARY"]: vevent for vevent in calendar.events}
    assert set(events) == {"Confirmé", "Proposé"}
    assert events["Confirmé"]["STATUS"] == "CONFIRMED"
    assert MEETING in events["Confirmé"]["DESCRIPTION"]
    assert events["Proposé"]["STATUS"] == "TENTATIVE"
    assert MEETING + "-2" not in events["Proposé"].to_ical().decode()
    assert {tz["TZID"] for tz in calendar.timezones} == {"Europe/Paris"}


def test_the_feed_and_the_event_file_give_an_event_the_same_uid(client, make_event, member):
    event = make_event()
    register(event, member)
    client.force_login(member)

    [in_feed] = Calendar.from_ical(client.get(feed_url(member)).content).events
    assert in_feed["UID"] == ics_of(client, event).events[0]["UID"]


def test_an_unknown_feed_address_is_not_found(client, member):
    feed_url(member)
    url = reverse("events:calendar_feed", kwargs={"token": "not-a-real-token"})

    assert client.get(url).status_code == 404


def test_the_feed_of_a_deactivated_account_is_not_found(client, member):
    url = feed_url(member)
    member.is_active = False
    member.save()

    assert client.get(url).status_code == 404


def test_making_a_new_address_stops_the_old_one(client, make_event, member):
    register(make_event(), member)
    old = feed_url(member)
    client.force_login(member)

    response = client.post(reverse("events:calendar_settings"), follow=True)

    new = CalendarFeed.objects.get(user=member).get_absolute_url()
    assert new != old
    assert new in response.content.decode()
    client.logout()
    assert client.get(old).status_code == 404
    assert client.get(new).status_code == 200


def test_the_calendar_page_shows_the_full_address_and_its_webcal_twin(client, member):
    client.force_login(member)
    response = client.get(reverse("events:calendar_settings"))

    token = CalendarFeed.objects.get(user=member).token
    page = response.content.decode()
    assert f"{settings.SITE_URL}/events/calendar/{token}.ics" in page
    assert f"webcal://{urlsplit(settings.SITE_URL).netloc}/events/calendar/{token}.ics" in page
    assert "Make a new address" in page


def test_the_calendar_page_asks_a_visitor_to_sign_in(client, db):
    response = client.get(reverse("events:calendar_settings"))

    assert response.status_code == 302
    assert "login" in response["Location"]
    assert not CalendarFeed.objects.exists()


def _seats_for(user, count, make_event):
    for _ in range(count):
        Registration.objects.create(
            event=make_event(format=EventPage.Format.HYBRID, online_url=MEETING),
            user=user,
            status=Registration.Status.CONFIRMED,
        )


@pytest.mark.parametrize("count", [2, 20])
def test_the_feed_reads_a_constant_number_of_queries(
    client, make_event, member, count, django_assert_max_num_queries
):
    _seats_for(member, count, make_event)
    url = feed_url(member)

    # The token, the account, its verified addresses (which private spaces it sees), the events.
    with django_assert_max_num_queries(6):
        response = client.get(url)
    assert len(Calendar.from_ical(response.content).events) == count


@pytest.mark.parametrize("count", [1, 10])
def test_the_event_file_reads_a_constant_number_of_queries(
    client, make_event, member, count, django_assert_max_num_queries
):
    event = make_event(capacity=None)
    for _ in range(count):
        register(event)
    register(event, member)
    client.force_login(member)

    with django_assert_max_num_queries(5):
        client.get(reverse("events:event_ics", kwargs={"event_id": event.pk}))


def test_a_past_event_keeps_its_file(client, make_event):
    event = make_event(start=timezone.now() - timedelta(days=30))

    assert fresh(event).is_past
    assert len(ics_of(client, event).events) == 1
