"""When mentors are free, and the sessions booked in that time.

Mentors publish weekly rules in their own time zone ("Tuesdays 18:00-20:00"), with exceptions
(a day off, or extra hours on a date). Free slots are computed from them (`slots.py`), in
the mentor's zone, and shown in the mentee's. A booking stores its instants in UTC.

No mentor and no mentee is ever booked twice at the same time: the booking service locks both
profile rows and checks for an overlap; the partial unique constraints below hold even if a
code path forgot to.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Weekday(models.IntegerChoices):
    MONDAY = 0, _("Monday")
    TUESDAY = 1, _("Tuesday")
    WEDNESDAY = 2, _("Wednesday")
    THURSDAY = 3, _("Thursday")
    FRIDAY = 4, _("Friday")
    SATURDAY = 5, _("Saturday")
    SUNDAY = 6, _("Sunday")


class AvailabilityRule(models.Model):
    """A weekly window, in the mentor's time zone."""

    mentor = models.ForeignKey(
        "mentorship.MentorProfile", on_delete=models.CASCADE, related_name="rules"
    )
    weekday = models.PositiveSmallIntegerField(_("day"), choices=Weekday.choices)
    starts_at = models.TimeField(_("from"))
    ends_at = models.TimeField(_("to"))
    valid_from = models.DateField(_("from date"), null=True, blank=True)
    valid_until = models.DateField(_("until date"), null=True, blank=True)

    class Meta:
        verbose_name = _("weekly availability")
        verbose_name_plural = _("weekly availability")
        ordering = ["weekday", "starts_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")), name="rule_ends_after_start"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.starts_at:%H:%M}-{self.ends_at:%H:%M}"


class AvailabilityException(models.Model):
    """A date on which the weekly rules do not apply: away all day (no hours) or only at the
    hours given (`available` true adds hours, false removes them)."""

    mentor = models.ForeignKey(
        "mentorship.MentorProfile", on_delete=models.CASCADE, related_name="exceptions"
    )
    date = models.DateField(_("date"))
    available = models.BooleanField(_("available at these hours"), default=False)
    starts_at = models.TimeField(_("from"), null=True, blank=True)
    ends_at = models.TimeField(_("to"), null=True, blank=True)

    class Meta:
        verbose_name = _("availability exception")
        verbose_name_plural = _("availability exceptions")
        ordering = ["date", "starts_at"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(starts_at__isnull=True) & Q(ends_at__isnull=True))
                | Q(ends_at__gt=models.F("starts_at")),
                name="exception_hours_in_order",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.date} {'+' if self.available else '-'}"


class Booking(models.Model):
    class Status(models.TextChoices):
        CONFIRMED = "confirmed", _("Confirmed")
        CANCELLED = "cancelled", _("Cancelled")

    relationship = models.ForeignKey(
        "mentorship.Relationship", on_delete=models.PROTECT, related_name="bookings"
    )
    # Copied from the relationship so the constraints below can hold per person.
    mentor = models.ForeignKey(
        "mentorship.MentorProfile", on_delete=models.PROTECT, related_name="bookings"
    )
    mentee = models.ForeignKey(
        "mentorship.MenteeProfile", on_delete=models.PROTECT, related_name="bookings"
    )
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.CONFIRMED
    )
    format = models.CharField(
        _("format"),
        max_length=10,
        choices=[("online", _("Online")), ("in_person", _("In person"))],
        default="online",
    )
    video_url = models.URLField(_("video link"), blank=True)
    place = models.CharField(_("place"), max_length=200, blank=True)
    booked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    cancel_reason = models.CharField(_("reason"), max_length=300, blank=True)
    rescheduled_from = models.OneToOneField(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="rescheduled_to"
    )
    reminded_at = models.DateTimeField(null=True, blank=True)
    # Grows with every change, for calendars (ICS SEQUENCE).
    sequence = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("booking")
        verbose_name_plural = _("bookings")
        ordering = ["starts_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")), name="booking_ends_after_start"
            ),
            models.UniqueConstraint(
                fields=["mentor", "starts_at"],
                condition=Q(status="confirmed"),
                name="booking_mentor_slot_once",
            ),
            models.UniqueConstraint(
                fields=["mentee", "starts_at"],
                condition=Q(status="confirmed"),
                name="booking_mentee_slot_once",
            ),
        ]
        indexes = [
            models.Index(fields=["mentor", "starts_at"], name="booking_mentor_start"),
            models.Index(fields=["mentee", "starts_at"], name="booking_mentee_start"),
        ]

    def __str__(self) -> str:
        return f"{self.mentor} / {self.mentee} · {self.starts_at:%Y-%m-%d %H:%M}"
