"""Whatever a client sends, a bad frame gets an error for that client only, stores nothing,
reaches nobody else, and leaves the socket usable."""

import json

import pytest
from django.conf import settings

from forum.chat.models import Message, Reaction, Room
from tests.chat.conftest import (
    assert_silent,
    assert_usable,
    in_thread,
    receive,
    request,
    send,
    subscribe,
)
from tests.forum.conftest import TIMEOUT, sign_in

pytestmark = pytest.mark.django_db(transaction=True)


def frame(**fields):
    """A text frame holding this JSON object; `ROOM` and `MESSAGE` stand for real ids."""

    def build(room_id, message_id):
        ids = {"ROOM": room_id, "MESSAGE": message_id, "room:ROOM": f"room:{room_id}"}
        return {
            "text_data": json.dumps(
                {k: ids.get(v, v) if isinstance(v, str) else v for k, v in fields.items()}
            )
        }

    return build


def raw(**kwargs):
    return lambda room_id, message_id: kwargs


def oversized(room_id, message_id):
    padding = "x" * settings.REALTIME["MAX_FRAME_BYTES"]
    body = {"op": "send", "room": room_id, "client_id": "big", "body": padding}
    return {"text_data": json.dumps(body)}


SEND = {"op": "send", "ref": "bad", "room": "ROOM", "client_id": "c-1", "body": "Salut"}


def send_with(**changes):
    fields = {**SEND, **changes}
    return frame(**{k: v for k, v in fields.items() if v is not ...})


BAD_FRAMES = [
    pytest.param(raw(text_data="{not json"), "bad_json", None, id="not-json"),
    pytest.param(raw(text_data="[1, 2]"), "bad_frame", None, id="json-array"),
    pytest.param(raw(text_data='"send"'), "bad_frame", None, id="json-string"),
    pytest.param(raw(bytes_data=json.dumps(SEND).encode()), "bad_frame", None, id="binary"),
    pytest.param(frame(op="shout", ref="bad"), "unknown_op", "bad", id="unknown-op"),
    pytest.param(frame(ref="bad", room="ROOM"), "unknown_op", "bad", id="no-op"),
    pytest.param(frame(op=["send"], ref="bad"), "unknown_op", "bad", id="op-as-list"),
    pytest.param(send_with(body=...), "bad_request", "bad", id="missing-body"),
    pytest.param(send_with(client_id=...), "bad_request", "bad", id="missing-client-id"),
    pytest.param(send_with(room=...), "bad_request", "bad", id="missing-room"),
    pytest.param(send_with(room="1"), "bad_request", "bad", id="room-as-string"),
    pytest.param(send_with(room=True), "bad_request", "bad", id="room-as-boolean"),
    pytest.param(send_with(room=1.0), "bad_request", "bad", id="room-as-float"),
    pytest.param(send_with(room=-1), "bad_request", "bad", id="negative-room"),
    pytest.param(send_with(room=None), "bad_request", "bad", id="room-null"),
    pytest.param(send_with(body=42), "bad_request", "bad", id="body-as-number"),
    pytest.param(send_with(body=["Salut"]), "bad_request", "bad", id="body-as-list"),
    pytest.param(send_with(client_id=7), "bad_request", "bad", id="client-id-as-number"),
    pytest.param(send_with(sender=1), "bad_request", "bad", id="extra-sender-field"),
    pytest.param(send_with(seq=1), "bad_request", "bad", id="extra-seq-field"),
    pytest.param(send_with(body="x" * 4001), "too_long", "bad", id="body-4001-chars"),
    pytest.param(send_with(body="   "), "empty", "bad", id="blank-body"),
    pytest.param(send_with(body="a\u0000b"), "bad_text", "bad", id="nul-in-body"),
    pytest.param(send_with(body="a\ud800b"), "bad_text", "bad", id="lone-surrogate-in-body"),
    pytest.param(send_with(client_id="a b"), "bad_client_id", "bad", id="bad-client-id"),
    pytest.param(send_with(client_id="x" * 65), "bad_client_id", "bad", id="long-client-id"),
    pytest.param(send_with(room=999999), "forbidden", "bad", id="missing-room-id"),
    pytest.param(oversized, "frame_too_large", None, id="oversized-frame"),
    pytest.param(
        frame(op="react", ref="bad", message="MESSAGE", emoji="heart", on=1),
        "bad_request",
        "bad",
        id="on-as-int",
    ),
    pytest.param(
        frame(op="react", ref="bad", message="MESSAGE", emoji="poop", on=True),
        "bad_reaction",
        "bad",
        id="unknown-emoji",
    ),
    pytest.param(
        frame(op="react", ref="bad", message=True, emoji="heart", on=True),
        "bad_request",
        "bad",
        id="message-as-boolean",
    ),
    pytest.param(
        frame(op="read", ref="bad", room="ROOM", seq="3"),
        "bad_request",
        "bad",
        id="read-seq-as-string",
    ),
    pytest.param(
        frame(
            type="stream.event",
            stream="room:ROOM",
            event="message",
            data={"id": 1, "html": "<script>alert(1)</script>"},
            ref="bad",
        ),
        "bad_frame",
        "bad",
        id="type-stream-event",
    ),
    pytest.param(
        frame(type="websocket.send", text="forged", ref="bad"),
        "bad_frame",
        "bad",
        id="type-websocket-send",
    ),
    pytest.param(
        frame(type="access.changed", op="ping", ref="bad"),
        "bad_frame",
        "bad",
        id="type-access-changed",
    ),
    pytest.param(
        frame(op="send", type="stream.event", room="ROOM", client_id="t", body="x", ref="bad"),
        "bad_frame",
        "bad",
        id="send-with-a-type",
    ),
]


