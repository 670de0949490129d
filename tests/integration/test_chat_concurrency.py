"""The chat's numbers and revisions under concurrent calls, proven on PostgreSQL.

As in test_concurrency.py, each call runs in its own thread and database connection, all
released together by a barrier; the room's row lock and the constraints must decide.
"""

from collections import Counter

import pytest
from django.db import connection

from community.models import Membership
from forum.chat import services
from forum.chat.models import Message, Reaction, Room
from tests.factories import MembershipFactory, UserFactory
from tests.integration.test_concurrency import race

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]

ROUNDS = 5
CROWD = 20


@pytest.fixture(autouse=True)
def _postgresql_only():
    assert connection.vendor == "postgresql", "run with make test-services (PostgreSQL)"


def members_of(space, count: int) -> list:
    users = [UserFactory() for _ in range(count)]
    for user in users:
        MembershipFactory(space=space, user=user, role=Membership.Role.MEMBER)
    return users


@pytest.fixture
def room(open_space):
    return services.space_room(open_space)


def changes(published, room) -> list[dict]:
    """The `message.changed` events published for `room`, as their serialised messages."""
    return [
        message["data"]
        for group, message in published
        if group == services.room_group(room.pk) and message.get("event") == "message.changed"
    ]


@pytest.mark.parametrize("round_", range(ROUNDS))
def test_twenty_members_sending_at_once_get_numbers_1_to_20_without_gap_or_repeat(
    round_, open_space, room, published
):
    senders = members_of(open_space, CROWD)

    ok, refused = race(
        [
            lambda user=user: services.message_send(
                by=user, room=room, client_id=f"burst-{user.pk}", body=f"Bonjour de {user.pk}"
            )
            for user in senders
        ]
    )

    assert refused == []
    assert all(sent.created for sent in ok)
    assert sorted(sent.message.seq for sent in ok) == list(range(1, CROWD + 1))
    rows = list(Message.objects.filter(room=room).values_list("seq", "sender_id", "revision"))
    assert sorted(seq for seq, _sender, _revision in rows) == list(range(1, CROWD + 1))
    # Each number belongs to the member whose call returned it.
    assert {sent.message.seq: sent.message.sender_id for sent in ok} == {
        seq: sender for seq, sender, _revision in rows
    }
    assert sorted(revision for _seq, _sender, revision in rows) == list(range(1, CROWD + 1))
    stored = Room.objects.get(pk=room.pk)
    assert (stored.last_seq, stored.revision) == (CROWD, CROWD)
    # One `message` event per message, each carrying the number it was stored under.
    events = [
        message["data"]["seq"]
        for group, message in published
        if group == services.room_group(room.pk) and message.get("event") == "message"
    ]
    assert sorted(events) == list(range(1, CROWD + 1))


@pytest.mark.parametrize("round_", range(ROUNDS))
def test_one_send_retried_from_five_threads_at_once_is_stored_once(
    round_, open_space, room, published
):
    (sender,) = members_of(open_space, 1)

    ok, refused = race(
        [
            lambda: services.message_send(
                by=sender, room=room, client_id="tab-3:42", body="Une seule fois, merci"
            )
        ]
        * 5
    )

    assert refused == []
    assert [sent.created for sent in ok].count(True) == 1
    assert {(sent.message.pk, sent.message.seq) for sent in ok} == {
        (Message.objects.get(sender=sender, client_id="tab-3:42").pk, 1)
    }
    assert Message.objects.filter(room=room).count() == 1
    stored = Room.objects.get(pk=room.pk)
    assert (stored.last_seq, stored.revision) == (1, 1)
    assert [message.get("event") for _group, message in published].count("message") == 1


@pytest.mark.parametrize("round_", range(ROUNDS))
def test_concurrent_edits_and_reactions_each_get_their_own_next_revision(
    round_, open_space, room, published
):
    author, *reactors = members_of(open_space, 11)
    message = services.message_send(
        by=author, room=room, client_id="first", body="Version 0"
    ).message
    start = Room.objects.get(pk=room.pk).revision
    published.clear()
    bodies = [f"Version {n}" for n in range(1, 6)]
    calls = [
        lambda body=body: services.message_edit(by=author, message=message, body=body)
        for body in bodies
    ] + [
        lambda user=user: services.reaction_set(by=user, message=message, emoji="heart", on=True)
        for user in reactors
    ]

    ok, refused = race(calls)

    assert refused == []
    assert len(ok) == 15
    # 15 changes: revisions start+1 .. start+15, each once, none lost, none shared.
    revisions = [change["revision"] for change in changes(published, room)]
    assert sorted(revisions) == list(range(start + 1, start + 16))
    stored = Message.objects.get(pk=message.pk)
    assert stored.revision == start + 15
    assert Room.objects.get(pk=room.pk).revision == start + 15
    assert Reaction.objects.filter(message=message, emoji="heart").count() == 10
    # The body kept is the one of the edit that came last, by revision.
    last_edit = max(
        (change for change in changes(published, room) if change["edited"]),
        key=lambda change: change["revision"],
    )
    assert stored.body in bodies
    assert last_edit["html"] == stored.html
    # Each change's event shows every reaction committed before it, and no later one.
    reacted = sorted(
        (change["revision"], len(change["reactions"].get("heart", [])))
        for change in changes(published, room)
    )
    counts = [count for _revision, count in reacted]
    assert counts == sorted(counts) and counts[-1] == 10


@pytest.mark.parametrize("round_", range(ROUNDS))
def test_one_member_reacting_five_times_at_once_makes_one_reaction_and_one_revision(
    round_, open_space, room, published
):
    author, reactor = members_of(open_space, 2)
    message = services.message_send(by=author, room=room, client_id="first", body="Bravo").message
    start = Room.objects.get(pk=room.pk).revision
    published.clear()

    ok, refused = race(
        [lambda: services.reaction_set(by=reactor, message=message, emoji="tada", on=True)] * 5
    )

    assert refused == []
    assert len(ok) == 5
    assert Reaction.objects.filter(message=message, user=reactor).count() == 1
    assert [change["revision"] for change in changes(published, room)] == [start + 1]
    assert Message.objects.get(pk=message.pk).revision == start + 1
    assert Room.objects.get(pk=room.pk).revision == start + 1
    assert Counter(r.emoji for r in Reaction.objects.filter(message=message)) == {"tada": 1}
