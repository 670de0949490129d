"""The registration services: seats, the waiting list, offers, approval, the organisers' tools.

Services send their e-mails after commit: tests that look at `mailoutbox` run the hooks with
`django_capture_on_commit_callbacks(execute=True)` (tasks run at once in tests).
"""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from notifications.models import Notification

from events import services
from events.models import (
    CalendarFeed,
    ClosingReport,
    EventPage,
    Feedback,
    PublishedSchedule,
    Registration,
)
from events.selectors import seats_held, waitlist_position
from tests.events.conftest import fresh, register
from tests.factories import OrganisationFactory, UserFactory

Status = Registration.Status


def verbs(user) -> list[str]:
    return list(
        Notification.objects.filter(recipient=user).order_by("pk").values_list("verb", flat=True)
    )


def started(event: EventPage) -> EventPage:
    """Move the event so that it started an hour ago and ends in an hour."""
    now = timezone.now()
    EventPage.objects.filter(pk=event.pk).update(
        start=now - timedelta(hours=1), end=now + timedelta(hours=1), registration_closes=None
    )
    return EventPage.objects.get(pk=event.pk)


@pytest.fixture
def published_event(make_event, django_capture_on_commit_callbacks):
    """An event whose first publish ran its after-commit hooks (its schedule is recorded)."""

    def make(**fields) -> EventPage:
        with django_capture_on_commit_callbacks(execute=True):
            event = make_event(**fields)
        assert PublishedSchedule.objects.filter(event=event).exists()
        return event

    return make


def republish(event: EventPage, capture, **changes) -> EventPage:
    """Publish a new revision with `changes`, running the after-commit hooks (as on a site)."""
    page = EventPage.objects.get(pk=event.pk)
    for name, value in changes.items():
        setattr(page, name, value)
    with capture(execute=True):
        page.save_revision().publish()
    return EventPage.objects.get(pk=event.pk)


# --- Confirmed or waitlisted --------------------------------------------------------------------


def test_registrations_are_confirmed_while_seats_remain_then_waitlisted_in_order(make_event):
    event = make_event(capacity=2)
    first, second, third, fourth = (register(event) for _ in range(4))

    assert [r.status for r in (first, second, third, fourth)] == [
        Status.CONFIRMED,
        Status.CONFIRMED,
        Status.WAITLISTED,
        Status.WAITLISTED,
    ]
    assert seats_held(event) == 2
    assert (waitlist_position(third), waitlist_position(fourth)) == (1, 2)
    assert waitlist_position(first) is None
    assert verbs(first.user) == ["registration.confirmed"]
    assert verbs(third.user) == ["registration.waitlisted"]


def test_a_confirmed_registration_is_told_by_notification_and_e_mail(
    make_event, mailoutbox, django_capture_on_commit_callbacks
):
    event = make_event()
    with django_capture_on_commit_callbacks(execute=True):
        registration = register(event)

    assert verbs(registration.user) == ["registration.confirmed"]
    assert len(mailoutbox) == 1
    assert mailoutbox[0].to == [registration.user.email]
    assert event.title in mailoutbox[0].subject
    assert registration.get_absolute_url() in mailoutbox[0].body


def test_an_event_without_capacity_confirms_everyone(make_event):
    event = make_event(capacity=None, max_seats_per_registration=30)
    registrations = [register(event, seats=30) for _ in range(5)]
    assert {r.status for r in registrations} == {Status.CONFIRMED}
    assert seats_held(event) == 150


def test_a_registration_holds_several_seats_and_the_capacity_counts_seats(make_event):
    event = make_event(capacity=10, max_seats_per_registration=4)
    class_a = register(event, seats=4)
    class_b = register(event, seats=4)
    too_big = register(event, seats=3)
    # The first registration whose seats fit is confirmed, even after one that waits.
    fits = register(event, seats=2)

    assert (class_a.status, class_b.status) == (Status.CONFIRMED, Status.CONFIRMED)
    assert too_big.status == Status.WAITLISTED
    assert fits.status == Status.CONFIRMED
    assert seats_held(event) == 10


