from django.db import transaction

from community import realtime
from community.permissions import check_signed_in, is_platform_staff


def user_deactivate(*, user, by) -> None:
    """Deactivate an account (staff, or the user themself); its open sockets close at once."""
    check_signed_in(by)
    if by.pk != user.pk and not is_platform_staff(by):
        from django.core.exceptions import PermissionDenied
        from django.utils.translation import gettext as _

        raise PermissionDenied(_("Only platform staff can deactivate another account."))
    with transaction.atomic():
        user.is_active = False
        user.save(update_fields=["is_active"])
        realtime.publish_session_ended(user_id=user.pk, session_key=None)
