"""A mentor and a mentee in a one-to-one programme, from the request to the end survey.

States: requested -> active -> (paused <-> active) -> completed; a request may also be declined
or expire (the next suggestion is then asked), and any open relationship may be cancelled.
A mentor's open relationships (requested, active, paused) never exceed their capacity: the
services lock the mentor's profile row to count them (`services/matching.py`). Paused
relationships keep their place.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

OPEN_STATES = ("requested", "active", "paused")


class Relationship(models.Model):
    class State(models.TextChoices):
        REQUESTED = "requested", _("Requested")
        ACTIVE = "active", _("Active")
        PAUSED = "paused", _("Paused")
        COMPLETED = "completed", _("Completed")
        CANCELLED = "cancelled", _("Cancelled")
        DECLINED = "declined", _("Declined")
        EXPIRED = "expired", _("Expired")

    programme = models.ForeignKey(
        "mentorship.Programme", on_delete=models.PROTECT, related_name="relationships"
    )
    mentor = models.ForeignKey(
        "mentorship.MentorProfile", on_delete=models.PROTECT, related_name="relationships"
    )
    mentee = models.ForeignKey(
        "mentorship.MenteeProfile", on_delete=models.PROTECT, related_name="relationships"
    )
    state = models.CharField(
        _("state"), max_length=10, choices=State.choices, default=State.REQUESTED
    )
    message = models.TextField(_("message to the mentor"), max_length=2000, blank=True)
    # The score and its reasons when the request was made (what the mentee was shown).
    score = models.PositiveSmallIntegerField(default=0)
    reasons = models.JSONField(default=list, blank=True)
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("assigned by"),
    )
    requested_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    reminded_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    end_reason = models.CharField(_("reason"), max_length=300, blank=True)
    # The supervised conversation (a chat room of kind "mentorship").
    room = models.OneToOneField(
        "chat.Room",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="mentorship",
    )
    last_activity_at = models.DateTimeField(null=True, blank=True)
    nudged_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("mentoring relationship")
        verbose_name_plural = _("mentoring relationships")
        ordering = ["-requested_at"]
        constraints = [
            # One open relationship per pair in a programme.
            models.UniqueConstraint(
                fields=["programme", "mentor", "mentee"],
                condition=Q(state__in=OPEN_STATES),
                name="relationship_one_open_per_pair",
            ),
        ]
        indexes = [
            models.Index(fields=["mentor", "state"], name="relationship_mentor_state"),
            models.Index(fields=["state", "expires_at"], name="relationship_state_expiry"),
        ]

    def __str__(self) -> str:
        return f"{self.mentor} → {self.mentee} ({self.get_state_display()})"

    def get_absolute_url(self) -> str:
        return reverse("mentorship:relationship", kwargs={"pk": self.pk})

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES


class Milestone(models.Model):
    relationship = models.ForeignKey(
        Relationship, on_delete=models.CASCADE, related_name="milestones"
    )
    title = models.CharField(_("goal or milestone"), max_length=200)
    due_on = models.DateField(_("by"), null=True, blank=True)
    done_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("milestone")
        verbose_name_plural = _("milestones")
        ordering = ["due_on", "created_at"]

    def __str__(self) -> str:
        return self.title


class SessionNote(models.Model):
    """What a mentor writes about a session: private to them, or shared with the mentee."""

    relationship = models.ForeignKey(Relationship, on_delete=models.CASCADE, related_name="notes")
    booking = models.ForeignKey(
        "mentorship.Booking", on_delete=models.SET_NULL, null=True, blank=True, related_name="notes"
    )
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    body = models.TextField(_("note"), max_length=5000)
    shared = models.BooleanField(_("shared with the mentee"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("session note")
        verbose_name_plural = _("session notes")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.relationship_id} · {self.created_at:%Y-%m-%d}"


class SessionFeedback(models.Model):
    class Working(models.TextChoices):
        YES = "yes", _("Yes")
        NOT_SURE = "not_sure", _("Not sure")
        NO = "no", _("No")

    booking = models.ForeignKey(
        "mentorship.Booking", on_delete=models.CASCADE, related_name="feedback"
    )
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    rating = models.PositiveSmallIntegerField(_("how useful was it (1 to 5)"))
    working = models.CharField(
        _("is this pairing working?"), max_length=10, choices=Working.choices
    )
    comment = models.TextField(_("comment"), max_length=2000, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("session feedback")
        verbose_name_plural = _("session feedback")
        constraints = [
            models.UniqueConstraint(fields=["booking", "author"], name="session_feedback_once"),
            models.CheckConstraint(
                condition=Q(rating__gte=1, rating__lte=5), name="session_feedback_rating_1_to_5"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.booking_id} · {self.rating}"


class EndSurvey(models.Model):
    relationship = models.ForeignKey(
        Relationship, on_delete=models.CASCADE, related_name="end_surveys"
    )
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    goals_reached = models.PositiveSmallIntegerField(_("goals reached (1 to 5)"))
    would_recommend = models.BooleanField(_("would recommend the programme"))
    comment = models.TextField(_("what should we keep or change?"), max_length=3000, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("end survey")
        verbose_name_plural = _("end surveys")
        constraints = [
            models.UniqueConstraint(
                fields=["relationship", "author"], name="end_survey_once_per_person"
            ),
            models.CheckConstraint(
                condition=Q(goals_reached__gte=1, goals_reached__lte=5),
                name="end_survey_goals_1_to_5",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.relationship_id} · {self.author_id}"
