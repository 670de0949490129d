"""Who may read, write and moderate in chat rooms.

One function decides who reads a room, `can_read_room`: every view, socket subscription,
history page, search result and event delivery goes through it.

- A space room: the space's active members, and those who manage its members (its moderators
  and animators, its cluster's animators, platform staff), who moderate it.
- A direct or group conversation: its current members only. Nobody else, staff included.
- A mentorship conversation (a mentor, a mentee and, for a minor, the programme's
  coordinators): its current members only, kept by the mentorship app.

Rooms of some kinds belong to another app, which adds rules through a *room policy*
(`RoomPolicy`, `ROOM_POLICIES`): who may send now, what a message may contain (contact details
are masked in mentorship rooms), whether presence and typing are shown. A policy is named by its
dotted path and imported on first use, so chat does not import that app at module level.
Minors are the mentorship app's business too (`MINORS`): a minor starts no conversation, nobody
starts one with a minor, and their presence and typing are never shown.

A room frozen after a concern was reported (`Room.frozen_at`) is evidence: nobody sends,
edits, deletes or reacts in it until it is unfrozen.

`check_*` raises PermissionDenied with a translated reason; `can_*` returns a bool.
"""

from collections.abc import Callable
from importlib import import_module

from django.core.exceptions import PermissionDenied
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from community.permissions import can_manage_members, is_active_member, is_platform_staff

from .models import MemberMute, Room, RoomMember


def _signed_in(user) -> bool:
    return bool(user and user.is_authenticated and user.is_active)


# --- Room policies and minors ------------------------------------------------------------------


class RoomPolicy:
    """What a kind of room adds to the chat's rules; this default adds nothing.

    - `check_write(user, room)`: raise PermissionDenied (a translated reason) when the member may
      not send, react or type in the room now. Called after the chat's own checks.
    - `prepare_body(by=, room=, body=)`: the text to store instead of `body` (masked, say), and
      a callable run with the stored message inside the send's (or edit's) transaction, or None.
      Pure up to that callable: it runs before the idempotency check, so a retried send
      compares what was stored.
    - `live_activity(room)`: whether presence and typing are shown in the room.
    - `notice(room)`: a sentence shown above the room's messages (who else reads it), or "".
    - `extra_reader(user, room)`: whether someone who is not a member reads the room anyway
      (the safeguarding lead of a reported mentorship conversation); asked only of non-members.
    """

    def extra_reader(self, user, room: Room) -> bool:
        return False

    def check_write(self, user, room: Room) -> None:
        # No channel between an adult and a minor outside the supervised mentorship rooms, even
        # one that existed before a member's profile said they are under 18: a direct or group
        # conversation with a minor in it takes no more messages, and a minor writes in no
        # space room.
        if room.kind == Room.Kind.SPACE:
            if is_minor(user):
                raise PermissionDenied(
                    _("Members under 18 talk only in their supervised mentoring conversation.")
                )
            return None
        if minors().room_has_minor(room):
            raise PermissionDenied(
                _(
                    "A member of this conversation is under 18: they talk only in their "
                    "supervised mentoring conversation, so it takes no more messages."
                )
            )
        return None

    def prepare_body(self, *, by, room: Room, body: str) -> tuple[str, Callable | None]:
        return body, None

    def live_activity(self, room: Room) -> bool:
        return not minors().room_has_minor(room)

    def notice(self, room: Room) -> str:
        return ""


# Room kind -> dotted path of its policy (a RoomPolicy subclass).
ROOM_POLICIES = {
    Room.Kind.MENTORSHIP: "mentorship.services.conversations.MentorshipRoomPolicy",
}
# The module that says who is a minor: `is_minor(user) -> bool`, `room_has_minor(room) -> bool`.
MINORS = "mentorship.services.conversations"

_policies: dict[str, RoomPolicy] = {}


def room_policy(room: Room) -> RoomPolicy:
    policy = _policies.get(room.kind)
    if policy is None:
        path = ROOM_POLICIES.get(room.kind)
        policy = _policies[room.kind] = import_string(path)() if path else RoomPolicy()
    return policy


class _NoMinors:
    @staticmethod
    def is_minor(user) -> bool:
        return False

    @staticmethod
    def room_has_minor(room) -> bool:
        return False


def minors():
    """The module that knows who is a minor (the chat runs without it: nobody is)."""
    try:
        return import_module(MINORS)
    except ModuleNotFoundError as error:
        if error.name and MINORS.startswith(error.name):
            return _NoMinors
        raise


def is_minor(user) -> bool:
    return _signed_in(user) and minors().is_minor(user)


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
    return is_current_member(user, room) or room_policy(room).extra_reader(user, room)


def muted_until(user, room: Room):
    """When the moderators' mute of the user in this room ends, or None."""
    mute = MemberMute.objects.filter(room=room, user=user, until__gt=timezone.now()).first()
    return mute.until if mute else None


class Muted(PermissionDenied):
    """Refused because a moderator muted the member in this room for a while."""


def check_read_room(user, room: Room) -> None:
    if not can_read_room(user, room):
        raise PermissionDenied(_("You are not a member of this conversation."))


class Frozen(PermissionDenied):
    """Refused because the room is kept as evidence after a concern was reported."""


def check_not_frozen(room: Room) -> None:
    if room.frozen_at is not None:
        raise Frozen(
            _(
                "This conversation is frozen while a reported concern is looked into: nothing "
                "can be sent, changed or deleted in it."
            )
        )


def check_write_in_room(user, room: Room) -> None:
    check_read_room(user, room)
    check_not_frozen(room)
    until = muted_until(user, room)
    if until is not None:
        raise Muted(
            _("A moderator has muted you in this room until %(time)s.")
            % {"time": date_format(timezone.localtime(until), "DATETIME_FORMAT")}
        )
    room_policy(room).check_write(user, room)


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

    Narrowed for minors (no direct channel between an adult and a minor): a minor starts no
    direct or group conversation and nobody starts one with a minor; they talk only in the
    supervised mentorship conversation. It is the one place to do so (groups and new group
    members go through it too).
    """
    from community.selectors import profiles_visible_to

    if not (_signed_in(user) and _signed_in(other)) or user.pk == other.pk:
        return False
    if is_minor(user) or is_minor(other):
        return False
    return profiles_visible_to(user).filter(user=other).exists()


def check_start_conversation_with(user, other) -> None:
    if not can_start_conversation_with(user, other):
        # Said to the minor only: an adult is not told that someone is a minor.
        if is_minor(user):
            raise PermissionDenied(
                _(
                    "Young people under 18 talk with their mentor only in the supervised "
                    "mentoring conversation, which the programme's coordinators can read."
                )
            )
        raise PermissionDenied(_("You cannot start a conversation with this person."))
