"""Event dates in the event's own time zone, and the "next events" block of other pages."""

from datetime import datetime

from django import template
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from events.timezones import utc_to_local, zone

register = template.Library()


@register.simple_tag
def agenda_url() -> str:
    """The agenda's address: the events index sits where `events.urls` is mounted (/events/).

    Read from the URLconf rather than from the page tree, so the menu costs no query.
    """
    mine = reverse("events:my_events")
    return mine.removesuffix("mine/")


@register.filter
def event_local(value: datetime | None, event) -> datetime | None:
    """An aware instant as the wall-clock time of the event's zone (for deadlines, openings)."""
    if value is None:
        return None
    return utc_to_local(value, event.time_zone)


@register.filter
def event_zone(event) -> str:
    """The event's time zone as people read it: "Europe/Paris (CET)"."""
    name = event.time_zone.replace("_", " ")
    abbreviation = event.start.astimezone(zone(event.time_zone)).tzname()
    if abbreviation and not abbreviation.startswith(("+", "-")):
        return f"{name} ({abbreviation})"
    return name


@register.filter
def event_zone_name(event) -> str:
    """The event's time zone alone, for inside a sentence: "Europe/Paris"."""
    return event.time_zone.replace("_", " ")


@register.simple_tag
def event_dates(event, short: bool = False) -> str:
    """When the event happens, in its own time zone: one day with two times, or two days."""
    start, end = event.local_start, event.local_end
    day_format = "D j M Y" if short else "l j F Y"
    start_day, start_time = date_format(start, day_format), date_format(start, "H:i")
    end_time = date_format(end, "H:i")
    if start.date() == end.date():
        return _("%(day)s, %(start)s – %(end)s") % {
            "day": start_day,
            "start": start_time,
            "end": end_time,
        }
    return _("%(start_day)s, %(start)s – %(end_day)s, %(end)s") % {
        "start_day": start_day,
        "start": start_time,
        "end_day": date_format(end, day_format),
        "end": end_time,
    }


@register.inclusion_tag("events/partials/public_upcoming.html", takes_context=True)
def upcoming_events(context, space=None, count: int = 3):
    """The next events the viewer may see, everywhere or in one space (two queries at most)."""
    from events import selectors

    request = context["request"]
    events = selectors.upcoming_events(user=request.user, space=space, limit=count)
    index = agenda_url()
    return {
        "events": selectors.attach_availability(events),
        "space": space,
        "agenda": f"{index}?space={space.slug}" if space is not None else index,
        "request": request,
    }
