"""The supervised conversation on the socket (full ASGI stack): refusals are error frames and
store nothing; no presence or typing reaches anyone in a room with a minor."""

import pytest
from channels.db import database_sync_to_async

from forum.chat.models import Message
from mentorship.services.conversations import conversation_open
from tests.chat.conftest import receive, subscribe
from tests.factories import UserFactory
from tests.forum.conftest import _fresh_channel_layer, open_socket, sign_in  # noqa: F401
from tests.mentorship.factories import (
    GuardianConsentFactory,
    MenteeProfileFactory,
    MentorProfileFactory,
    ProgrammeFactory,
    RelationshipFactory,
)

pytestmark = pytest.mark.django_db(transaction=True)


@database_sync_to_async
def supervised_room(*, consent: bool):
    coordinator = UserFactory(profile__display_name="Corinne Coordinatrice")
    programme = ProgrammeFactory(coordinators=[coordinator])
    mentee = MenteeProfileFactory(minor=True)
    if consent:
        GuardianConsentFactory(mentee=mentee)
    mentor = MentorProfileFactory()
    relationship = RelationshipFactory(programme=programme, mentor=mentor, mentee=mentee)
    return conversation_open(relationship=relationship), mentor.user, mentee.user


@database_sync_to_async
def message_count(room) -> int:
    return Message.objects.filter(room=room).count()


async def test_a_send_on_the_socket_before_consent_is_an_error_frame_and_stores_nothing(
    open_socket,  # noqa: F811 - the fixture imported above
):
    room, mentor, _mentee = await supervised_room(consent=False)
    ws = await open_socket(await sign_in(mentor))
    assert (await subscribe(ws, room.stream))["type"] == "subscribed"

    await ws.send_json_to(
        {"op": "send", "ref": "s1", "room": room.pk, "client_id": "c-1", "body": "Bonjour"}
    )
    frame = await receive(ws)

    assert frame["type"] == "error" and frame["ref"] == "s1"
    assert frame["code"] == "forbidden"
    assert "guardian must consent" in frame["message"]
    assert await message_count(room) == 0


async def test_typing_and_presence_never_reach_the_other_side_in_a_minors_room(
    open_socket,  # noqa: F811 - the fixture imported above
):
    room, mentor, mentee = await supervised_room(consent=True)
    minor_ws = await open_socket(await sign_in(mentee))
    mentor_ws = await open_socket(await sign_in(mentor))
    for ws in (minor_ws, mentor_ws):
        assert (await subscribe(ws, room.stream))["type"] == "subscribed"

    await mentor_ws.send_json_to({"op": "here", "ref": "h1", "room": room.pk})
    await mentor_ws.send_json_to({"op": "typing", "ref": "t1", "room": room.pk})
    await minor_ws.send_json_to({"op": "here", "ref": "h2", "room": room.pk})
    await minor_ws.send_json_to({"op": "typing", "ref": "t2", "room": room.pk})

    for ws in (minor_ws, mentor_ws):
        assert await ws.receive_nothing(timeout=0.5) is True