def test_freed_seats_go_to_the_first_in_line_whose_seats_fit(
    make_event, django_capture_on_commit_callbacks
):
    event = make_event(capacity=4, max_seats_per_registration=3)
    three = register(event, seats=3)
    one = register(event, seats=1)
    waiting_three = register(event, seats=3)
    waiting_one = register(event, seats=1)
    assert (waiting_three.status, waiting_one.status) == (Status.WAITLISTED, Status.WAITLISTED)

    services.registration_cancel(by=one.user, registration=one)

    # One seat is free: the first in line needs three and keeps her place; the second gets it.
    assert fresh(waiting_three).status == Status.WAITLISTED
    assert waitlist_position(waiting_three) == 1
    assert fresh(waiting_one).status == Status.OFFERED
    assert seats_held(event) == 4

    services.registration_cancel(by=three.user, registration=three)

    assert fresh(waiting_three).status == Status.OFFERED
    assert seats_held(event) == 4


# --- Approval ----------------------------------------------------------------------------------


def test_a_registration_to_an_approved_event_waits_and_the_organisers_are_told(
    make_event, organiser
):
    event = make_event(approval=EventPage.Approval.APPROVED, organisers=[organiser])
    registration = register(event)

    assert registration.status == Status.PENDING
    assert seats_held(event) == 0
    assert verbs(registration.user) == ["registration.pending"]
    assert verbs(organiser) == ["registration.requested"]


def test_an_organiser_approves_a_registration_which_is_confirmed_while_seats_remain(
    make_event, organiser, mailoutbox, django_capture_on_commit_callbacks
):
    event = make_event(approval=EventPage.Approval.APPROVED, organisers=[organiser], capacity=1)
    first, second = register(event), register(event)

    with django_capture_on_commit_callbacks(execute=True):
        services.registration_decide(by=organiser, registration=first, approve=True)
        services.registration_decide(by=organiser, registration=second, approve=True)

    assert fresh(first).status == Status.CONFIRMED
    assert fresh(second).status == Status.WAITLISTED
    assert second.queued_at is not None
    assert verbs(first.user) == ["registration.pending", "registration.confirmed"]
    assert verbs(second.user) == ["registration.pending", "registration.waitlisted"]
    assert [m.to for m in mailoutbox] == [[first.user.email]]


def test_an_organiser_declines_a_registration(make_event, organiser):
    event = make_event(approval=EventPage.Approval.APPROVED, organisers=[organiser])
    registration = register(event)

    services.registration_decide(by=organiser, registration=registration, approve=False)

    assert fresh(registration).status == Status.DECLINED
    assert verbs(registration.user) == ["registration.pending", "registration.declined"]
    # Declined is not active: the person may ask again.
    assert register(event, user=registration.user).status == Status.PENDING


def test_only_organisers_decide_and_only_once(make_event, organiser, member):
    event = make_event(approval=EventPage.Approval.APPROVED, organisers=[organiser])
    registration = register(event)

    with pytest.raises(PermissionDenied):
        services.registration_decide(by=member, registration=registration, approve=True)
    with pytest.raises(PermissionDenied):
        services.registration_decide(by=registration.user, registration=registration, approve=True)
    assert fresh(registration).status == Status.PENDING

    services.registration_decide(by=organiser, registration=registration, approve=True)
    with pytest.raises(ValidationError) as refused:
        services.registration_decide(by=organiser, registration=registration, approve=False)
    assert refused.value.code == "not_pending"
    assert fresh(registration).status == Status.CONFIRMED


# --- Cancelling, offers and claims ----------------------------------------------------------------


def test_a_cancellation_offers_the_seat_to_the_next_in_line_until_the_claim_window_ends(
    make_event, mailoutbox, django_capture_on_commit_callbacks
):
    event = make_event(capacity=1, claim_window_hours=24)
    holder, waiting = register(event), register(event)

    before = timezone.now()
    with django_capture_on_commit_callbacks(execute=True):
        services.registration_cancel(by=holder.user, registration=holder)
    after = timezone.now()

    holder, waiting = fresh(holder), fresh(waiting)
    assert holder.status == Status.CANCELLED
    assert holder.cancelled_at is not None
    assert waiting.status == Status.OFFERED
    assert before + timedelta(hours=24) <= waiting.offer_expires_at <= after + timedelta(hours=24)
    assert verbs(waiting.user) == ["registration.waitlisted", "registration.offered"]
    # The participant cancelled herself: she is not notified of her own act.
    assert verbs(holder.user) == ["registration.confirmed"]
    assert [m.to for m in mailoutbox] == [[waiting.user.email]]
    assert waiting.get_absolute_url() in mailoutbox[0].body


