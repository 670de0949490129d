"""Chat fixtures: a space room with two members, a direct room, a group, and plain helpers.

The helpers (`send`, `join`, `fresh`) are imported by name from the test modules.
"""

import pytest

from community.models import Membership
from forum.chat import protocol, services
from forum.chat.models import Room
from tests.factories import MembershipFactory, UserFactory


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
