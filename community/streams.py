"""The streams the community app offers on the per-tab socket (see docs/realtime.md).

- `notifications`: the signed-in member's own notifications; state is the unread count.
- `space:<id>`: news of a space the member may see (member count changes).
"""

from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.base import SessionBase
from django.utils.crypto import constant_time_compare
from django.utils.module_loading import import_string

from community.models import Membership, Space, User
from community.notifications import notifications_group, unread_count
from community.permissions import can_view_space, forget_memberships
from community.realtime import StreamKind, register_stream
from community.services.spaces import space_group


def _signed_in(user) -> bool:
    return bool(user and user.is_authenticated and user.is_active)


def _space(key: str) -> Space | None:
    return Space.objects.select_related("cluster").filter(pk=int(key)).first()


def _may_see_space(user, key: str) -> bool:
    space = _space(key)
    if space is None:
        return False
    # Fresh permission state: a membership may have changed since the socket cached it.
    forget_memberships(user)
    return can_view_space(user, space)


def _space_state(user, key: str) -> dict:
    count = Membership.objects.filter(space_id=int(key), state=Membership.State.ACTIVE).count()
    return {"member_count": count}


def session_is_valid(user, session_key: str | None) -> bool:
    """Whether a socket opened by `user` with `session_key` may stay open.

    The same test Django applies to each request (user, backend, session hash), so a session
    ended by a password change closes its sockets too; but read-only: a socket never flushes or
    cycles the browser's session.
    """
    if not (user and user.is_authenticated):
        return True  # An anonymous socket has nothing to lose.
    if not session_key:
        return False
    current = User.objects.filter(pk=user.pk, is_active=True).first()
    if current is None:
        return False
    store: SessionBase = import_string(settings.SESSION_ENGINE + ".SessionStore")(session_key)
    if str(store.get(SESSION_KEY)) != str(current.pk):
        return False
    if store.get(BACKEND_SESSION_KEY) not in settings.AUTHENTICATION_BACKENDS:
        return False
    session_hash = store.get(HASH_SESSION_KEY) or ""
    hashes = [current.get_session_auth_hash(), *current.get_session_auth_fallback_hash()]
    return any(constant_time_compare(session_hash, expected) for expected in hashes)


def register() -> None:
    register_stream(
        "notifications",
        StreamKind(
            authorise=lambda user, key: _signed_in(user),
            group=lambda user, key: notifications_group(user.pk),
            state=lambda user, key: {"unread": unread_count(user)},
            needs_key=False,
        ),
    )
    register_stream(
        "space",
        StreamKind(
            authorise=_may_see_space,
            group=lambda user, key: space_group(int(key)),
            state=_space_state,
        ),
    )


def fresh_user(user):
    """The user as the database has it now (staff status or activity may have changed)."""
    if not (user and user.is_authenticated):
        return user
    return User.objects.filter(pk=user.pk).first() or user