def test_an_offer_never_lasts_past_the_start_of_the_event(make_event):
    start = timezone.now() + timedelta(hours=3)
    event = make_event(capacity=1, claim_window_hours=24, start=start)
    holder, waiting = register(event), register(event)

    services.registration_cancel(by=holder.user, registration=holder)

    assert fresh(waiting).offer_expires_at == event.start


def test_an_organiser_cancelling_a_registration_tells_the_participant(make_event, organiser):
    event = make_event(organisers=[organiser])
    registration = register(event)

    services.registration_cancel(by=organiser, registration=registration)

    assert fresh(registration).status == Status.CANCELLED
    assert verbs(registration.user) == [
        "registration.confirmed",
        "registration.cancelled_by_organiser",
    ]


def test_cancelling_a_waitlisted_registration_offers_nothing(make_event):
    event = make_event(capacity=1)
    holder, first, second = register(event), register(event), register(event)

    services.registration_cancel(by=first.user, registration=first)

    assert fresh(holder).status == Status.CONFIRMED
    assert fresh(second).status == Status.WAITLISTED
    assert waitlist_position(fresh(second)) == 1


def test_a_member_who_is_not_the_holder_cannot_cancel(make_event, member):
    event = make_event()
    registration = register(event)

    with pytest.raises(PermissionDenied):
        services.registration_cancel(by=member, registration=registration)
    assert fresh(registration).status == Status.CONFIRMED


def test_claiming_an_offer_before_the_deadline_confirms_the_seat(
    make_event, mailoutbox, django_capture_on_commit_callbacks
):
    event = make_event(capacity=1)
    holder, waiting = register(event), register(event)
    services.registration_cancel(by=holder.user, registration=holder)

    with django_capture_on_commit_callbacks(execute=True):
        services.registration_claim(user=waiting.user, registration=waiting)

    waiting = fresh(waiting)
    assert waiting.status == Status.CONFIRMED
    assert waiting.offer_expires_at is None
    assert waiting.queued_at is None
    assert seats_held(event) == 1
    assert verbs(waiting.user)[-1] == "registration.confirmed"
    assert [m.to for m in mailoutbox] == [[waiting.user.email]]


def test_an_offer_not_claimed_in_time_lapses_and_goes_to_the_next_in_line(make_event):
    event = make_event(capacity=1, claim_window_hours=6, start=timezone.now() + timedelta(days=3))
    holder, first, second = register(event), register(event), register(event)
    services.registration_cancel(by=holder.user, registration=holder)
    first = fresh(first)

    # Not yet due: nothing happens.
    assert services.offers_expire(now=first.offer_expires_at - timedelta(minutes=1)) == 0
    assert fresh(first).status == Status.OFFERED

    later = first.offer_expires_at + timedelta(minutes=1)
    assert services.offers_expire(now=later) == 1

    first, second = fresh(first), fresh(second)
    assert first.status == Status.LAPSED
    assert verbs(first.user)[-1] == "registration.lapsed"
    assert second.status == Status.OFFERED
    assert second.offer_expires_at == later + timedelta(hours=6)
    assert verbs(second.user)[-1] == "registration.offered"
    assert seats_held(event) == 1
    # Run again at the same time: nothing more to do.
    assert services.offers_expire(now=later) == 0


def test_no_seat_is_offered_once_the_event_has_started(make_event):
    start = timezone.now() + timedelta(hours=2)
    event = make_event(capacity=1, claim_window_hours=24, start=start)
    holder, first, second = register(event), register(event), register(event)
    services.registration_cancel(by=holder.user, registration=holder)
    assert fresh(first).offer_expires_at == event.start

    assert services.offers_expire(now=event.start + timedelta(minutes=5)) == 1

    assert fresh(first).status == Status.LAPSED
    assert fresh(second).status == Status.WAITLISTED
    assert fresh(second).offer_expires_at is None
    assert seats_held(event) == 0


