"""The chat's services: what each one writes, publishes and notifies, and what it refuses."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404
from django.utils import timezone
from notifications.models import Notification

from community.models import User
from community.realtime import user_group
from forum.chat import selectors, services
from forum.chat.models import (
    MemberMute,
    Message,
    MessageReport,
    ModerationAction,
    Reaction,
    Room,
    RoomMember,
)
from forum.chat.permissions import Muted, can_read_room
from tests.chat.conftest import fresh, join, send
from tests.factories import UserFactory


def codes(error: ValidationError) -> set[str]:
    """Every code a ValidationError carries, whether attached to a field or not."""
    if hasattr(error, "error_dict"):
        return {e.code for errors in error.error_dict.values() for e in errors}
    return {e.code for e in error.error_list}


def room_events(published, room, event=None) -> list[dict]:
    """The data of the events published on the room's stream (of one kind if `event`)."""
    return [
        message["data"]
        for group, message in published
        if group == services.room_group(room.pk)
        and message["stream"] == f"room:{room.pk}"
        and (event is None or message["event"] == event)
    ]


# --- Numbering and revisions ----------------------------------------------------------------------


def test_messages_of_a_room_are_numbered_from_one_without_gaps(space_room, member, other_member):
    for index in range(6):
        send(member if index % 2 else other_member, space_room, f"Message {index}")

    assert list(Message.objects.filter(room=space_room).values_list("seq", flat=True)) == [
        1,
        2,
        3,
        4,
        5,
        6,
    ]
    assert fresh(space_room).last_seq == 6


def test_each_room_numbers_its_own_messages(space_room, direct_room, member):
    send(member, space_room)
    send(member, space_room)
    sent = send(member, direct_room)

    assert sent.message.seq == 1
    assert fresh(direct_room).last_seq == 1


def test_the_room_revision_grows_with_every_change_and_the_message_keeps_its_last(
    space_room, member, other_member
):
    revisions = []
    first = send(member, space_room, "Premier").message
    revisions.append(fresh(space_room).revision)
    send(other_member, space_room, "Second")
    revisions.append(fresh(space_room).revision)
    services.message_edit(by=member, message=first, body="Premier, corrigé")
    revisions.append(fresh(space_room).revision)
    services.reaction_set(by=other_member, message=fresh(first), emoji="heart", on=True)
    revisions.append(fresh(space_room).revision)
    services.message_delete(by=member, message=fresh(first))
    revisions.append(fresh(space_room).revision)

    assert revisions == [1, 2, 3, 4, 5]
    assert fresh(first).revision == 5
    assert Message.objects.get(room=space_room, seq=2).revision == 2


# --- Sending -------------------------------------------------------------------------------------


def test_a_sent_message_is_stored_then_published_to_the_room_after_commit(
    space_room, member, published, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        sent = send(member, space_room, "Bonjour **tout le monde**", client_id="tab1:1")
        assert published == []  # nothing leaves before the commit

    message = sent.message
    assert sent.created is True
    assert callbacks
    assert (message.seq, message.client_id, message.sender) == (1, "tab1:1", member)
    assert message.html.strip() == "<p>Bonjour <strong>tout le monde</strong></p>"
    assert published == [
        (
            f"chat.room.{space_room.pk}",
            {
                "type": "stream.event",
                "stream": f"room:{space_room.pk}",
                "event": "message",
                "data": selectors.serialise_message(message),
            },
        )
    ]
    data = published[0][1]["data"]
    assert data["sender"]["id"] == member.pk
    assert data["sender"]["name"] == "Claire Martin"
    assert data["reactions"] == {}


def test_sending_reads_the_room_up_to_ones_own_message(space_room, member, other_member):
    send(other_member, space_room)
    send(other_member, space_room)
    send(member, space_room)

    assert RoomMember.objects.get(room=space_room, user=member).last_read_seq == 3
    assert RoomMember.objects.get(room=space_room, user=other_member).last_read_seq == 2


def test_a_send_rolled_back_with_its_transaction_publishes_nothing(
    space_room, member, published, django_capture_on_commit_callbacks
):
    class Abandon(Exception):
        pass

    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(Abandon),
        transaction.atomic(),
    ):
        send(member, space_room)
        raise Abandon

    assert published == []
    assert not Message.objects.exists()


