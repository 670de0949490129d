"""Calendars: an event's .ics file, the member's secret feed address and the feed itself."""

import re

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.cache import patch_cache_control
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from community.views._helpers import run_service
from events import ics, permissions, selectors, services
from events.models import CalendarFeed

CONTENT_TYPE = "text/calendar; charset=utf-8"


def _calendar_response(body: bytes, *, filename: str, attachment: bool) -> HttpResponse:
    response = HttpResponse(body, content_type=CONTENT_TYPE)
    response["Content-Disposition"] = content_disposition_header(attachment, filename)
    # The file may hold an online link meant for this reader only: no shared cache keeps it.
    patch_cache_control(response, private=True, max_age=0)
    return response


@require_safe
def event_ics(request, event_id):
    event = selectors.access_event(user=request.user, event_id=event_id)
    registration = selectors.registration_of(user=request.user, event=event)
    body = ics.event_calendar(
        event,
        online_link=permissions.can_see_online_link(request.user, event, registration),
        request=request,
    )
    return _calendar_response(body, filename=f"{event.slug or event.pk}.ics", attachment=True)


def feed_addresses(feed: CalendarFeed) -> tuple[str, str]:
    """The feed's https address and its webcal:// twin (which opens a calendar app)."""
    url = settings.SITE_URL.rstrip("/") + feed.get_absolute_url()
    return url, re.sub(r"^https?://", "webcal://", url)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def calendar_settings(request):
    if request.method == "POST":
        run_service(
            request,
            lambda: services.calendar_feed_reset(user=request.user),
            success=_(
                "Your calendar has a new address. The old one no longer works: "
                "give the new one to your calendar app."
            ),
        )
        return redirect("events:calendar_settings")
    feed = services.calendar_feed_for(request.user)
    url, webcal_url = feed_addresses(feed)
    context = {
        "feed_url": url,
        "webcal_url": webcal_url,
        "event_count": selectors.calendar_registrations(request.user).count(),
    }
    return render(request, "events/calendar_settings.html", context)


@require_safe
def calendar_feed(request, token):
    # Calendar apps fetch this without a session: the secret token is the only key.
    feed = (
        CalendarFeed.objects.select_related("user")
        .filter(token=token, user__is_active=True)
        .first()
    )
    if feed is None:
        raise Http404
    body = ics.feed_calendar(
        selectors.calendar_registrations(feed.user),
        name=_("My events · Égalité Pro Clusters"),
        request=request,
    )
    response = _calendar_response(body, filename="events.ics", attachment=False)
    response["X-Robots-Tag"] = "noindex"
    return response
