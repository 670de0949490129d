"""Who may read, write and moderate in chat rooms.

One function decides who reads a room, `can_read_room`: every view, socket subscription,
history page, search result and event delivery goes through it.

- A space room: the space's active members, and those who manage its members (its moderators
  and animators, its cluster's animators, platform staff), who moderate it.
- A direct or group conversation: its current members only. Nobody else, staff included.

`check_*` raises PermissionDenied with a translated reason; `can_*` returns a bool.
"""

from django.core.exceptions import PermissionDenied
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from community.permissions import can_manage_members, is_active_member, is_platform_staff

from .models import MemberMute, Room, RoomMember


def _signed_in(user) -> bool:
    return bool(user and user.is_authenticated and user.is_active)


def room_member(user, room: Room) -> RoomMember | None:
    """The user's row in the room (any state), looked up once per request or socket call."""
    if not _signed_in(user):
        return None
    cache = user.__dict__.setdefault("_chat_rooms", {})
    if room.pk not in cache:
        cache[room.pk] = RoomMember.objects.filter(room=room, user=user).first()
    return cache[room.pk]


def is_current_member(user, room: Room) -> bool:
    row = room_member(user, room)
    return row is not None and row.left_at is None


def can_moderate_room(user, room: Room) -> bool:
    """Delete any message, mute a member, handle reports: space rooms only, by those who manage
    the space's members. Direct and group conversations have no moderator; members report."""
    return (
        _signed_in(user) and room.kind == Room.Kind.SPACE and can_manage_members(user, room.space)
    )


def can_read_room(user, room: Room | None) -> bool:
    if room is None or not _signed_in(user):
        return False
    if room.kind == Room.Kind.SPACE:
        return is_active_member(user, room.space) or can_moderate_room(user, room)
    return is_current_member(user, room)


def muted_until(user, room: Room):
    """When the moderators' mute of the user in this room ends, or None."""
    mute = MemberMute.objects.filter(room=room, user=user, until__gt=timezone.now()).first()
    return mute.until if mute else None


class Muted(PermissionDenied):
    """Refused because a moderator muted the member in this room for a while."""


def check_read_room(user, room: Room) -> None:
    if not can_read_room(user, room):
        raise PermissionDenied(_("You are not a member of this conversation."))


def check_write_in_room(user, room: Room) -> None:
    check_read_room(user, room)
    until = muted_until(user, room)
    if until is not None:
        raise Muted(
            _("A moderator has muted you in this room until %(time)s.")
            % {"time": date_format(timezone.localtime(until), "DATETIME_FORMAT")}
        )


def check_moderate_room(user, room: Room) -> None:
    if not can_moderate_room(user, room):
        raise PermissionDenied(_("Only the space's moderators can do this."))


def check_handle_report(user, room: Room) -> None:
    if room.kind == Room.Kind.SPACE:
        return check_moderate_room(user, room)
    if not is_platform_staff(user):
        raise PermissionDenied(_("Only the platform's team handles reports of conversations."))


def can_start_conversation_with(user, other) -> bool:
    """A member may write to another active member whose profile they can find.

    The mentorship app narrows this for minors (no direct channel between an adult and a
    minor); it is the one place to do so.
    """
    from community.selectors import profiles_visible_to

    if not (_signed_in(user) and _signed_in(other)) or user.pk == other.pk:
        return False
    return profiles_visible_to(user).filter(user=other).exists()


def check_start_conversation_with(user, other) -> None:
    if not can_start_conversation_with(user, other):
        raise PermissionDenied(_("You cannot start a conversation with this person."))