def test_the_same_client_id_and_body_sent_again_stores_one_message(
    space_room, member, published, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        first = send(member, space_room, "Une fois", client_id="retry-1")
        again = send(member, space_room, "Une fois", client_id="retry-1")

    assert first.created is True
    assert again.created is False
    assert again.message.pk == first.message.pk
    assert Message.objects.count() == 1
    assert fresh(space_room).last_seq == 1
    assert len(room_events(published, space_room, "message")) == 1


@pytest.mark.parametrize("other", ["body", "room"])
def test_a_client_id_reused_for_another_message_is_refused_and_nothing_is_stored(
    space_room, direct_room, member, published, django_capture_on_commit_callbacks, other
):
    send(member, space_room, "Le premier", client_id="once")
    room, body = (space_room, "Un autre texte") if other == "body" else (direct_room, "Le premier")

    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(ValidationError) as refused,
    ):
        send(member, room, body, client_id="once")

    assert codes(refused.value) == {"client_id_reused"}
    assert list(Message.objects.values_list("body", flat=True)) == ["Le premier"]
    assert fresh(direct_room).last_seq == 0
    assert published == []


def test_two_members_may_use_the_same_client_id(space_room, member, other_member):
    send(member, space_room, "De Claire", client_id="1")
    sent = send(other_member, space_room, "De Yasmine", client_id="1")

    assert sent.created is True
    assert Message.objects.count() == 2


@pytest.mark.parametrize(
    "client_id",
    ["", "a" * 65, "with space", "é", "a/b", "<script>", None, 12],
    ids=["empty", "too-long", "space", "accent", "slash", "markup", "none", "number"],
)
def test_a_bad_client_id_is_refused_and_nothing_is_stored(
    space_room, member, published, django_capture_on_commit_callbacks, client_id
):
    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(ValidationError) as refused,
    ):
        services.message_send(by=member, room=space_room, client_id=client_id, body="Salut")

    assert codes(refused.value) == {"bad_client_id"}
    assert not Message.objects.exists()
    assert published == []


def test_a_client_id_of_64_allowed_characters_is_accepted(space_room, member):
    client_id = ("Az09_.:-" * 8)[:64]

    sent = send(member, space_room, client_id=client_id)

    assert sent.message.client_id == client_id


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ("", "empty"),
        ("  \n\t ", "empty"),
        ("x" * 4001, "too_long"),
        ("avant\x00après", "bad_text"),
        ("avant\ud800après", "bad_text"),
        ("\udfff", "bad_text"),
        (42, "bad_type"),
    ],
    ids=["empty", "blank", "4001-chars", "nul", "lone-high-surrogate", "lone-low-surrogate", "int"],
)
def test_a_body_that_cannot_be_a_message_is_refused_and_nothing_is_stored(
    space_room, member, published, django_capture_on_commit_callbacks, body, code
):
    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(ValidationError) as refused,
    ):
        send(member, space_room, body)

    assert codes(refused.value) == {code}
    assert not Message.objects.exists()
    assert fresh(space_room).last_seq == 0
    assert fresh(space_room).revision == 0
    assert published == []


def test_a_message_of_exactly_the_maximum_length_is_accepted(space_room, member):
    sent = send(member, space_room, "é" * 4000)

    assert len(sent.message.body) == 4000


# --- Editing and deleting -------------------------------------------------------------------------


def test_the_sender_edits_within_the_window_and_the_change_is_published(
    space_room, member, published, django_capture_on_commit_callbacks
):
    message = send(member, space_room, "Réunion jeudi").message

    with django_capture_on_commit_callbacks(execute=True):
        services.message_edit(by=member, message=message, body="Réunion *vendredi*")

    message = fresh(message)
    assert message.body == "Réunion *vendredi*"
    assert message.html.strip() == "<p>Réunion <em>vendredi</em></p>"
    assert message.edited_at is not None
    [changed] = room_events(published, space_room, "message.changed")
    assert changed["edited"] is True
    assert changed["html"] == message.html
    assert changed["revision"] == message.revision == 2


