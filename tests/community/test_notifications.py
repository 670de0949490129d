"""The notification service: who is told, what they read, what their sockets receive."""

import pytest
from django.utils import translation
from notifications.models import Notification

from community import notifications
from community.notifications import (
    notification_mark_all_read,
    notification_mark_read,
    notification_send,
    notifications_for,
    render,
    serialise,
    unread_count,
)
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def send(*, recipients, actor, verb="membership.requested", target=None, url="/here/"):
    return notification_send(recipients=recipients, actor=actor, verb=verb, target=target, url=url)


def frames(published, user) -> list[dict]:
    return [message for group, message in published if group == f"notifications.{user.pk}"]


# --- Sending ----------------------------------------------------------------------------------


def test_each_recipient_is_notified_and_their_sockets_get_the_new_count(
    member, other_member, animator, open_space, published, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        created = send(recipients=[animator, other_member], actor=member, target=open_space)

    assert len(created) == 2
    for recipient in (animator, other_member):
        notification = Notification.objects.get(recipient=recipient)
        assert notification.verb == "membership.requested"
        assert notification.actor == member
        assert notification.target == open_space
        assert notification.unread
        assert notification.data == {
            "actor": "Claire Martin",
            "target": "Recrutement inclusif",
            "url": "/here/",
        }
        [frame] = frames(published, recipient)
        assert frame == {
            "type": "stream.event",
            "stream": "notifications",
            "event": "notification.created",
            "data": {"unread": 1, "notification": serialise(notification)},
        }


def test_the_actor_is_never_notified_of_their_own_action(
    member, animator, published, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        created = send(recipients=[member, animator, None], actor=member)

    assert [notification.recipient for notification in created] == [animator]
    assert not Notification.objects.filter(recipient=member).exists()
    assert frames(published, member) == []


def test_a_recipient_named_twice_is_notified_once(member, animator):
    created = send(recipients=[animator, animator], actor=member)

    assert len(created) == 1
    assert Notification.objects.filter(recipient=animator).count() == 1


def test_an_unknown_verb_is_a_programming_error_and_creates_nothing(
    member, animator, published, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(ValueError):
        send(recipients=[animator], actor=member, verb="membership.exploded")

    assert Notification.objects.count() == 0
    assert published == []


def test_each_frame_carries_the_unread_count_as_committed(
    member, animator, published, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        send(recipients=[animator], actor=member)
    with django_capture_on_commit_callbacks(execute=True):
        send(recipients=[animator], actor=member, verb="membership.joined")
        send(recipients=[animator], actor=member, verb="membership.joined")

    # Counted after the commit: two notifications of one transaction both say 3.
    assert [frame["data"]["unread"] for frame in frames(published, animator)] == [1, 3, 3]
    assert unread_count(animator) == 3


def test_nothing_reaches_a_socket_before_the_commit(member, animator, published):
    send(recipients=[animator], actor=member)

    assert Notification.objects.filter(recipient=animator).count() == 1
    assert published == []


def test_a_notification_without_a_target_still_reads(member, animator):
    [notification] = send(recipients=[animator], actor=member, verb="membership.joined")

    assert notification.target is None
    assert render(notification) == "Claire Martin joined ."


# --- Reading ----------------------------------------------------------------------------------


def test_marking_ones_own_notification_read_sends_the_new_count(
    member, animator, published, django_capture_on_commit_callbacks
):
    (first,) = send(recipients=[animator], actor=member)
    send(recipients=[animator], actor=member)

    with django_capture_on_commit_callbacks(execute=True):
        read = notification_mark_read(user=animator, notification_id=first.pk)

    assert read.pk == first.pk
    assert not Notification.objects.get(pk=first.pk).unread
    assert unread_count(animator) == 1
    assert frames(published, animator) == [
        {
            "type": "stream.event",
            "stream": "notifications",
            "event": "notification.read",
            "data": {"unread": 1},
        }
    ]


def test_marking_a_read_notification_read_again_changes_nothing(member, animator):
    (first,) = send(recipients=[animator], actor=member)
    notification_mark_read(user=animator, notification_id=first.pk)

    notification_mark_read(user=animator, notification_id=first.pk)

    assert unread_count(animator) == 0


def test_another_users_notification_cannot_be_marked_read(
    member, animator, other_member, published, django_capture_on_commit_callbacks
):
    (theirs,) = send(recipients=[animator], actor=member)

    with django_capture_on_commit_callbacks(execute=True), pytest.raises(Notification.DoesNotExist):
        notification_mark_read(user=other_member, notification_id=theirs.pk)

    assert Notification.objects.get(pk=theirs.pk).unread
    assert published == []


def test_an_unknown_notification_id_is_not_found(animator):
    with pytest.raises(Notification.DoesNotExist):
        notification_mark_read(user=animator, notification_id=999_999)


def test_marking_all_read_touches_only_ones_own(
    member, animator, other_member, published, django_capture_on_commit_callbacks
):
    send(recipients=[animator, other_member], actor=member)
    send(recipients=[animator, other_member], actor=member)

    with django_capture_on_commit_callbacks(execute=True):
        count = notification_mark_all_read(user=animator)

    assert count == 2
    assert unread_count(animator) == 0
    assert unread_count(other_member) == 2
    assert frames(published, animator) == [
        {
            "type": "stream.event",
            "stream": "notifications",
            "event": "notification.read",
            "data": {"unread": 0},
        }
    ]
    assert frames(published, other_member) == []


def test_the_notification_centre_lists_ones_own_newest_first(member, animator, other_member):
    (older,) = send(recipients=[animator], actor=member, verb="membership.requested")
    (newer,) = send(recipients=[animator], actor=member, verb="membership.joined")
    send(recipients=[other_member], actor=member)

    assert list(notifications_for(animator)) == [newer, older]


# --- How a notification reads -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("verb", "text"),
    [
        ("membership.requested", "Claire Martin asked to join Recrutement inclusif."),
        (
            "membership.approved",
            "Claire Martin accepted your request to join Recrutement inclusif.",
        ),
        ("membership.declined", "Your request to join Recrutement inclusif was declined."),
        ("membership.removed", "You are no longer a member of Recrutement inclusif."),
        ("membership.joined", "Claire Martin joined Recrutement inclusif."),
        ("invitation.received", "Claire Martin invited you to join Recrutement inclusif."),
        (
            "invitation.accepted",
            "Claire Martin accepted your invitation to Recrutement inclusif.",
        ),
    ],
)
def test_each_verb_reads_as_an_english_sentence(member, animator, open_space, verb, text):
    (notification,) = send(recipients=[animator], actor=member, verb=verb, target=open_space)

    assert render(notification) == text
    assert serialise(notification)["text"] == text


def test_a_notification_is_rendered_in_the_readers_language_at_read_time(
    member, animator, open_space
):
    (notification,) = send(recipients=[animator], actor=member, target=open_space)

    with translation.override("fr"):
        text = render(notification)

    # The French wording arrives with the compiled catalogue; the names are data, not text.
    assert "Claire Martin" in text
    assert "Recrutement inclusif" in text


def test_names_are_frozen_at_sending_so_a_renamed_space_does_not_rewrite_history(
    member, animator, open_space
):
    (notification,) = send(recipients=[animator], actor=member, target=open_space)
    open_space.name = "Nouveau nom"
    open_space.save()

    notification.refresh_from_db()
    assert render(notification) == "Claire Martin asked to join Recrutement inclusif."


def test_a_foreign_verb_falls_back_to_its_description(animator):
    notification = Notification.objects.create(
        recipient=animator, actor=animator, verb="legacy.thing", description="Ancien message"
    )

    assert render(notification) == "Ancien message"


def test_serialise_gives_plain_data_for_the_socket(member, animator):
    (notification,) = send(recipients=[animator], actor=member, url="/spaces/x/")

    payload = serialise(notification)

    assert payload == {
        "id": notification.pk,
        "verb": "membership.requested",
        "text": "Claire Martin asked to join .",
        "url": "/spaces/x/",
        "timestamp": notification.timestamp.isoformat(),
        "unread": True,
    }


def test_the_group_of_a_users_notifications_is_named_after_them():
    assert notifications.notifications_group(42) == "notifications.42"


def test_a_new_member_has_no_unread_notifications(db):
    user = UserFactory()

    assert unread_count(user) == 0
