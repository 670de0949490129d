"""The chat loses nothing and repeats nothing across real processes (make test-services).

Each test starts its own daphne processes (and, for the Redis failure, its own redis-server)
on this worker's PostgreSQL test database, signs members in with real sessions and talks
through real websockets with `tests.support.chat_client.ChatClient`, the reference client:
messages by number, gaps filled from history, an outbox resent with the same client id until
acknowledged. The database is the truth every client must end up holding, exactly once each
and in order. Processes are SIGKILLed by the test that started them, whatever happens.
"""

import asyncio
import random
import uuid

import pytest
import redis
from django.conf import settings
from django.db import connection, connections
from django.test import Client

from community.models import Membership
from community.services.spaces import membership_remove
from forum.chat.models import Message, Room
from forum.chat.services import space_room
from tests.factories import MembershipFactory, UserFactory
from tests.support.chat_client import ChatClient
from tests.support.daphne import RedisServer, daphnes, running

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]

SETTLE_SECONDS = 90  # the most a test waits for its clients to hold everything


@pytest.fixture(autouse=True)
def _services_only():
    assert connection.vendor == "postgresql", "run with make test-services (PostgreSQL)"
    assert settings.REDIS_URL, "run with make test-services (Redis)"


@pytest.fixture
def private_prefix():
    """A channel layer prefix of this test's own on the shared Redis, emptied afterwards."""
    prefix = f"chat-rel-{uuid.uuid4().hex[:10]}"
    yield prefix
    client = redis.Redis.from_url(settings.REDIS_URL)
    keys = list(client.scan_iter(match=f"{prefix}*"))
    if keys:
        client.delete(*keys)
    client.close()


@pytest.fixture
def two_processes(tmp_path, private_prefix):
    """Two daphne processes sharing this test's database and the shared Redis."""
    processes = daphnes(
        2, redis_url=settings.REDIS_URL, channels_prefix=private_prefix, logs=tmp_path
    )
    with running(processes):
        yield processes


def signed_in(space, count: int) -> list[tuple]:
    """`count` new active members of `space`, each with a live session: (user, session key)."""
    people = []
    for _ in range(count):
        user = UserFactory()
        MembershipFactory(space=space, user=user, role=Membership.Role.MEMBER)
        browser = Client()
        browser.force_login(user)
        people.append((user, browser.cookies[settings.SESSION_COOKIE_NAME].value))
    return people


def clients_for(people, room: Room, processes, **options) -> list[ChatClient]:
    """One client per person, spread over the processes in turn; each fails over to the next."""
    urls = [process.ws_url for process in processes]
    return [
        ChatClient(
            urls[index % len(urls) :] + urls[: index % len(urls)],
            session_key=session_key,
            room=room.pk,
            name=f"c{index:02d}",
            **options,
        )
        for index, (_user, session_key) in enumerate(people)
    ]


async def wait_all(clients, predicate, what: str, timeout: float = SETTLE_SECONDS) -> None:
    await asyncio.gather(
        *(client.wait_until(lambda c=client: predicate(c), timeout, what) for client in clients)
    )


async def converse(
    clients, *, rounds: int, seconds: float, disruption=None, at: float = 0.5
) -> dict[str, list[str]]:
    """Every client sends `rounds` messages spread over about `seconds`, then one more once all
    hold everything, which must reach every client live. `disruption` (a coroutine function)
    runs at `at` of the way. Returns the client ids each client sent."""
    for client in clients:
        client.start()
    sent: dict[str, list[str]] = {client.name: [] for client in clients}
    try:
        await wait_all(clients, lambda c: c.subscriptions >= 1, "first subscription", 30)
        pace = random.Random(4)
        gaps = {
            client.name: [pace.uniform(0.5, 1.5) * seconds / rounds for _ in range(rounds)]
            for client in clients
        }

        async def talk(client):
            for number, gap in enumerate(gaps[client.name]):
                await asyncio.sleep(gap)
                sent[client.name].append(client.send(f"{client.name} says {number}"))

        talkers = [asyncio.create_task(talk(client)) for client in clients]
        if disruption is not None:
            await asyncio.sleep(seconds * at)
            await disruption()
        await asyncio.gather(*talkers)
        spread = len(clients) * rounds
        await wait_all(
            clients, lambda c: not c.outbox and c.last == spread, f"all {spread} messages"
        )

        # Live delivery must have resumed (not only catching up through heartbeats): leave the
        # fan-out's refresh (1 s here) time to re-add its groups, then each client speaks once.
        await asyncio.sleep(2.5)
        for client in clients:
            sent[client.name].append(client.send(f"{client.name} is still here"))
        total = spread + len(clients)
        await wait_all(clients, lambda c: not c.outbox and c.last == total, f"all {total}")
        await wait_all(
            clients,
            lambda c: all(c.live[seq] >= 1 for seq in range(spread + 1, total + 1)),
            "the last messages as live events",
            15,
        )
    finally:
        await asyncio.gather(*(client.close() for client in clients))
    return sent


