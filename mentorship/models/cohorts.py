"""A cohort ("promotion"): its members are the programme's enrolments; it follows a schedule of
sessions, each possibly an event of the platform; attendance is taken per session, and the
programme's completion rule (sessions attended) decides who completes and gets a certificate.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from events.timezones import DEFAULT_TIME_ZONE, time_zone_choices


class CohortSession(models.Model):
    class Kind(models.TextChoices):
        WORKSHOP = "workshop", _("Workshop")
        VISIT = "visit", _("Company visit")
        COACHING = "coaching", _("Coaching")
        OTHER = "other", _("Other")

    programme = models.ForeignKey(
        "mentorship.Programme", on_delete=models.CASCADE, related_name="sessions"
    )
    title = models.CharField(_("title"), max_length=160)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.WORKSHOP)
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    # Stored in UTC; typed and read by the coordinators in this zone (the programme's, by
    # default Europe/Paris), shown to each member in her own.
    time_zone = models.CharField(
        _("time zone"), max_length=64, choices=time_zone_choices, default=DEFAULT_TIME_ZONE
    )
    place = models.CharField(_("place"), max_length=200, blank=True)
    event = models.ForeignKey(
        "events.EventPage",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="cohort_sessions",
        verbose_name=_("event"),
    )

    class Meta:
        verbose_name = _("cohort session")
        verbose_name_plural = _("cohort sessions")
        ordering = ["starts_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")), name="cohort_session_in_order"
            ),
        ]
        indexes = [models.Index(fields=["programme", "starts_at"], name="cohort_session_start")]

    def __str__(self) -> str:
        return self.title


class Attendance(models.Model):
    session = models.ForeignKey(CohortSession, on_delete=models.CASCADE, related_name="attendance")
    enrolment = models.ForeignKey(
        "mentorship.Enrolment", on_delete=models.CASCADE, related_name="attendance"
    )
    present = models.BooleanField(_("present"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("attendance")
        verbose_name_plural = _("attendance")
        constraints = [
            models.UniqueConstraint(fields=["session", "enrolment"], name="attendance_once"),
        ]

    def __str__(self) -> str:
        return f"{self.session_id} · {self.enrolment_id} · {self.present}"
