"""Topic pages live over the per-tab socket: the `topic:<id>` stream on the full ASGI stack.

Services run in a thread (`database_sync_to_async`) and commit; `publish_after_commit` hands
their events to the in-memory channel layer, which forwards them to the subscribed sockets.
Events carry ids, numbers, counts and the topic's revision, never a text or a name.
"""

import json

import pytest
from channels.db import database_sync_to_async

from community import services as community_services
from community.models import Membership
from forum import services
from forum.models import Topic
from tests.factories import MembershipFactory
from tests.forum.conftest import TIMEOUT, sign_in

pytestmark = pytest.mark.django_db(transaction=True)

QUESTION = "Comment calculer l'index égalité d'une PME de 60 salariés ?"
REPLY = "Commencez par **les écarts de rémunération** par catégorie de postes."


# --- Helpers ----------------------------------------------------------------------------------


async def receive(ws) -> dict:
    return await ws.receive_json_from(timeout=TIMEOUT)


async def request(ws, op: str, ref, **fields) -> dict:
    await ws.send_json_to({"op": op, "ref": ref, **fields})
    return await receive(ws)


async def subscribe(ws, stream: str, ref="sub") -> dict:
    return await request(ws, "subscribe", ref, stream=stream)


async def receive_event(ws, stream: str) -> dict:
    frame = await receive(ws)
    assert frame["type"] == "event", frame
    assert frame["stream"] == stream, frame
    return frame


def sync(function):
    """Run `function(*args, **kwargs)` in a thread with its own connection, as a request would."""
    return database_sync_to_async(function)


@sync
def join(space, *users, role=Membership.Role.MEMBER) -> list[Membership]:
    return [MembershipFactory(space=space, user=user, role=role) for user in users]


@sync
def ask(author, space, title=QUESTION, body="Par où commencer ?") -> Topic:
    return services.topic_create(author=author, space=space, title=title, body=body)


@sync
def revision_of(topic) -> int:
    return Topic.objects.values_list("revision", flat=True).get(pk=topic.pk)


def assert_no_text_nor_name(frame: dict, *texts: str) -> None:
    serialised = json.dumps(frame, ensure_ascii=False)
    for text in texts:
        assert text not in serialised, f"{text!r} leaked into {frame}"


@pytest.fixture
def asker(open_space, member):
    MembershipFactory(space=open_space, user=member)
    return member


@pytest.fixture
def answerer(open_space, other_member):
    MembershipFactory(space=open_space, user=other_member)
    return other_member


# --- What the events say ----------------------------------------------------------------------


async def test_a_reply_reaches_both_members_as_ids_number_and_next_revision_only(
    open_socket, open_space, asker, answerer
):
    topic = await ask(asker, open_space)
    stream = f"topic:{topic.pk}"
    asking = await open_socket(await sign_in(asker))
    answering = await open_socket(await sign_in(answerer))
    for ws in (asking, answering):
        assert await subscribe(ws, stream, ref="t") == {
            "type": "subscribed",
            "stream": stream,
            "ref": "t",
            "state": {"revision": 1},
        }

    reply = await sync(services.post_create)(author=answerer, topic=topic, body=REPLY)

    for ws in (asking, answering):
        frame = await receive(ws)
        assert frame == {
            "type": "event",
            "stream": stream,
            "event": "post.created",
            "data": {"topic": topic.pk, "revision": 2, "post": reply.pk, "number": 2},
        }
        assert_no_text_nor_name(
            frame,
            "écarts",
            QUESTION,
            answerer.profile.display_name,
            answerer.profile.handle,
            answerer.email,
        )
        assert await ws.receive_nothing(timeout=0.2) is True
    assert await revision_of(topic) == 2


