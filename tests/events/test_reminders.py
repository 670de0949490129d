"""Reminders a day and an hour before, sent once each by the background sweep.

`reminders_send(now=…)` is called with the time of the sweep; the e-mails leave after commit,
so each call runs its after-commit hooks (tasks run at once in tests).
"""

from datetime import timedelta

import pytest
from django.utils import timezone
from notifications.models import Notification

from events import services
from events.models import EventPage, Registration
from tests.events.conftest import fresh, register

Status = Registration.Status


def verbs(user) -> list[str]:
    return list(
        Notification.objects.filter(recipient=user).order_by("pk").values_list("verb", flat=True)
    )


@pytest.fixture
def sweep(django_capture_on_commit_callbacks):
    def run(now) -> int:
        with django_capture_on_commit_callbacks(execute=True):
            return services.reminders_send(now=now)

    return run


@pytest.fixture
def reminded_event(make_event, django_capture_on_commit_callbacks):
    """An event in three days, its first publish recorded, with one confirmed participant."""
    with django_capture_on_commit_callbacks(execute=True):
        event = make_event(start=timezone.now() + timedelta(days=3), capacity=5)
    return event, register(event)


def test_the_day_before_reminder_is_sent_once(reminded_event, sweep, mailoutbox):
    event, registration = reminded_event

    assert sweep(event.start - timedelta(hours=20)) == 1
    assert sweep(event.start - timedelta(hours=20)) == 0
    assert sweep(event.start - timedelta(hours=2)) == 0

    assert verbs(registration.user) == ["registration.confirmed", "event.reminder_day"]
    assert [m.to for m in mailoutbox] == [[registration.user.email]]
    assert mailoutbox[0].subject == f"Reminder: {event.title}"
    assert "Your event is tomorrow." in mailoutbox[0].body
    assert registration.get_absolute_url() in mailoutbox[0].body
    assert fresh(registration).reminded_day_at == event.start - timedelta(hours=20)


def test_the_hour_before_reminder_is_sent_once(reminded_event, sweep, mailoutbox):
    event, registration = reminded_event
    sweep(event.start - timedelta(hours=20))
    mailoutbox.clear()

    assert sweep(event.start - timedelta(minutes=50)) == 1
    assert sweep(event.start - timedelta(minutes=10)) == 0

    assert verbs(registration.user)[-2:] == ["event.reminder_day", "event.reminder_hour"]
    assert len(mailoutbox) == 1
    assert "Your event starts within the hour." in mailoutbox[0].body


def test_no_reminder_is_due_more_than_a_day_before(reminded_event, sweep, mailoutbox):
    event, registration = reminded_event
    assert sweep(event.start - timedelta(hours=25)) == 0
    assert services.reminders_send() == 0
    assert fresh(registration).reminded_day_at is None
    assert mailoutbox == []


def test_a_missed_day_reminder_is_not_sent_once_the_hour_reminder_is_due(
    reminded_event, sweep, mailoutbox
):
    event, registration = reminded_event

    assert sweep(event.start - timedelta(minutes=30)) == 1
    assert sweep(event.start - timedelta(minutes=20)) == 0

    assert verbs(registration.user) == ["registration.confirmed", "event.reminder_hour"]
    assert fresh(registration).reminded_day_at is None
    assert len(mailoutbox) == 1


def test_no_reminder_once_the_event_has_started(reminded_event, sweep, mailoutbox):
    event, registration = reminded_event

    assert sweep(event.start) == 0
    assert sweep(event.start + timedelta(minutes=1)) == 0

    registration = fresh(registration)
    assert (registration.reminded_day_at, registration.reminded_hour_at) == (None, None)
    assert mailoutbox == []


def test_reminders_go_only_to_confirmed_seats(make_event, sweep, mailoutbox):
    event = make_event(capacity=2)
    confirmed, leaving = register(event), register(event)
    offered, waitlisted = register(event), register(event)
    services.registration_cancel(by=leaving.user, registration=leaving)
    assert fresh(offered).status == Status.OFFERED
    mailoutbox.clear()

    assert sweep(event.start - timedelta(hours=20)) == 1
    assert sweep(event.start - timedelta(minutes=30)) == 1

    assert [m.to for m in mailoutbox] == [[confirmed.user.email]] * 2
    for registration in (leaving, offered, waitlisted):
        assert not {"event.reminder_day", "event.reminder_hour"} & set(verbs(registration.user))


def test_pending_and_declined_registrations_get_no_reminder(
    make_event, organiser, sweep, mailoutbox
):
    event = make_event(approval=EventPage.Approval.APPROVED, organisers=[organiser])
    pending, declined = register(event), register(event)
    services.registration_decide(by=organiser, registration=declined, approve=False)

    assert sweep(event.start - timedelta(hours=20)) == 0
    assert sweep(event.start - timedelta(minutes=30)) == 0
    assert mailoutbox == []
    assert fresh(pending).reminded_day_at is None


def test_a_guest_added_by_hand_is_reminded_by_e_mail(make_event, organiser, sweep, mailoutbox):
    event = make_event(organisers=[organiser])
    services.registration_add(
        by=organiser, event=event, guest_name="Inès Durand", guest_email="ines@example.org"
    )
    before = Notification.objects.count()

    assert sweep(event.start - timedelta(hours=20)) == 1

    assert [m.to for m in mailoutbox] == [["ines@example.org"]]
    assert Notification.objects.count() == before


def test_an_unpublished_event_sends_no_reminder(reminded_event, sweep, mailoutbox):
    event, _registration = reminded_event
    EventPage.objects.get(pk=event.pk).unpublish()

    assert sweep(event.start - timedelta(hours=20)) == 0
    assert mailoutbox == []


def test_both_reminders_are_sent_again_after_a_change_of_time(
    reminded_event, sweep, mailoutbox, django_capture_on_commit_callbacks
):
    event, registration = reminded_event
    sweep(event.start - timedelta(hours=20))
    sweep(event.start - timedelta(minutes=30))
    assert len(mailoutbox) == 2

    page = EventPage.objects.get(pk=event.pk)
    page.start = event.start + timedelta(days=2)
    page.end = event.end + timedelta(days=2)
    with django_capture_on_commit_callbacks(execute=True):
        page.save_revision().publish()
    moved = EventPage.objects.get(pk=event.pk)
    registration = fresh(registration)
    assert (registration.reminded_day_at, registration.reminded_hour_at) == (None, None)
    assert verbs(registration.user)[-1] == "event.changed"
    mailoutbox.clear()

    # The old times come again: nothing is due any more.
    assert sweep(event.start - timedelta(minutes=30)) == 0
    assert sweep(moved.start - timedelta(hours=20)) == 1
    assert sweep(moved.start - timedelta(minutes=30)) == 1

    assert verbs(registration.user)[-2:] == ["event.reminder_day", "event.reminder_hour"]
    assert [m.subject for m in mailoutbox] == [f"Reminder: {event.title}"] * 2


def test_one_sweep_reminds_every_participant_of_every_event_due(make_event, sweep, mailoutbox):
    start = timezone.now() + timedelta(days=2)
    first = make_event(start=start)
    second = make_event(start=start + timedelta(hours=3))
    people = [register(first), register(first), register(second)]

    assert sweep(start - timedelta(hours=20)) == 3

    assert {m.to[0] for m in mailoutbox} == {r.user.email for r in people}
