"""The site's event views beside the Wagtail pages (mounted at /events/, before Wagtail's URLs).

The events index and each event page are Wagtail pages (`/events/<slug>/`); these paths start
with a number or a word that `EventPage.RESERVED_SLUGS` keeps editors from using as a slug.
"""

from django.urls import path

from events.views import calendars, organiser, public

app_name = "events"

urlpatterns = [
    # Participants
    path("mine/", public.my_events, name="my_events"),
    path("<int:event_id>/register/", public.register, name="register"),
    path("<int:event_id>/feedback/", public.feedback, name="feedback"),
    path("registrations/<int:registration_id>/", public.ticket, name="ticket"),
    path("registrations/<int:registration_id>/qr.svg", public.ticket_qr, name="ticket_qr"),
    path("registrations/<int:registration_id>/cancel/", public.cancel, name="cancel"),
    path("registrations/<int:registration_id>/claim/", public.claim, name="claim"),
    # Calendars
    path("<int:event_id>/event.ics", calendars.event_ics, name="event_ics"),
    path("calendar/", calendars.calendar_settings, name="calendar_settings"),
    path("calendar/<str:token>.ics", calendars.calendar_feed, name="calendar_feed"),
    # Organisers
    path("manage/", organiser.managed_events, name="managed_events"),
    path("<int:event_id>/attendees/", organiser.attendees, name="attendees"),
    path("<int:event_id>/attendees.csv", organiser.attendees_csv, name="attendees_csv"),
    path("<int:event_id>/attendees/add/", organiser.attendee_add, name="attendee_add"),
    path("registrations/<int:registration_id>/decide/", organiser.decide, name="decide"),
    path(
        "registrations/<int:registration_id>/attendance/",
        organiser.attendance,
        name="attendance",
    ),
    path("<int:event_id>/check-in/", organiser.check_in, name="check_in"),
    path("<int:event_id>/check-in/<str:code>/", organiser.check_in_ticket, name="check_in_ticket"),
    path("<int:event_id>/report/", organiser.report, name="report"),
]
