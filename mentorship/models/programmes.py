"""Programmes and who takes part in them.

A programme is run by coordinators and has a named safeguarding lead. It is one of three kinds:

- one-to-one mentoring: a mentor follows a mentee (requests, matching, bookings);
- a cohort ("promotion"): a group of mentees follows a schedule of sessions (`cohorts.py`);
- interventions: schools, companies or animators post needs that marraines volunteer for
  (`interventions.py`).

Eligibility is an age band: adults only, minors (14 to 17) only, or both.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _


class AgeBand(models.TextChoices):
    """A mentee's age, as a band: a minor's birth date is never stored."""

    UNDER_15 = "14", _("14 years old")
    MINOR = "15-17", _("15 to 17 years old")
    ADULT = "18+", _("18 or older")


MINOR_BANDS = (AgeBand.UNDER_15, AgeBand.MINOR)


class Programme(models.Model):
    class Kind(models.TextChoices):
        ONE_TO_ONE = "one_to_one", _("One-to-one mentoring")
        COHORT = "cohort", _("Cohort")
        INTERVENTIONS = "interventions", _("Interventions")

    class Eligibility(models.TextChoices):
        ADULTS = "adults", _("Adults (18 and over)")
        MINORS = "minors", _("Young people aged 14 to 17")
        ALL = "all", _("Everyone from 14")

    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    title = models.CharField(_("title"), max_length=160)
    slug = models.SlugField(_("address"), max_length=80, unique=True)
    summary = models.TextField(_("summary"), max_length=2000, blank=True)
    cluster = models.ForeignKey(
        "community.Cluster",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="programmes",
        verbose_name=_("cluster"),
    )
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"))
    capacity = models.PositiveIntegerField(
        _("capacity"), help_text=_("The most mentees (or places) the programme takes.")
    )
    eligibility = models.CharField(
        _("eligibility"), max_length=10, choices=Eligibility.choices, default=Eligibility.ADULTS
    )
    coordinators = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        related_name="coordinated_programmes",
        verbose_name=_("coordinators"),
    )
    safeguarding_lead = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="safeguarded_programmes",
        verbose_name=_("safeguarding lead"),
    )
    # One-to-one: how long a mentor has to answer a request, and when they are reminded.
    request_days = models.PositiveSmallIntegerField(_("days to answer a request"), default=7)
    reminder_days = models.PositiveSmallIntegerField(_("reminder after (days)"), default=4)
    # Cohorts: the sessions a mentee must attend to complete.
    completion_min_sessions = models.PositiveSmallIntegerField(
        _("sessions attended to complete"), default=0
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("programme")
        verbose_name_plural = _("programmes")
        ordering = ["-starts_on", "title"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=models.F("starts_on")), name="programme_ends_after_start"
            ),
            models.CheckConstraint(
                condition=Q(reminder_days__lt=models.F("request_days")),
                name="programme_reminder_before_expiry",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("mentorship:programme", kwargs={"slug": self.slug})

    def clean(self):
        if self.starts_on and self.ends_on and self.ends_on < self.starts_on:
            raise ValidationError({"ends_on": _("The programme must end after it starts.")})
        if (
            self.reminder_days is not None
            and self.request_days is not None
            and self.reminder_days >= self.request_days
        ):
            raise ValidationError(
                {"reminder_days": _("The reminder must come before the request expires.")}
            )

    @property
    def admits_minors(self) -> bool:
        return self.eligibility in (self.Eligibility.MINORS, self.Eligibility.ALL)

    def admits(self, age_band: str) -> bool:
        if age_band in MINOR_BANDS:
            return self.admits_minors
        return self.eligibility in (self.Eligibility.ADULTS, self.Eligibility.ALL)


class Enrolment(models.Model):
    """A mentee in a programme (and, for a cohort, its member)."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("Taking part")
        COMPLETED = "completed", _("Completed")
        LEFT = "left", _("Left")

    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="enrolments")
    mentee = models.ForeignKey(
        "mentorship.MenteeProfile", on_delete=models.CASCADE, related_name="enrolments"
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.ACTIVE
    )
    enrolled_at = models.DateTimeField(auto_now_add=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    # Alumni of a cohort who agree to speak to the next one.
    ambassador = models.BooleanField(_("ambassador"), default=False)

    class Meta:
        verbose_name = _("enrolment")
        verbose_name_plural = _("enrolments")
        constraints = [
            models.UniqueConstraint(fields=["programme", "mentee"], name="enrolment_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.mentee} · {self.programme}"


class ProgrammeMentor(models.Model):
    """A mentor taking part in a programme."""

    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="mentor_links")
    mentor = models.ForeignKey(
        "mentorship.MentorProfile", on_delete=models.CASCADE, related_name="programme_links"
    )
    joined_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("programme mentor")
        verbose_name_plural = _("programme mentors")
        constraints = [
            models.UniqueConstraint(fields=["programme", "mentor"], name="programme_mentor_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.mentor} · {self.programme}"