def assert_everyone_holds_the_room(clients, room: Room, sent: dict[str, list[str]]) -> None:
    rows = list(
        Message.objects.filter(room=room).order_by("seq").values_list("seq", "pk", "client_id")
    )
    every_send = [client_id for ids in sent.values() for client_id in ids]
    assert len(set(every_send)) == len(every_send)
    # Each send stored exactly once, under the numbers 1..N without gap or repeat.
    assert [seq for seq, _pk, _cid in rows] == list(range(1, len(every_send) + 1))
    assert sorted(cid for _seq, _pk, cid in rows) == sorted(every_send)
    assert Room.objects.get(pk=room.pk).last_seq == len(every_send)
    by_client_id = {cid: (seq, pk) for seq, pk, cid in rows}
    for client in clients:
        held = [(m["seq"], m["id"], m["client_id"]) for m in client.ordered()]
        assert held == rows, f"{client.name} holds another room than the database"
        assert client.outbox == {} and client.refused == {}, client.name
        for client_id in sent[client.name]:
            ack = client.acks[client_id]
            assert (ack["seq"], ack["id"]) == by_client_id[client_id], client.name


# --- Two processes, one database, one Redis ------------------------------------------------------


def test_clients_on_two_processes_each_receive_every_message_exactly_once_in_order(
    open_space, two_processes
):
    room = space_room(open_space)
    people = signed_in(open_space, 6)
    clients = clients_for(people, room, two_processes)

    sent = asyncio.run(converse(clients, rounds=10, seconds=4))

    assert_everyone_holds_the_room(clients, room, sent)
    for index, client in enumerate(clients):
        # Nothing failed: each message came once as a live event, through either process.
        assert client.connections == 1
        assert client.url == two_processes[index % 2].ws_url
        assert client.live == {seq: 1 for seq in range(1, 67)}, client.name
        assert client.errors == []
        assert [ack["duplicate"] for ack in client.ack_log] == [False] * 11


# --- Failures ------------------------------------------------------------------------------------


def test_redis_killed_and_restarted_empty_loses_and_repeats_no_message(open_space, tmp_path):
    room = space_room(open_space)
    people = signed_in(open_space, 20)
    server = RedisServer(tmp_path / "redis.log")
    server.start()
    try:
        processes = daphnes(2, redis_url=server.url, channels_prefix="chat-rel", logs=tmp_path)
        with running(processes):
            clients = clients_for(people, room, processes)

            async def redis_dies():
                server.kill()
                await asyncio.sleep(2)
                await asyncio.to_thread(server.start)  # the same port, empty

            # 20 x 24 messages over about 14 s, Redis gone at the middle, then 20 more.
            sent = asyncio.run(converse(clients, rounds=24, seconds=14, disruption=redis_dies))
    finally:
        server.kill()

    assert_everyone_holds_the_room(clients, room, sent)
    assert sum(len(ids) for ids in sent.values()) == 500
    assert server.process.returncode is not None


def test_a_daphne_killed_mid_conversation_loses_its_clients_nothing(open_space, two_processes):
    room = space_room(open_space)
    people = signed_in(open_space, 20)
    clients = clients_for(people, room, two_processes)
    doomed, survivor = two_processes

    async def daphne_dies():
        doomed.kill()

    sent = asyncio.run(converse(clients, rounds=24, seconds=14, disruption=daphne_dies))

    assert_everyone_holds_the_room(clients, room, sent)
    assert sum(len(ids) for ids in sent.values()) == 500
    for index, client in enumerate(clients):
        assert client.url == survivor.ws_url, client.name
        if index % 2 == 0:  # began on the process that died, went on with the other
            assert client.urls_used[0] == doomed.ws_url and client.connections >= 2
        else:  # never disturbed
            assert client.connections == 1


# --- Retried sends -------------------------------------------------------------------------------


def test_a_send_retried_with_its_client_id_is_stored_once_even_after_a_reconnect(
    open_space, two_processes
):
    room = space_room(open_space)
    ((user, session_key),) = signed_in(open_space, 1)
    client = ChatClient([p.ws_url for p in two_processes], session_key=session_key, room=room.pk)
    frame = {"op": "send", "room": room.pk, "client_id": "tab-1:msg-1", "body": "Bonjour à toutes"}

    async def retry():
        client.start()
        try:
            await client.wait_until(lambda: client.connected, 30, "connected")
            await client.send_frame({**frame, "ref": "first"})
            await client.send_frame({**frame, "ref": "again"})
            await client.wait_until(lambda: len(client.ack_log) == 2, 10, "two acks")
            await client.drop_connection()  # the network fails; it comes back on the other
            await client.wait_until(
                lambda: client.connections == 2 and client.connected, 30, "reconnected"
            )
            await client.send_frame({**frame, "ref": "after reconnect"})
            # The outbox path too: a send queued with a known id, acknowledged as a duplicate.
            client.send(frame["body"], client_id=frame["client_id"])
            await client.wait_until(lambda: len(client.ack_log) == 4, 10, "four acks")
        finally:
            await client.close()

    asyncio.run(retry())

    stored = Message.objects.get(room=room, sender=user, client_id="tab-1:msg-1")
    assert Message.objects.filter(room=room).count() == 1
    assert client.urls_used == [p.ws_url for p in two_processes]
    acks = client.ack_log
    assert [ack["ref"] for ack in acks[:3]] == ["first", "again", "after reconnect"]
    assert [ack["duplicate"] for ack in acks] == [False, True, True, True]
    assert {(ack["id"], ack["seq"], ack["client_id"]) for ack in acks} == {
        (stored.pk, 1, "tab-1:msg-1")
    }
    assert [m["client_id"] for m in client.ordered()] == ["tab-1:msg-1"]
    assert client.errors == []


