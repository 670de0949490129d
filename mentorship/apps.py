from importlib import import_module

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

# Each area's service module may define VERBS, the notification sentences it sends.
AREAS = ("matching", "booking", "relationships", "safeguarding", "cohorts", "interventions")


class MentorshipConfig(AppConfig):
    """Mentoring programmes, matching, booking, cohorts and interventions, safe for minors
    (docs/mentorship.md, docs/safeguarding.md)."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "mentorship"
    verbose_name = _("Mentorship")

    def ready(self):
        from community.notifications import register_verbs

        for area in AREAS:
            try:
                module = import_module(f"mentorship.services.{area}")
            except ModuleNotFoundError as error:
                if error.name != f"mentorship.services.{area}":
                    raise
                continue
            register_verbs(getattr(module, "VERBS", {}))
