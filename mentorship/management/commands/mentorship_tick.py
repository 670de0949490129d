"""What mentorship does on its own, every few minutes (cron or a systemd timer, see deploy/):

- requests: remind a mentor of an unanswered request, expire it, ask the next suggestion
  (`services.matching.requests_tick`);
- bookings: the reminder 24 hours before a session (`services.booking.reminders_tick`);
- relationships: a gentle nudge when nothing was logged for a while
  (`services.relationships.nudges_tick`).

Each step is idempotent: running the command twice, or late, sends nothing twice.
"""

from django.core.management.base import BaseCommand
from django.utils import timezone

from mentorship.services import booking, matching, relationships


class Command(BaseCommand):
    help = "Send mentorship reminders and nudges, and expire unanswered requests."

    def handle(self, *args, **options):
        now = timezone.now()
        for name, tick in (
            ("requests", matching.requests_tick),
            ("bookings", booking.reminders_tick),
            ("relationships", relationships.nudges_tick),
        ):
            figures = tick(now=now)
            summary = ", ".join(f"{key}={value}" for key, value in sorted(figures.items()))
            self.stdout.write(f"{name}: {summary or 'nothing to do'}")