def test_the_same_send_from_two_tabs_on_two_processes_at_once_is_stored_once(
    open_space, two_processes
):
    room = space_room(open_space)
    ((user, session_key),) = signed_in(open_space, 1)
    tabs = [
        ChatClient([p.ws_url], session_key=session_key, room=room.pk, name=f"tab{n}")
        for n, p in enumerate(two_processes)
    ]
    frame = {"op": "send", "room": room.pk, "client_id": "shared-id", "body": "Une seule fois"}

    async def both_send():
        for tab in tabs:
            tab.start()
        try:
            await wait_all(tabs, lambda t: t.connected, "connected", 30)
            for attempt in range(5):
                await asyncio.gather(
                    *(t.send_frame({**frame, "client_id": f"shared-{attempt}"}) for t in tabs)
                )
            await wait_all(tabs, lambda t: len(t.ack_log) == 5, "five acks")
            await wait_all(tabs, lambda t: t.last == 5, "five messages")
        finally:
            await asyncio.gather(*(tab.close() for tab in tabs))

    asyncio.run(both_send())

    rows = dict(Message.objects.filter(room=room).values_list("client_id", "seq"))
    assert sorted(rows) == [f"shared-{n}" for n in range(5)]
    assert sorted(rows.values()) == [1, 2, 3, 4, 5]
    for attempt in range(5):
        answers = [
            next(a for a in t.ack_log if a["client_id"] == f"shared-{attempt}") for t in tabs
        ]
        # One tab stored it, the other was told it was already there, with the same number.
        assert sorted(a["duplicate"] for a in answers) == [False, True]
        assert {a["seq"] for a in answers} == {rows[f"shared-{attempt}"]}
    assert Message.objects.filter(sender=user).count() == 5


# --- Forwarding only to readers ------------------------------------------------------------------


def test_a_member_removed_on_one_process_gets_nothing_more_on_the_other(
    open_space, animator, tmp_path
):
    # The test process publishes `access.changed` itself: the daphnes share its channel prefix.
    prefix = settings.CHANNEL_LAYERS["default"]["CONFIG"]["prefix"]
    processes = daphnes(2, redis_url=settings.REDIS_URL, channels_prefix=prefix, logs=tmp_path)
    room = space_room(open_space)
    speaker, removed, witness = signed_in(open_space, 3)
    a, b = processes
    alice = ChatClient([a.ws_url], session_key=speaker[1], room=room.pk, name="alice")
    bob = ChatClient([b.ws_url], session_key=removed[1], room=room.pk, name="bob")
    carol = ChatClient([b.ws_url], session_key=witness[1], room=room.pk, name="carol")
    clients = [alice, bob, carol]
    membership = Membership.objects.get(space=open_space, user=removed[0])

    def remove():
        try:
            membership_remove(membership=membership, by=animator)
        finally:
            connections.close_all()

    async def scenario():
        for client in clients:
            client.start()
        try:
            await wait_all(clients, lambda c: c.connected, "subscribed", 30)
            alice.send("Avant le départ")
            await wait_all(clients, lambda c: c.live[1] == 1, "the first message live")
            await asyncio.to_thread(remove)
            await bob.wait_until(lambda: bob.unsubscribed, 10, "dropped from the room")
            for number in range(3):
                alice.send(f"Après le départ {number}")
            await carol.wait_until(lambda: all(carol.live[s] for s in (2, 3, 4)), 10, "live")
            await asyncio.sleep(2)  # what bob may still receive, he receives within this
            await bob.send_frame({"op": "history", "room": room.pk, "after": 0, "ref": "peek"})
            await bob.send_frame({"op": "subscribe", "stream": bob.stream, "ref": "back"})
            await bob.wait_until(lambda: len(bob.errors) == 2, 10, "two refusals")
        finally:
            await asyncio.gather(*(client.close() for client in clients))

    with running(processes):
        asyncio.run(scenario())

    assert bob.unsubscribed == [
        {"type": "unsubscribed", "stream": bob.stream, "ref": None, "reason": "forbidden"}
    ]
    assert [e["data"]["seq"] for e in bob.events if e["event"] == "message"] == [1]
    assert sorted(bob.messages) == [1]
    assert [(e["ref"], e["code"]) for e in bob.errors] == [
        ("peek", "forbidden"),
        ("back", "forbidden"),
    ]
    assert bob.connections == 1
    assert sorted(carol.messages) == [1, 2, 3, 4]
    assert carol.live == {1: 1, 2: 1, 3: 1, 4: 1}
