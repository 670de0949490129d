"""The per-tab socket on the full ASGI stack: origin check, session auth, streams, limits.

Services run in a thread (`database_sync_to_async`) and commit; their events reach the sockets
through the in-memory channel layer. Each socket is disconnected by the `open_socket` fixture.
"""

import json

import pytest
from channels.db import database_sync_to_async
from django.conf import settings
from django.contrib.auth import logout
from django.db import transaction
from django.http import HttpRequest
from django.utils.module_loading import import_string
from notifications.models import Notification

from community import services
from community.models import Membership
from community.notifications import notification_send, serialise
from forum import consumers
from tests.factories import MembershipFactory, SpaceFactory
from tests.forum.conftest import TIMEOUT, communicator_for, sign_in

pytestmark = pytest.mark.django_db(transaction=True)

SessionStore = import_string(settings.SESSION_ENGINE + ".SessionStore")


# --- Helpers ----------------------------------------------------------------------------------


async def receive(ws) -> dict:
    return await ws.receive_json_from(timeout=TIMEOUT)


async def request(ws, op: str, ref, **fields) -> dict:
    await ws.send_json_to({"op": op, "ref": ref, **fields})
    return await receive(ws)


async def subscribe(ws, stream: str, ref="sub") -> dict:
    return await request(ws, "subscribe", ref, stream=stream)


async def assert_usable(ws, ref="still-there") -> None:
    assert await request(ws, "ping", ref) == {"type": "pong", "ref": ref, "streams": {}}


async def assert_signed_out(ws) -> None:
    assert await receive(ws) == {"type": "closed", "reason": "signed_out"}
    assert await ws.receive_output(timeout=TIMEOUT) == {"type": "websocket.close", "code": 4001}


async def receive_until(ws, frame_type: str) -> tuple[dict, list[dict]]:
    """The first frame of `frame_type`, and the frames that came before it."""
    before = []
    for _ in range(10):
        frame = await receive(ws)
        if frame["type"] == frame_type:
            return frame, before
        before.append(frame)
    raise AssertionError(f"No {frame_type} frame in {before}")


@database_sync_to_async
def make_member(space, user) -> Membership:
    return MembershipFactory(space=space, user=user)


# --- Connecting -------------------------------------------------------------------------------


@pytest.mark.parametrize("origin", ["http://evil.example", None], ids=["foreign", "missing"])
async def test_a_socket_from_a_foreign_or_missing_origin_is_refused(origin):
    communicator = communicator_for(origin=origin)
    try:
        connected, _ = await communicator.connect(timeout=TIMEOUT)
        assert connected is False
    finally:
        await communicator.disconnect(timeout=TIMEOUT)


async def test_an_anonymous_socket_connects_and_is_greeted_without_a_user(open_socket):
    ws = await open_socket()

    assert ws.hello == {
        "type": "hello",
        "user": None,
        "heartbeat": settings.REALTIME["HEARTBEAT_SECONDS"],
        "max_frame_bytes": settings.REALTIME["MAX_FRAME_BYTES"],
        "max_streams": settings.REALTIME["MAX_STREAMS_PER_SOCKET"],
    }


async def test_a_signed_in_socket_is_greeted_with_its_user(open_socket, member):
    ws = await open_socket(await sign_in(member))

    assert ws.hello["user"] == member.pk


# --- Notifications ----------------------------------------------------------------------------


async def test_an_anonymous_subscription_to_notifications_is_forbidden_and_the_socket_lives_on(
    open_socket,
):
    ws = await open_socket()

    reply = await subscribe(ws, "notifications", ref=7)

    assert reply["type"] == "error"
    assert reply["code"] == "forbidden"
    assert reply["ref"] == 7
    await assert_usable(ws)


async def test_a_signed_in_subscription_to_notifications_carries_the_unread_count(
    open_socket, member, other_member, open_space
):
    await database_sync_to_async(notification_send)(
        recipients=[member], actor=other_member, verb="membership.joined", target=open_space
    )
    await database_sync_to_async(notification_send)(
        recipients=[member], actor=other_member, verb="invitation.received", target=open_space
    )
    ws = await open_socket(await sign_in(member))

    assert await subscribe(ws, "notifications", ref="n1") == {
        "type": "subscribed",
        "stream": "notifications",
        "ref": "n1",
        "state": {"unread": 2},
    }


