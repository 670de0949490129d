"""Signal receivers, each one documented.

- `user_logged_out` (django.contrib.auth): closes the sockets opened with the session that
  logged out, so a shared computer stops receiving the member's notifications at once.
- `password_changed`, `password_reset`, `password_set` (allauth): the other sessions of the
  account are no longer valid; their sockets re-check and close.
- `post_save` of the user model: an account deactivated anywhere (the Django or Wagtail admin
  as well as `user_deactivate`) closes its sockets; any other save asks them to re-check, which
  catches a password set by staff.
- `post_save` of `LegalPages` and `page_published`/`page_unpublished` (Wagtail): the footer's
  cached links are read again.
"""

from allauth.account.signals import password_changed, password_reset, password_set
from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_out
from django.db.models.signals import post_save
from django.dispatch import receiver

from community import realtime


@receiver(user_logged_out)
def close_sockets_of_session(sender, request, user, **kwargs):
    if user is None:
        return
    session_key = getattr(getattr(request, "session", None), "session_key", None)
    realtime.publish_session_ended(user_id=user.pk, session_key=session_key)


@receiver(password_changed)
@receiver(password_reset)
@receiver(password_set)
def recheck_sessions_after_password_change(sender, request=None, user=None, **kwargs):
    if user is not None:
        realtime.publish_session_check(user_id=user.pk)


@receiver(post_save, sender=get_user_model())
def close_sockets_of_inactive_accounts(sender, instance, created, update_fields=None, **kwargs):
    if created or (update_fields is not None and set(update_fields) <= {"last_login"}):
        return  # Logging in saves last_login: nothing to re-check.
    if not instance.is_active:
        realtime.publish_session_ended(user_id=instance.pk, session_key=None)
    else:
        realtime.publish_session_check(user_id=instance.pk)


def _connect_legal_links() -> None:
    from wagtail.signals import page_published, page_unpublished

    from community.context_processors import forget_legal_links
    from community.models import LegalPages

    post_save.connect(forget_legal_links, sender=LegalPages, dispatch_uid="legal-links-setting")
    page_published.connect(forget_legal_links, dispatch_uid="legal-links-published")
    page_unpublished.connect(forget_legal_links, dispatch_uid="legal-links-unpublished")


_connect_legal_links()