def test_an_edit_after_the_window_is_refused_and_the_message_is_unchanged(
    space_room, member, published, django_capture_on_commit_callbacks
):
    message = send(member, space_room, "Réunion jeudi").message
    Message.objects.filter(pk=message.pk).update(
        created_at=timezone.now() - timedelta(minutes=15, seconds=5)
    )

    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(ValidationError) as refused,
    ):
        services.message_edit(by=member, message=fresh(message), body="Réunion vendredi")

    assert codes(refused.value) == {"edit_window"}
    message = fresh(message)
    assert (message.body, message.edited_at, message.revision) == ("Réunion jeudi", None, 1)
    assert fresh(space_room).revision == 1
    assert published == []


def test_an_edit_just_inside_the_window_is_accepted(space_room, member):
    message = send(member, space_room, "Réunion jeudi").message
    Message.objects.filter(pk=message.pk).update(
        created_at=timezone.now() - timedelta(minutes=14, seconds=30)
    )

    services.message_edit(by=member, message=fresh(message), body="Réunion vendredi")

    assert fresh(message).body == "Réunion vendredi"


def test_editing_someone_elses_message_is_refused(space_room, member, other_member, animator):
    message = send(member, space_room, "Le mien").message

    for someone in (other_member, animator):
        with pytest.raises(PermissionDenied):
            services.message_edit(by=someone, message=fresh(message), body="Réécrit")

    assert fresh(message).body == "Le mien"
    assert fresh(message).edited_at is None


def test_a_member_deletes_their_own_message_and_its_text_is_wiped(
    space_room, member, other_member, published, django_capture_on_commit_callbacks
):
    message = send(member, space_room, "Oups, mauvais salon").message
    services.reaction_set(by=other_member, message=message, emoji="laugh", on=True)

    with django_capture_on_commit_callbacks(execute=True):
        services.message_delete(by=member, message=fresh(message))

    message = fresh(message)
    assert (message.body, message.html) == ("", "")
    assert message.deleted_at is not None
    assert message.deleted_by == member
    assert not Reaction.objects.filter(message=message).exists()
    assert not ModerationAction.objects.exists()
    [changed] = room_events(published, space_room, "message.changed")
    assert changed["deleted"] is True
    assert changed["html"] == ""
    assert changed["reactions"] == {}


def test_a_moderator_deletes_a_message_logged_with_its_text_and_its_reports_closed(
    space_room, member, other_member, animator, published, django_capture_on_commit_callbacks
):
    message = send(member, space_room, "Propos déplacés").message
    report = services.message_report(by=other_member, message=message, reason="Insultant")

    with django_capture_on_commit_callbacks(execute=True):
        services.message_delete(by=animator, message=fresh(message))

    message = fresh(message)
    assert (message.body, message.html, message.deleted_by) == ("", "", animator)
    [action] = ModerationAction.objects.all()
    assert action.action == ModerationAction.Action.MESSAGE_DELETED
    assert (action.room, action.actor, action.target, action.message) == (
        space_room,
        animator,
        member,
        message,
    )
    assert action.note == "Propos déplacés"
    report = fresh(report)
    assert report.resolved_at is not None
    assert report.resolved_by == animator
    assert [data["deleted"] for data in room_events(published, space_room)] == [True]


def test_a_member_cannot_delete_someone_elses_message(
    space_room, member, other_member, published, django_capture_on_commit_callbacks
):
    message = send(member, space_room, "Le mien").message

    with django_capture_on_commit_callbacks(execute=True), pytest.raises(PermissionDenied):
        services.message_delete(by=other_member, message=message)

    message = fresh(message)
    assert message.body == "Le mien"
    assert message.deleted_at is None
    assert not ModerationAction.objects.exists()
    assert published == []


