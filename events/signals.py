"""Receivers of the events app (each one documented here, as the house style asks).

- `page_published` (Wagtail) for an event page: participants are told when its time or place
  changed, reminders are re-armed, and seats added by a raised capacity are offered to the
  waiting list (`services.schedule_published`). Publishing happens in the Wagtail admin or on
  schedule, outside our services, so a signal is the one place that sees every publish.
"""

from django.db import transaction
from django.dispatch import receiver
from wagtail.signals import page_published

from events.models import EventPage


@receiver(page_published)
def event_published(sender, instance, **kwargs):
    if isinstance(instance, EventPage):
        from events.services import schedule_published

        transaction.on_commit(lambda: schedule_published(event=instance))
