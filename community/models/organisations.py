"""Organisations (companies, associations, schools, public bodies) and the clusters they form."""

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from community.countries import COUNTRIES
from community.validators import validate_image_extension, validate_image_upload


class Organisation(models.Model):
    class Kind(models.TextChoices):
        COMPANY = "company", _("Company")
        ASSOCIATION = "association", _("Association")
        SCHOOL = "school", _("School or training centre")
        PUBLIC_BODY = "public-body", _("Public body")
        CLUSTER = "cluster", _("Cluster or network")

    class SizeBand(models.TextChoices):
        TPE = "tpe", _("Micro-enterprise (under 10 people)")
        PME = "pme", _("SME (under 250 people)")
        ETI = "eti", _("Mid-size company (250 to 4,999 people)")
        GE = "ge", _("Large company (5,000 people or more)")

    name = models.CharField(_("name"), max_length=150)
    slug = models.SlugField(_("address name"), max_length=80, unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    size_band = models.CharField(_("size"), max_length=3, choices=SizeBand.choices, blank=True)
    sector = models.ForeignKey(
        "community.Sector",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="organisations",
        verbose_name=_("sector"),
    )
    country = models.CharField(_("country"), max_length=2, choices=COUNTRIES)
    region = models.CharField(_("region"), max_length=100, blank=True)
    website = models.URLField(_("website"), blank=True)
    description = models.TextField(_("description"), max_length=3000, blank=True)
    equality_referent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("equality referent"),
        help_text=_("A member of the organisation who leads its work on equality."),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("community:organisation_detail", kwargs={"slug": self.slug})


class Cluster(models.Model):
    name = models.CharField(_("name"), max_length=150)
    slug = models.SlugField(_("address name"), max_length=80, unique=True)
    country = models.CharField(_("country"), max_length=2, choices=COUNTRIES)
    region = models.CharField(_("region"), max_length=100, blank=True)
    description = models.TextField(_("description"), max_length=5000, blank=True)
    logo = models.ImageField(
        _("logo"),
        upload_to="clusters/",
        blank=True,
        validators=[validate_image_extension, validate_image_upload],
    )
    website = models.URLField(_("website"), blank=True)
    organisations = models.ManyToManyField(
        Organisation, blank=True, related_name="clusters", verbose_name=_("member organisations")
    )
    animators = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        related_name="animated_clusters",
        verbose_name=_("animators"),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("cluster")
        verbose_name_plural = _("clusters")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("community:cluster_detail", kwargs={"slug": self.slug})
