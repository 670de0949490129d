"""A concern reported while people send and delete in the conversation, proven on PostgreSQL.

The freeze takes the room's row lock, like every send and deletion: whatever lands before it
is kept, whatever comes after it is refused, and nothing is deleted or sent once the room is
frozen. Threads are released together by a barrier (see test_event_concurrency.py).
"""

import pytest

from forum.chat import services as chat
from forum.chat.models import Message, ModerationAction, Room
from mentorship.models import ConcernReport
from mentorship.services import safeguarding
from mentorship.services.conversations import conversation_open
from tests.factories import UserFactory
from tests.mentorship.factories import (
    GuardianConsentFactory,
    MenteeProfileFactory,
    MentorProfileFactory,
    ProgrammeFactory,
    RelationshipFactory,
)
from tests.support.races import connections_for, race

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]

THREADS = 31


@pytest.fixture(autouse=True)
def _a_connection_for_every_thread():
    with connections_for(THREADS):
        yield


def test_nothing_is_sent_or_deleted_after_the_freeze_whatever_the_order():
    programme = ProgrammeFactory(coordinators=[UserFactory()])
    minor = MenteeProfileFactory(minor=True)
    GuardianConsentFactory(mentee=minor)
    mentor = MentorProfileFactory()
    room = conversation_open(
        relationship=RelationshipFactory(programme=programme, mentor=mentor, mentee=minor)
    )
    written = [
        chat.message_send(by=mentor.user, room=room, client_id=f"w{n}", body=f"Message {n}").message
        for n in range(15)
    ]
    reported = chat.message_send(by=mentor.user, room=room, client_id="r", body="Secret").message

    calls = [
        lambda: safeguarding.concern_report(by=minor.user, message=reported, text="Inquiétant")
    ]
    calls += [
        (lambda m=message: chat.message_delete(by=mentor.user, message=m)) for message in written
    ]
    calls += [
        (
            lambda n=n: chat.message_send(
                by=minor.user, room=Room.objects.get(pk=room.pk), client_id=f"s{n}", body="Oui"
            )
        )
        for n in range(THREADS - 1 - len(written))
    ]
    outcomes = race(calls)

    room = Room.objects.get(pk=room.pk)
    assert outcomes[0][0] == "ok" and room.frozen_at is not None
    concern = ConcernReport.objects.get()
    assert concern.quoted == "Secret" and concern.room_id == room.pk
    assert ModerationAction.objects.filter(room=room, action="room_frozen").count() == 1
    deleted = Message.objects.filter(room=room, deleted_at__isnull=False)
    assert all(message.deleted_at < room.frozen_at for message in deleted)
    after = Message.objects.filter(room=room, created_at__gt=room.frozen_at)
    assert not after.exists()
    # Every call either landed before the freeze or was refused because of it.
    refused = [value for kind, value in outcomes[1:] if kind == "refused"]
    assert all("frozen" in str(value) for value in refused)
    assert len(refused) == (len(written) - deleted.count()) + (
        len(calls)
        - 1
        - len(written)
        - (Message.objects.filter(room=room, sender=minor.user).count())
    )
    # The reported message itself is kept as it was.
    assert Message.objects.get(pk=reported.pk).body == "Secret"
