"""A mentoring session as an iCalendar file (RFC 5545), for its two parties and coordinators.

- UID: `mentorship-booking-<pk of the first booking of the chain>@<host>`: a rescheduled
  session keeps the UID of the one it replaced, so a calendar moves the entry rather than
  adding a second one.
- SEQUENCE is the booking's `sequence`, which grows with each cancellation and reschedule (the
  new booking starts one above the cancelled one).
- DTSTART/DTEND carry the reader's time zone (TZID) with its VTIMEZONE.
- STATUS:CANCELLED once cancelled; the video link (CONFERENCE, LOCATION) or the place.
"""

from datetime import UTC, date, timedelta

from django.utils import timezone
from django.utils.translation import gettext as _
from icalendar import Calendar, Event

from events.ics import _host, absolute_url
from events.timezones import zone

from .models import Booking

PRODID = "-//Egalite Pro Clusters//Mentorship//EN"
# A chain of reschedules longer than this is cut (the UID then comes from its last link read).
MAX_CHAIN = 50


def first_of_chain_id(booking: Booking) -> int:
    """The pk of the booking this one was (through reschedules) first booked as."""
    pk, previous = booking.pk, booking.rescheduled_from_id
    for _step in range(MAX_CHAIN):
        if previous is None:
            return pk
        pk = previous
        previous = (
            Booking.objects.filter(pk=pk).values_list("rescheduled_from_id", flat=True).first()
        )
    return pk


def booking_uid(booking: Booking) -> str:
    return f"mentorship-booking-{first_of_chain_id(booking)}@{_host()}"


def booking_calendar(booking: Booking, *, tz_name: str, url: str, title: str) -> bytes:
    """The calendar file of one session, with times in `tz_name`."""
    tz = zone(tz_name)
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    event = Event()
    event.add("uid", booking_uid(booking))
    event.add("dtstamp", timezone.now().astimezone(UTC))
    event.add("dtstart", booking.starts_at.astimezone(tz))
    event.add("dtend", booking.ends_at.astimezone(tz))
    event.add("summary", title)
    url = absolute_url(url)
    lines = []
    if booking.format == "online" and booking.video_url:
        lines.append(_("Video link: %(url)s") % {"url": booking.video_url})
        event.add("location", booking.video_url)
        event.add("conference", booking.video_url, parameters={"VALUE": "URI"})
    elif booking.place:
        lines.append(_("Place: %(place)s") % {"place": booking.place})
        event.add("location", booking.place)
    lines.append(url)
    event.add("description", "\n\n".join(lines))
    event.add("url", url)
    cancelled = booking.status == Booking.Status.CANCELLED
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    event.add("sequence", booking.sequence)
    calendar.add_component(event)
    first = booking.starts_at.date() - timedelta(days=366)
    calendar.add_missing_timezones(
        first_date=max(first, date(1970, 1, 2)),
        last_date=booking.ends_at.date() + timedelta(days=366),
    )
    return calendar.to_ical()
