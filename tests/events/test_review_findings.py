"""Edge cases found in review, each once a real defect: kept so they stay fixed."""

from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone
from notifications.models import Notification

from community.models import Membership
from events import services
from events.models import EventPage, Registration
from tests.events.conftest import fresh, register
from tests.events.test_admin import event_form_data
from tests.factories import MembershipFactory, UserFactory

Status = Registration.Status


# --- Losing access to a private space's event -------------------------------------------------


@pytest.fixture
def removed_participant(make_event, private_space, member):
    """A member registered for a hybrid event of a private space, then removed from it."""
    membership = MembershipFactory(space=private_space, user=member)
    event = make_event(
        space=private_space, format="hybrid", online_url="https://meet.example/secret-room"
    )
    registration = register(event, member)
    assert registration.status == Status.CONFIRMED
    Membership.objects.filter(pk=membership.pk).update(state=Membership.State.REMOVED)
    return event, fresh(registration)


def test_a_member_removed_from_the_space_loses_the_ticket_and_its_online_link(
    client, member, removed_participant
):
    event, registration = removed_participant
    client.force_login(member)
    assert client.get(reverse("events:ticket", args=[registration.pk])).status_code == 404
    assert client.get(reverse("events:ticket_qr", args=[registration.pk])).status_code == 404
    feed = services.calendar_feed_for(member)
    body = client.get(feed.get_absolute_url()).content.decode()
    assert "secret-room" not in body
    assert f"event-{event.pk}@" not in body


def test_a_member_removed_from_the_space_gets_no_reminder_and_no_change_notice(
    member, removed_participant, django_capture_on_commit_callbacks
):
    event, _registration = removed_participant
    before = Notification.objects.filter(recipient=member).count()
    assert services.reminders_send(now=event.start - timedelta(hours=20)) == 0
    EventPage.objects.filter(pk=event.pk).update(city="Brest")
    event = EventPage.objects.get(pk=event.pk)
    with django_capture_on_commit_callbacks(execute=True):
        event.save_revision().publish()
    assert Notification.objects.filter(recipient=member).count() == before
    assert not [m for m in mail.outbox if member.email in m.to and "Brest" in m.body]


def test_an_organiser_cannot_add_a_member_who_cannot_see_the_event(
    make_event, private_space, animator, other_member
):
    event = make_event(space=private_space)
    with pytest.raises(Exception) as refusal:
        services.registration_add(by=animator, event=event, user=other_member)
    assert getattr(refusal.value, "code", "") == "cannot_see"
    assert not Registration.objects.filter(event=event).exists()


# --- The waiting list once the event has started ----------------------------------------------


def test_nobody_passes_the_waiting_list_once_offers_can_no_longer_be_made(make_event):
    now = timezone.now()
    event = make_event(
        capacity=1,
        start=now + timedelta(hours=2),
        end=now + timedelta(hours=8),
        registration_closes=now + timedelta(hours=6),
        claim_window_hours=1,
    )
    first, offered, waiting = (register(event) for _ in range(3))
    services.registration_cancel(by=first.user, registration=first)
    assert fresh(offered).status == Status.OFFERED
    # The event starts; the offer lapses; no new offer can be made after the start.
    EventPage.objects.filter(pk=event.pk).update(start=now - timedelta(minutes=1))
    Registration.objects.filter(pk=offered.pk).update(offer_expires_at=now - timedelta(minutes=2))
    services.offers_expire(now=timezone.now())
    assert fresh(offered).status == Status.LAPSED
    latecomer = register(EventPage.objects.get(pk=event.pk))
    assert latecomer.status == Status.WAITLISTED
    assert fresh(waiting).status == Status.WAITLISTED


def test_an_offer_cannot_be_claimed_once_the_start_moved_before_now(
    make_event, django_capture_on_commit_callbacks
):
    event = make_event(capacity=1, claim_window_hours=48)
    first, second = register(event), register(event)
    services.registration_cancel(by=first.user, registration=first)
    assert fresh(second).status == Status.OFFERED
    now = timezone.now()
    EventPage.objects.filter(pk=event.pk).update(
        start=now - timedelta(minutes=30), end=now + timedelta(hours=1)
    )
    event = EventPage.objects.get(pk=event.pk)
    with django_capture_on_commit_callbacks(execute=True):
        event.save_revision().publish()
    assert fresh(second).offer_expires_at <= event.start
    with pytest.raises(Exception) as refusal:
        services.registration_claim(user=second.user, registration=second)
    assert refusal.value.code == "offer_lapsed"
    assert fresh(second).status == Status.OFFERED


# --- Forms and addresses ----------------------------------------------------------------------


def test_zero_seats_posted_are_refused_not_read_as_one(client, make_event, member):
    event = make_event(max_seats_per_registration=3)
    client.force_login(member)
    response = client.post(reverse("events:register", args=[event.pk]), {"seats": "0"})
    assert response.status_code == 200
    assert not Registration.objects.filter(event=event).exists()


def test_an_id_too_large_for_the_database_is_simply_not_found(client, member):
    client.force_login(member)
    big = 10**20
    for name in ("event_ics", "attendees", "check_in", "report"):
        assert client.get(reverse(f"events:{name}", args=[big])).status_code == 404
    assert client.post(reverse("events:register", args=[big])).status_code == 404


def test_an_htmx_history_restore_of_the_attendee_list_gets_the_whole_page(
    client, organised_event, organiser
):
    client.force_login(organiser)
    response = client.get(
        reverse("events:attendees", args=[organised_event.pk]),
        headers={"HX-Request": "true", "HX-History-Restore-Request": "true"},
    )
    assert b"<html" in response.content
    assert "HX-Request" in response["Vary"]


# --- The Wagtail admin ------------------------------------------------------------------------


def test_a_listed_organiser_reopens_an_event_with_unpublished_changes(
    client, organised_event, organiser, open_space
):
    EventPage.objects.filter(pk=organised_event.pk).update(space=open_space)
    event = EventPage.objects.get(pk=organised_event.pk)
    event.title = "Nouveau titre"
    event.save_revision()
    client.force_login(organiser)
    assert client.get(f"/cms/pages/{event.pk}/edit/").status_code == 200
    outsider = UserFactory()
    client.force_login(outsider)
    assert client.get(f"/cms/pages/{event.pk}/edit/").status_code == 302


def test_an_animator_previews_an_event_with_a_programme_slot_not_saved_yet(
    client, make_event, open_space, animator, events_index
):
    event = make_event(space=open_space)
    client.force_login(animator)
    slot = {
        "day": "",
        "starts_at": "09:30",
        "ends_at": "10:00",
        "kind": "talk",
        "track": "",
        "room": "Salle 1",
        "title": "Accueil",
        "description": "",
        "tables": "",
    }
    data = event_form_data(slug=event.slug, space=str(open_space.pk), slots=[slot])
    response = client.post(f"/cms/pages/{event.pk}/edit/preview/", data)
    assert response.status_code == 200
    assert response.json()["is_valid"] is True
    assert client.get(f"/cms/pages/{event.pk}/edit/preview/").status_code == 200
    add = f"/cms/pages/add/events/eventpage/{events_index.pk}/preview/"
    response = client.post(add, event_form_data(slug="apercu", space=str(open_space.pk)))
    assert response.status_code == 200
    assert client.get(add).status_code == 200