@in_thread
def stored() -> tuple:
    room = Room.objects.get()
    return (
        list(Message.objects.values_list("pk", "body", "revision")),
        Reaction.objects.count(),
        room.last_seq,
        room.revision,
    )


@pytest.mark.parametrize(("make_frame", "code", "ref"), BAD_FRAMES)
async def test_a_bad_frame_is_answered_to_its_sender_only_and_changes_nothing(
    open_socket, space_room, member, other_member, without_presence, make_frame, code, ref
):
    message = (await in_thread(send)(other_member, space_room, "Déjà là")).message
    ws = await open_socket(await sign_in(member))
    other = await open_socket(await sign_in(other_member))
    for socket in (ws, other):
        assert (await subscribe(socket, space_room.stream))["type"] == "subscribed"
    before = await stored()

    await ws.send_to(**make_frame(space_room.pk, message.pk))
    reply = await receive(ws)

    assert reply["type"] == "error", reply
    assert reply["code"] == code
    assert reply["ref"] == ref
    assert reply["message"]
    assert await stored() == before
    await assert_silent(other)
    await assert_usable(ws)
    # And the same socket still sends a real message.
    ack = await receive_ack(ws, space_room)
    assert ack["seq"] == 2


async def receive_ack(ws, room) -> dict:
    await ws.send_json_to(
        {"op": "send", "ref": "ok", "room": room.pk, "client_id": "good-1", "body": "Ça va"}
    )
    for _ in range(3):
        reply = await receive(ws)
        if reply["type"] == "ack":
            return reply
    raise AssertionError("no ack")


async def test_a_subscribe_with_an_unexpected_field_is_refused_and_follows_nothing(
    open_socket, space_room, member
):
    ws = await open_socket(await sign_in(member))
    await ws.send_json_to({"op": "subscribe", "ref": "s", "stream": space_room.stream, "user": 1})
    reply = await ws.receive_json_from(timeout=TIMEOUT)
    assert reply["type"] == "error"
    assert reply["code"] == "bad_request"
    assert reply["ref"] == "s"
    pong = await request(ws, "ping", "p")
    assert pong["streams"] == {}