def test_removing_the_capacity_confirms_everyone_waiting(make_event):
    event = make_event(capacity=1)
    holder, first, second = register(event), register(event), register(event)
    EventPage.objects.filter(pk=event.pk).update(capacity=None)

    promoted = services.seats_refill(event=event)

    assert {r.pk for r in promoted} == {first.pk, second.pk}
    for registration in (holder, first, second):
        assert fresh(registration).status == Status.CONFIRMED
    assert fresh(first).queued_at is None
    assert verbs(first.user)[-1] == "registration.promoted"


def test_removing_the_capacity_also_confirms_a_seat_on_offer(make_event):
    event = make_event(capacity=1)
    holder, offered, waiting = register(event), register(event), register(event)
    services.registration_cancel(by=holder.user, registration=holder)
    assert fresh(offered).status == Status.OFFERED
    EventPage.objects.filter(pk=event.pk).update(capacity=None)

    services.seats_refill(event=event)

    offered = fresh(offered)
    assert offered.status == Status.CONFIRMED
    assert offered.offer_expires_at is None
    assert fresh(waiting).status == Status.CONFIRMED
    # Once the offer's window would have ended, nothing lapses.
    assert services.offers_expire(now=timezone.now() + timedelta(days=1)) == 0
    assert fresh(offered).status == Status.CONFIRMED


def test_a_capacity_raised_in_a_publish_offers_the_new_seats(
    published_event, mailoutbox, django_capture_on_commit_callbacks
):
    event = published_event(capacity=1)
    holder, first, second, third = (register(event) for _ in range(4))

    event = republish(event, django_capture_on_commit_callbacks, capacity=3)

    assert event.capacity == 3
    assert fresh(holder).status == Status.CONFIRMED
    assert (fresh(first).status, fresh(second).status) == (Status.OFFERED, Status.OFFERED)
    assert fresh(third).status == Status.WAITLISTED
    assert sorted(m.to[0] for m in mailoutbox) == sorted([first.user.email, second.user.email])
    # Capacity is not the time or the place: nobody is told the event changed.
    assert "event.changed" not in verbs(holder.user)


# --- When the time or place changes -----------------------------------------------------------


@pytest.fixture
def crowd(published_event, organiser):
    """An event with one person in each state: confirmed, offered, waitlisted, pending by hand,
    cancelled."""
    event = published_event(capacity=2, organisers=[organiser])
    confirmed, leaving = register(event), register(event)
    offered, waitlisted = register(event), register(event)
    services.registration_cancel(by=leaving.user, registration=leaving)
    assert fresh(offered).status == Status.OFFERED
    return event, {
        "confirmed": fresh(confirmed),
        "offered": fresh(offered),
        "waitlisted": fresh(waitlisted),
        "cancelled": fresh(leaving),
    }


def test_a_new_start_tells_every_participant_still_in_line_and_re_arms_reminders(
    crowd, mailoutbox, django_capture_on_commit_callbacks
):
    event, people = crowd
    Registration.objects.filter(event=event).update(
        reminded_day_at=timezone.now(), reminded_hour_at=timezone.now()
    )
    mailoutbox.clear()
    new_start = event.start + timedelta(days=1)

    event = republish(
        event, django_capture_on_commit_callbacks, start=new_start, end=event.end + timedelta(1)
    )

    told = {people[name].user.email for name in ("confirmed", "offered", "waitlisted")}
    for name in ("confirmed", "offered", "waitlisted"):
        registration = fresh(people[name])
        assert "event.changed" in verbs(registration.user)
        assert registration.reminded_day_at is None
        assert registration.reminded_hour_at is None
    assert "event.changed" not in verbs(people["cancelled"].user)
    assert {m.to[0] for m in mailoutbox} == told
    assert all(event.title in m.subject for m in mailoutbox)
    assert PublishedSchedule.objects.get(event=event).start == new_start


