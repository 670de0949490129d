"""The other language's version of a library item (Wagtail localisation).

A translation is a page of the other locale sharing its original's `translation_key`, placed
beside it under the one library index, unpublished until it goes through the same review as a
contributed sheet. `translation_source_published_at` says which publication of the original it
follows: set when the copy is made, and moved to the original's latest publication when the
translation is published through the review, so the item page can say that the original
changed after it.
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from wagtail.models import Locale, Page

from community.library import permissions
from community.library.models import LibraryItem
from community.library.models.pages import RESERVED_SLUGS


def other_locale(page) -> str:
    """The language a translation of `page` is written in: the one it is not written in."""
    return "en" if page.locale.language_code == "fr" else "fr"


def _slug(parent, base: str) -> str:
    if base in RESERVED_SLUGS:
        base = f"{base}-item"
    taken = set(parent.get_children().filter(slug__startswith=base).values_list("slug", flat=True))
    slug, n = base, 1
    while slug in taken:
        n += 1
        slug = f"{base}-{n}"
    return slug


def translation_create(*, by, page, locale: str) -> LibraryItem:
    """An unpublished copy of `page` in `locale`, owned by `by`, for them to translate.

    Refused for a translation (one translates the original), for an item not yet published
    (there is nothing to follow), and when that language's version already exists.
    """
    page = LibraryItem.objects.get(pk=page.pk).specific
    permissions.check_translate(by, page)
    target = Locale.objects.filter(language_code=locale).first()
    if target is None:
        raise ValidationError(_("Unknown language."), code="locale")
    with transaction.atomic():
        # Locked: two people translating at once get one translation, not two.
        Page.objects.select_for_update().get(pk=page.pk)
        page = LibraryItem.objects.get(pk=page.pk).specific
        if page.translation_source_published_at is not None:
            raise ValidationError(
                _("This is a translation: translate its original instead."), code="is_translation"
            )
        if not page.live or page.last_published_at is None:
            raise ValidationError(
                _("Only a published item can be translated."), code="not_published"
            )
        if page.locale_id == target.pk:
            raise ValidationError(
                _("This item is already written in that language."), code="same_locale"
            )
        if LibraryItem.objects.filter(translation_key=page.translation_key, locale=target).exists():
            raise ValidationError(
                _("This item already has a version in that language."), code="exists"
            )
        parent = page.get_parent()
        copy = page.copy(
            to=parent,
            update_attrs={
                "locale": target,
                "slug": _slug(parent, f"{page.slug}-{target.language_code}"),
                "translation_source_published_at": page.last_published_at,
            },
            copy_revisions=False,
            keep_live=False,
            user=by,
            reset_translation_key=False,
            log_action="wagtail.copy",
        )
    return LibraryItem.objects.get(pk=copy.pk).specific


def translation_published(*, page) -> None:
    """A translation approved through the review follows its original's latest publication."""
    original = (
        LibraryItem.objects.filter(
            translation_key=page.translation_key, translation_source_published_at__isnull=True
        )
        .exclude(pk=page.pk)
        .values_list("last_published_at", flat=True)
        .first()
    )
    if original is not None:
        LibraryItem.objects.filter(pk=page.pk).update(translation_source_published_at=original)
