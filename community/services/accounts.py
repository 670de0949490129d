from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext as _

from community.permissions import check_signed_in, is_platform_staff


def user_deactivate(*, user, by) -> None:
    """Deactivate an account (staff, or the user themself).

    Its open sockets close at once: account saves reach the sockets through the user model's
    `post_save` receiver (community/signals.py), the one path shared with the admin forms.
    """
    check_signed_in(by)
    if by.pk != user.pk and not is_platform_staff(by):
        raise PermissionDenied(_("Only platform staff can deactivate another account."))
    with transaction.atomic():
        user.is_active = False
        user.save(update_fields=["is_active"])
