"""The chat's streams on the per-tab socket (protocol in docs/realtime.md).

- `room:<id>`: a room's messages and changes, to those who may read it (`can_read_room`).
  State: `{"seq", "revision", "read", "present"}`; a `subscribe` with `"after": N` is answered
  with the messages after N (a `messages` frame, `more` when there are others to fetch).
- `chat`: the member's own list of rooms. State: `{"rooms": {"<id>": {"seq", "read",
  "muted"}}}`; events `room.read` (another tab read a room) and `rooms.changed` (a room
  appeared, left or was muted: the list is fetched again).
"""

from django.utils.translation import gettext as _

from community.permissions import forget_memberships
from community.realtime import StreamKind, register_stream

from . import presence, selectors
from .models import Room, RoomMember
from .permissions import can_read_room
from .services import inbox_group, room_group


def _signed_in(user) -> bool:
    return bool(user and user.is_authenticated and user.is_active)


def _may_read(user, key: str) -> bool:
    forget_memberships(user)
    return can_read_room(user, selectors.room_or_none(int(key)))


def _states(user, keys) -> dict:
    """Every followed room's state in two queries and one cache read."""
    ids = [int(key) for key in keys]
    rooms = {room.pk: room for room in Room.objects.filter(pk__in=ids)}
    reads = dict(
        RoomMember.objects.filter(room_id__in=ids, user=user).values_list(
            "room_id", "last_read_seq"
        )
    )
    present = presence.present_in(list(rooms))
    states = {}
    for room_id, room in rooms.items():
        shown, count = present[room_id]
        states[str(room_id)] = {
            "seq": room.last_seq,
            "revision": room.revision,
            "read": reads.get(room_id, room.last_seq),
            "present": shown,
            "present_count": count,
        }
    return states


def _state(user, key: str) -> dict:
    return _states(user, [key]).get(key, {})


def _left(user, key: str) -> None:
    if presence.leave(int(key), user.pk):
        presence.announce(int(key))


async def _joined(socket, key: str, frame: dict, ref) -> None:
    """A `subscribe` that says the last number seen is answered with what came after it."""
    after = frame.get("after")
    if after is None:
        return
    if not isinstance(after, int) or isinstance(after, bool) or after < 0:
        return await socket.error(
            "bad_request", _("`after` must be a whole number of 0 or more."), ref
        )
    from .protocol import send_history

    await send_history(socket, int(key), ref, after=after)


def register() -> None:
    register_stream(
        "room",
        StreamKind(
            authorise=_may_read,
            group=lambda user, key: room_group(int(key)),
            state=_state,
            states=_states,
            joined=_joined,
            left=_left,
        ),
    )
    register_stream(
        "chat",
        StreamKind(
            authorise=lambda user, key: _signed_in(user),
            group=lambda user, key: inbox_group(user.pk),
            state=lambda user, key: selectors.inbox_state(user),
            needs_key=False,
        ),
    )
