"""Interventions (Elles Bougent style): a school, a company or an animator posts a need (a class
talk, an orientation forum, a company visit) and marraines volunteer or are suggested; the
coordinator confirms them, both sides give feedback, and the pupils reached are recorded.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from community.countries import COUNTRIES
from events.timezones import DEFAULT_TIME_ZONE, time_zone_choices


class InterventionNeed(models.Model):
    class Kind(models.TextChoices):
        CLASS_TALK = "class_talk", _("Class talk")
        FORUM = "forum", _("Orientation forum")
        VISIT = "visit", _("Company visit")

    class Status(models.TextChoices):
        OPEN = "open", _("Looking for marraines")
        CONFIRMED = "confirmed", _("Confirmed")
        DONE = "done", _("Held")
        CANCELLED = "cancelled", _("Cancelled")

    programme = models.ForeignKey(
        "mentorship.Programme", on_delete=models.CASCADE, related_name="needs"
    )
    posted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    title = models.CharField(_("title"), max_length=160)
    host = models.CharField(_("school or company"), max_length=160)
    starts_at = models.DateTimeField(_("date and time"))
    ends_at = models.DateTimeField(_("ends at"))
    # Stored in UTC; typed in this zone (the school's), shown to each marraine in her own.
    time_zone = models.CharField(
        _("time zone"), max_length=64, choices=time_zone_choices, default=DEFAULT_TIME_ZONE
    )
    place = models.CharField(_("place"), max_length=200)
    country = models.CharField(_("country"), max_length=2, choices=COUNTRIES, default="FR")
    region = models.CharField(_("region"), max_length=100, blank=True)
    audience = models.CharField(_("audience"), max_length=200)
    themes = models.ManyToManyField("community.Theme", blank=True, verbose_name=_("themes"))
    marraines_wanted = models.PositiveSmallIntegerField(_("marraines wanted"), default=1)
    details = models.TextField(_("practical details"), max_length=3000, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.OPEN
    )
    pupils_reached = models.PositiveIntegerField(_("pupils reached"), null=True, blank=True)
    host_feedback = models.TextField(_("the host's feedback"), max_length=3000, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("intervention need")
        verbose_name_plural = _("intervention needs")
        ordering = ["starts_at", "pk"]
        indexes = [models.Index(fields=["programme", "status", "starts_at"], name="need_open")]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")), name="need_ends_after_start"
            ),
            models.CheckConstraint(
                condition=Q(marraines_wanted__gte=1, marraines_wanted__lte=20),
                name="need_marraines_1_to_20",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("mentorship:need", kwargs={"pk": self.pk})


class Volunteer(models.Model):
    class Status(models.TextChoices):
        SUGGESTED = "suggested", _("Suggested")
        VOLUNTEERED = "volunteered", _("Volunteered")
        CONFIRMED = "confirmed", _("Confirmed")
        DECLINED = "declined", _("Declined")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    need = models.ForeignKey(InterventionNeed, on_delete=models.CASCADE, related_name="volunteers")
    mentor = models.ForeignKey(
        "mentorship.MentorProfile", on_delete=models.CASCADE, related_name="volunteering"
    )
    status = models.CharField(_("status"), max_length=12, choices=Status.choices)
    note = models.CharField(_("note"), max_length=500, blank=True)
    feedback = models.TextField(_("the marraine's feedback"), max_length=3000, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("volunteer")
        verbose_name_plural = _("volunteers")
        constraints = [
            models.UniqueConstraint(fields=["need", "mentor"], name="volunteer_once_per_need"),
        ]
        indexes = [models.Index(fields=["mentor", "status"], name="volunteer_mentor_status")]

    def __str__(self) -> str:
        return f"{self.mentor} · {self.need}"