def test_nobody_moderates_a_direct_conversation_staff_included(
    direct_room, member, other_member, staff
):
    message = send(member, direct_room, "Entre nous").message

    for someone in (other_member, staff):
        with pytest.raises(PermissionDenied):
            services.message_delete(by=someone, message=message)

    assert fresh(message).body == "Entre nous"


# --- Reactions ------------------------------------------------------------------------------------


def test_a_reaction_toggles_on_and_off_once_per_member(
    space_room, member, other_member, published, django_capture_on_commit_callbacks
):
    message = send(member, space_room).message

    with django_capture_on_commit_callbacks(execute=True):
        services.reaction_set(by=other_member, message=message, emoji="heart", on=True)
        services.reaction_set(by=other_member, message=fresh(message), emoji="heart", on=True)
        services.reaction_set(by=member, message=fresh(message), emoji="heart", on=True)
    on = Reaction.objects.filter(message=message, emoji="heart").count()
    with django_capture_on_commit_callbacks(execute=True):
        services.reaction_set(by=other_member, message=fresh(message), emoji="heart", on=False)

    assert on == 2
    assert list(Reaction.objects.filter(message=message).values_list("user", flat=True)) == [
        member.pk
    ]
    # Asking again for a reaction one already gave changes nothing and publishes nothing.
    reactions = [data["reactions"] for data in room_events(published, space_room)]
    assert reactions == [
        {"heart": [other_member.pk]},
        {"heart": [other_member.pk, member.pk]},
        {"heart": [member.pk]},
    ]


@pytest.mark.parametrize("emoji", ["poop", "❤️", "", "HEART"])
def test_a_reaction_outside_the_fixed_set_is_refused(
    space_room, member, other_member, published, django_capture_on_commit_callbacks, emoji
):
    message = send(member, space_room).message

    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(ValidationError) as refused,
    ):
        services.reaction_set(by=other_member, message=message, emoji=emoji, on=True)

    assert codes(refused.value) == {"bad_reaction"}
    assert not Reaction.objects.exists()
    assert fresh(message).revision == 1
    assert published == []


# --- Mentions -------------------------------------------------------------------------------------


def test_mentioning_a_reader_of_the_room_links_and_notifies_them(space_room, member, other_member):
    handle = other_member.profile.handle

    message = send(member, space_room, f"@{handle} tu as vu ?").message

    assert 'class="mention"' in message.html
    assert "@Yasmine Benali" in message.html
    [notification] = Notification.objects.filter(recipient=other_member)
    assert notification.verb == "chat.mention"
    assert notification.actor == member
    assert notification.target == space_room
    assert notification.data["url"].endswith(f"#m{message.seq}")


def test_mentioning_someone_who_cannot_read_the_room_stays_plain_text(space_room, member, outsider):
    handle = outsider.profile.handle

    message = send(member, space_room, f"@{handle} tu as vu ?").message

    assert "<a" not in message.html
    assert f"@{handle}" in message.html
    assert "Oscar" not in message.html
    assert not Notification.objects.exists()


def test_a_member_who_muted_the_room_is_not_notified_of_a_mention(space_room, member, other_member):
    services.room_set_muted(by=other_member, room=space_room, muted=True)

    message = send(member, space_room, f"@{other_member.profile.handle} tu as vu ?").message

    assert 'class="mention"' in message.html
    assert not Notification.objects.exists()


def test_an_edit_notifies_only_the_newly_mentioned(space_room, member, other_member, animator):
    message = send(member, space_room, f"@{other_member.profile.handle} bonjour").message

    services.message_edit(
        by=member,
        message=message,
        body=f"@{other_member.profile.handle} et @{animator.profile.handle} bonjour",
    )

    assert Notification.objects.filter(recipient=other_member, verb="chat.mention").count() == 1
    assert Notification.objects.filter(recipient=animator, verb="chat.mention").count() == 1


# --- Read markers ---------------------------------------------------------------------------------


