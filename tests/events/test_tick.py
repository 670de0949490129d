"""`manage.py events_tick`: the sweep that lapses ended offers and sends due reminders."""

import os
import signal
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError
from django.utils import timezone
from notifications.models import Notification

from events import services
from events.management.commands import events_tick
from events.models import Registration
from tests.events.conftest import fresh, register
from tests.factories import UserFactory

Status = Registration.Status


def tick(capture) -> str:
    """Run the command once, with its after-commit work (e-mails) done; return what it said."""
    out = StringIO()
    with capture(execute=True):
        call_command("events_tick", stdout=out)
    return out.getvalue()


def verbs_of(user) -> list[str]:
    return list(
        Notification.objects.filter(recipient=user).order_by("pk").values_list("verb", flat=True)
    )


@pytest.fixture
def ended_offer(make_event):
    """An event of one seat: the first registrant cancelled, the second's offer has just ended,
    a third waits behind her."""
    event = make_event(capacity=1)
    first, second, third = (register(event) for _ in range(3))
    services.registration_cancel(by=first.user, registration=first)
    assert fresh(second).status == Status.OFFERED
    Registration.objects.filter(pk=second.pk).update(
        offer_expires_at=timezone.now() - timedelta(minutes=1)
    )
    return event, second, third


def test_the_tick_lapses_an_ended_offer_and_offers_the_seat_to_the_next_in_line(
    ended_offer, django_capture_on_commit_callbacks, mailoutbox
):
    event, second, third = ended_offer

    said = tick(django_capture_on_commit_callbacks)

    assert fresh(second).status == Status.LAPSED
    assert fresh(third).status == Status.OFFERED
    assert fresh(third).offer_expires_at > timezone.now()
    assert verbs_of(second.user)[-1] == "registration.lapsed"
    assert verbs_of(third.user)[-1] == "registration.offered"
    assert [message.to for message in mailoutbox] == [[third.user.email]]
    assert "1 offer(s) lapsed, 0 reminder(s) sent" in said


def test_the_tick_leaves_an_offer_alone_while_its_claim_window_is_open(
    make_event, django_capture_on_commit_callbacks
):
    event = make_event(capacity=1)
    first, second = register(event), register(event)
    services.registration_cancel(by=first.user, registration=first)

    said = tick(django_capture_on_commit_callbacks)

    assert fresh(second).status == Status.OFFERED
    assert "0 offer(s) lapsed" in said


def test_the_tick_sends_the_hour_and_day_reminders_that_are_due_to_confirmed_participants(
    make_event, django_capture_on_commit_callbacks, mailoutbox
):
    now = timezone.now()
    soon = make_event(start=now + timedelta(minutes=30), capacity=1)
    tomorrow = make_event(start=now + timedelta(hours=20))
    next_week = make_event(start=now + timedelta(days=7))
    in_soon, waiting = register(soon), register(soon)
    in_tomorrow, in_next_week = register(tomorrow), register(next_week)
    assert fresh(waiting).status == Status.WAITLISTED

    said = tick(django_capture_on_commit_callbacks)

    assert fresh(in_soon).reminded_hour_at is not None
    assert fresh(in_soon).reminded_day_at is None  # the hour reminder replaces a missed one
    assert fresh(in_tomorrow).reminded_day_at is not None
    assert verbs_of(in_soon.user)[-1] == "event.reminder_hour"
    assert verbs_of(in_tomorrow.user)[-1] == "event.reminder_day"
    assert "event.reminder_hour" not in verbs_of(waiting.user)
    assert fresh(in_next_week).reminded_day_at is None
    assert sorted(message.to[0] for message in mailoutbox) == sorted(
        [in_soon.user.email, in_tomorrow.user.email]
    )
    assert "0 offer(s) lapsed, 2 reminder(s) sent" in said


def test_running_the_tick_twice_sends_nothing_more(
    ended_offer, make_event, django_capture_on_commit_callbacks, mailoutbox
):
    _event, second, third = ended_offer
    soon = make_event(start=timezone.now() + timedelta(minutes=30))
    register(soon, UserFactory())
    tick(django_capture_on_commit_callbacks)
    notifications = Notification.objects.count()
    sent = len(mailoutbox)
    offer = fresh(third).offer_expires_at

    said = tick(django_capture_on_commit_callbacks)

    assert "0 offer(s) lapsed, 0 reminder(s) sent" in said
    assert Notification.objects.count() == notifications
    assert len(mailoutbox) == sent
    assert (fresh(second).status, fresh(third).status) == (Status.LAPSED, Status.OFFERED)
    assert fresh(third).offer_expires_at == offer


def test_the_loop_refuses_a_period_that_is_not_positive(db):
    with pytest.raises(CommandError):
        call_command("events_tick", "--loop", "0")


@pytest.fixture
def rounds(monkeypatch):
    """Count the loop's rounds and connection clean-ups; the test decides what a round does."""
    seen = {"rounds": 0, "closes": 0}
    monkeypatch.setattr(
        events_tick, "close_old_connections", lambda: seen.__setitem__("closes", seen["closes"] + 1)
    )
    return seen


def test_the_loop_ends_cleanly_after_the_round_in_progress_when_sent_sigterm(
    ended_offer, rounds, monkeypatch
):
    _event, second, _third = ended_offer
    real_offers_expire = services.offers_expire

    def offers_expire():
        rounds["rounds"] += 1
        os.kill(os.getpid(), signal.SIGTERM)  # arrives in the middle of the round
        return real_offers_expire()

    monkeypatch.setattr(services, "offers_expire", offers_expire)
    handler = signal.getsignal(signal.SIGTERM)
    out = StringIO()

    call_command("events_tick", "--loop", "3600", stdout=out)

    assert rounds["rounds"] == 1
    assert fresh(second).status == Status.LAPSED  # the round finished its work
    assert rounds["closes"] == 2  # before and after the round
    assert out.getvalue().splitlines()[-1] == "events_tick: stopped."
    assert signal.getsignal(signal.SIGTERM) is handler


def test_the_loop_survives_a_round_the_database_refused_and_tries_again(rounds, monkeypatch, db):
    def offers_expire():
        rounds["rounds"] += 1
        if rounds["rounds"] == 1:
            raise DatabaseError("server closed the connection unexpectedly")
        os.kill(os.getpid(), signal.SIGINT)  # Ctrl-C
        return 0

    monkeypatch.setattr(services, "offers_expire", offers_expire)
    out = StringIO()

    call_command("events_tick", "--loop", "0.01", "--verbosity", "2", stdout=out)

    assert rounds["rounds"] == 2
    assert rounds["closes"] == 4
    lines = out.getvalue().splitlines()
    assert lines[-2].endswith("0 offer(s) lapsed, 0 reminder(s) sent")
    assert lines[-1] == "events_tick: stopped."
