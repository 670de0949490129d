"""What keeps minors safe: guardians' consents, concern reports and masked contact details.

- `GuardianConsent`: one row per request sent to a guardian. It records who consented, when,
  and which version of the consent text they read; it can be withdrawn, which pauses every
  relationship and booking of the mentee. Under 15, the mentee agrees too.
- `ConcernReport`: "report a concern", on a message or a profile. It goes to the programme's
  safeguarding lead and freezes the conversation it came from: nobody can delete or change it.
- `ContactFlag`: an e-mail address or a phone number typed in a mentorship conversation, masked
  before it was stored, flagged to the coordinators.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

# The version of the consent text guardians read now (the texts are in
# `services/safeguarding.py`): a consent to an earlier version is no longer valid, so a new text
# needs a new consent.
CONSENT_TEXT_VERSION = "2026-11"


class GuardianConsent(models.Model):
    class State(models.TextChoices):
        PENDING = "pending", _("Waiting for the guardian")
        GIVEN = "given", _("Given")
        REFUSED = "refused", _("Refused")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    mentee = models.ForeignKey(
        "mentorship.MenteeProfile", on_delete=models.CASCADE, related_name="consents"
    )
    guardian_name = models.CharField(_("guardian's name"), max_length=120)
    guardian_email = models.EmailField(_("guardian's e-mail address"))
    # The link's secret: only its hash is stored.
    token_hash = models.CharField(max_length=64, unique=True)
    text_version = models.CharField(_("consent text version"), max_length=20)
    state = models.CharField(
        _("state"), max_length=10, choices=State.choices, default=State.PENDING
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    requested_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    answered_at = models.DateTimeField(null=True, blank=True)
    # The name the guardian typed as their signature.
    signed_name = models.CharField(_("signed by"), max_length=120, blank=True)
    # Under 15: the mentee's own agreement, given signed in.
    mentee_agreed_at = models.DateTimeField(null=True, blank=True)
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    # "guardian", "mentee", "coordinator", or why it stopped counting ("guardian_changed").
    withdrawn_by = models.CharField(max_length=20, blank=True)
    # The programmes named on the page the guardian answered: the consent covers those only.
    programmes = models.ManyToManyField(
        "mentorship.Programme", blank=True, related_name="consents", verbose_name=_("programmes")
    )

    class Meta:
        verbose_name = _("guardian's consent")
        verbose_name_plural = _("guardians' consents")
        ordering = ["-requested_at"]
        indexes = [models.Index(fields=["mentee", "-requested_at"], name="consent_mentee_latest")]
        constraints = [
            models.CheckConstraint(
                condition=~Q(state="given") | Q(answered_at__isnull=False),
                name="consent_given_has_date",
            ),
            models.CheckConstraint(
                condition=~Q(state="withdrawn") | Q(withdrawn_at__isnull=False),
                name="consent_withdrawn_has_date",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.guardian_name} · {self.mentee} · {self.get_state_display()}"


class ConcernReport(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        IN_REVIEW = "in_review", _("Being looked into")
        CLOSED = "closed", _("Closed")

    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    programme = models.ForeignKey(
        "mentorship.Programme", on_delete=models.PROTECT, related_name="concerns", null=True
    )
    about = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("about"),
    )
    room = models.ForeignKey(
        "chat.Room", on_delete=models.PROTECT, null=True, blank=True, related_name="concerns"
    )
    message = models.ForeignKey(
        "chat.Message", on_delete=models.PROTECT, null=True, blank=True, related_name="concerns"
    )
    # The message as it was when reported.
    quoted = models.TextField(blank=True)
    text = models.TextField(_("what worries you"), max_length=4000)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.OPEN
    )
    created_at = models.DateTimeField(auto_now_add=True)
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    handled_at = models.DateTimeField(null=True, blank=True)
    outcome = models.TextField(_("outcome"), blank=True)

    class Meta:
        verbose_name = _("concern report")
        verbose_name_plural = _("concern reports")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["status", "-created_at"], name="concern_status")]

    def __str__(self) -> str:
        return f"#{self.pk} · {self.get_status_display()}"


class ContactFlag(models.Model):
    message = models.OneToOneField(
        "chat.Message", on_delete=models.CASCADE, related_name="contact_flag"
    )
    kinds = models.CharField(max_length=40)  # "email", "phone", "email,phone"
    created_at = models.DateTimeField(auto_now_add=True)
    seen_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    seen_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("contact details flag")
        verbose_name_plural = _("contact details flags")

    def __str__(self) -> str:
        return f"{self.kinds} · {self.message_id}"
