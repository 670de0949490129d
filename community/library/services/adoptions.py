""" "We adopt this practice": an organisation declares it is adopting, or has adopted, a sheet.

One declaration per practice and organisation (a database constraint): declaring again updates
it in place (adopting → adopted, a new note). A member declares for the organisation on their
profile (`permissions.organisation_of`); a member without one is refused, with the way to add
it. Adoptions always count on the original sheet, so a French sheet and its English version
show the same figures.

The sheet's owner is notified when an organisation starts adopting it or has adopted it; an
organisation that asked not to be shown is not named in the notification either.
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from community.library.models import Adoption, PracticeSheetPage
from community.library.permissions import check_adopt, organisation_of
from community.models import Organisation
from community.notifications import notification_send

# Registered with community.notifications by the library's AppConfig.ready().
VERBS = {
    "library.adoption_adopting": _("%(actor)s is adopting your practice “%(target)s”."),
    "library.adoption_adopted": _("%(actor)s has adopted your practice “%(target)s”."),
    "library.adoption_adopting_unnamed": _(
        "An organisation is adopting your practice “%(target)s”."
    ),
    "library.adoption_adopted_unnamed": _(
        "An organisation has adopted your practice “%(target)s”."
    ),
}


def original_sheet(practice: PracticeSheetPage) -> PracticeSheetPage:
    """The sheet adoptions count on: the original of a translation, else the sheet itself.

    The original is the page of the same `translation_key` that translates nothing
    (`translation_source_published_at` is null).
    """
    if practice.translation_source_published_at is None:
        return practice
    original = (
        PracticeSheetPage.objects.filter(
            translation_key=practice.translation_key, translation_source_published_at__isnull=True
        )
        .select_related("owner")
        .first()
    )
    return original or practice


def adoption_declare(
    *, by, practice: PracticeSheetPage, status: str, note: str = "", show_publicly: bool = True
) -> Adoption:
    """Declare (or update) that the member's organisation adopts `practice`."""
    note = note.strip()
    limit = Adoption._meta.get_field("note").max_length
    if len(note) > limit:
        # A TextField's max_length binds forms only: the service holds the limit for every caller.
        raise ValidationError(
            {
                "note": gettext("The note can be at most %(limit)s characters long.")
                % {"limit": limit}
            },
            code="note_length",
        )
    sheet = original_sheet(practice)
    check_adopt(by, practice)
    check_adopt(by, sheet)
    organisation = organisation_of(by)
    with transaction.atomic():
        # Two members of one organisation declaring at once: the second waits and updates.
        Organisation.objects.select_for_update().filter(pk=organisation.pk).first()
        adoption = (
            Adoption.objects.select_for_update()
            .filter(practice=sheet, organisation=organisation)
            .first()
        )
        previous_status = adoption.status if adoption else None
        if adoption is None:
            adoption = Adoption(practice=sheet, organisation=organisation)
        adoption.declared_by = by
        adoption.status = status
        adoption.note = note
        adoption.show_publicly = show_publicly
        adoption.full_clean()
        adoption.save()
        if status != previous_status:
            _notify_owner(adoption, sheet=sheet, by=by)
    return adoption


def adoption_withdraw(*, by, practice: PracticeSheetPage) -> None:
    """Withdraw the declaration of the member's own organisation (never another's)."""
    if not (by and by.is_authenticated and by.is_active):
        raise PermissionDenied(gettext("Sign in to change your organisation's declaration."))
    organisation = organisation_of(by)
    if organisation is None:
        raise PermissionDenied(
            gettext("Add your organisation to your profile to declare that it adopts a practice.")
        )
    sheet = original_sheet(practice)
    with transaction.atomic():
        deleted, _rows = Adoption.objects.filter(practice=sheet, organisation=organisation).delete()
    if not deleted:
        raise ValidationError(
            gettext("Your organisation has not declared this practice."), code="not_declared"
        )


def _notify_owner(adoption: Adoption, *, sheet: PracticeSheetPage, by) -> None:
    owner = sheet.owner
    if owner is None:
        return
    verb = f"library.adoption_{adoption.status}"
    if adoption.show_publicly:
        notification_send(
            recipients=[owner],
            actor=adoption.organisation,
            verb=verb,
            target=sheet,
            url=sheet.url or "",
            exclude=by,
        )
    else:
        # The row names the sheet, not the organisation that asked not to be shown.
        notification_send(
            recipients=[owner],
            actor=sheet,
            verb=f"{verb}_unnamed",
            target=sheet,
            url=sheet.url or "",
            exclude=by,
        )
