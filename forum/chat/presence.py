"""Who is in a room now, and who is typing: ephemeral, in the cache, never in the database.

Presence is renewed by each socket's heartbeat (the room's state is read at every `pong`) and
expires `PRESENCE_SECONDS` after the last one; typing lasts `TYPING_SECONDS` on the screens
that show it. A member who switched either off in their chat preferences is never shown.

Safeguarding: a minor's presence is never announced and they send no typing, and in a room
with a minor (a supervised mentorship conversation, or any room a minor reads) nobody's
presence or typing is shown, so none reaches them (`permissions.RoomPolicy.live_activity`).
"""

import time

from django.conf import settings
from django.core.cache import cache

from community import realtime

from .models import ChatPreferences, Room
from .permissions import is_minor, room_policy
from .selectors import public_name


def _key(room_id: int) -> str:
    return f"chat:presence:{room_id}"


def live_activity_allowed(room_id: int, user) -> bool:
    """No presence or typing by a minor, nor in a room with a minor (read each time: a socket
    lives long and a minor may have just joined the room)."""
    if is_minor(user):
        return False
    room = Room.objects.filter(pk=room_id).first()
    return room is not None and room_policy(room).live_activity(room)


def shares(user, what: str) -> bool:
    """Whether the member shares `presence` or `typing`, as their preferences say now (read
    each time: a socket lives long and the member may have just switched it off)."""
    row = ChatPreferences.objects.filter(user=user).first()
    if row is None:
        return True
    return row.share_presence if what == "presence" else row.share_typing


# A seminar room may hold hundreds: frames name the first ones and count the others.
SHOWN = 30


def present_in(room_ids) -> dict[int, tuple[list[dict], int]]:
    """For each room, who is in it now by name (at most SHOWN) and how many: one cache read."""
    found = cache.get_many([_key(room_id) for room_id in room_ids])
    return {room_id: _people(found.get(_key(room_id))) for room_id in room_ids}


def present(room_id: int) -> list[dict]:
    return present_in([room_id])[room_id][0]


def _people(entries) -> tuple[list[dict], int]:
    now = time.time()
    people = [
        {"id": int(user_id), "name": name}
        for user_id, (expires, name) in (entries or {}).items()
        if expires > now
    ]
    people.sort(key=lambda person: person["name"])
    return people[:SHOWN], len(people)


def touch(room_id: int, user) -> bool:
    """Mark the member present; True when that changed who is present (then announce it)."""
    if not shares(user, "presence") or not live_activity_allowed(room_id, user):
        return leave(room_id, user.pk)
    now = time.time()
    ttl = settings.CHAT["PRESENCE_SECONDS"]
    entries = {k: v for k, v in (cache.get(_key(room_id)) or {}).items() if v[0] > now}
    arrived = user.pk not in entries
    entries[user.pk] = (now + ttl, public_name(user))
    cache.set(_key(room_id), entries, ttl)
    return arrived


def leave(room_id: int, user_id: int) -> bool:
    entries = cache.get(_key(room_id)) or {}
    if user_id not in entries:
        return False
    del entries[user_id]
    cache.set(_key(room_id), entries, settings.CHAT["PRESENCE_SECONDS"])
    return True


def announce(room_id: int) -> None:
    """Tell the room who is present, at most once every 2 seconds: when hundreds arrive at
    once (a seminar), they are not each sent the list hundreds of times. What a skipped
    announcement would have said arrives with the next heartbeat's state."""
    from .services import room_group

    if not cache.add(f"chat:presence-announced:{room_id}", 1, 2):
        return
    shown, count = present_in([room_id])[room_id]
    realtime.send_now_safely(
        room_group(room_id),
        {
            "type": "stream.event",
            "stream": f"room:{room_id}",
            "event": "presence",
            "data": {"room": room_id, "present": shown, "present_count": count},
        },
    )


def typing(room_id: int, user) -> None:
    """Tell the room the member is typing, at most every 2 seconds, if they share it."""
    from .services import room_group

    if not shares(user, "typing") or not live_activity_allowed(room_id, user):
        return
    if not cache.add(f"chat:typing:{room_id}:{user.pk}", 1, 2):
        return
    realtime.send_now_safely(
        room_group(room_id),
        {
            "type": "stream.event",
            "stream": f"room:{room_id}",
            "event": "typing",
            "data": {
                "room": room_id,
                "user": {"id": user.pk, "name": public_name(user)},
                "seconds": settings.CHAT["TYPING_SECONDS"],
            },
        },
    )