async def test_an_approved_request_reaches_the_requesters_notifications_and_nobody_elses(
    open_socket, member, other_member, animator, request_space
):
    membership = await database_sync_to_async(services.space_join)(
        space=request_space, user=member, message="Bonjour"
    )
    ws = await open_socket(await sign_in(member))
    other = await open_socket(await sign_in(other_member))
    assert (await subscribe(ws, "notifications"))["state"] == {"unread": 0}
    assert (await subscribe(other, "notifications"))["type"] == "subscribed"

    await database_sync_to_async(services.membership_decide)(
        membership=membership, by=animator, approve=True
    )

    notification = await database_sync_to_async(Notification.objects.get)(recipient=member)
    assert notification.verb == "membership.approved"
    assert await receive(ws) == {
        "type": "event",
        "stream": "notifications",
        "event": "notification.created",
        "data": {"unread": 1, "notification": serialise(notification)},
    }
    assert await other.receive_nothing(timeout=0.3) is True
    assert await ws.receive_nothing(timeout=0.3) is True


async def test_a_notification_rolled_back_with_its_transaction_never_reaches_the_socket(
    open_socket, member, other_member, open_space
):
    ws = await open_socket(await sign_in(member))
    await subscribe(ws, "notifications")

    @database_sync_to_async
    def notify_then_fail():
        with pytest.raises(RuntimeError), transaction.atomic():
            notification_send(
                recipients=[member], actor=other_member, verb="membership.joined", target=open_space
            )
            raise RuntimeError("the request failed after the notification")

    await notify_then_fail()

    assert await ws.receive_nothing(timeout=0.3) is True
    assert not await database_sync_to_async(Notification.objects.exists)()


# --- Malformed frames -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("frame", "code"),
    [
        pytest.param({"text_data": "{not json"}, "bad_json", id="not-json"),
        pytest.param({"text_data": '["ping"]'}, "bad_frame", id="json-array"),
        pytest.param({"bytes_data": b'{"op": "ping"}'}, "bad_frame", id="binary"),
        pytest.param({"text_data": '{"op": "dance"}'}, "unknown_op", id="unknown-op"),
        pytest.param(
            {"text_data": '{"op": "subscribe", "stream": "weather"}'},
            "unknown_stream",
            id="unknown-stream",
        ),
        pytest.param(
            {"text_data": '{"op": "subscribe", "stream": "space:abc"}'},
            "unknown_stream",
            id="space-without-a-number",
        ),
        pytest.param(
            {"text_data": '{"op": "subscribe", "stream": "space:\u00b2"}'},
            "unknown_stream",
            id="space-with-a-unicode-digit",
        ),
        pytest.param(
            {"text_data": '{"op": "subscribe", "stream": "space:007"}'},
            "unknown_stream",
            id="space-with-leading-zeros",
        ),
        pytest.param(
            {"text_data": '{"op": "subscribe", "stream": "notifications:3"}'},
            "unknown_stream",
            id="notifications-with-a-key",
        ),
        pytest.param({"oversized": True}, "frame_too_large", id="oversized"),
    ],
)
async def test_a_bad_frame_gets_an_error_and_the_socket_stays_usable(open_socket, frame, code):
    ws = await open_socket()
    if frame.pop("oversized", False):
        padding = "x" * settings.REALTIME["MAX_FRAME_BYTES"]
        frame = {"text_data": json.dumps({"op": "ping", "padding": padding})}

    await ws.send_to(**frame)
    reply = await receive(ws)

    assert reply["type"] == "error"
    assert reply["code"] == code
    assert reply["message"]
    await assert_usable(ws)


async def test_frames_beyond_the_burst_are_refused_malformed_ones_included(
    open_socket, monkeypatch
):
    class Clock:
        now = 1000.0

        @classmethod
        def monotonic(cls):
            return cls.now

    # The bucket reads this clock only: it starts full (30 frames) and refills when told.
    monkeypatch.setattr(consumers, "time", Clock)
    ws = await open_socket()

    for ref in range(15):
        assert (await request(ws, "ping", ref))["type"] == "pong"
    for _ in range(15):
        await ws.send_to(text_data="{not json")
        assert (await receive(ws))["code"] == "bad_json"
    refused = await request(ws, "ping", "one-too-many")
    Clock.now += 0.1  # One frame's worth at 10 frames a second.
    accepted = await request(ws, "ping", "later")

    assert refused["type"] == "error"
    assert refused["code"] == "rate_limited"
    assert refused["ref"] == "one-too-many"
    assert accepted["type"] == "pong"


# --- Space streams ----------------------------------------------------------------------------


async def test_a_private_space_stream_is_forbidden_to_a_non_member_like_a_missing_space(
    open_socket, member, private_space
):
    ws = await open_socket(await sign_in(member))

    private = await subscribe(ws, f"space:{private_space.pk}", ref="r")
    missing = await subscribe(ws, f"space:{private_space.pk + 1000}", ref="r")

    assert private["type"] == "error"
    assert private["code"] == "forbidden"
    assert private == missing
    await assert_usable(ws)


