"""What a member who lost access, a hidden profile, a deleted message or a stale socket must not
get: the paths a review of the chat found open, each now closed."""

import io

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command

from community.models import Membership, User
from community.services.spaces import (
    membership_set_role,
    space_join,
    space_leave,
    space_update,
)
from forum.chat import presence, selectors, services
from forum.chat.models import Message, MessageReport
from forum.chat.services import room_group
from forum.markdown import render_chat
from tests.chat.conftest import fresh, join, send
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_a_member_who_left_the_space_no_longer_finds_its_room_in_lists_search_or_the_inbox(
    space_room, member, other_member
):
    send(member, space_room, "Avant mon départ")
    services.room_mark_read(by=member, room=space_room, seq=1)  # a read marker row exists
    space_leave(space=space_room.space, user=member)
    send(other_member, space_room, "Plans secrets du comité")

    assert space_room.pk not in [summary.pk for summary in selectors.rooms_for(member)]
    assert selectors.search(member, "secrets") == []
    assert str(space_room.pk) not in selectors.inbox_state(member)["rooms"]


def test_a_moderator_who_wrote_in_a_room_reads_it_no_more_once_the_role_is_gone(
    space_room, member, other_member
):
    moderator = join(space_room.space, name="Marie Modératrice", role=Membership.Role.MODERATOR)
    send(moderator, space_room, "Rappel des règles")
    Membership.objects.filter(user=moderator, space=space_room.space).update(
        state=Membership.State.REMOVED
    )
    send(other_member, space_room, "Compte rendu confidentiel")

    assert selectors.search(fresh(moderator), "confidentiel") == []


def test_switching_typing_off_applies_to_the_same_open_socket_at_once(member):
    assert presence.shares(member, "typing") is True
    services.preferences_update(user=member, share_presence=True, share_typing=False)
    # The socket keeps its user object for hours: the preference is read again each time.
    assert presence.shares(member, "typing") is False


def test_a_person_without_profile_is_named_member_never_by_the_e_mail_address(space_room):
    bare = User.objects.create(email="sans.profil@example.org")
    assert not hasattr(bare, "profile") or bare.profile is None

    name = selectors.public_name(bare)

    assert "@" not in name
    assert name == "Member"


def test_a_report_keeps_the_text_its_sender_deleted_afterwards(space_room, member, other_member):
    message = send(other_member, space_room, "Propos déplacés").message
    services.message_report(by=member, message=message, reason="Irrespectueux")
    services.message_delete(by=other_member, message=fresh(message))

    report = MessageReport.objects.get(message=message)
    assert report.reported_body == "Propos déplacés"
    assert fresh(message).body == ""


def test_platform_staff_close_reports_of_direct_conversations_and_members_cannot(
    direct_room, member, other_member, staff
):
    message = send(other_member, direct_room, "Message gênant").message
    services.message_report(by=member, message=message, reason="Harcèlement")
    report = MessageReport.objects.get(message=message)

    with pytest.raises(PermissionDenied):
        services.report_dismiss(by=member, report=report)
    services.report_dismiss(by=staff, report=report)

    assert fresh(report).resolved_at is not None
    assert fresh(report).resolved_by == staff


def test_a_deleted_message_is_neither_edited_reacted_to_nor_reported_through_a_stale_copy(
    space_room, member, other_member
):
    message = send(member, space_room, "Première version").message
    stale = fresh(message)
    services.message_delete(by=member, message=message)

    with pytest.raises(ValidationError) as edit:
        # `stale` still says "not deleted": the check after the lock decides.
        services.message_edit(by=member, message=stale, body="Réécrit")
    with pytest.raises(ValidationError) as react:
        services.reaction_set(by=other_member, message=stale, emoji="heart", on=True)
    with pytest.raises(ValidationError) as report:
        services.message_report(by=other_member, message=fresh(message), reason="Après coup")

    assert {edit.value.code, react.value.code, report.value.code} == {"deleted"}
    assert fresh(message).body == ""
    assert not MessageReport.objects.exists()


def test_a_protocol_relative_link_is_not_kept():
    html = render_chat("[notre site](//evil.example/login) et [ici](https://example.org)").html
    assert "evil.example" not in html
    assert 'href="https://example.org"' in html


def test_mentioning_a_member_whose_profile_is_hidden_from_the_writer_stays_plain_text(
    space_room, member
):
    hidden = join(space_room.space, name="Hélène Discrète")
    hidden.profile.profile_visibility = "private"
    hidden.profile.save()

    message = send(member, space_room, f"Bonjour @{hidden.profile.handle}").message

    assert "mention" not in message.html
    assert "Hélène" not in message.html


def test_a_space_moved_elsewhere_makes_the_sockets_of_its_room_check_their_access(
    space_room, animator, other_cluster, published, django_capture_on_commit_callbacks, settings
):
    staff = UserFactory(is_staff=True, is_superuser=True)
    with django_capture_on_commit_callbacks(execute=True):
        space_update(by=staff, space=space_room.space, cluster=other_cluster)

    assert (room_group(space_room.pk), {"type": "access.changed"}) in published


def test_the_demo_chat_is_written_once_however_often_the_seed_runs(db):
    call_command("seed_demo", stdout=io.StringIO())
    first = Message.objects.count()
    call_command("seed_demo", stdout=io.StringIO())

    assert first >= 14
    assert Message.objects.count() == first


def test_a_member_who_comes_back_to_a_space_starts_its_room_with_nothing_unread(
    space_room, member, other_member
):
    space = space_room.space
    space_leave(space=space, user=member)
    for number in range(3):
        send(other_member, space_room, f"Pendant l'absence {number}")
    space_join(space=space, user=member)

    summary = next(s for s in selectors.rooms_for(member) if s.pk == space_room.pk)
    assert summary.unread == 0


def test_a_role_change_keeps_the_members_read_marker(space_room, member, other_member, animator):
    send(other_member, space_room, "Un message que la membre n'a pas encore lu")
    membership = Membership.objects.get(space=space_room.space, user=member)

    membership_set_role(membership=membership, by=animator, role=Membership.Role.MODERATOR)

    summary = next(s for s in selectors.rooms_for(member) if s.pk == space_room.pk)
    assert summary.unread == 1
