"""What happens to an event: registrations and seats, check-in, feedback, the closing report.

These are plain models written only by `events.services`. Seats are counted from the
registrations themselves, under a lock on the event's row, so no counter can drift.
"""

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _


def new_code() -> str:
    return secrets.token_urlsafe(18)


class Registration(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("Awaiting approval")
        CONFIRMED = "confirmed", _("Confirmed")
        WAITLISTED = "waitlisted", _("On the waiting list")
        OFFERED = "offered", _("Seat offered")
        CANCELLED = "cancelled", _("Cancelled")
        DECLINED = "declined", _("Declined")
        LAPSED = "lapsed", _("Offer lapsed")

    class Attendance(models.TextChoices):
        UNKNOWN = "unknown", _("Not recorded")
        PRESENT = "present", _("Present")
        ABSENT = "absent", _("No-show")

    # Statuses that hold a place (a seat or a place in the queue); one per person and event.
    ACTIVE = (Status.PENDING, Status.CONFIRMED, Status.WAITLISTED, Status.OFFERED)
    # Statuses whose seats count against the capacity.
    HOLDING = (Status.CONFIRMED, Status.OFFERED)

    event = models.ForeignKey(
        "events.EventPage", on_delete=models.CASCADE, related_name="registrations"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="event_registrations",
    )
    # A person added by hand by an organiser may have no account.
    guest_name = models.CharField(_("name"), max_length=120, blank=True)
    guest_email = models.EmailField(_("e-mail address"), blank=True)
    seats = models.PositiveSmallIntegerField(_("seats"), default=1)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices)
    answers = models.JSONField(_("answers"), default=dict, blank=True)
    # The waiting list is served in this order.
    queued_at = models.DateTimeField(null=True, blank=True)
    offer_expires_at = models.DateTimeField(null=True, blank=True)
    code = models.CharField(max_length=32, unique=True, default=new_code, editable=False)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    attendance = models.CharField(
        _("attendance"), max_length=10, choices=Attendance.choices, default=Attendance.UNKNOWN
    )
    checked_in_at = models.DateTimeField(null=True, blank=True)
    checked_in_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    reminded_day_at = models.DateTimeField(null=True, blank=True)
    reminded_hour_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("registration")
        verbose_name_plural = _("registrations")
        constraints = [
            models.UniqueConstraint(
                fields=["event", "user"],
                condition=Q(status__in=["pending", "confirmed", "waitlisted", "offered"]),
                name="registration_one_active_per_person",
            ),
            models.CheckConstraint(
                condition=Q(user__isnull=False) | ~Q(guest_name=""),
                name="registration_names_someone",
            ),
            models.CheckConstraint(condition=Q(seats__gte=1), name="registration_seats_positive"),
            models.CheckConstraint(
                condition=~Q(status="offered") | Q(offer_expires_at__isnull=False),
                name="registration_offer_has_deadline",
            ),
        ]
        indexes = [
            models.Index(fields=["event", "status", "queued_at"]),
            models.Index(fields=["user", "status"]),
        ]

    def __str__(self) -> str:
        return f"{self.display_name} → {self.event_id} ({self.status})"

    def get_absolute_url(self) -> str:
        return reverse("events:ticket", kwargs={"registration_id": self.pk})

    @property
    def display_name(self) -> str:
        if self.user_id:
            profile = getattr(self.user, "profile", None)
            return profile.display_name if profile else self.user.email
        return self.guest_name

    @property
    def is_active(self) -> bool:
        return self.status in self.ACTIVE

    @property
    def holds_seats(self) -> bool:
        return self.status in self.HOLDING


class Feedback(models.Model):
    """A participant's rating and comment after the event; one per person and event."""

    event = models.ForeignKey("events.EventPage", on_delete=models.CASCADE, related_name="feedback")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="event_feedback"
    )
    rating = models.PositiveSmallIntegerField(_("rating"))
    comment = models.TextField(_("comment"), max_length=2000, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("feedback")
        verbose_name_plural = _("feedback")
        constraints = [
            models.UniqueConstraint(fields=["event", "user"], name="feedback_one_per_person"),
            models.CheckConstraint(
                condition=Q(rating__gte=1, rating__lte=5), name="feedback_rating_1_to_5"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.rating}/5 · {self.event_id}"


class ClosingReport(models.Model):
    """What the organisers record after the event (capitalisation)."""

    event = models.OneToOneField(
        "events.EventPage", on_delete=models.CASCADE, related_name="closing_report"
    )
    organisations = models.ManyToManyField(
        "community.Organisation",
        blank=True,
        related_name="+",
        verbose_name=_("attending organisations on the platform"),
    )
    other_organisations = models.TextField(
        _("other attending organisations"),
        max_length=3000,
        blank=True,
        help_text=_("Organisations not on the platform, one per line."),
    )
    outcomes = models.TextField(
        _("outcomes"),
        max_length=5000,
        blank=True,
        help_text=_("Practice sheets drafted at the workshop tables, decisions, next steps."),
    )
    lessons = models.TextField(_("lessons learned"), max_length=5000, blank=True)
    recording_url = models.URLField(_("recording"), blank=True)
    documents = models.ManyToManyField(
        settings.WAGTAILDOCS_DOCUMENT_MODEL,
        blank=True,
        related_name="+",
        verbose_name=_("documents"),
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("closing report")

    def __str__(self) -> str:
        return f"{_('Closing report')} · {self.event_id}"

    @property
    def other_organisation_list(self) -> list[str]:
        return [line.strip() for line in self.other_organisations.splitlines() if line.strip()]


class PublishedSchedule(models.Model):
    """The time and place participants were last told, to notice a change at the next publish."""

    event = models.OneToOneField(
        "events.EventPage", on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    start = models.DateTimeField()
    end = models.DateTimeField()
    place = models.CharField(max_length=600, blank=True)
    online_url = models.URLField(blank=True)

    def __str__(self) -> str:
        return f"{self.event_id} · {self.start:%Y-%m-%d %H:%M}"


class CalendarFeed(models.Model):
    """The secret address of a member's personal calendar of registrations.

    Calendar apps fetch it without a session, so the token is the only key; the member can
    replace it, which stops the old address at once.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_feed"
    )
    token = models.CharField(max_length=48, unique=True, default=new_code)
    created_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{_('Calendar')} · {self.user_id}"

    def get_absolute_url(self) -> str:
        return reverse("events:calendar_feed", kwargs={"token": self.token})