async def test_a_member_of_a_private_space_subscribes_to_it_with_the_member_count(
    open_socket, member, private_space
):
    await make_member(private_space, member)
    ws = await open_socket(await sign_in(member))

    assert await subscribe(ws, f"space:{private_space.pk}", ref=1) == {
        "type": "subscribed",
        "stream": f"space:{private_space.pk}",
        "ref": 1,
        "state": {"member_count": 2},
    }


async def test_a_removed_member_loses_the_private_space_stream_and_its_events(
    open_socket, member, other_member, animator, private_space
):
    stream = f"space:{private_space.pk}"
    membership = await make_member(private_space, member)
    other_membership = await make_member(private_space, other_member)
    ws = await open_socket(await sign_in(member))
    watcher = await open_socket(await sign_in(animator))
    assert (await subscribe(ws, stream))["state"] == {"member_count": 3}
    assert (await subscribe(watcher, stream))["type"] == "subscribed"

    await database_sync_to_async(services.membership_remove)(membership=membership, by=animator)

    unsubscribed, before = await receive_until(ws, "unsubscribed")
    assert unsubscribed == {
        "type": "unsubscribed",
        "stream": stream,
        "ref": None,
        "reason": "forbidden",
    }
    # The member count published in the same transaction may come first; nothing else may.
    assert all(frame["type"] == "event" and frame["stream"] == stream for frame in before)
    assert (await receive(watcher))["data"] == {"member_count": 2}

    await database_sync_to_async(services.membership_remove)(
        membership=other_membership, by=animator
    )

    assert await receive(watcher) == {
        "type": "event",
        "stream": stream,
        "event": "members.changed",
        "data": {"member_count": 1},
    }
    assert await ws.receive_nothing(timeout=0.3) is True
    assert await request(ws, "ping", "p") == {"type": "pong", "ref": "p", "streams": {}}


async def test_a_public_space_made_private_drops_its_anonymous_subscribers(
    open_socket, animator, open_space
):
    ws = await open_socket()
    assert (await subscribe(ws, f"space:{open_space.pk}"))["type"] == "subscribed"

    await database_sync_to_async(services.space_update)(
        by=animator, space=open_space, visibility="private", join_policy="invitation"
    )

    assert await receive(ws) == {
        "type": "unsubscribed",
        "stream": f"space:{open_space.pk}",
        "ref": None,
        "reason": "forbidden",
    }


# --- Signing out ------------------------------------------------------------------------------


@database_sync_to_async
def log_out(user, session_key: str) -> None:
    """What the sign-out view does: django.contrib.auth.logout on a request with that session."""
    request = HttpRequest()
    request.session = SessionStore(session_key)
    request.user = user
    logout(request)


async def test_logging_out_closes_the_sockets_of_that_session_only(
    open_socket, member, other_member, open_space
):
    session = await sign_in(member)
    ws = await open_socket(session)
    second_tab = await open_socket(session)
    other_browser = await open_socket(await sign_in(member))
    for socket in (ws, second_tab, other_browser):
        await subscribe(socket, "notifications")

    await log_out(member, session)

    await assert_signed_out(ws)
    await assert_signed_out(second_tab)
    assert await other_browser.receive_nothing(timeout=0.3) is True
    await database_sync_to_async(notification_send)(
        recipients=[member], actor=other_member, verb="membership.joined", target=open_space
    )
    assert (await receive(other_browser))["event"] == "notification.created"
    # A closed socket forwards nothing more, even before the browser lets go of it.
    assert await ws.receive_nothing(timeout=0.3) is True
    assert (await request(other_browser, "ping", "p"))["type"] == "pong"


async def test_deactivating_a_user_closes_all_their_sockets(open_socket, member, staff):
    first = await open_socket(await sign_in(member))
    second = await open_socket(await sign_in(member))
    bystander = await open_socket(await sign_in(staff))

    await database_sync_to_async(services.user_deactivate)(user=member, by=staff)

    await assert_signed_out(first)
    await assert_signed_out(second)
    assert await bystander.receive_nothing(timeout=0.3) is True


async def test_a_ping_after_the_session_was_deleted_closes_the_socket(open_socket, member):
    session = await sign_in(member)
    ws = await open_socket(session)
    assert (await request(ws, "ping", 1))["type"] == "pong"

    await database_sync_to_async(SessionStore(session).delete)()
    await ws.send_json_to({"op": "ping", "ref": 2})

    await assert_signed_out(ws)


async def test_a_ping_after_a_password_change_closes_the_socket_of_the_old_session(
    open_socket, member
):
    ws = await open_socket(await sign_in(member))

    @database_sync_to_async
    def change_password():
        member.set_password("a-new-horse-battery")
        member.save()

    await change_password()
    await ws.send_json_to({"op": "ping", "ref": 2})

    await assert_signed_out(ws)


