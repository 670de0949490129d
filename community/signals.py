"""Signal receivers, each one documented.

- `user_logged_out` (django.contrib.auth): closes the sockets opened with the session that
  logged out, so a shared computer stops receiving the member's notifications at once.
"""

from django.contrib.auth.signals import user_logged_out
from django.dispatch import receiver

from community import realtime


@receiver(user_logged_out)
def close_sockets_of_session(sender, request, user, **kwargs):
    if user is None:
        return
    session_key = getattr(getattr(request, "session", None), "session_key", None)
    realtime.publish_session_ended(user_id=user.pk, session_key=session_key)
