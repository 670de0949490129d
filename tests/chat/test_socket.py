"""The chat on the per-tab socket, full ASGI stack and in-memory channel layer: sending,
catching up, heartbeats, who may follow a room and who stops hearing it, typing, presence and
the limits."""

import pytest
from django.conf import settings
from django.contrib.auth import logout
from django.http import HttpRequest
from django.utils.module_loading import import_string

from community import services as community
from community.models import Membership
from forum import consumers
from forum.chat import services
from forum.chat.models import Message, Reaction
from tests.chat.conftest import (
    assert_signed_out,
    assert_silent,
    assert_usable,
    in_thread,
    receive,
    receive_both,
    receive_until,
    request,
    send,
    subscribe,
)
from tests.forum.conftest import TIMEOUT, communicator_for, sign_in

pytestmark = pytest.mark.django_db(transaction=True)

SessionStore = import_string(settings.SESSION_ENGINE + ".SessionStore")


async def socket_in(open_socket, user, room=None):
    """A signed-in socket of `user`, following `room` when one is given."""
    ws = await open_socket(await sign_in(user))
    if room is not None:
        reply = await subscribe(ws, room.stream)
        assert reply["type"] == "subscribed", reply
    return ws


def send_frame(room, client_id="c-1", body="Salut !", ref="s1") -> dict:
    return {"op": "send", "ref": ref, "room": room.pk, "client_id": client_id, "body": body}


@in_thread
def message_count() -> int:
    return Message.objects.count()


@in_thread
def log_out(user, session_key: str) -> None:
    """What the sign-out view does: django.contrib.auth.logout on a request with that session."""
    request = HttpRequest()
    request.session = SessionStore(session_key)
    request.user = user
    logout(request)


# --- Sending -------------------------------------------------------------------------------------


async def test_a_message_sent_on_the_socket_is_acked_and_reaches_both_members_sender_included(
    open_socket, space_room, member, other_member
):
    ws = await socket_in(open_socket, member, space_room)
    other = await socket_in(open_socket, other_member, space_room)

    await ws.send_json_to(send_frame(space_room, client_id="tab:1", body="Salut **toi**"))
    frames = await receive_both(ws)
    seen_by_other = await receive(other)

    message = await in_thread(Message.objects.select_related("sender").get)()
    assert frames["ack"] == {
        "type": "ack",
        "ref": "s1",
        "room": space_room.pk,
        "client_id": "tab:1",
        "id": message.pk,
        "seq": 1,
        "duplicate": False,
    }
    event = frames["event"]
    assert event == seen_by_other
    assert (event["stream"], event["event"]) == (f"room:{space_room.pk}", "message")
    data = event["data"]
    assert (data["id"], data["seq"], data["client_id"], data["room"]) == (
        message.pk,
        1,
        "tab:1",
        space_room.pk,
    )
    assert data["sender"]["id"] == member.pk
    assert data["html"] == message.html
    assert "<strong>toi</strong>" in data["html"]
    assert (message.sender, message.body) == (member, "Salut **toi**")


async def test_a_retried_send_with_the_same_client_id_stores_one_message_and_says_duplicate(
    open_socket, space_room, member, other_member
):
    ws = await socket_in(open_socket, member)
    other = await socket_in(open_socket, other_member, space_room)

    first = await request(ws, "send", "a", room=space_room.pk, client_id="x-1", body="Une fois")
    again = await request(ws, "send", "b", room=space_room.pk, client_id="x-1", body="Une fois")

    assert first["duplicate"] is False
    assert again["type"] == "ack"
    assert again["duplicate"] is True
    assert (again["id"], again["seq"], again["ref"]) == (first["id"], first["seq"], "b")
    assert await message_count() == 1
    assert (await receive(other))["data"]["id"] == first["id"]
    await assert_silent(other)


async def test_a_client_id_reused_for_another_body_is_refused_on_the_socket(
    open_socket, space_room, member
):
    ws = await socket_in(open_socket, member)
    await request(ws, "send", "a", room=space_room.pk, client_id="x-1", body="Une fois")

    reply = await request(ws, "send", "b", room=space_room.pk, client_id="x-1", body="Autre")

    assert (reply["type"], reply["code"], reply["ref"]) == ("error", "client_id_reused", "b")
    assert reply["message"]
    assert await message_count() == 1