def test_schedule_published_reports_a_change_of_place_once(
    crowd, mailoutbox, django_capture_on_commit_callbacks
):
    event, people = crowd
    mailoutbox.clear()
    EventPage.objects.filter(pk=event.pk).update(venue_name="Hôtel de Région")

    with django_capture_on_commit_callbacks(execute=True):
        assert services.schedule_published(event=event) is True
    with django_capture_on_commit_callbacks(execute=True):
        assert services.schedule_published(event=event) is False

    assert verbs(people["confirmed"].user).count("event.changed") == 1
    assert len(mailoutbox) == 3
    assert "Hôtel de Région" in mailoutbox[0].body


def test_a_publish_without_change_of_time_or_place_tells_nobody(
    crowd, mailoutbox, django_capture_on_commit_callbacks
):
    event, people = crowd
    mailoutbox.clear()
    before = Notification.objects.count()

    republish(event, django_capture_on_commit_callbacks, summary="Un résumé plus précis.")

    assert Notification.objects.count() == before
    assert mailoutbox == []


def test_a_new_online_link_is_a_change_of_place(crowd, django_capture_on_commit_callbacks):
    event, people = crowd
    republish(
        event,
        django_capture_on_commit_callbacks,
        format=EventPage.Format.HYBRID,
        online_url="https://visio.example.org/atelier",
    )
    assert "event.changed" in verbs(people["confirmed"].user)


# --- Added by an organiser ----------------------------------------------------------------------


def test_an_organiser_adds_a_member_who_is_told(make_event, organiser, member):
    event = make_event(organisers=[organiser], approval=EventPage.Approval.APPROVED)

    registration = services.registration_add(by=organiser, event=event, user=member, seats=1)

    assert registration.status == Status.CONFIRMED  # approval does not apply to organisers
    assert registration.added_by == organiser
    assert verbs(member) == ["registration.confirmed"]


def test_an_organiser_adds_a_guest_without_an_account(make_event, organiser):
    event = make_event(organisers=[organiser], capacity=1)
    register(event)

    guest = services.registration_add(
        by=organiser, event=event, guest_name="  Inès Durand ", guest_email="ines@example.org"
    )

    assert guest.user is None
    assert guest.display_name == "Inès Durand"
    assert guest.guest_email == "ines@example.org"
    # The capacity applies: the event is full, so the guest waits.
    assert guest.status == Status.WAITLISTED


def test_an_organiser_can_add_someone_after_registration_closed(make_event, organiser, member):
    closes = timezone.now() - timedelta(hours=1)
    event = make_event(organisers=[organiser], registration_closes=closes)
    registration = services.registration_add(by=organiser, event=event, user=member)
    assert registration.status == Status.CONFIRMED


def test_adding_someone_by_hand_is_refused_to_a_non_organiser(make_event, member, other_member):
    event = make_event()
    with pytest.raises(PermissionDenied):
        services.registration_add(by=member, event=event, user=other_member)
    with pytest.raises(PermissionDenied):
        services.registration_add(by=member, event=event, guest_name="Quelqu'un")
    assert not Registration.objects.exists()


def test_adding_by_hand_needs_someone_and_not_twice(make_event, organiser, member):
    event = make_event(organisers=[organiser])
    with pytest.raises(ValidationError) as nobody:
        services.registration_add(by=organiser, event=event, guest_name="  ")
    assert nobody.value.error_dict["guest_name"][0].code == "nobody"

    register(event, user=member)
    with pytest.raises(ValidationError) as twice:
        services.registration_add(by=organiser, event=event, user=member)
    assert twice.value.code == "already_registered"
    assert Registration.objects.count() == 1


def test_a_guest_e_mail_address_must_be_valid(make_event, organiser):
    event = make_event(organisers=[organiser])
    with pytest.raises(ValidationError) as refused:
        services.registration_add(
            by=organiser, event=event, guest_name="Inès", guest_email="not-an-address"
        )
    assert "guest_email" in refused.value.error_dict
    assert not Registration.objects.exists()


# --- Check-in and attendance ------------------------------------------------------------------