def test_the_read_marker_moves_forward_only_and_never_past_the_last_message(
    space_room, member, other_member, published, django_capture_on_commit_callbacks
):
    for _ in range(3):
        send(other_member, space_room)

    with django_capture_on_commit_callbacks(execute=True):
        moved = services.room_mark_read(by=member, room=fresh(space_room), seq=2)
        back = services.room_mark_read(by=member, room=fresh(space_room), seq=1)
    after_back = RoomMember.objects.get(room=space_room, user=member).last_read_seq
    beyond = services.room_mark_read(by=member, room=fresh(space_room), seq=99)

    assert (moved, back, after_back, beyond) == (2, 2, 2, 3)
    assert RoomMember.objects.get(room=space_room, user=member).last_read_seq == 3
    inbox = [m for g, m in published if g == services.inbox_group(member.pk)]
    assert [m["data"] for m in inbox] == [{"room": space_room.pk, "read": 2}]


def test_marking_a_room_one_cannot_read_is_refused(space_room, member, outsider):
    send(member, space_room)

    with pytest.raises(PermissionDenied):
        services.room_mark_read(by=outsider, room=space_room, seq=1)

    assert not RoomMember.objects.filter(user=outsider).exists()


def test_a_new_member_of_a_space_starts_with_nothing_unread(space_room, member, third_member):
    for _ in range(4):
        send(member, space_room)

    join(space_room.space, third_member)

    [summary] = [s for s in selectors.rooms_for(third_member) if s.room == space_room]
    assert summary.unread == 0
    assert RoomMember.objects.get(room=space_room, user=third_member).last_read_seq == 4


# --- Direct and group conversations ---------------------------------------------------------------


def test_a_direct_conversation_is_unique_per_pair_whoever_starts_it(member, other_member):
    first = services.room_start_direct(by=member, other=other_member)
    second = services.room_start_direct(by=other_member, other=member)
    third = services.room_start_direct(by=member, other=other_member)

    assert first.pk == second.pk == third.pk
    assert Room.objects.filter(kind=Room.Kind.DIRECT).count() == 1
    assert set(RoomMember.objects.filter(room=first).values_list("user", flat=True)) == {
        member.pk,
        other_member.pk,
    }


def test_a_third_person_cannot_read_or_write_in_a_direct_conversation(
    direct_room, member, outsider, staff
):
    send(member, direct_room, "Entre nous")

    for someone in (outsider, staff):
        assert can_read_room(someone, direct_room) is False
        with pytest.raises(Http404):
            selectors.access_room(user=someone, room_id=direct_room.pk)
        with pytest.raises(PermissionDenied):
            send(someone, direct_room, "Je m'invite")
    assert Message.objects.filter(room=direct_room).count() == 1


def test_nobody_starts_a_conversation_with_themself(member):
    with pytest.raises(PermissionDenied):
        services.room_start_direct(by=member, other=member)

    assert not Room.objects.filter(kind=Room.Kind.DIRECT).exists()


def test_a_group_takes_up_to_ten_people(member):
    nine = UserFactory.create_batch(9)
    ten = [*nine, UserFactory()]

    group = services.room_create_group(by=member, title="Dix", members=nine)
    with pytest.raises(ValidationError) as refused:
        services.room_create_group(by=member, title="Onze", members=ten)

    assert RoomMember.objects.filter(room=group).count() == 10
    assert codes(refused.value) == {"too_many"}
    assert Room.objects.filter(kind=Room.Kind.GROUP).count() == 1


def test_adding_an_eleventh_person_to_a_group_is_refused(member):
    group = services.room_create_group(by=member, title="Dix", members=UserFactory.create_batch(9))
    newcomer = UserFactory()

    with pytest.raises(ValidationError) as refused:
        services.room_add_members(by=member, room=group, members=[newcomer])

    assert codes(refused.value) == {"too_many"}
    assert not RoomMember.objects.filter(room=group, user=newcomer).exists()