async def test_edits_deletes_votes_and_an_accepted_answer_each_publish_the_next_revision(
    open_socket, open_space, asker, answerer
):
    topic = await ask(asker, open_space)
    stream = f"topic:{topic.pk}"
    asking = await open_socket(await sign_in(asker))
    answering = await open_socket(await sign_in(answerer))
    for ws in (asking, answering):
        assert (await subscribe(ws, stream))["state"] == {"revision": 1}
    base = {"topic": topic.pk}

    reply = await sync(services.post_create)(author=answerer, topic=topic, body=REPLY)
    await sync(services.post_edit)(by=answerer, post=reply, body=REPLY + " Puis l'URSSAF.")
    await sync(services.vote_cast)(user=asker, post=reply)
    await sync(services.answer_accept)(by=asker, post=reply)
    second = await sync(services.post_create)(author=asker, topic=topic, body="Merci beaucoup !")
    await sync(services.post_delete)(by=asker, post=second)
    await sync(services.vote_withdraw)(user=asker, post=reply)
    await sync(services.answer_unaccept)(by=asker, topic=topic)

    expected = [
        ("post.created", {"post": reply.pk, "number": 2}),
        ("post.changed", {"post": reply.pk, "number": 2}),
        ("post.voted", {"post": reply.pk, "helpful": 1}),
        ("topic.changed", {"post": reply.pk}),
        ("post.created", {"post": second.pk, "number": 3}),
        # A deletion changes the topic's counts too: the page refetches the whole body.
        ("topic.changed", {"post": second.pk, "number": 3}),
        ("post.voted", {"post": reply.pk, "helpful": 0}),
        ("topic.changed", {}),
    ]
    for ws in (asking, answering):
        frames = [await receive_event(ws, stream) for _ in expected]
        assert [(f["event"], f["data"]) for f in frames] == [
            (event, {**base, "revision": revision, **data})
            for revision, (event, data) in enumerate(expected, start=2)
        ]
        revisions = [frame["data"]["revision"] for frame in frames]
        assert revisions == list(range(2, 2 + len(expected)))  # +1 each, no gap, no repeat
        for frame in frames:
            assert_no_text_nor_name(
                frame, "URSSAF", "Merci", asker.profile.display_name, answerer.profile.display_name
            )
        assert await ws.receive_nothing(timeout=0.2) is True
    assert await revision_of(topic) == 1 + len(expected)
    assert await request(asking, "ping", "p") == {
        "type": "pong",
        "ref": "p",
        "streams": {stream: {"revision": 1 + len(expected)}},
    }


async def test_the_space_stream_hears_of_new_topics_and_replies_by_id_only(
    open_socket, open_space, asker, answerer
):
    ws = await open_socket()  # An anonymous visitor on the public space's forum list.
    space_stream = f"space:{open_space.pk}"
    assert (await subscribe(ws, space_stream))["type"] == "subscribed"

    topic = await ask(asker, open_space)

    assert await receive(ws) == {
        "type": "event",
        "stream": space_stream,
        "event": "topic.activity",
        "data": {"topic": topic.pk},
    }

    assert (await subscribe(ws, f"topic:{topic.pk}"))["state"] == {"revision": 1}
    reply = await sync(services.post_create)(author=answerer, topic=topic, body=REPLY)

    topic_event = await receive(ws)
    space_event = await receive(ws)
    assert topic_event["event"] == "post.created"
    assert topic_event["data"]["post"] == reply.pk
    assert space_event == {
        "type": "event",
        "stream": space_stream,
        "event": "topic.activity",
        "data": {"topic": topic.pk},
    }


async def test_a_refused_reply_publishes_nothing(open_socket, open_space, asker, answerer):
    topic = await ask(asker, open_space)
    ws = await open_socket(await sign_in(asker))
    await subscribe(ws, f"topic:{topic.pk}")

    with pytest.raises(services.ValidationError):
        await sync(services.post_create)(author=answerer, topic=topic, body="   ")

    assert await ws.receive_nothing(timeout=0.3) is True
    assert await revision_of(topic) == 1


# --- Who may follow a topic -------------------------------------------------------------------


async def test_a_topic_of_a_private_space_is_forbidden_to_a_non_member_like_a_missing_topic(
    open_socket, member, animator, private_space
):
    topic = await ask(animator, private_space)
    ws = await open_socket(await sign_in(member))

    private = await subscribe(ws, f"topic:{topic.pk}", ref="r")
    missing = await subscribe(ws, f"topic:{topic.pk + 1000}", ref="r")

    assert private["type"] == "error"
    assert private["code"] == "forbidden"
    assert private["ref"] == "r"
    assert private == missing
    # A later reply reaches nobody outside.
    await sync(services.post_create)(author=animator, topic=topic, body=REPLY)
    assert await ws.receive_nothing(timeout=0.3) is True


async def test_an_anonymous_socket_follows_a_public_topic_but_not_a_members_only_one(
    open_socket, member, animator, open_space, request_space
):
    public = await ask(animator, open_space)
    members_only = await ask(animator, request_space)
    anonymous = await open_socket()
    signed_in = await open_socket(await sign_in(member))

    assert (await subscribe(anonymous, f"topic:{public.pk}"))["state"] == {"revision": 1}
    refused = await subscribe(anonymous, f"topic:{members_only.pk}", ref="m")
    assert refused["type"] == "error"
    assert refused["code"] == "forbidden"
    # A members-only space is readable by any signed-in account, member or not.
    assert (await subscribe(signed_in, f"topic:{members_only.pk}"))["type"] == "subscribed"

    await sync(services.post_create)(author=animator, topic=members_only, body=REPLY)

    assert (await receive(signed_in))["event"] == "post.created"
    assert await anonymous.receive_nothing(timeout=0.3) is True


