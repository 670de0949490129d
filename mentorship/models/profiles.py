"""Mentors and mentees.

A mentor's vetting is set by a coordinator: identity checked, criminal-record attestation seen.
Only the outcome and its date are stored, never the document. Vetting decides the formats a
mentor may run (`permissions.allowed_formats`): an unvetted mentor runs only group or supervised
formats.

A mentee who is a minor has a guardian, who consents through a link sent to their e-mail
(`safeguarding.py`) before any booking or conversation.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from community.countries import COUNTRIES
from events.timezones import DEFAULT_TIME_ZONE, time_zone_choices

from .programmes import MINOR_BANDS, AgeBand


class Format(models.TextChoices):
    ONLINE = "online", _("Online")
    IN_PERSON = "in_person", _("In person")


class MentorProfile(models.Model):
    class Vetting(models.TextChoices):
        NONE = "none", _("Not vetted")
        IDENTITY = "identity", _("Identity checked")
        CLEARED = "cleared", _("Identity checked and criminal-record attestation seen")
        REFUSED = "refused", _("Refused")

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="mentor_profile"
    )
    headline = models.CharField(_("headline"), max_length=160, blank=True)
    themes = models.ManyToManyField("community.Theme", blank=True, verbose_name=_("themes"))
    sectors = models.ManyToManyField("community.Sector", blank=True, verbose_name=_("sectors"))
    languages = models.ManyToManyField(
        "community.Language", blank=True, verbose_name=_("languages")
    )
    country = models.CharField(_("country"), max_length=2, choices=COUNTRIES, blank=True)
    region = models.CharField(_("region"), max_length=100, blank=True)
    online = models.BooleanField(_("meets online"), default=True)
    in_person = models.BooleanField(_("meets in person"), default=False)
    capacity = models.PositiveSmallIntegerField(
        _("capacity"), default=2, help_text=_("The most mentees you follow at once.")
    )
    paused = models.BooleanField(
        _("paused"), default=False, help_text=_("Paused: no new requests or bookings.")
    )
    time_zone = models.CharField(
        _("time zone"), max_length=64, choices=time_zone_choices, default=DEFAULT_TIME_ZONE
    )
    session_minutes = models.PositiveSmallIntegerField(_("session length (minutes)"), default=60)
    # Vetting: the outcome and its date, never the documents.
    vetting = models.CharField(
        _("vetting"), max_length=10, choices=Vetting.choices, default=Vetting.NONE
    )
    identity_checked_on = models.DateField(_("identity checked on"), null=True, blank=True)
    record_seen_on = models.DateField(
        _("criminal-record attestation seen on"), null=True, blank=True
    )
    vetted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("vetted by"),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("mentor profile")
        verbose_name_plural = _("mentor profiles")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(capacity__lte=20), name="mentor_capacity_at_most_20"
            ),
            models.CheckConstraint(
                condition=models.Q(session_minutes__gte=15, session_minutes__lte=180),
                name="mentor_session_15_to_180_minutes",
            ),
        ]
        indexes = [models.Index(fields=["paused", "vetting"], name="mentor_paused_vetting")]

    def __str__(self) -> str:
        return str(self.user)

    def clean(self):
        if self.vetting == self.Vetting.CLEARED and not (
            self.identity_checked_on and self.record_seen_on
        ):
            raise ValidationError(
                _("Give the dates the identity was checked and the attestation was seen.")
            )
        if self.vetting == self.Vetting.IDENTITY and not self.identity_checked_on:
            raise ValidationError(
                {"identity_checked_on": _("Give the date the identity was checked.")}
            )

    @property
    def is_cleared(self) -> bool:
        return self.vetting == self.Vetting.CLEARED


class MenteeProfile(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="mentee_profile"
    )
    goals = models.TextField(_("goals"), max_length=2000, blank=True)
    themes = models.ManyToManyField("community.Theme", blank=True, verbose_name=_("interests"))
    sectors = models.ManyToManyField("community.Sector", blank=True, verbose_name=_("sectors"))
    languages = models.ManyToManyField(
        "community.Language", blank=True, verbose_name=_("languages")
    )
    country = models.CharField(_("country"), max_length=2, choices=COUNTRIES, blank=True)
    region = models.CharField(_("region"), max_length=100, blank=True)
    age_band = models.CharField(_("age"), max_length=5, choices=AgeBand.choices)
    time_zone = models.CharField(
        _("time zone"), max_length=64, choices=time_zone_choices, default=DEFAULT_TIME_ZONE
    )
    prefers_online = models.BooleanField(_("online suits me"), default=True)
    prefers_in_person = models.BooleanField(_("in person suits me"), default=True)
    # A minor's guardian: who receives the consent link.
    guardian_name = models.CharField(_("guardian's name"), max_length=120, blank=True)
    guardian_email = models.EmailField(_("guardian's e-mail address"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("mentee profile")
        verbose_name_plural = _("mentee profiles")
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(age_band__in=MINOR_BANDS)
                | (~models.Q(guardian_email="") & ~models.Q(guardian_name="")),
                name="mentee_minor_has_guardian",
            ),
        ]

    def __str__(self) -> str:
        return str(self.user)

    def clean(self):
        if self.is_minor and not (self.guardian_name and self.guardian_email):
            raise ValidationError(
                _("A mentee under 18 needs a guardian: give their name and e-mail address.")
            )

    @property
    def is_minor(self) -> bool:
        return self.age_band in MINOR_BANDS

    @property
    def is_under_15(self) -> bool:
        return self.age_band == AgeBand.UNDER_15