def test_an_organiser_checks_a_participant_in_and_can_undo_it(make_event, organiser):
    event = make_event(organisers=[organiser])
    registration = register(event)

    services.attendance_set(by=organiser, registration=registration, attendance="present")
    registration = fresh(registration)
    assert registration.attendance == Registration.Attendance.PRESENT
    assert registration.checked_in_by == organiser
    assert registration.checked_in_at is not None

    services.attendance_set(by=organiser, registration=registration, attendance="unknown")
    registration = fresh(registration)
    assert registration.attendance == Registration.Attendance.UNKNOWN
    assert registration.checked_in_at is None


def test_a_no_show_is_marked_only_once_the_event_has_started(make_event, organiser):
    event = make_event(organisers=[organiser])
    registration = register(event)

    with pytest.raises(ValidationError) as refused:
        services.attendance_set(by=organiser, registration=registration, attendance="absent")
    assert refused.value.code == "too_early"
    assert fresh(registration).attendance == Registration.Attendance.UNKNOWN

    started(event)
    services.attendance_set(by=organiser, registration=registration, attendance="absent")
    assert fresh(registration).attendance == Registration.Attendance.ABSENT


def test_attendance_is_refused_to_others_and_for_seats_not_confirmed(make_event, organiser, member):
    event = make_event(organisers=[organiser], capacity=1)
    confirmed, waiting = register(event), register(event)

    with pytest.raises(PermissionDenied):
        services.attendance_set(by=member, registration=confirmed, attendance="present")
    with pytest.raises(PermissionDenied):
        services.attendance_set(by=confirmed.user, registration=confirmed, attendance="present")
    with pytest.raises(ValidationError) as not_confirmed:
        services.attendance_set(by=organiser, registration=waiting, attendance="present")
    assert not_confirmed.value.code == "not_confirmed"
    with pytest.raises(ValidationError) as unknown:
        services.attendance_set(by=organiser, registration=confirmed, attendance="maybe")
    assert unknown.value.code == "invalid_attendance"
    assert fresh(confirmed).attendance == fresh(waiting).attendance == "unknown"


def test_check_in_by_code_checks_in_the_ticket_of_this_event_only(make_event, organiser):
    event = make_event(organisers=[organiser])
    other_event = make_event(organisers=[organiser])
    ticket = register(event)
    other_ticket = register(other_event)

    checked = services.check_in_by_code(by=organiser, event=event, code=ticket.code)
    assert checked.pk == ticket.pk
    assert fresh(ticket).attendance == Registration.Attendance.PRESENT

    with pytest.raises(ValidationError) as refused:
        services.check_in_by_code(by=organiser, event=event, code=other_ticket.code)
    assert refused.value.code == "unknown_ticket"
    with pytest.raises(ValidationError):
        services.check_in_by_code(by=organiser, event=event, code="not-a-code")
    assert fresh(other_ticket).attendance == Registration.Attendance.UNKNOWN


def test_check_in_by_code_is_refused_to_a_non_organiser(make_event, member):
    event = make_event()
    ticket = register(event)
    with pytest.raises(PermissionDenied):
        services.check_in_by_code(by=member, event=event, code=ticket.code)
    with pytest.raises(PermissionDenied):
        services.check_in_by_code(by=ticket.user, event=event, code=ticket.code)
    assert fresh(ticket).attendance == Registration.Attendance.UNKNOWN


def test_checking_in_twice_keeps_the_first_time_and_person(make_event, organiser, staff):
    event = make_event(organisers=[organiser])
    ticket = register(event)
    services.check_in_by_code(by=organiser, event=event, code=ticket.code)
    first_time = fresh(ticket).checked_in_at

    services.check_in_by_code(by=staff, event=event, code=ticket.code)

    ticket = fresh(ticket)
    assert ticket.checked_in_at == first_time
    assert ticket.checked_in_by == organiser


# --- Feedback and the closing report ------------------------------------------------------------


def test_a_participant_rates_the_event_once_it_started_and_a_second_rating_updates_it(
    make_event,
):
    event = make_event()
    participant = register(event).user
    event = started(event)

    services.feedback_submit(user=participant, event=event, rating="4", comment=" Très utile ")
    services.feedback_submit(user=participant, event=event, rating=5, comment="Encore mieux")

    feedback = Feedback.objects.get()
    assert (feedback.user, feedback.rating, feedback.comment) == (participant, 5, "Encore mieux")