async def test_a_reaction_on_the_socket_reaches_the_other_member_as_a_change(
    open_socket, space_room, member, other_member
):
    message = (await in_thread(send)(member, space_room, "Bonne nouvelle")).message
    ws = await socket_in(open_socket, member, space_room)
    other = await socket_in(open_socket, other_member, space_room)

    await other.send_json_to(
        {"op": "react", "ref": "r", "message": message.pk, "emoji": "tada", "on": True}
    )
    frames = await receive_both(other)
    changed = await receive(ws)

    assert frames["ok"] == {"type": "ok", "ref": "r"}
    assert frames["event"] == changed
    assert changed["event"] == "message.changed"
    assert changed["data"]["reactions"] == {"tada": [other_member.pk]}
    assert changed["data"]["revision"] == 2
    assert await in_thread(Reaction.objects.count)() == 1


# --- Catching up and heartbeats ------------------------------------------------------------------


async def test_subscribing_with_after_returns_the_messages_missed_since(
    open_socket, space_room, member, other_member
):
    for body in ("Un", "Deux", "Trois"):
        await in_thread(send)(other_member, space_room, body)
    ws = await open_socket(await sign_in(member))

    subscribed = await subscribe(ws, space_room.stream, ref="s", after=1)
    missed = await receive(ws)

    assert subscribed["type"] == "subscribed"
    assert (subscribed["state"]["seq"], subscribed["state"]["revision"]) == (3, 3)
    assert subscribed["state"]["read"] == 0
    assert missed["type"] == "messages"
    assert (missed["ref"], missed["room"], missed["direction"], missed["more"]) == (
        "s",
        space_room.pk,
        "after",
        False,
    )
    assert [m["seq"] for m in missed["messages"]] == [2, 3]
    assert [m["sender"]["id"] for m in missed["messages"]] == [other_member.pk] * 2


async def test_a_pong_carries_the_rooms_last_number_and_revision(
    open_socket, space_room, member, other_member
):
    ws = await socket_in(open_socket, member, space_room)
    await ws.send_json_to({"op": "here", "room": space_room.pk})
    first = (await in_thread(send)(other_member, space_room, "Un")).message
    await in_thread(send)(other_member, space_room, "Deux")
    await in_thread(services.message_edit)(by=other_member, message=first, body="Un, corrigé")
    for _ in range(3):
        assert (await receive(ws))["type"] == "event"

    pong = await request(ws, "ping", "p")

    state = pong["streams"][f"room:{space_room.pk}"]
    assert (state["seq"], state["revision"], state["read"]) == (2, 3, 0)
    assert {"id": member.pk, "name": "Claire Martin"} in state["present"]


# --- Who may follow a room -----------------------------------------------------------------------


async def test_following_a_room_one_may_not_read_is_refused_like_a_room_that_does_not_exist(
    open_socket, space_room, private_room, outsider, member, other_member, third_member
):
    theirs = await in_thread(services.room_start_direct)(by=other_member, other=third_member)
    missing = await subscribe(await socket_in(open_socket, outsider), "room:999999", ref="r")

    for user, room in (
        (outsider, space_room),  # a public space's room, but not a member
        (outsider, private_room),
        (member, private_room),
        (member, theirs),  # another pair's direct conversation
    ):
        ws = await socket_in(open_socket, user)
        reply = await subscribe(ws, room.stream, ref="r")
        assert reply == missing, (user, room)
        await assert_usable(ws)
    assert missing["type"] == "error"
    assert missing["code"] == "forbidden"


async def test_a_member_removed_from_the_space_stops_hearing_its_room_at_once(
    open_socket, space_room, member, other_member, animator
):
    ws = await socket_in(open_socket, member, space_room)
    other = await socket_in(open_socket, other_member, space_room)
    membership = await in_thread(Membership.objects.get)(space=space_room.space, user=member)

    await in_thread(community.membership_remove)(membership=membership, by=animator)

    unsubscribed, before = await receive_until(ws, "unsubscribed")
    assert unsubscribed == {
        "type": "unsubscribed",
        "stream": space_room.stream,
        "ref": None,
        "reason": "forbidden",
    }
    assert all(frame["type"] == "event" for frame in before)
    await in_thread(send)(other_member, space_room, "Après le départ")
    assert (await receive(other))["event"] == "message"
    await assert_silent(ws)
    refused = await request(ws, "send", "s", room=space_room.pk, client_id="late", body="Coucou")
    assert (refused["type"], refused["code"]) == ("error", "forbidden")
    assert await message_count() == 1


