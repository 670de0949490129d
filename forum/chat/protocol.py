"""The chat's operations on the per-tab socket (frames documented in docs/realtime.md).

Each operation checks the frame's fields (names and types; any other field is refused, so a
client cannot name a sender), calls one service in a thread and answers the client. The
services check permission; a refusal becomes an `error` frame for this client only and changes
nothing. Nothing here touches the ORM itself.
"""

import logging

from channels.db import database_sync_to_async
from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied, ValidationError
from django.utils.translation import gettext as _

from community.permissions import forget_memberships
from community.realtime import register_op
from forum.consumers import UNAVAILABLE, TokenBucket

from . import presence, selectors, services
from .models import Message
from .permissions import Muted, can_read_room, check_write_in_room

logger = logging.getLogger(__name__)

# Sends of each member on this process: one bucket per member, whatever the number of tabs.
_SEND_BUCKETS: dict[int, TokenBucket] = {}

INT = "int"
STR = "str"
BOOL = "bool"


def _is(value, kind) -> bool:
    if kind == INT:
        return isinstance(value, int) and not isinstance(value, bool) and value >= 0
    if kind == STR:
        return isinstance(value, str)
    return isinstance(value, bool)


def _fields(frame: dict, required: dict, optional: dict | None = None) -> tuple[dict, str]:
    """The frame's fields if they are exactly the expected ones with the expected types;
    otherwise an empty dict and the reason, for a `bad_request` error."""
    optional = optional or {}
    allowed = {"op", "ref", *required, *optional}
    extra = sorted(set(frame) - allowed)
    if extra:
        return {}, _("Unexpected field: %(name)s.") % {"name": extra[0]}
    values = {}
    for name, kind in {**required, **optional}.items():
        if name not in frame:
            if name in required:
                return {}, _("Missing field: %(name)s.") % {"name": name}
            continue
        if not _is(frame[name], kind):
            return {}, _("Wrong type for the field %(name)s.") % {"name": name}
        values[name] = frame[name]
    return values, ""


def _send_bucket(user_id: int) -> TokenBucket:
    bucket = _SEND_BUCKETS.get(user_id)
    if bucket is None:
        if len(_SEND_BUCKETS) >= 10_000:
            # Forget the members whose bucket has had time to refill: they start full anyway.
            idle = [key for key, old in _SEND_BUCKETS.items() if old.is_full()]
            for key in idle:
                del _SEND_BUCKETS[key]
        bucket = _SEND_BUCKETS[user_id] = TokenBucket(
            rate=settings.CHAT["SEND_RATE"], capacity=settings.CHAT["SEND_BURST"]
        )
    return bucket


def _signed_in(socket) -> bool:
    return bool(socket.signed_in and not socket.closing)


async def _run(socket, ref, call, *args, **kwargs):
    """Run a service in a thread; a refusal is answered with an error frame and None."""
    try:
        return await database_sync_to_async(call)(*args, **kwargs), True
    except Muted as error:
        await socket.error("muted", str(error), ref)
    except PermissionDenied as error:
        # Rooms and messages the user may not read are refused without a reason, like those
        # that do not exist; the services' own refusals say why.
        reason = str(error) or _("You cannot do this in this conversation.")
        await socket.error("forbidden", reason, ref)
    except ObjectDoesNotExist:
        # Deleted meanwhile (a space, a message): as for anything one may not read.
        await socket.error("forbidden", _("You cannot do this in this conversation."), ref)
    except UNAVAILABLE:
        logger.exception("A chat operation could not be done")
        await socket.error("unavailable", _("The service is busy: try again in a moment."), ref)
    except ValidationError as error:
        code = getattr(error, "code", None) or "invalid"
        if hasattr(error, "error_dict"):
            code = next(iter(error.error_dict.values()))[0].code or "invalid"
        await socket.error(code, services.refusal_text(error), ref)
    return None, False


def _room(user, room_id):
    # A socket lives long: decide on the rights as they are now, not as first cached.
    forget_memberships(user)
    room = selectors.room_or_none(room_id)
    if not can_read_room(user, room):
        raise PermissionDenied
    return room


def _message(user, message_id):
    forget_memberships(user)
    message = Message.objects.select_related("room__space__cluster").filter(pk=message_id).first()
    if message is None or not can_read_room(user, message.room):
        raise PermissionDenied
    return message


def _serialise_page(messages) -> list[dict]:
    return [selectors.serialise_message(message) for message in messages]


# --- Operations ----------------------------------------------------------------------------------


async def op_send(socket, frame, ref):
    fields, problem = _fields(frame, {"room": INT, "client_id": STR, "body": STR})
    if problem:
        return await socket.error("bad_request", problem, ref)
    if not _signed_in(socket):
        return await socket.error("forbidden", _("Please sign in first."), ref)
    if not _send_bucket(socket.user.pk).take():
        return await socket.error(
            "rate_limited", _("You are sending messages too fast: wait a moment."), ref
        )

    def send(user, room_id, client_id, body):
        room = _room(user, room_id)
        sent = services.message_send(by=user, room=room, client_id=client_id, body=body)
        return sent.message.pk, sent.message.seq, not sent.created

    result, ok = await _run(
        socket, ref, send, socket.user, fields["room"], fields["client_id"], fields["body"]
    )
    if ok:
        message_id, seq, duplicate = result
        await socket.send_json(
            {
                "type": "ack",
                "ref": ref,
                "room": fields["room"],
                "client_id": fields["client_id"],
                "id": message_id,
                "seq": seq,
                "duplicate": duplicate,
            }
        )


