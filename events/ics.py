"""Calendars in iCalendar (RFC 5545): one event's file and a member's personal feed.

What a calendar file holds is public information about the event, plus the online link when
the caller says the reader may see it. It never holds any participant's name or address: the
personal feed is fetched without a session, by whoever knows its secret address.

- UID: `event-<pk>@<host of SITE_URL>`, the same in the event's file and in the feed, so a
  calendar that imported both keeps one entry.
- DTSTART/DTEND carry the event's own time zone (TZID) with its VTIMEZONE, so the event stays
  at the right instant across daylight-saving changes and in any reader's zone.
- SEQUENCE: the seconds from 2020-01-01 UTC to the event's last publication. A change of time or
  place reaches the site only through a publish, and each publish sets `last_published_at` to a
  later instant, so the number grows with every change a calendar must pick up; it needs no
  extra query (a revision count would cost one per event in the feed) and stays within the
  32-bit integer RFC 5545 allows until 2088.
"""

from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from icalendar import Calendar, Event

from events.models import EventPage, Registration
from events.timezones import zone

PRODID = "-//Egalite Pro Clusters//Events//EN"
SEQUENCE_EPOCH = datetime(2020, 1, 1, tzinfo=UTC)
# How often a calendar app should fetch the personal feed again.
REFRESH_INTERVAL = timedelta(hours=6)


def _host() -> str:
    return urlsplit(settings.SITE_URL).hostname or "localhost"


def event_uid(event: EventPage) -> str:
    return f"event-{event.pk}@{_host()}"


def event_sequence(event: EventPage) -> int:
    """Grows with every publication of the event (see the module's docstring)."""
    published = event.last_published_at or event.first_published_at
    if published is None:
        return 0
    return max(int((published - SEQUENCE_EPOCH).total_seconds()), 0)


def absolute_url(url: str) -> str:
    """Wagtail gives a path when the site has one host; calendars need the full address."""
    if url.startswith("/"):
        return settings.SITE_URL.rstrip("/") + url
    return url


def _new_calendar() -> Calendar:
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    return calendar


def _vevent(
    event: EventPage,
    *,
    now: datetime,
    url: str,
    online_link: bool,
    status: str = "CONFIRMED",
    note: str = "",
) -> Event:
    tz = zone(event.time_zone)
    vevent = Event()
    vevent.add("uid", event_uid(event))
    vevent.add("dtstamp", now.astimezone(UTC))
    vevent.add("dtstart", event.start.astimezone(tz))
    vevent.add("dtend", event.end.astimezone(tz))
    vevent.add("summary", event.title)
    lines = [event.summary]
    if note:
        lines.append(note)
    if online_link and event.online_url:
        lines.append(_("Online link: %(url)s") % {"url": event.online_url})
    lines.append(url)
    vevent.add("description", "\n\n".join(line for line in lines if line))
    location = event.place
    if not location and event.format != EventPage.Format.IN_PERSON:
        location = event.online_url if online_link and event.online_url else _("Online")
    if location:
        vevent.add("location", location)
    if online_link and event.online_url:
        vevent.add("conference", event.online_url, parameters={"VALUE": "URI"})
    vevent.add("url", url)
    vevent.add("status", status)
    vevent.add("sequence", event_sequence(event))
    modified = event.last_published_at or event.latest_revision_created_at
    if modified is not None:
        vevent.add("last-modified", modified.astimezone(UTC))
    return vevent


def _add_time_zones(calendar: Calendar, events: list[EventPage]) -> None:
    """The VTIMEZONE of every zone used, covering the events' span and a year either side
    (a reader who moves an entry in their own calendar still finds the zone's rules)."""
    if not events:
        return
    first = min(event.start for event in events).date() - timedelta(days=366)
    last = max(event.end for event in events).date() + timedelta(days=366)
    calendar.add_missing_timezones(first_date=max(first, date(1970, 1, 2)), last_date=last)


def event_calendar(event: EventPage, *, online_link: bool, request=None) -> bytes:
    """The file of one event ("add to calendar"); `online_link` when the reader may see it."""
    calendar = _new_calendar()
    calendar.add("method", "PUBLISH")
    url = absolute_url(event.get_url(request) or "")
    calendar.add_component(_vevent(event, now=timezone.now(), url=url, online_link=online_link))
    _add_time_zones(calendar, [event])
    return calendar.to_ical()


def feed_calendar(registrations: Iterable[Registration], *, name: str, request=None) -> bytes:
    """A member's personal feed: one VEVENT per registration (with its `event` loaded).

    The online link goes only with a confirmed seat; a seat offered but not yet claimed shows
    as tentative, with the date its offer ends.
    """
    calendar = _new_calendar()
    calendar.add("x-wr-calname", name)
    calendar.add("name", name)
    calendar.add("refresh-interval", REFRESH_INTERVAL, parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", REFRESH_INTERVAL)
    now = timezone.now()
    events = []
    for registration in registrations:
        event = registration.event
        confirmed = registration.status == Registration.Status.CONFIRMED
        note = ""
        if registration.status == Registration.Status.OFFERED and registration.offer_expires_at:
            expires = registration.offer_expires_at.astimezone(zone(event.time_zone))
            note = _(
                "A seat is offered to you until %(date)s (%(zone)s): claim it on your ticket."
            ) % {"date": expires.strftime("%d/%m/%Y %H:%M"), "zone": event.time_zone}
        calendar.add_component(
            _vevent(
                event,
                now=now,
                url=absolute_url(event.get_url(request) or ""),
                online_link=confirmed,
                status="CONFIRMED" if confirmed else "TENTATIVE",
                note=note,
            )
        )
        events.append(event)
    _add_time_zones(calendar, events)
    return calendar.to_ical()