async def test_a_member_who_leaves_a_group_stops_hearing_it(
    open_socket, group_room, member, other_member
):
    ws = await socket_in(open_socket, other_member, group_room)
    watcher = await socket_in(open_socket, member, group_room)

    await in_thread(services.room_leave)(by=other_member, room=group_room)

    unsubscribed, _before = await receive_until(ws, "unsubscribed")
    assert (unsubscribed["stream"], unsubscribed["reason"]) == (group_room.stream, "forbidden")
    await in_thread(send)(member, group_room, "Tu nous manques")
    assert (await receive_until(watcher, "event"))[0]["event"] in {"room.changed", "message"}
    await assert_silent(ws)


async def test_logging_out_closes_the_socket_and_nothing_more_reaches_it(
    open_socket, space_room, member, other_member
):
    session = await sign_in(member)
    ws = await open_socket(session)
    assert (await subscribe(ws, space_room.stream))["type"] == "subscribed"
    other = await socket_in(open_socket, other_member, space_room)

    await log_out(member, session)

    await assert_signed_out(ws)
    await in_thread(send)(other_member, space_room, "Encore là ?")
    assert (await receive(other))["event"] == "message"
    await assert_silent(ws)


async def test_deactivating_a_member_closes_their_chat_socket(
    open_socket, space_room, member, staff
):
    ws = await socket_in(open_socket, member, space_room)

    await in_thread(community.user_deactivate)(user=member, by=staff)

    await assert_signed_out(ws)


async def test_events_never_reach_a_socket_that_does_not_follow_the_room(
    open_socket, space_room, member, other_member
):
    idle = await socket_in(open_socket, member)
    other = await socket_in(open_socket, other_member, space_room)

    await in_thread(send)(other_member, space_room, "Personne ne m'entend ?")

    assert (await receive(other))["event"] == "message"
    await assert_silent(idle)


# --- Typing and presence -------------------------------------------------------------------------


async def test_typing_needs_a_subscription(
    open_socket, space_room, member, other_member, without_presence
):
    ws = await socket_in(open_socket, member)
    other = await socket_in(open_socket, other_member, space_room)

    reply = await request(ws, "typing", "t", room=space_room.pk)

    assert (reply["type"], reply["code"], reply["ref"]) == ("error", "not_subscribed", "t")
    await assert_silent(other)


async def test_typing_reaches_the_other_members_of_the_room(
    open_socket, space_room, member, other_member
):
    ws = await socket_in(open_socket, member, space_room)
    other = await socket_in(open_socket, other_member, space_room)

    await ws.send_json_to({"op": "typing", "room": space_room.pk})
    typing = await receive(other)

    assert typing == {
        "type": "event",
        "stream": space_room.stream,
        "event": "typing",
        "data": {
            "room": space_room.pk,
            "user": {"id": member.pk, "name": "Claire Martin"},
            "seconds": settings.CHAT["TYPING_SECONDS"],
        },
    }


async def test_a_member_who_says_here_is_announced_to_those_already_in_the_room(
    open_socket, space_room, member, other_member
):
    ws = await socket_in(open_socket, member, space_room)
    other = await socket_in(open_socket, other_member, space_room)
    await other.send_json_to({"op": "here", "room": space_room.pk})

    announced = await receive(ws, ignore=())
    assert announced["event"] == "presence"
    assert announced["data"] == {
        "room": space_room.pk,
        "present": [{"id": other_member.pk, "name": "Yasmine Benali"}],
        "present_count": 1,
    }


async def test_arrivals_close_together_are_announced_once_and_the_heartbeat_tells_the_rest(
    open_socket, space_room, member, other_member
):
    """Hundreds arriving at once in a seminar room must not each send the list to everyone."""
    ws = await socket_in(open_socket, member, space_room)
    await ws.send_json_to({"op": "here", "room": space_room.pk})
    first = await receive(ws, ignore=())
    assert first["data"]["present_count"] == 1

    other = await socket_in(open_socket, other_member, space_room)
    await other.send_json_to({"op": "here", "room": space_room.pk})
    assert await ws.receive_nothing(timeout=0.5)

    state = (await request(ws, "ping", "p"))["streams"][space_room.stream]
    assert state["present_count"] == 2
    # By name: Claire Martin, then Yasmine Benali.
    assert [person["id"] for person in state["present"]] == [member.pk, other_member.pk]