def test_feedback_is_refused_before_the_start(make_event):
    event = make_event()
    participant = register(event).user
    with pytest.raises(ValidationError) as refused:
        services.feedback_submit(user=participant, event=event, rating=4)
    assert refused.value.code == "too_early"
    assert not Feedback.objects.exists()


def test_feedback_is_refused_to_who_did_not_take_part(make_event, member, organiser):
    event = make_event(capacity=1, organisers=[organiser])
    absent = register(event)
    waiting = register(event)
    event = started(event)
    services.attendance_set(by=organiser, registration=absent, attendance="absent")

    for user in (member, waiting.user, absent.user):
        with pytest.raises(PermissionDenied):
            services.feedback_submit(user=user, event=event, rating=5)
    assert not Feedback.objects.exists()


@pytest.mark.parametrize("rating", [0, 6, "", None, "cinq", -1])
def test_a_rating_outside_1_to_5_is_refused(make_event, rating):
    event = make_event()
    participant = register(event).user
    event = started(event)
    with pytest.raises(ValidationError) as refused:
        services.feedback_submit(user=participant, event=event, rating=rating)
    assert refused.value.error_dict["rating"][0].code == "invalid_rating"
    assert not Feedback.objects.exists()


def test_organisers_write_the_closing_report_once_the_event_started(make_event, organiser):
    event = make_event(organisers=[organiser])
    with pytest.raises(ValidationError) as early:
        services.report_update(by=organiser, event=event, outcomes="Trop tôt")
    assert early.value.code == "too_early"
    assert not ClosingReport.objects.exists()

    event = started(event)
    company = OrganisationFactory()
    report = services.report_update(
        by=organiser,
        event=event,
        organisations=[company],
        outcomes=" Trois fiches pratiques ",
        other_organisations="Lycée Chateaubriand\nMairie de Rennes",
        recording_url="https://video.example.org/atelier",
    )

    report = ClosingReport.objects.get(pk=report.pk)
    assert report.outcomes == "Trois fiches pratiques"
    assert report.other_organisation_list == ["Lycée Chateaubriand", "Mairie de Rennes"]
    assert list(report.organisations.all()) == [company]
    assert report.updated_by == organiser

    services.report_update(by=organiser, event=event, lessons="Prévoir plus de tables")
    assert ClosingReport.objects.get().lessons == "Prévoir plus de tables"
    assert ClosingReport.objects.get().outcomes == "Trois fiches pratiques"


def test_the_closing_report_is_refused_to_participants_and_members(make_event, member):
    event = make_event()
    participant = register(event).user
    event = started(event)
    for user in (member, participant):
        with pytest.raises(PermissionDenied):
            services.report_update(by=user, event=event, outcomes="Rien")
    assert not ClosingReport.objects.exists()


def test_a_closing_report_with_a_bad_recording_address_changes_nothing(make_event, organiser):
    event = started(make_event(organisers=[organiser]))
    with pytest.raises(ValidationError) as refused:
        services.report_update(by=organiser, event=event, recording_url="pas une adresse")
    assert "recording_url" in refused.value.error_dict
    assert not ClosingReport.objects.exists()


# --- The personal calendar --------------------------------------------------------------------


def test_resetting_the_calendar_feed_changes_its_secret_address(member):
    feed = services.calendar_feed_for(member)
    assert services.calendar_feed_for(member).token == feed.token
    old_url = feed.get_absolute_url()

    reset = services.calendar_feed_reset(user=member)

    assert reset.token != feed.token
    assert reset.get_absolute_url() != old_url
    assert CalendarFeed.objects.get(user=member).token == reset.token
    assert not CalendarFeed.objects.filter(token=feed.token).exists()


def test_the_calendar_feed_is_only_for_signed_in_members():
    from django.contrib.auth.models import AnonymousUser

    with pytest.raises(PermissionDenied):
        services.calendar_feed_for(AnonymousUser())
    with pytest.raises(PermissionDenied):
        services.calendar_feed_reset(user=AnonymousUser())


def test_a_deactivated_account_cannot_register(make_event):
    event = make_event()
    user = UserFactory(is_active=False)
    with pytest.raises(PermissionDenied):
        register(event, user=user)
    assert not Registration.objects.exists()
