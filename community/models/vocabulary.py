"""Shared vocabularies: one row per term, labelled in French and English.

Themes, sectors, roles and languages are stored once so that content tagged in French and
in English never splits into two terms. Later apps (forum, library, events, mentoring)
point at these same rows.
"""

from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _


class VocabularyTerm(models.Model):
    slug = models.SlugField(_("code"), max_length=60, unique=True)
    label_fr = models.CharField(_("label (French)"), max_length=120)
    label_en = models.CharField(_("label (English)"), max_length=120)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        abstract = True
        ordering = ["position", "slug"]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        language = (get_language() or "fr")[:2]
        return self.label_en if language == "en" else self.label_fr


class Theme(VocabularyTerm):
    class Meta(VocabularyTerm.Meta):
        verbose_name = _("theme")
        verbose_name_plural = _("themes")


class Sector(VocabularyTerm):
    class Meta(VocabularyTerm.Meta):
        verbose_name = _("sector")
        verbose_name_plural = _("sectors")


class Role(VocabularyTerm):
    """A role a member declares on their profile (not a permission)."""

    SME_MEMBER = "sme-member"
    MENTOR = "mentor"
    MENTEE = "mentee"
    ANIMATOR = "animator"
    TRAINER = "trainer"

    class Meta(VocabularyTerm.Meta):
        verbose_name = _("role")
        verbose_name_plural = _("roles")


class Language(VocabularyTerm):
    """A language a member speaks; the slug is its ISO 639-1 code."""

    class Meta(VocabularyTerm.Meta):
        verbose_name = _("language")
        verbose_name_plural = _("languages")
