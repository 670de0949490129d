"""The chat's pages: who sees them, what the forms refuse, and how many queries they take."""

import re
import uuid

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from forum.chat import services
from forum.chat.models import (
    ChatPreferences,
    MemberMute,
    Message,
    MessageReport,
    Reaction,
    Room,
    RoomMember,
)
from tests.chat.conftest import fresh, join, send
from tests.factories import UserFactory


def signed_in(client, user):
    client.force_login(user)
    return client


def flash(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def chat_rows() -> dict:
    """What a refused form must leave exactly as it was."""
    return {
        "rooms": list(Room.objects.order_by("pk").values_list("pk", "kind", "title", "last_seq")),
        "members": list(
            RoomMember.objects.order_by("pk").values_list("pk", "user_id", "left_at", "muted")
        ),
        "messages": list(
            Message.objects.order_by("pk").values_list("pk", "body", "deleted_at", "edited_at")
        ),
        "reports": list(MessageReport.objects.order_by("pk").values_list("pk", "resolved_at")),
        "mutes": list(MemberMute.objects.order_by("pk").values_list("pk", "user_id")),
        "reactions": list(Reaction.objects.order_by("pk").values_list("pk", "emoji")),
    }


# --- Who sees what -------------------------------------------------------------------------------


def test_the_room_list_asks_a_visitor_to_sign_in(client, db):
    response = client.get(reverse("chat:room_list"))
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_the_room_list_shows_each_room_with_its_unread_count_and_mute(
    client, member, other_member, space_room, direct_room, group_room
):
    send(other_member, space_room, "Premier")
    send(other_member, space_room, "Second")
    services.room_set_muted(by=member, room=group_room, muted=True)
    html = signed_in(client, member).get(reverse("chat:room_list")).content.decode()
    assert space_room.space.name in html
    assert "Yasmine Benali" in html  # the direct conversation, named after the other person
    assert "Plan d&#x27;action 2025" in html
    assert f'data-room-row="{space_room.pk}"' in html
    row = html.split(f'data-room-row="{space_room.pk}"')[1].split("</li>")[0]
    assert ">2</span>" in row
    group_row = html.split(f'data-room-row="{group_room.pk}"')[1].split("</li>")[0]
    assert "Muted" in group_row
    assert reverse("chat:group_create") in html
    assert reverse("chat:preferences") in html


@pytest.mark.parametrize("room_name", ["space_room", "direct_room", "group_room"])
def test_a_room_page_shows_its_history_to_a_member(
    client, member, other_member, room_name, request
):
    room = request.getfixturevalue(room_name)
    send(other_member, room, "Bonjour **tout le monde**")
    response = signed_in(client, member).get(room.get_absolute_url())
    html = response.content.decode()
    assert response.status_code == 200
    assert "<strong>tout le monde</strong>" in html
    assert 'aria-live="polite"' in html
    assert 'id="m1"' in html
    assert reverse("chat:send", kwargs={"room_id": room.pk}) in html
    assert 'name="client_id"' in html


@pytest.mark.parametrize("room_name", ["direct_room", "private_room"])
@pytest.mark.parametrize(
    "route", ["chat:room", "chat:members", "chat:reports", "chat:history", "chat:send"]
)
def test_a_room_is_a_404_to_someone_outside_it(client, outsider, room_name, route, request):
    room = request.getfixturevalue(room_name)
    url = reverse(route, kwargs={"room_id": room.pk})
    client = signed_in(client, outsider)
    response = (
        client.post(url, {"body": "x", "client_id": "a"})
        if route == "chat:send"
        else (client.get(url))
    )
    assert response.status_code == 404


def test_a_room_that_does_not_exist_is_the_same_404(client, outsider):
    response = signed_in(client, outsider).get(reverse("chat:room", kwargs={"room_id": 999999}))
    assert response.status_code == 404


def test_a_message_of_another_conversation_is_a_404_on_every_message_page(
    client, outsider, member, direct_room
):
    message = send(member, direct_room, "Entre nous").message
    client = signed_in(client, outsider)
    before = chat_rows()
    for route in ("chat:report", "chat:edit"):
        assert client.get(reverse(route, kwargs={"message_id": message.pk})).status_code == 404
    for route, data in (
        ("chat:delete", {}),
        ("chat:react", {"toggle": "heart:1"}),
        ("chat:report", {"reason": "spam"}),
    ):
        url = reverse(route, kwargs={"message_id": message.pk})
        assert client.post(url, data).status_code == 404
    assert chat_rows() == before


def test_a_member_who_leaves_the_space_no_longer_opens_its_room(client, member, space_room):
    from community.services import space_leave

    space_leave(user=member, space=space_room.space)
    response = signed_in(client, member).get(space_room.get_absolute_url())
    assert response.status_code == 404


def test_the_space_page_links_its_members_to_the_room(client, member, space_room):
    html = signed_in(client, member).get(space_room.space.get_absolute_url()).content.decode()
    link = reverse("chat:space_room", kwargs={"slug": space_room.space.slug})
    assert link in html
    response = client.get(link)
    assert response.status_code == 302
    assert response["Location"] == space_room.get_absolute_url()


def test_the_space_room_link_is_a_404_for_a_private_space_one_is_not_in(
    client, outsider, private_room
):
    url = reverse("chat:space_room", kwargs={"slug": private_room.space.slug})
    assert signed_in(client, outsider).get(url).status_code == 404


def test_the_navigation_has_a_messages_link_with_a_badge_for_the_live_count(client, member):
    html = signed_in(client, member).get(reverse("chat:room_list")).content.decode()
    assert "data-chat-badge" in html
    assert "js/chat.js" in html


# --- Sending without JavaScript ------------------------------------------------------------------


def test_a_message_posted_twice_with_the_same_client_id_is_stored_once(client, member, space_room):
    url = reverse("chat:send", kwargs={"room_id": space_room.pk})
    client = signed_in(client, member)
    data = {"client_id": uuid.uuid4().hex, "body": "Bonjour, une question *rapide*"}
    first = client.post(url, data)
    second = client.post(url, data)
    assert first.status_code == second.status_code == 302
    assert first["Location"] == f"{space_room.get_absolute_url()}#m1"
    assert second["Location"] == first["Location"]
    assert Message.objects.filter(room=space_room).count() == 1
    assert fresh(space_room).last_seq == 1


@pytest.mark.parametrize(
    ("body", "client_id", "expected"),
    [
        ("   ", "ok-1", "Write something before sending."),
        ("x" * 4001, "ok-2", "at most 4000 characters"),
        ("Bonjour", "not a valid id!", "client id"),
    ],
)
def test_a_bad_message_is_refused_with_a_reason_and_nothing_is_stored(
    client, member, space_room, body, client_id, expected
):
    before = chat_rows()
    response = signed_in(client, member).post(
        reverse("chat:send", kwargs={"room_id": space_room.pk}),
        {"client_id": client_id, "body": body},
    )
    assert response.status_code == 400
    html = response.content.decode() + " ".join(flash(response))
    assert expected in html
    assert chat_rows() == before


def test_a_muted_member_is_told_why_the_message_is_refused(client, member, animator, space_room):
    services.member_mute(by=animator, room=space_room, user=member, minutes=10)
    before = chat_rows()
    response = signed_in(client, member).post(
        reverse("chat:send", kwargs={"room_id": space_room.pk}),
        {"client_id": "muted-1", "body": "Puis-je parler ?"},
    )
    assert response.status_code == 400
    assert "muted you" in response.content.decode()
    assert chat_rows() == before


def test_a_message_with_markup_shows_as_text_and_never_as_a_script(
    client, member, other_member, space_room
):
    send(other_member, space_room, "<script>alert(1)</script><img src=x onerror=alert(2)>")
    html = signed_in(client, member).get(space_room.get_absolute_url()).content.decode()
    body = html.split('id="m1"')[1].split("</li>")[0]
    assert "<script>" not in body
    assert "<img" not in body
    assert "&lt;script&gt;" in body


def test_opening_a_room_reads_what_it_shows(client, member, other_member, space_room):
    send(other_member, space_room, "Un")
    send(other_member, space_room, "Deux")
    signed_in(client, member).get(space_room.get_absolute_url())
    assert RoomMember.objects.get(room=space_room, user=member).last_read_seq == 2


def test_older_messages_are_a_page_back_without_javascript(
    client, member, other_member, space_room, settings
):
    settings.CHAT = {**settings.CHAT, "PAGE_SIZE": 3}
    for number in range(1, 8):
        send(other_member, space_room, f"Message numéro {number}")
    client = signed_in(client, member)
    html = client.get(space_room.get_absolute_url()).content.decode()
    assert "Message numéro 7" in html and "Message numéro 4" not in html
    assert "?before=5" in html
    older = client.get(space_room.get_absolute_url() + "?before=5").content.decode()
    assert "Message numéro 4" in older and "Message numéro 2" in older
    assert "Message numéro 5" not in older
    assert "Back to the latest messages" in older


# --- Actions on messages -------------------------------------------------------------------------


def test_a_member_reacts_and_takes_the_reaction_back(client, member, other_member, space_room):
    message = send(other_member, space_room).message
    url = reverse("chat:react", kwargs={"message_id": message.pk})
    client = signed_in(client, member)
    client.post(url, {"toggle": "heart:1"})
    assert list(Reaction.objects.values_list("emoji", flat=True)) == ["heart"]
    html = client.get(space_room.get_absolute_url()).content.decode()
    assert 'aria-pressed="true" aria-label="Love it (1)" data-react="heart"' in html
    client.post(url, {"toggle": "heart:0"})
    assert not Reaction.objects.exists()


def test_an_unknown_reaction_is_refused_and_changes_nothing(
    client, member, other_member, space_room
):
    message = send(other_member, space_room).message
    before = chat_rows()
    response = signed_in(client, member).post(
        reverse("chat:react", kwargs={"message_id": message.pk}), {"toggle": "poop:1"}
    )
    assert "This reaction is not available." in flash(response)
    assert chat_rows() == before


def test_the_sender_edits_a_message_and_it_says_edited(client, member, space_room):
    message = send(member, space_room, "Premiere version").message
    client = signed_in(client, member)
    url = reverse("chat:edit", kwargs={"message_id": message.pk})
    assert "Premiere version" in client.get(url).content.decode()
    response = client.post(url, {"client_id": message.client_id, "body": "Première version"})
    assert response.status_code == 302
    assert fresh(message).body == "Première version"
    html = client.get(space_room.get_absolute_url()).content.decode()
    assert "data-edited hidden" not in html.split('id="m1"')[1].split("</li>")[0]


def test_someone_else_cannot_edit_a_message(client, member, other_member, space_room):
    message = send(other_member, space_room, "À moi").message
    response = signed_in(client, member).post(
        reverse("chat:edit", kwargs={"message_id": message.pk}),
        {"client_id": "x", "body": "Changé"},
    )
    assert response.status_code == 403
    assert fresh(message).body == "À moi"


def test_a_member_cannot_delete_someone_elses_message(client, member, other_member, space_room):
    message = send(other_member, space_room, "Reste là").message
    before = chat_rows()
    response = signed_in(client, member).post(
        reverse("chat:delete", kwargs={"message_id": message.pk})
    )
    assert response.status_code == 302
    assert "Only the space's moderators can do this." in flash(response)
    assert chat_rows() == before


def test_the_sender_deletes_a_message_and_its_text_is_gone(client, member, space_room):
    message = send(member, space_room, "Oups").message
    signed_in(client, member).post(reverse("chat:delete", kwargs={"message_id": message.pk}))
    assert fresh(message).is_deleted
    html = client.get(space_room.get_absolute_url()).content.decode()
    assert "This message was deleted." in html
    assert "Oups" not in html


def test_a_report_needs_a_reason_and_an_empty_one_changes_nothing(
    client, member, other_member, space_room
):
    message = send(other_member, space_room, "Propos déplacé").message
    url = reverse("chat:report", kwargs={"message_id": message.pk})
    client = signed_in(client, member)
    assert client.get(url).status_code == 200
    before = chat_rows()
    response = client.post(url, {"reason": "   "})
    assert response.status_code == 400
    assert "This field is required." in response.content.decode()
    assert chat_rows() == before
    response = client.post(url, {"reason": "Propos sexiste"})
    assert response.status_code == 302
    assert MessageReport.objects.get().reason == "Propos sexiste"


def test_reporting_ones_own_message_is_refused(client, member, space_room):
    message = send(member, space_room, "Le mien").message
    before = chat_rows()
    response = signed_in(client, member).post(
        reverse("chat:report", kwargs={"message_id": message.pk}), {"reason": "test"}
    )
    assert response.status_code == 400
    assert "You cannot report your own message." in response.content.decode()
    assert chat_rows() == before


# --- Moderation ----------------------------------------------------------------------------------


def test_the_reports_page_is_for_the_rooms_moderators_only(
    client, member, other_member, animator, space_room
):
    message = send(other_member, space_room, "Signalé").message
    services.message_report(by=member, message=message, reason="Hors sujet")
    url = reverse("chat:reports", kwargs={"room_id": space_room.pk})
    assert signed_in(client, member).get(url).status_code == 403
    html = signed_in(client, animator).get(url).content.decode()
    assert "Hors sujet" in html
    assert reverse("chat:report_dismiss", kwargs={"report_id": message.reports.get().pk}) in html


def test_a_moderator_sees_moderation_actions_and_a_member_does_not(
    client, member, other_member, animator, space_room
):
    send(other_member, space_room, "Bonjour")
    assert (
        "Mute the sender"
        not in signed_in(client, member).get(space_room.get_absolute_url()).content.decode()
    )
    html = signed_in(client, animator).get(space_room.get_absolute_url()).content.decode()
    assert "Mute the sender" in html
    assert reverse("chat:reports", kwargs={"room_id": space_room.pk}) in html


def test_a_moderator_mutes_a_member_and_deletes_a_message(
    client, other_member, animator, space_room
):
    message = send(other_member, space_room, "Spam").message
    client = signed_in(client, animator)
    response = client.post(
        reverse("chat:member_mute", kwargs={"room_id": space_room.pk}),
        {"user": other_member.pk, "minutes": 60},
    )
    assert response.status_code == 302
    assert MemberMute.objects.filter(room=space_room, user=other_member).exists()
    client.post(reverse("chat:delete", kwargs={"message_id": message.pk}))
    assert fresh(message).is_deleted


@pytest.mark.parametrize(
    "data", [{"user": "", "minutes": 60}, {"user": "abc", "minutes": 60}, {"minutes": 60}]
)
def test_a_mute_without_a_valid_person_is_refused(client, animator, space_room, data):
    before = chat_rows()
    response = signed_in(client, animator).post(
        reverse("chat:member_mute", kwargs={"room_id": space_room.pk}), data
    )
    assert "Choose whom to mute and for how long." in flash(response)
    assert chat_rows() == before


def test_a_mute_for_an_unlisted_duration_is_refused(client, animator, other_member, space_room):
    before = chat_rows()
    response = signed_in(client, animator).post(
        reverse("chat:member_mute", kwargs={"room_id": space_room.pk}),
        {"user": other_member.pk, "minutes": 999999},
    )
    assert "Choose whom to mute and for how long." in flash(response)
    assert chat_rows() == before


def test_a_member_cannot_mute_another_member(client, member, other_member, space_room):
    before = chat_rows()
    response = signed_in(client, member).post(
        reverse("chat:member_mute", kwargs={"room_id": space_room.pk}),
        {"user": other_member.pk, "minutes": 60},
    )
    assert "Only the space's moderators can do this." in flash(response)
    assert chat_rows() == before


def test_a_member_cannot_dismiss_a_report_but_a_moderator_can(
    client, member, other_member, animator, space_room
):
    message = send(other_member, space_room, "Signalé").message
    report = services.message_report(by=member, message=message, reason="Hors sujet")
    url = reverse("chat:report_dismiss", kwargs={"report_id": report.pk})
    response = signed_in(client, member).post(url)
    assert "Only the space's moderators can do this." in flash(response)
    assert fresh(report).resolved_at is None
    signed_in(client, animator).post(url)
    assert fresh(report).resolved_at is not None


# --- Rooms ---------------------------------------------------------------------------------------


def test_send_a_message_from_a_profile_starts_one_direct_conversation(
    client, member, other_member, open_space
):
    join(open_space, member)
    join(open_space, other_member)
    client = signed_in(client, member)
    profile_url = reverse(
        "community:profile_detail", kwargs={"profile_id": other_member.profile.pk}
    )
    start = reverse("chat:direct_start", kwargs={"profile_id": other_member.profile.pk})
    assert start in client.get(profile_url).content.decode()
    first = client.post(start)
    second = client.post(start)
    room = Room.objects.get(kind=Room.Kind.DIRECT)
    assert first["Location"] == second["Location"] == room.get_absolute_url()


def test_ones_own_profile_offers_no_conversation(client, member):
    html = (
        signed_in(client, member)
        .get(reverse("community:profile_detail", kwargs={"profile_id": member.profile.pk}))
        .content.decode()
    )
    assert reverse("chat:direct_start", kwargs={"profile_id": member.profile.pk}) not in html


def test_a_conversation_with_oneself_is_refused_with_a_message(client, member):
    before = chat_rows()
    response = signed_in(client, member).post(
        reverse("chat:direct_start", kwargs={"profile_id": member.profile.pk})
    )
    assert response.status_code == 302
    assert "You cannot start a conversation with this person." in flash(response)
    assert chat_rows() == before


def test_direct_start_needs_a_post(client, member, other_member):
    url = reverse("chat:direct_start", kwargs={"profile_id": other_member.profile.pk})
    assert signed_in(client, member).get(url).status_code == 405


def test_a_group_is_made_with_people_who_share_a_space(
    client, member, other_member, third_member, open_space
):
    join(open_space, member)
    join(open_space, other_member)
    client = signed_in(client, member)
    html = client.get(reverse("chat:group_create")).content.decode()
    assert "Yasmine Benali" in html
    assert "Thomas Tiers" not in html  # shares no space with the member
    response = client.post(
        reverse("chat:group_create"),
        {"title": "Comité", "members": [other_member.profile.pk]},
    )
    room = Room.objects.get(kind=Room.Kind.GROUP)
    assert response["Location"] == room.get_absolute_url()
    assert set(room.members.values_list("user_id", flat=True)) == {member.pk, other_member.pk}


@pytest.mark.parametrize("how", ["nobody", "stranger", "too_many"])
def test_a_bad_group_is_refused_with_a_reason_and_nothing_is_made(
    client, member, third_member, open_space, how
):
    join(open_space, member)
    people = [join(open_space, name=f"Personne {n}") for n in range(10)]
    choices = {
        "nobody": [],
        "stranger": [third_member.profile.pk],
        "too_many": [person.profile.pk for person in people],
    }[how]
    before = chat_rows()
    response = signed_in(client, member).post(
        reverse("chat:group_create"), {"title": "Groupe", "members": choices}
    )
    assert response.status_code == 400
    assert 'class="error"' in response.content.decode()
    assert chat_rows() == before


def test_a_group_member_adds_someone_and_a_direct_room_takes_nobody(
    client, member, other_member, open_space, direct_room
):
    join(open_space, member)
    newcomer = join(open_space, name="Nina Nouvelle")
    group = services.room_create_group(by=member, title="", members=[other_member])
    client = signed_in(client, member)
    url = reverse("chat:members", kwargs={"room_id": group.pk})
    assert "Nina Nouvelle" in client.get(url).content.decode()
    client.post(url, {"members": [newcomer.profile.pk]})
    assert group.members.filter(user=newcomer, left_at__isnull=True).exists()
    before = chat_rows()
    response = client.post(
        reverse("chat:members", kwargs={"room_id": direct_room.pk}),
        {"members": [newcomer.profile.pk]},
    )
    assert "Only group conversations take new members." in flash(response)
    assert chat_rows() == before


def test_a_member_leaves_a_group_but_not_a_space_room(client, member, group_room, space_room):
    client = signed_in(client, member)
    response = client.post(reverse("chat:leave", kwargs={"room_id": group_room.pk}))
    assert response["Location"] == reverse("chat:room_list")
    assert group_room.members.get(user=member).left_at is not None
    before = chat_rows()
    response = client.post(reverse("chat:leave", kwargs={"room_id": space_room.pk}))
    assert "You can leave group conversations only; mute this one." in flash(response)
    assert chat_rows() == before


def test_mute_toggles_a_room_for_oneself(client, member, space_room):
    client = signed_in(client, member)
    url = reverse("chat:mute", kwargs={"room_id": space_room.pk})
    client.post(url, {"muted": "1"})
    assert RoomMember.objects.get(room=space_room, user=member).muted is True
    assert "Unmute this room" in client.get(space_room.get_absolute_url()).content.decode()
    client.post(url, {"muted": "0"})
    assert RoomMember.objects.get(room=space_room, user=member).muted is False


def test_preferences_switch_off_presence_and_typing(client, member):
    client = signed_in(client, member)
    url = reverse("chat:preferences")
    html = client.get(url).content.decode()
    assert "Show others when I am in a room" in html
    client.post(url, {"share_typing": "on"})
    prefs = ChatPreferences.objects.get(user=member)
    assert (prefs.share_presence, prefs.share_typing) == (False, True)


# --- Search --------------------------------------------------------------------------------------


def test_search_finds_messages_only_in_ones_own_rooms(
    client, member, other_member, animator, space_room, private_room
):
    send(other_member, space_room, "Le budget égalité 2025")
    send(animator, private_room, "Le budget confidentiel")
    html = signed_in(client, member).get(reverse("chat:room_list"), {"q": "budget"}).content
    html = html.decode()
    assert "égalité 2025" in html
    assert "confidentiel" not in html
    assert f"{space_room.get_absolute_url()}#m1" in html


def test_a_one_letter_search_asks_for_more(client, member, space_room):
    html = signed_in(client, member).get(reverse("chat:room_list"), {"q": "b"}).content.decode()
    assert "Type at least two characters." in html


# --- Queries -------------------------------------------------------------------------------------


def _rooms_for(member, count):
    others = [UserFactory() for _ in range(count)]
    for other in others:
        room = services.room_start_direct(by=member, other=other)
        send(other, room, "Salut")


def _count_queries(client, url) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_the_room_list_reads_in_the_same_queries_with_3_or_30_rooms(
    client, member, open_space, django_assert_max_num_queries, monkeypatch
):
    from forum.chat import permissions

    # Direct rooms need a visible profile: the member and the others share the open space.
    monkeypatch.setattr(permissions, "can_start_conversation_with", lambda user, other: True)
    client = signed_in(client, member)
    url = reverse("chat:room_list")
    _rooms_for(member, 3)
    small = _count_queries(client, url)
    _rooms_for(member, 27)
    with django_assert_max_num_queries(small):
        response = client.get(url)
    assert response.content.decode().count("data-room-row=") == 30
    assert small <= 10


def test_the_room_page_reads_in_the_same_queries_with_3_or_30_messages(
    client, member, other_member, space_room, django_assert_max_num_queries
):
    client = signed_in(client, member)
    for number in range(3):
        message = send(other_member, space_room, f"Message {number}").message
        services.reaction_set(by=member, message=message, emoji="heart", on=True)
    small = _count_queries(client, space_room.get_absolute_url())
    for number in range(27):
        message = send(other_member, space_room, f"Message {number}").message
        services.reaction_set(by=member, message=message, emoji="tada", on=True)
    with django_assert_max_num_queries(small):
        response = client.get(space_room.get_absolute_url())
    assert len(re.findall(r'<li class="chat-msg[^"]*" id="m\d+"', response.content.decode())) == 30
    assert small <= 20  # with the read marker moved and the footer and header context
