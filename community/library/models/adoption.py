"""Organisations that adopt a practice ("we adopt this practice")."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Adoption(models.Model):
    class Status(models.TextChoices):
        ADOPTING = "adopting", _("We are adopting it")
        ADOPTED = "adopted", _("We have adopted it")

    practice = models.ForeignKey(
        "library.PracticeSheetPage",
        on_delete=models.CASCADE,
        related_name="adoptions",
        verbose_name=_("practice"),
    )
    organisation = models.ForeignKey(
        "community.Organisation",
        on_delete=models.CASCADE,
        related_name="adoptions",
        verbose_name=_("organisation"),
    )
    declared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("declared by"),
    )
    status = models.CharField(_("status"), max_length=10, choices=Status.choices)
    note = models.TextField(_("note"), max_length=1000, blank=True)
    show_publicly = models.BooleanField(
        _("show our organisation's name on the practice"), default=True
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("adoption")
        verbose_name_plural = _("adoptions")
        ordering = ["-updated_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["practice", "organisation"],
                name="adoption_one_per_organisation",
                violation_error_message=_("Your organisation has already declared this practice."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.organisation} – {self.practice}"
