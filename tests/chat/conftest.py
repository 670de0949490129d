"""Chat fixtures: a space room with two members, a direct room, a group, and plain helpers.

The helpers (`send`, `join`, `fresh`) are imported by name from the test modules.
"""

import pytest
from channels.db import database_sync_to_async

from community.models import Membership
from forum.chat import protocol, services
from forum.chat.models import Room
from tests.factories import MembershipFactory, UserFactory
from tests.forum.conftest import TIMEOUT, _fresh_channel_layer, open_socket  # noqa: F401


def join(space, user=None, *, role=Membership.Role.MEMBER, state=Membership.State.ACTIVE, name=""):
    """`user` (or a new person called `name`) in `space` with this role and state."""
    if user is None:
        user = UserFactory(**({"profile__display_name": name} if name else {}))
    MembershipFactory(space=space, user=user, role=role, state=state)
    return user


def send(user, room, body="Bonjour à toutes et à tous", client_id=None):
    """A message sent through the service, with a fresh client id unless one is given."""
    send.count += 1
    client_id = client_id or f"test-{send.count}"
    return services.message_send(by=user, room=room, client_id=client_id, body=body)


send.count = 0


def fresh(instance):
    instance.refresh_from_db()
    return instance


@pytest.fixture(autouse=True)
def _empty_send_buckets():
    """The send rate limit is a per-process dict keyed by user id; ids repeat between
    transactional tests on SQLite, so each test starts with every bucket full."""
    protocol._SEND_BUCKETS.clear()
    yield
    protocol._SEND_BUCKETS.clear()


@pytest.fixture
def without_presence(member, other_member):
    """Neither member shares presence, so that silence on their sockets means silence."""
    for user in (member, other_member):
        services.preferences_update(user=user, share_presence=False, share_typing=True)


@pytest.fixture
def outsider(db):
    """Signed in, active, in no space of the fixtures and in no conversation."""
    return UserFactory(profile__display_name="Oscar Outsider")


@pytest.fixture
def space_room(open_space, member, other_member) -> Room:
    """The open space's room, `member` and `other_member` active members of the space."""
    join(open_space, member)
    join(open_space, other_member)
    return Room.objects.select_related("space__cluster").get(space=open_space)


@pytest.fixture
def private_room(private_space) -> Room:
    """The private space's room; nobody of the chat fixtures is a member."""
    return Room.objects.select_related("space__cluster").get(space=private_space)


@pytest.fixture
def direct_room(member, other_member) -> Room:
    return services.room_start_direct(by=member, other=other_member)


@pytest.fixture
def third_member(db):
    return UserFactory(profile__display_name="Thomas Tiers")


@pytest.fixture
def group_room(member, other_member, third_member) -> Room:
    return services.room_create_group(
        by=member, title="Plan d'action 2025", members=[other_member, third_member]
    )


# --- Socket helpers (full ASGI stack, see tests/forum/conftest.py) --------------------------------


async def receive(ws, *, ignore=("presence",)) -> dict:
    """The next frame, skipping the events named in `ignore` (presence comes and goes with
    every subscription and is tested on its own)."""
    while True:
        frame = await ws.receive_json_from(timeout=TIMEOUT)
        if not (frame.get("type") == "event" and frame.get("event") in ignore):
            return frame


async def request(ws, op: str, ref, **fields) -> dict:
    await ws.send_json_to({"op": op, "ref": ref, **fields})
    return await receive(ws)


async def subscribe(ws, stream: str, ref="sub", **fields) -> dict:
    return await request(ws, "subscribe", ref, stream=stream, **fields)


async def assert_usable(ws, ref="still-there") -> None:
    pong = await request(ws, "ping", ref)
    assert pong["type"] == "pong"
    assert pong["ref"] == ref


async def assert_silent(ws) -> None:
    """Nothing at all reaches this socket (presence events included)."""
    assert await ws.receive_nothing(timeout=0.3) is True


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


async def receive_both(ws) -> dict[str, dict]:
    """Two frames whose order is not promised (an `ack` and the `message` event it caused),
    by type."""
    frames = [await receive(ws), await receive(ws)]
    return {frame["type"]: frame for frame in frames}


in_thread = database_sync_to_async