async def _on_message(socket, frame, ref, required, action):
    fields, problem = _fields(frame, {"message": INT, **required})
    if problem:
        return await socket.error("bad_request", problem, ref)
    if not _signed_in(socket):
        return await socket.error("forbidden", _("Please sign in first."), ref)

    def run(user, fields):
        return action(user, _message(user, fields["message"]), fields)

    _result, ok = await _run(socket, ref, run, socket.user, fields)
    if ok:
        await socket.send_json({"type": "ok", "ref": ref})


async def op_edit(socket, frame, ref):
    await _on_message(
        socket,
        frame,
        ref,
        {"body": STR},
        lambda user, message, f: services.message_edit(by=user, message=message, body=f["body"]),
    )


async def op_delete(socket, frame, ref):
    await _on_message(
        socket,
        frame,
        ref,
        {},
        lambda user, message, f: services.message_delete(by=user, message=message),
    )


async def op_react(socket, frame, ref):
    await _on_message(
        socket,
        frame,
        ref,
        {"emoji": STR, "on": BOOL},
        lambda user, message, f: services.reaction_set(
            by=user, message=message, emoji=f["emoji"], on=f["on"]
        ),
    )


async def op_read(socket, frame, ref):
    fields, problem = _fields(frame, {"room": INT, "seq": INT})
    if problem:
        return await socket.error("bad_request", problem, ref)

    def read(user, room_id, seq):
        return services.room_mark_read(by=user, room=_room(user, room_id), seq=seq)

    result, ok = await _run(socket, ref, read, socket.user, fields["room"], fields["seq"])
    if ok:
        await socket.send_json({"type": "ok", "ref": ref, "read": result})


async def op_typing(socket, frame, ref):
    fields, problem = _fields(frame, {"room": INT})
    if problem:
        return await socket.error("bad_request", problem, ref)
    if f"room:{fields['room']}" not in socket.subscriptions:
        return await socket.error("not_subscribed", _("Follow the room first."), ref)

    def typing(user, room_id):
        # Someone muted by a moderator is not heard typing either.
        check_write_in_room(user, _room(user, room_id))
        presence.typing(room_id, user)

    await _run(socket, ref, typing, socket.user, fields["room"])


async def op_here(socket, frame, ref):
    """An open room page says the member is here (at load and at each heartbeat); presence
    expires `PRESENCE_SECONDS` after the last one. Following a room (for a badge) is not being
    in it."""
    fields, problem = _fields(frame, {"room": INT})
    if problem:
        return await socket.error("bad_request", problem, ref)
    if f"room:{fields['room']}" not in socket.subscriptions:
        return await socket.error("not_subscribed", _("Follow the room first."), ref)

    def here(user, room_id):
        if presence.touch(room_id, user):
            presence.announce(room_id)

    await _run(socket, ref, here, socket.user, fields["room"])


async def send_history(socket, room_id: int, ref, *, after=None, before=None):
    limit = settings.CHAT["PAGE_SIZE"]

    def page(user):
        room = _room(user, room_id)
        messages, more = selectors.history(room, before=before, after=after, limit=limit)
        return _serialise_page(messages), more

    result, ok = await _run(socket, ref, page, socket.user)
    if ok:
        messages, more = result
        await socket.send_json(
            {
                "type": "messages",
                "ref": ref,
                "room": room_id,
                "direction": "after" if after is not None else "before",
                "messages": messages,
                "more": more,
            }
        )


async def op_history(socket, frame, ref):
    fields, problem = _fields(frame, {"room": INT}, {"before": INT, "after": INT})
    if problem:
        return await socket.error("bad_request", problem, ref)
    if "before" in fields and "after" in fields:
        return await socket.error("bad_request", _("Ask for before or after, not both."), ref)
    await send_history(
        socket, fields["room"], ref, after=fields.get("after"), before=fields.get("before")
    )


async def op_changes(socket, frame, ref):
    """Edits, deletions and reactions since a revision, for the messages the client holds."""
    fields, problem = _fields(frame, {"room": INT, "since": INT, "up_to": INT})
    if problem:
        return await socket.error("bad_request", problem, ref)
    limit = settings.CHAT["PAGE_SIZE"] * 4

    def changes(user):
        room = _room(user, fields["room"])
        messages, more = selectors.changes_since(
            room, revision=fields["since"], up_to_seq=fields["up_to"], limit=limit
        )
        return _serialise_page(messages), more

    result, ok = await _run(socket, ref, changes, socket.user)
    if ok:
        messages, more = result
        await socket.send_json(
            {
                "type": "messages",
                "ref": ref,
                "room": fields["room"],
                "direction": "changes",
                "messages": messages,
                "more": more,
            }
        )


def register() -> None:
    for name, handler in {
        "send": op_send,
        "edit": op_edit,
        "delete": op_delete,
        "react": op_react,
        "read": op_read,
        "typing": op_typing,
        "here": op_here,
        "history": op_history,
        "changes": op_changes,
    }.items():
        register_op(name, handler)