async def test_following_a_room_without_saying_here_does_not_show_the_member_present(
    open_socket, space_room, member, other_member
):
    """The navigation's badge follows rooms; only an open room page makes its member present."""
    ws = await socket_in(open_socket, member, space_room)
    await socket_in(open_socket, other_member, space_room)

    assert await ws.receive_nothing(timeout=0.3)
    pong = await request(ws, "ping", "p")
    assert pong["streams"][space_room.stream]["present"] == []


async def test_here_needs_the_room_followed(open_socket, space_room, member):
    ws = await socket_in(open_socket, member)
    reply = await request(ws, "here", "h", room=space_room.pk)
    assert reply["type"] == "error"
    assert reply["code"] == "not_subscribed"


# --- Limits --------------------------------------------------------------------------------------


async def test_sends_beyond_the_burst_are_rate_limited_and_the_socket_and_the_room_go_on(
    open_socket, space_room, member, other_member, monkeypatch
):
    class Clock:
        now = 1000.0

        @classmethod
        def monotonic(cls):
            return cls.now

    # The token buckets read this clock only: nothing refills while the test runs.
    monkeypatch.setattr(consumers, "time", Clock)
    ws = await socket_in(open_socket, member)
    other = await socket_in(open_socket, other_member)
    burst = settings.CHAT["SEND_BURST"]

    for index in range(burst):
        ack = await request(ws, "send", index, room=space_room.pk, client_id=f"b{index}", body="x")
        assert ack["type"] == "ack", ack
    refused = await request(ws, "send", "over", room=space_room.pk, client_id="over", body="x")

    assert (refused["type"], refused["code"], refused["ref"]) == ("error", "rate_limited", "over")
    assert await message_count() == burst
    await assert_usable(ws)
    other_ack = await request(other, "send", "o", room=space_room.pk, client_id="o1", body="Moi")
    assert other_ack["type"] == "ack"
    assert other_ack["seq"] == burst + 1


async def test_a_socket_beyond_the_members_limit_is_refused_and_closed(
    open_socket, member, settings
):
    settings.REALTIME = {**settings.REALTIME, "MAX_SOCKETS_PER_MEMBER": 2}
    session = await sign_in(member)
    first = await open_socket(session)
    second = await open_socket(session)

    extra = communicator_for(session)
    try:
        connected, _ = await extra.connect(timeout=TIMEOUT)
        refused = await extra.receive_json_from(timeout=TIMEOUT)
        closed = await extra.receive_output(timeout=TIMEOUT)
    finally:
        await extra.disconnect(timeout=TIMEOUT)

    assert connected is True
    assert (refused["type"], refused["code"]) == ("error", "too_many_sockets")
    assert closed == {"type": "websocket.close", "code": 4029}
    await assert_usable(first)
    await assert_usable(second)


async def test_a_removed_member_no_longer_reads_the_rooms_history_on_a_socket_that_follows_nothing(
    open_socket, space_room, member, other_member, animator
):
    await in_thread(send)(other_member, space_room, "Avant")
    ws = await socket_in(open_socket, member)
    before = await request(ws, "history", "h1", room=space_room.pk)
    assert [m["seq"] for m in before["messages"]] == [1]
    membership = await in_thread(Membership.objects.get)(space=space_room.space, user=member)

    await in_thread(community.membership_remove)(membership=membership, by=animator)
    await in_thread(send)(other_member, space_room, "Après le départ, entre nous")

    history = await request(ws, "history", "h2", room=space_room.pk)
    changes = await request(ws, "changes", "h3", room=space_room.pk, since=0, up_to=5)
    assert (history["type"], history.get("code")) == ("error", "forbidden")
    assert (changes["type"], changes.get("code")) == ("error", "forbidden")


async def test_a_member_who_left_a_group_no_longer_reads_its_history_on_another_tab(
    open_socket, group_room, member, other_member
):
    ws = await socket_in(open_socket, other_member)
    assert (await request(ws, "history", "h1", room=group_room.pk))["type"] == "messages"

    await in_thread(services.room_leave)(by=other_member, room=group_room)
    await in_thread(send)(member, group_room, "Maintenant qu'elle est partie…")

    history = await request(ws, "history", "h2", room=group_room.pk)
    assert (history["type"], history.get("code")) == ("error", "forbidden")
