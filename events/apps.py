from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EventsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "events"
    verbose_name = _("Events")

    def ready(self):
        from community.library.citations import register_citation_source
        from community.notifications import register_verbs
        from events import selectors, signals  # noqa: F401 - signals connects page_published

        # The events presenting a library item are listed on its page.
        register_citation_source("events", selectors.library_citations)

        register_verbs(
            {
                "registration.confirmed": _("Your seat at %(target)s is confirmed."),
                "registration.waitlisted": _("%(target)s is full: you are on the waiting list."),
                "registration.pending": _(
                    "Your registration for %(target)s awaits the organisers' approval."
                ),
                "registration.requested": _("%(actor)s asked to register for %(target)s."),
                "registration.declined": _("Your registration for %(target)s was declined."),
                "registration.offered": _(
                    "A seat is free for you at %(target)s: claim it before the offer ends."
                ),
                "registration.promoted": _("A seat at %(target)s is now yours."),
                "registration.lapsed": _(
                    "The seat offered to you at %(target)s went to the next person."
                ),
                "registration.cancelled_by_organiser": _(
                    "%(actor)s cancelled your registration for %(target)s."
                ),
                "event.changed": _("The time or place of %(target)s has changed."),
                "event.reminder_day": _("%(target)s is tomorrow."),
                "event.reminder_hour": _("%(target)s starts within the hour."),
            }
        )