def test_leaving_a_group_loses_access_and_tells_the_sockets(
    group_room, member, other_member, published, django_capture_on_commit_callbacks
):
    send(member, group_room, "Avant le départ")

    with django_capture_on_commit_callbacks(execute=True):
        services.room_leave(by=other_member, room=group_room)

    other_member = User.objects.get(pk=other_member.pk)  # no cached rights
    assert can_read_room(other_member, group_room) is False
    assert (user_group(other_member.pk), {"type": "access.changed"}) in published
    with pytest.raises(PermissionDenied):
        send(other_member, group_room, "Je reviens")
    with pytest.raises(Http404):
        selectors.access_room(user=other_member, room_id=group_room.pk)
    assert group_room.pk not in {s.pk for s in selectors.rooms_for(other_member)}


# --- Moderation -----------------------------------------------------------------------------------


def test_a_member_muted_by_a_moderator_cannot_send(
    space_room, member, animator, published, django_capture_on_commit_callbacks
):
    services.member_mute(by=animator, room=space_room, user=member, minutes=10, reason="Spam")

    with django_capture_on_commit_callbacks(execute=True), pytest.raises(Muted):
        send(member, space_room, "Encore moi")

    assert not Message.objects.exists()
    assert published == []
    [action] = ModerationAction.objects.all()
    assert (action.action, action.actor, action.target, action.note) == (
        ModerationAction.Action.MEMBER_MUTED,
        animator,
        member,
        "Spam",
    )


def test_a_member_cannot_mute_another(space_room, member, other_member):
    with pytest.raises(PermissionDenied):
        services.member_mute(by=member, room=space_room, user=other_member, minutes=10)

    assert not MemberMute.objects.exists()


def test_a_report_reaches_the_moderators_and_cannot_be_made_twice(
    space_room, member, other_member, animator
):
    message = send(member, space_room, "Propos déplacés").message

    report = services.message_report(by=other_member, message=message, reason="Insultant")
    with pytest.raises(ValidationError) as refused:
        services.message_report(by=other_member, message=message, reason="Encore")

    assert (report.reporter, report.reason, report.resolved_at) == (other_member, "Insultant", None)
    assert MessageReport.objects.count() == 1
    assert codes(refused.value) == {"duplicate"}
    [notification] = Notification.objects.filter(verb="chat.reported")
    assert notification.recipient == animator
    assert not Notification.objects.filter(recipient__in=[member, other_member]).exists()


# --- Lists and search -----------------------------------------------------------------------------


def test_rooms_for_lists_exactly_the_rooms_the_member_reads(
    space_room, direct_room, group_room, private_room, member, other_member, third_member
):
    services.room_start_direct(by=other_member, other=third_member)  # another pair's
    left = services.room_create_group(by=other_member, title="Quitté", members=[member])
    services.room_leave(by=member, room=left)

    listed = {summary.pk for summary in selectors.rooms_for(member)}

    assert listed == {space_room.pk, direct_room.pk, group_room.pk}
    member = User.objects.get(pk=member.pk)  # no cached rights
    readable = {room.pk for room in Room.objects.all() if can_read_room(member, room)}
    assert listed == readable


def test_search_finds_only_messages_of_my_rooms_and_not_deleted_ones(
    space_room, direct_room, private_room, member, other_member, third_member, animator
):
    mine = send(other_member, space_room, "Le budget égalité est voté").message
    private = send(animator, private_room, "Le budget égalité du comité").message
    theirs_room = services.room_start_direct(by=other_member, other=third_member)
    theirs = send(other_member, theirs_room, "Le budget égalité entre nous").message
    direct = send(other_member, direct_room, "Ton avis sur le BUDGET ?").message
    deleted = send(other_member, space_room, "Le budget à supprimer").message
    services.message_delete(by=other_member, message=deleted)

    found = selectors.search(member, "budget")

    assert {message.pk for message in found} == {mine.pk, direct.pk}
    assert private.pk not in {message.pk for message in selectors.search(other_member, "budget")}
    assert theirs.pk in {message.pk for message in selectors.search(third_member, "budget")}