async def test_a_member_removed_from_a_private_space_loses_its_topic_stream(
    open_socket, member, animator, private_space
):
    (membership,) = await join(private_space, member)
    topic = await ask(animator, private_space)
    stream = f"topic:{topic.pk}"
    ws = await open_socket(await sign_in(member))
    watcher = await open_socket(await sign_in(animator))
    assert (await subscribe(ws, stream))["state"] == {"revision": 1}
    assert (await subscribe(watcher, stream))["type"] == "subscribed"

    # The service sends `access.changed` to the member's sockets (publish_access_changed).
    await sync(community_services.membership_remove)(membership=membership, by=animator)

    assert await receive(ws) == {
        "type": "unsubscribed",
        "stream": stream,
        "ref": None,
        "reason": "forbidden",
    }
    await sync(services.post_create)(author=animator, topic=topic, body=REPLY)
    assert (await receive(watcher))["event"] == "post.created"
    assert await ws.receive_nothing(timeout=0.3) is True
    assert await request(ws, "ping", "p") == {"type": "pong", "ref": "p", "streams": {}}
    again = await subscribe(ws, stream, ref="again")
    assert again["type"] == "error"
    assert again["code"] == "forbidden"


async def test_moving_a_topic_into_a_private_space_drops_the_subscribers_who_cannot_read_it(
    open_socket, member, other_member, animator, open_space, private_space
):
    await join(open_space, member)
    await join(private_space, other_member)
    topic = await ask(member, open_space)
    stream = f"topic:{topic.pk}"
    outsider = await open_socket(await sign_in(member))  # The asker: not in the private space.
    anonymous = await open_socket()
    insider = await open_socket(await sign_in(other_member))
    for ws in (outsider, anonymous, insider):
        assert (await subscribe(ws, stream))["state"] == {"revision": 1}

    # The animator of the cluster moderates both spaces.
    await sync(services.topic_move)(by=animator, topic=topic, to_space=private_space)

    dropped = {"type": "unsubscribed", "stream": stream, "ref": None, "reason": "forbidden"}
    for ws in (outsider, anonymous):
        frame = await receive(ws)
        if frame["type"] == "event":  # The move's own topic.changed may come first.
            assert frame["event"] == "topic.changed"
            assert frame["data"] == {"topic": topic.pk, "revision": 2}
            frame = await receive(ws)
        assert frame == dropped
    moved = await receive(insider)
    assert moved["event"] == "topic.changed"
    assert moved["data"] == {"topic": topic.pk, "revision": 2}
    assert await insider.receive_nothing(timeout=0.3) is True

    await sync(services.post_create)(author=other_member, topic=topic, body=REPLY)

    assert (await receive(insider))["event"] == "post.created"
    for ws in (outsider, anonymous):
        assert await ws.receive_nothing(timeout=0.3) is True


# --- Reconnecting -----------------------------------------------------------------------------


async def test_a_page_that_reconnects_gets_the_latest_revision_as_its_catch_up(
    open_socket, open_space, asker, answerer
):
    topic = await ask(asker, open_space)
    stream = f"topic:{topic.pk}"
    session = await sign_in(asker)
    first = await open_socket(session)
    assert (await subscribe(first, stream))["state"] == {"revision": 1}
    await first.disconnect(timeout=TIMEOUT)

    # Missed while away: two replies and a vote, events nobody replays.
    reply = await sync(services.post_create)(author=answerer, topic=topic, body=REPLY)
    await sync(services.post_create)(author=answerer, topic=topic, body="Et l'index en ligne.")
    await sync(services.vote_cast)(user=asker, post=reply)

    again = await open_socket(session)
    state = await subscribe(again, stream, ref="resub")

    assert state == {
        "type": "subscribed",
        "stream": stream,
        "ref": "resub",
        "state": {"revision": 4},
    }
    assert state["state"]["revision"] == await revision_of(topic)
    assert await again.receive_nothing(timeout=0.2) is True  # No replay: the state is the catch-up.
    await sync(services.post_create)(author=answerer, topic=topic, body="Une de plus.")
    assert (await receive(again))["data"]["revision"] == 5