# --- Subscriptions ----------------------------------------------------------------------------


async def test_a_subscription_beyond_the_limit_is_refused(open_socket, member, settings):
    settings.REALTIME = {**settings.REALTIME, "MAX_STREAMS_PER_SOCKET": 2}
    first_space, second_space = await database_sync_to_async(
        lambda: (SpaceFactory(), SpaceFactory())
    )()
    ws = await open_socket(await sign_in(member))
    assert ws.hello["max_streams"] == 2

    assert (await subscribe(ws, "notifications"))["type"] == "subscribed"
    assert (await subscribe(ws, f"space:{first_space.pk}"))["type"] == "subscribed"
    refused = await subscribe(ws, f"space:{second_space.pk}", ref="third")
    again = await subscribe(ws, "notifications", ref="again")

    assert refused["type"] == "error"
    assert refused["code"] == "too_many_streams"
    assert refused["ref"] == "third"
    assert again["type"] == "subscribed"  # Renewing a subscription takes no new slot.


async def test_unsubscribing_twice_says_not_subscribed_the_second_time(
    open_socket, member, other_member, open_space
):
    ws = await open_socket(await sign_in(member))
    await subscribe(ws, "notifications")

    first = await request(ws, "unsubscribe", "u1", stream="notifications")
    second = await request(ws, "unsubscribe", "u2", stream="notifications")

    assert first == {
        "type": "unsubscribed",
        "stream": "notifications",
        "ref": "u1",
        "reason": "requested",
    }
    assert second["type"] == "error"
    assert second["code"] == "not_subscribed"
    assert second["ref"] == "u2"
    await database_sync_to_async(notification_send)(
        recipients=[member], actor=other_member, verb="membership.joined", target=open_space
    )
    assert await ws.receive_nothing(timeout=0.3) is True


async def test_a_pong_carries_the_state_of_every_subscribed_stream(
    open_socket, member, other_member, open_space
):
    ws = await open_socket(await sign_in(member))
    await subscribe(ws, "notifications")
    await subscribe(ws, f"space:{open_space.pk}")
    await database_sync_to_async(notification_send)(
        recipients=[member], actor=other_member, verb="membership.joined", target=open_space
    )
    assert (await receive(ws))["event"] == "notification.created"

    assert await request(ws, "ping", "hb") == {
        "type": "pong",
        "ref": "hb",
        "streams": {"notifications": {"unread": 1}, f"space:{open_space.pk}": {"member_count": 1}},
    }


async def test_a_socket_that_never_pings_still_closes_when_its_session_ends(
    open_socket, member, settings
):
    settings.REALTIME = {**settings.REALTIME, "SESSION_CHECK_SECONDS": 0.2}
    session = await sign_in(member)
    ws = await open_socket(session)

    await database_sync_to_async(SessionStore(session).delete)()

    # No frame is sent by the client: the server's own check closes the socket.
    await assert_signed_out(ws)


async def test_subscribing_with_an_ended_session_closes_the_socket(open_socket, member):
    session = await sign_in(member)
    ws = await open_socket(session)
    await database_sync_to_async(SessionStore(session).delete)()

    await ws.send_json_to({"op": "subscribe", "stream": "notifications", "ref": 1})

    await assert_signed_out(ws)


async def test_a_password_change_closes_the_sockets_of_the_other_sessions(open_socket, member):
    stolen = await open_socket(await sign_in(member))

    @database_sync_to_async
    def change_password():
        from allauth.account.signals import password_changed

        member.set_password("a-new-Passphrase-77")
        member.save(update_fields=["password"])
        password_changed.send(sender=type(member), request=None, user=member)

    await change_password()

    await assert_signed_out(stolen)


async def test_deactivating_an_account_from_an_admin_closes_its_sockets(open_socket, member):
    ws = await open_socket(await sign_in(member))

    @database_sync_to_async
    def deactivate_in_admin():
        member.is_active = False
        member.save()

    await deactivate_in_admin()

    await assert_signed_out(ws)


async def test_a_staff_member_who_loses_staff_status_drops_private_streams_at_once(
    open_socket, staff, private_space
):
    ws = await open_socket(await sign_in(staff))
    stream = f"space:{private_space.pk}"
    assert (await subscribe(ws, stream))["type"] == "subscribed"

    @database_sync_to_async
    def demote():
        staff.is_staff = False
        staff.is_superuser = False
        staff.save()

    await demote()

    assert await receive(ws) == {
        "type": "unsubscribed",
        "stream": stream,
        "ref": None,
        "reason": "forbidden",
    }
