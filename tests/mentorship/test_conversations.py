"""The supervised conversation: who is in it, who may send, masking, no other channel with a
minor, presence and typing off, and the freeze after a concern."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from notifications.models import Notification

from community import services as community
from community.models import Membership
from forum.chat import presence
from forum.chat import services as chat
from forum.chat.models import Message, ModerationAction, Room, RoomMember
from forum.chat.permissions import can_read_room, can_start_conversation_with
from mentorship.models import ContactFlag, GuardianConsent, Relationship
from mentorship.services import safeguarding
from mentorship.services.conversations import conversation_open, conversation_sync_coordinators
from tests.factories import MembershipFactory, UserFactory
from tests.mentorship.factories import (
    EnrolmentFactory,
    GuardianConsentFactory,
    MenteeProfileFactory,
    MentorProfileFactory,
    ProgrammeFactory,
    RelationshipFactory,
)

pytestmark = pytest.mark.django_db


def say(user, room, body="Bonjour !"):
    say.count += 1
    return chat.message_send(by=user, room=room, client_id=f"m-{say.count}", body=body)


say.count = 0


@pytest.fixture
def coordinator(db):
    return UserFactory(profile__display_name="Corinne Coordinatrice")


@pytest.fixture
def lead(db):
    return UserFactory(profile__display_name="Laure Référente")


@pytest.fixture
def programme(coordinator, lead):
    return ProgrammeFactory(
        title="Wi-Filles Rennes", coordinators=[coordinator], safeguarding_lead=lead
    )


@pytest.fixture
def minor(programme):
    mentee = MenteeProfileFactory(minor=True, user__profile__display_name="Léa Élève")
    EnrolmentFactory(programme=programme, mentee=mentee)
    GuardianConsentFactory(mentee=mentee)
    return mentee


@pytest.fixture
def mentor(db):
    return MentorProfileFactory(user__profile__display_name="Marraine Martine")


@pytest.fixture
def relationship(programme, mentor, minor):
    return RelationshipFactory(programme=programme, mentor=mentor, mentee=minor)


@pytest.fixture
def room(relationship):
    return conversation_open(relationship=relationship)


def members(room):
    return set(
        RoomMember.objects.filter(room=room, left_at__isnull=True).values_list("user_id", flat=True)
    )


# --- The room -----------------------------------------------------------------------------------


def test_a_minors_conversation_has_the_mentor_the_mentee_and_the_coordinators(
    room, relationship, coordinator
):
    assert room.kind == Room.Kind.MENTORSHIP
    assert members(room) == {
        relationship.mentor.user_id,
        relationship.mentee.user_id,
        coordinator.pk,
    }
    assert Relationship.objects.get(pk=relationship.pk).room_id == room.pk


def test_opening_the_conversation_again_returns_the_same_room(room, relationship):
    again = conversation_open(relationship=Relationship.objects.get(pk=relationship.pk))

    assert again.pk == room.pk
    assert Room.objects.filter(kind=Room.Kind.MENTORSHIP).count() == 1


def test_an_adults_conversation_has_no_coordinator_in_it(programme, mentor, coordinator):
    adult = MenteeProfileFactory()
    relationship = RelationshipFactory(programme=programme, mentor=mentor, mentee=adult)

    room = conversation_open(relationship=relationship)

    assert members(room) == {mentor.user_id, adult.user_id}


def test_a_request_not_yet_accepted_opens_no_conversation(programme, mentor, minor):
    relationship = RelationshipFactory(
        programme=programme, mentor=mentor, mentee=minor, state=Relationship.State.REQUESTED
    )

    with pytest.raises(PermissionDenied):
        conversation_open(relationship=relationship)
    assert not Room.objects.filter(kind=Room.Kind.MENTORSHIP).exists()


def test_coordinators_are_kept_in_sync_when_the_programme_changes_them(
    room, programme, coordinator, relationship
):
    newcomer = UserFactory()
    programme.coordinators.set([newcomer])

    changed = conversation_sync_coordinators(programme=programme)

    assert changed == 1
    assert members(room) == {relationship.mentor.user_id, relationship.mentee.user_id, newcomer.pk}
    coordinator.__dict__.pop("_chat_rooms", None)
    assert not can_read_room(coordinator, room)


def test_the_room_page_tells_everyone_the_coordinators_can_read_it(client, room, relationship):
    client.force_login(relationship.mentee.user)

    response = client.get(room.get_absolute_url())

    assert response.status_code == 200
    page = response.content.decode()
    assert "data-room-notice" in page and "can read everything written here" in page
    assert "Corinne Coordinatrice" in page  # listed among the people of the conversation
    assert reverse("mentorship:concern_message", args=[0]) in page  # the live template


def test_a_mentor_of_another_programme_cannot_read_or_open_the_minors_conversation(
    client, room, minor
):
    stranger = MentorProfileFactory()
    ProgrammeFactory(coordinators=[stranger.user])

    assert not can_read_room(stranger.user, room)
    client.force_login(stranger.user)
    assert client.get(room.get_absolute_url()).status_code == 404
    with pytest.raises(PermissionDenied):
        chat.room_start_direct(by=stranger.user, other=minor.user)
    assert not Room.objects.filter(kind=Room.Kind.DIRECT).exists()


# --- No other channel with a minor ---------------------------------------------------------------


def test_the_same_mentor_cannot_message_the_minor_outside_the_supervised_room(room, mentor, minor):
    assert not can_start_conversation_with(mentor.user, minor.user)
    with pytest.raises(PermissionDenied):
        chat.room_start_direct(by=mentor.user, other=minor.user)
    assert not Room.objects.filter(kind=Room.Kind.DIRECT).exists()


def test_a_minor_starts_no_direct_conversation_and_is_told_why(room, mentor, minor):
    with pytest.raises(PermissionDenied, match="supervised mentoring conversation"):
        chat.room_start_direct(by=minor.user, other=mentor.user)
    assert not Room.objects.filter(kind=Room.Kind.DIRECT).exists()


def test_a_group_with_a_minor_is_refused_either_way(room, mentor, minor):
    with pytest.raises(PermissionDenied):
        chat.room_create_group(by=mentor.user, title="Atelier", members=[minor.user])
    with pytest.raises(PermissionDenied):
        chat.room_create_group(by=minor.user, title="Atelier", members=[mentor.user])
    assert not Room.objects.filter(kind=Room.Kind.GROUP).exists()


def test_the_profile_of_a_minor_offers_no_send_a_message_button(client, mentor, minor):
    client.force_login(mentor.user)

    response = client.get(reverse("community:profile_detail", args=[minor.user.profile.pk]))

    if response.status_code == 200:
        assert (
            reverse("chat:direct_start", args=[minor.user.profile.pk])
            not in response.content.decode()
        )
    else:
        assert response.status_code == 404


def test_a_minor_cannot_join_a_space(minor, open_space):
    with pytest.raises(PermissionDenied):
        community.space_join(space=open_space, user=minor.user)
    assert not Membership.objects.filter(user=minor.user).exists()


def test_a_minor_cannot_accept_an_invitation(minor, private_space, animator):
    invitation = community.space_invite(space=private_space, by=animator, email=minor.user.email)

    with pytest.raises(PermissionDenied):
        community.invitation_accept(token=invitation.token, user=minor.user)
    assert not Membership.objects.filter(user=minor.user, state=Membership.State.ACTIVE).exists()


# --- Who may send --------------------------------------------------------------------------------


def test_the_mentor_and_the_minor_write_when_the_consent_is_valid(room, mentor, minor, coordinator):
    say(mentor.user, room, "Bonjour Léa")
    say(minor.user, room, "Bonjour !")
    say(coordinator, room, "Bienvenue à vous deux")

    assert Message.objects.filter(room=room).count() == 3


def test_a_message_before_the_guardians_consent_is_refused_and_nothing_is_stored(programme, mentor):
    mentee = MenteeProfileFactory(minor=True)
    relationship = RelationshipFactory(programme=programme, mentor=mentor, mentee=mentee)
    room = conversation_open(relationship=relationship)

    for user in (mentor.user, mentee.user):
        with pytest.raises(PermissionDenied, match="guardian must consent"):
            say(user, room)
    assert not Message.objects.filter(room=room).exists()


def test_a_message_after_the_consent_is_withdrawn_is_refused_and_nothing_is_stored(
    room, mentor, minor, coordinator
):
    say(mentor.user, room)
    safeguarding.consent_withdraw(by=coordinator, mentee=minor)
    assert minor.consents.get().state == GuardianConsent.State.WITHDRAWN

    fresh = Room.objects.get(pk=room.pk)
    # Withdrawal pauses the relationship too: either refusal says why.
    with pytest.raises(PermissionDenied, match="paused|withdrawn"):
        say(mentor.user, fresh, "Tu es là ?")
    assert Message.objects.filter(room=room).count() == 1


def test_under_15_the_guardian_alone_is_not_enough(programme, mentor):
    mentee = MenteeProfileFactory(minor=True, age_band="14")
    GuardianConsentFactory(mentee=mentee, mentee_agreed_at=None)
    relationship = RelationshipFactory(programme=programme, mentor=mentor, mentee=mentee)
    room = conversation_open(relationship=relationship)

    with pytest.raises(PermissionDenied, match="mentee must agree"):
        say(mentee.user, room)
    assert not Message.objects.filter(room=room).exists()


def test_a_paused_relationship_takes_no_message(room, relationship, mentor):
    Relationship.objects.filter(pk=relationship.pk).update(state=Relationship.State.PAUSED)

    with pytest.raises(PermissionDenied, match="active"):
        say(mentor.user, Room.objects.get(pk=room.pk))
    assert not Message.objects.filter(room=room).exists()


# --- Masking -------------------------------------------------------------------------------------


def test_contact_details_are_masked_before_storage_flagged_and_notified(
    room, mentor, minor, coordinator
):
    sent = say(minor.user, room, "Mon mail : lea.eleve@gmail.com et mon tel 06 12 34 56 78")

    message = Message.objects.get(pk=sent.message.pk)
    assert "gmail" not in message.body and "06 12" not in message.body
    assert "gmail" not in message.html and "06 12" not in message.html
    assert "[e-mail address hidden]" in message.body and "[phone number hidden]" in message.body
    flag = ContactFlag.objects.get(message=message)
    assert flag.kinds == "email,phone"
    notified = Notification.objects.filter(verb="mentorship.contact_flagged")
    assert list(notified.values_list("recipient_id", flat=True)) == [coordinator.pk]


def test_a_retried_send_of_a_masked_message_is_stored_once(room, minor):
    first = chat.message_send(by=minor.user, room=room, client_id="x1", body="lea@example.org")
    again = chat.message_send(by=minor.user, room=room, client_id="x1", body="lea@example.org")

    assert again.created is False and again.message.pk == first.message.pk
    assert Message.objects.filter(room=room).count() == 1


def test_an_edit_cannot_slip_contact_details_in(room, minor):
    sent = say(minor.user, room, "Salut")

    chat.message_edit(by=minor.user, message=sent.message, body="Salut, 07.11.22.33.44")

    message = Message.objects.get(pk=sent.message.pk)
    assert "07.11" not in message.body
    assert ContactFlag.objects.get(message=message).kinds == "phone"


def test_an_ordinary_message_is_stored_as_written_without_a_flag(room, mentor):
    sent = say(mentor.user, room, "On se voit mardi 2026-12-01 à 18:00 ?")

    assert Message.objects.get(pk=sent.message.pk).body == "On se voit mardi 2026-12-01 à 18:00 ?"
    assert not ContactFlag.objects.exists()


# --- Presence and typing -------------------------------------------------------------------------


def test_a_minors_presence_is_never_announced(room, minor):
    assert presence.touch(room.pk, minor.user) is False
    assert presence.present(room.pk) == []


def test_nobodys_presence_is_shown_in_a_room_with_a_minor(room, mentor, coordinator):
    assert presence.touch(room.pk, mentor.user) is False
    assert presence.touch(room.pk, coordinator) is False
    assert presence.present(room.pk) == []


def test_typing_is_sent_neither_by_a_minor_nor_in_a_room_with_one(room, mentor, minor, published):
    presence.typing(room.pk, minor.user)
    presence.typing(room.pk, mentor.user)

    assert [m for _group, m in published if m.get("event") == "typing"] == []


def test_presence_and_typing_still_work_in_an_adults_conversation(programme, mentor, published):
    adult = MenteeProfileFactory()
    room = conversation_open(
        relationship=RelationshipFactory(programme=programme, mentor=mentor, mentee=adult)
    )

    assert presence.touch(room.pk, mentor.user) is True
    presence.typing(room.pk, adult.user)
    assert [person["id"] for person in presence.present(room.pk)] == [mentor.user_id]
    assert [m["event"] for _group, m in published if m.get("event") == "typing"] == ["typing"]


def test_presence_is_off_in_a_space_room_a_minor_reads(open_space, member, minor):
    # A membership made before the mentee profile said they were a minor.
    MembershipFactory(space=open_space, user=minor.user)
    MembershipFactory(space=open_space, user=member)
    space_room = chat.space_room(open_space)

    assert presence.touch(space_room.pk, member) is False
    assert presence.present(space_room.pk) == []


# --- Report a concern freezes the conversation --------------------------------------------------


@pytest.fixture
def reported(room, mentor, minor):
    sent = say(mentor.user, room, "Ne le dis pas à tes parents")
    concern = safeguarding.concern_report(
        by=minor.user, message=sent.message, text="Ce message me met mal à l'aise."
    )
    return concern, Message.objects.get(pk=sent.message.pk)


def test_a_reported_conversation_is_frozen_and_logged(reported, room):
    concern, message = reported

    room = Room.objects.get(pk=room.pk)
    assert room.frozen_at is not None and concern.room_id == room.pk
    assert concern.quoted == "Ne le dis pas à tes parents"
    assert ModerationAction.objects.filter(
        room=room, action=ModerationAction.Action.ROOM_FROZEN
    ).exists()


def test_nobody_deletes_or_edits_in_a_frozen_room_not_the_sender_nor_staff(
    reported, room, mentor, coordinator, staff
):
    _concern, message = reported

    for user in (mentor.user, coordinator, staff):
        with pytest.raises(PermissionDenied):
            chat.message_delete(by=user, message=Message.objects.get(pk=message.pk))
    with pytest.raises(PermissionDenied, match="frozen"):
        chat.message_edit(by=mentor.user, message=Message.objects.get(pk=message.pk), body="Oubli")
    kept = Message.objects.get(pk=message.pk)
    assert kept.body == "Ne le dis pas à tes parents" and kept.deleted_at is None


def test_the_sender_is_told_the_room_is_frozen_when_deleting(reported, mentor):
    _concern, message = reported

    with pytest.raises(PermissionDenied, match="frozen"):
        chat.message_delete(by=mentor.user, message=Message.objects.get(pk=message.pk))


def test_a_frozen_room_takes_no_message_and_cannot_be_deleted(reported, room, minor):
    with pytest.raises(PermissionDenied, match="frozen"):
        say(minor.user, Room.objects.get(pk=room.pk))
    assert Message.objects.filter(room=room).count() == 1
    from django.db.models import ProtectedError

    with pytest.raises(ProtectedError):
        Room.objects.get(pk=room.pk).delete()


def test_the_delete_view_refuses_in_a_frozen_room(client, reported, mentor):
    _concern, message = reported
    client.force_login(mentor.user)

    client.post(reverse("chat:delete", args=[message.pk]))

    assert Message.objects.get(pk=message.pk).deleted_at is None


def test_the_lead_unfreezes_deliberately_and_it_is_logged(reported, room, lead, mentor):
    concern, _message = reported

    safeguarding.concern_update(by=lead, concern=concern, status="in_review")
    assert Room.objects.get(pk=room.pk).frozen_at is not None
    safeguarding.concern_update(
        by=lead, concern=concern, status="closed", outcome="Parlé à la marraine.", unfreeze=True
    )

    assert Room.objects.get(pk=room.pk).frozen_at is None
    assert ModerationAction.objects.filter(
        room=room, action=ModerationAction.Action.ROOM_UNFROZEN, actor=lead
    ).exists()
    say(mentor.user, Room.objects.get(pk=room.pk), "Reprenons.")


def test_the_lead_reads_a_reported_conversation_but_does_not_write_in_it(reported, room, lead):
    concern, _message = reported
    safeguarding.concern_update(
        by=lead, concern=concern, status="closed", outcome="Ok", unfreeze=True
    )

    fresh = Room.objects.get(pk=room.pk)
    assert can_read_room(lead, fresh)
    with pytest.raises(PermissionDenied):
        say(lead, fresh, "Je lis")


def test_a_concern_on_a_message_of_another_kind_of_room_is_refused(space_room_with_two, member):
    room, sent = space_room_with_two
    with pytest.raises(PermissionDenied):
        safeguarding.concern_report(by=member, message=sent.message, text="Souci")
    assert Room.objects.get(pk=room.pk).frozen_at is None


@pytest.fixture
def space_room_with_two(open_space, member, other_member):
    MembershipFactory(space=open_space, user=member)
    MembershipFactory(space=open_space, user=other_member)
    room = chat.space_room(open_space)
    return room, say(other_member, room, "Bonjour")


def test_a_concern_needs_some_text(reported, room, minor):
    with pytest.raises(ValidationError):
        safeguarding.concern_report(by=minor.user, about=room.members.first().user, text="  ")
