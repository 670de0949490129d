"""Bad input is refused with a clear message, and changes nothing.

Each refusal compares the rows (registrations, notifications, feedback, reports, events) and the
e-mails before and after; the call runs its after-commit hooks, so an e-mail queued by mistake
would show.
"""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError
from django.utils import timezone, translation
from notifications.models import Notification

from events import services
from events.models import ClosingReport, EventPage, Feedback, Registration
from events.selectors import seats_held
from tests.events.conftest import fresh, register
from tests.events.test_admin import event_form_data
from tests.factories import MembershipFactory, UserFactory

Status = Registration.Status
PARIS = ZoneInfo("Europe/Paris")
UTC = ZoneInfo("UTC")


@pytest.fixture
def state(db, mailoutbox):
    """The rows and e-mails a refused call must leave exactly as they were."""

    def snapshot():
        return {
            "registrations": list(
                Registration.objects.order_by("pk").values_list(
                    "pk",
                    "event_id",
                    "user_id",
                    "status",
                    "seats",
                    "answers",
                    "queued_at",
                    "offer_expires_at",
                    "attendance",
                    "cancelled_at",
                )
            ),
            "notifications": list(
                Notification.objects.order_by("pk").values_list("pk", "recipient_id", "verb")
            ),
            "feedback": list(Feedback.objects.values_list("pk", "rating", "comment")),
            "reports": list(ClosingReport.objects.values_list("pk", "outcomes")),
            "events": list(
                EventPage.objects.order_by("pk").values_list("pk", "capacity", "start", "end")
            ),
            "mails": len(mailoutbox),
        }

    return snapshot


@pytest.fixture
def refused(state, django_capture_on_commit_callbacks):
    """`refused(call, code=…)`: the call raises, says why, and changes nothing."""

    def check(call, *, code=None, field=None, error=ValidationError):
        before = state()
        with django_capture_on_commit_callbacks(execute=True), pytest.raises(error) as raised:
            call()
        assert state() == before
        if error is ValidationError:
            problem = raised.value
            if field is not None:
                problem = raised.value.error_dict[field][0]
            if code is not None:
                assert problem.code == code
            assert all(message.strip() for message in raised.value.messages)
        else:
            assert str(raised.value)
        return raised.value

    return check


def admin_form(*, user, parent, instance=None, **fields):
    """The Wagtail admin's event form, bound to posted data, as the add and edit views make it."""
    form_class = EventPage.get_edit_handler().get_form_class()
    return form_class(
        event_form_data(**fields),
        instance=instance if instance is not None else EventPage(),
        parent_page=parent,
        for_user=user,
    )


# --- Registering ----------------------------------------------------------------------------------


def test_registering_after_registration_closed_is_refused(make_event, refused, member):
    event = make_event(registration_closes=timezone.now() - timedelta(minutes=1))
    error = refused(lambda: register(event, user=member), code="closed")
    assert error.messages == ["Registration is closed."]


def test_registering_after_the_start_is_refused_when_no_closing_time_was_given(
    make_event, refused, member
):
    now = timezone.now()
    event = make_event(start=now - timedelta(minutes=5), end=now + timedelta(hours=1))
    refused(lambda: register(event, user=member), code="closed")


def test_registering_before_registration_opens_is_refused(make_event, refused, member):
    event = make_event(registration_opens=timezone.now() + timedelta(hours=1))
    error = refused(lambda: register(event, user=member), code="not_open")
    assert error.messages == ["Registration has not opened yet."]


def test_registering_for_a_past_event_is_refused(make_event, refused, member, organiser):
    start = timezone.now() - timedelta(days=2)
    event = make_event(start=start, end=start + timedelta(hours=2), organisers=[organiser])
    error = refused(lambda: register(event, user=member), code="event_past")
    assert error.messages == ["This event is over."]
    refused(
        lambda: services.registration_add(by=organiser, event=event, user=member),
        code="event_past",
    )


def test_registering_twice_is_refused(make_event, refused, member):
    event = make_event()
    register(event, user=member)
    error = refused(lambda: register(event, user=member), code="already_registered")
    assert error.messages == ["You are already registered for this event."]


def test_registering_twice_is_refused_while_waitlisted_or_offered(make_event, refused):
    event = make_event(capacity=1)
    holder, waiting, offered_one = register(event), register(event), register(event)
    services.registration_cancel(by=holder.user, registration=holder)
    assert fresh(waiting).status == Status.OFFERED
    refused(lambda: register(event, user=waiting.user), code="already_registered")
    refused(lambda: register(event, user=offered_one.user), code="already_registered")


def test_a_second_registration_made_at_the_same_instant_is_refused_by_the_database(
    make_event, refused, member, monkeypatch
):
    """The other registration committed after our check: the unique constraint refuses ours."""
    event = make_event()
    Registration.objects.create(event=event, user=member, status=Status.CONFIRMED)
    # Our transaction did not see it when it checked.
    monkeypatch.setattr(Registration, "ACTIVE", ())

    error = refused(lambda: register(event, user=member), code="already_registered")

    assert error.messages == ["You are already registered for this event."]
    assert Registration.objects.filter(event=event, user=member).count() == 1


def test_the_database_refuses_two_active_registrations_of_one_person(make_event, member):
    event = make_event()
    Registration.objects.create(event=event, user=member, status=Status.WAITLISTED)
    with pytest.raises(IntegrityError):
        Registration.objects.create(event=event, user=member, status=Status.CONFIRMED)


def test_more_seats_than_one_registration_may_hold_are_refused(make_event, refused, member):
    event = make_event(max_seats_per_registration=3)
    error = refused(lambda: register(event, user=member, seats=4), field="seats")
    assert error.error_dict["seats"][0].code == "too_many_seats"
    assert "at most 3 seat" in error.messages[0]


def test_more_seats_than_the_capacity_are_refused(make_event, refused, member):
    event = make_event(capacity=5, max_seats_per_registration=20)
    error = refused(lambda: register(event, user=member, seats=6), field="seats")
    assert error.messages == ["This event has only 5 seats."]


@pytest.mark.parametrize("seats", [0, -1, "0", "-3", "deux", "", None, "1.5", 2.5, [2]])
def test_seats_that_are_not_a_positive_whole_number_are_refused(make_event, refused, member, seats):
    event = make_event(max_seats_per_registration=5)
    error = refused(lambda: register(event, user=member, seats=seats), field="seats")
    assert error.error_dict["seats"][0].code == "invalid_seats"


def test_seats_given_as_text_are_read_as_a_number(make_event, member):
    event = make_event(max_seats_per_registration=5)
    assert register(event, user=member, seats=" 3 ").seats == 3


def test_registering_for_the_event_of_a_private_space_one_cannot_see_is_refused(
    make_event, refused, private_space, member
):
    event = make_event(space=private_space)
    refused(lambda: register(event, user=member), error=PermissionDenied)


def test_a_member_of_the_private_space_can_register(make_event, private_space, member):
    MembershipFactory(space=private_space, user=member)
    event = make_event(space=private_space)
    assert register(event, user=member).status == Status.CONFIRMED


def test_an_anonymous_visitor_cannot_register(make_event, refused):
    from django.contrib.auth.models import AnonymousUser

    event = make_event()
    refused(
        lambda: services.registration_create(event=event, user=AnonymousUser()),
        error=PermissionDenied,
    )


# --- Answers to the event's questions -----------------------------------------------------------


@pytest.fixture
def event_with_questions(make_event):
    event = make_event(
        questions=[
            {"label": "Organisation", "kind": "text", "required": True},
            {
                "label": "Atelier",
                "kind": "choice",
                "choices": "Offres d'emploi\nEntretiens\nPromotion",
                "required": True,
            },
            {"label": "Besoin d'un interprète ?", "kind": "yes_no"},
        ]
    )
    text, choice, yes_no = (str(q.pk) for q in event.questions.order_by("sort_order"))
    return event, text, choice, yes_no


def test_well_formed_answers_are_kept_keyed_by_question(event_with_questions, member):
    event, text, choice, yes_no = event_with_questions
    registration = register(
        event, user=member, answers={text: " Breizh Industrie ", choice: "Entretiens", yes_no: "on"}
    )
    assert registration.answers == {text: "Breizh Industrie", choice: "Entretiens", yes_no: "yes"}


def test_answers_to_unknown_questions_are_refused(
    event_with_questions, make_event, refused, member
):
    event, text, choice, _yes_no = event_with_questions
    other = make_event(questions=[{"label": "Ailleurs", "kind": "text"}])
    foreign = str(other.questions.get().pk)
    answers = {text: "Breizh", choice: "Entretiens", foreign: "intrus"}
    error = refused(lambda: register(event, user=member, answers=answers), code="unknown_question")
    assert error.messages == ["Answer only the questions of this event."]
    refused(
        lambda: register(event, user=member, answers={text: "B", choice: "Entretiens", "999": ""}),
        code="unknown_question",
    )


def test_a_choice_not_in_the_list_is_refused(event_with_questions, refused, member):
    event, text, choice, _yes_no = event_with_questions
    answers = {text: "Breizh", choice: "Cuisine"}
    error = refused(lambda: register(event, user=member, answers=answers))
    assert error.message_dict == {f"q_{choice}": ["Choose one of the listed answers."]}


def test_a_missing_required_answer_is_refused(event_with_questions, refused, member):
    event, text, choice, _yes_no = event_with_questions
    error = refused(lambda: register(event, user=member, answers={text: "   "}))
    assert error.message_dict == {
        f"q_{text}": ["Please answer this question."],
        f"q_{choice}": ["Please answer this question."],
    }


def test_a_too_long_answer_is_refused(event_with_questions, refused, member):
    event, text, choice, _yes_no = event_with_questions
    answers = {text: "x" * (services.MAX_ANSWER_LENGTH + 1), choice: "Entretiens"}
    error = refused(lambda: register(event, user=member, answers=answers))
    assert list(error.message_dict) == [f"q_{text}"]
    assert "500" in error.message_dict[f"q_{text}"][0]


def test_an_answer_that_is_not_text_is_refused(event_with_questions, refused, member):
    event, text, choice, _yes_no = event_with_questions
    answers = {text: ["une", "liste"], choice: "Entretiens"}
    refused(lambda: register(event, user=member, answers=answers))


# --- Offers and cancelling ----------------------------------------------------------------------


@pytest.fixture
def offer(make_event):
    """A seat offered to the second person after the first cancelled."""
    event = make_event(capacity=1)
    holder, offered = register(event), register(event)
    services.registration_cancel(by=holder.user, registration=holder)
    offered = fresh(offered)
    assert offered.status == Status.OFFERED
    return offered


def test_claiming_someone_else_s_offer_is_refused(offer, refused, member):
    error = refused(
        lambda: services.registration_claim(user=member, registration=offer),
        error=PermissionDenied,
    )
    assert str(error) == "This offer is not yours."


def test_claiming_after_the_deadline_is_refused_even_before_the_sweep(offer, refused):
    Registration.objects.filter(pk=offer.pk).update(
        offer_expires_at=timezone.now() - timedelta(seconds=1)
    )
    error = refused(
        lambda: services.registration_claim(user=offer.user, registration=offer),
        code="offer_lapsed",
    )
    assert error.messages == ["The offer has ended: the seat went to the next person."]
    assert fresh(offer).status == Status.OFFERED


def test_claiming_an_offer_that_lapsed_is_refused(offer, refused):
    services.offers_expire(now=offer.offer_expires_at + timedelta(seconds=1))
    refused(
        lambda: services.registration_claim(user=offer.user, registration=offer),
        code="no_offer",
    )


def test_claiming_a_seat_already_confirmed_is_refused(make_event, refused):
    registration = register(make_event())
    refused(
        lambda: services.registration_claim(user=registration.user, registration=registration),
        code="no_offer",
    )


def test_cancelling_twice_is_refused(make_event, refused):
    registration = register(make_event())
    services.registration_cancel(by=registration.user, registration=registration)
    error = refused(
        lambda: services.registration_cancel(by=registration.user, registration=registration),
        code="not_active",
    )
    assert error.messages == ["This registration is already cancelled."]


def test_cancelling_after_the_start_is_refused(make_event, refused):
    event = make_event(capacity=1)
    registration, waiting = register(event), register(event)
    now = timezone.now()
    EventPage.objects.filter(pk=event.pk).update(
        start=now - timedelta(minutes=1), end=now + timedelta(hours=1)
    )
    error = refused(
        lambda: services.registration_cancel(by=registration.user, registration=registration),
        code="started",
    )
    assert error.messages == ["The event has started: it can no longer be cancelled."]
    assert fresh(waiting).status == Status.WAITLISTED


def test_checking_in_a_cancelled_ticket_is_refused(make_event, refused, organiser):
    event = make_event(organisers=[organiser])
    ticket = register(event)
    services.registration_cancel(by=ticket.user, registration=ticket)
    refused(
        lambda: services.check_in_by_code(by=organiser, event=event, code=ticket.code),
        code="not_confirmed",
    )


# --- Feedback and reports -----------------------------------------------------------------------


def test_a_too_long_feedback_comment_is_refused(make_event, refused):
    event = make_event()
    participant = register(event).user
    now = timezone.now()
    EventPage.objects.filter(pk=event.pk).update(start=now - timedelta(hours=1))
    event = EventPage.objects.get(pk=event.pk)
    refused(
        lambda: services.feedback_submit(
            user=participant, event=event, rating=4, comment="x" * 2001
        ),
        field="comment",
        code="too_long",
    )


# --- The event's dates: model and admin form ------------------------------------------------------


def test_an_end_before_the_start_is_refused_by_the_model(events_index):
    start = timezone.now() + timedelta(days=3)
    event = EventPage(
        title="À l'envers",
        slug="a-l-envers",
        event_type=EventPage.Type.WEBINAR,
        summary="Un événement qui finit avant de commencer.",
        start=start,
        end=start - timedelta(hours=1),
        city="Rennes",
    )
    with pytest.raises(ValidationError) as refused_:
        event.clean()
    assert refused_.value.message_dict["end"] == ["The end must be after the start."]
    with pytest.raises(ValidationError):
        events_index.add_child(instance=event)
    assert not EventPage.objects.exists()


def test_an_end_equal_to_the_start_is_refused_by_the_model(db):
    start = timezone.now() + timedelta(days=3)
    event = EventPage(start=start, end=start, city="Rennes", max_seats_per_registration=1)
    with pytest.raises(ValidationError) as refused_:
        event.clean()
    assert "end" in refused_.value.message_dict


def test_an_end_before_the_start_is_refused_by_the_admin_form(staff, events_index):
    year = timezone.now().year + 1
    form = admin_form(
        user=staff, parent=events_index, start=f"{year}-05-04 14:00", end=f"{year}-05-04 13:00"
    )
    assert not form.is_valid()
    assert form.errors["end"] == ["The end must be after the start."]


def test_a_wall_clock_time_that_does_not_exist_is_refused_by_the_admin_form(staff, events_index):
    # On 29 March 2026 the clocks in Paris jump from 02:00 to 03:00.
    with translation.override("en"):
        form = admin_form(
            user=staff, parent=events_index, start="2026-03-29 02:30", end="2026-03-29 05:00"
        )
        assert not form.is_valid()
        assert form.errors["start"] == [
            "29/03/2026 02:30 does not exist in Europe/Paris: the clocks go forward that night. "
            "Choose a time after the change."
        ]


def test_the_same_time_in_a_zone_without_the_change_is_accepted(staff, events_index):
    form = admin_form(
        user=staff,
        parent=events_index,
        time_zone="America/Martinique",
        start="2026-03-29 02:30",
        end="2026-03-29 05:00",
    )
    assert form.is_valid(), form.errors
    assert form.cleaned_data["start"] == datetime(2026, 3, 29, 6, 30, tzinfo=UTC)


def test_an_ambiguous_wall_clock_time_means_its_first_occurrence(staff, events_index):
    # On 25 October 2026 the clocks in Paris go back from 03:00 to 02:00: 02:30 happens twice.
    form = admin_form(
        user=staff, parent=events_index, start="2026-10-25 02:30", end="2026-10-25 04:00"
    )
    assert form.is_valid(), form.errors
    # The first 02:30 is still summer time (UTC+2).
    assert form.cleaned_data["start"] == datetime(2026, 10, 25, 0, 30, tzinfo=UTC)
    assert form.cleaned_data["end"] == datetime(2026, 10, 25, 3, 0, tzinfo=UTC)


def test_an_evening_to_morning_event_across_the_change_lasts_what_it_really_lasts(
    staff, events_index
):
    form = admin_form(
        user=staff, parent=events_index, start="2026-10-24 20:00", end="2026-10-25 10:00"
    )
    assert form.is_valid(), form.errors
    page = form.save(commit=False)
    assert page.duration == timedelta(hours=15)
    assert page.local_start == datetime(2026, 10, 24, 20, 0)
    assert page.local_end == datetime(2026, 10, 25, 10, 0)


def test_local_times_are_turned_into_utc_instants():
    from events.timezones import local_to_utc

    first = local_to_utc(datetime(2026, 10, 25, 2, 30), "Europe/Paris")
    assert first.utcoffset() == timedelta(0)
    assert first == datetime(2026, 10, 25, 0, 30, tzinfo=UTC)
    with pytest.raises(ValidationError) as skipped:
        local_to_utc(datetime(2026, 3, 29, 2, 30), "Europe/Paris", field="start")
    assert skipped.value.error_dict["start"][0].code == "nonexistent_time"


def test_an_event_s_duration_is_counted_in_real_time_whatever_zone_its_times_are_in(db):
    start = datetime(2026, 10, 24, 20, 0, tzinfo=PARIS)
    end = datetime(2026, 10, 25, 10, 0, tzinfo=PARIS)
    assert EventPage(start=start, end=end).duration == timedelta(hours=15)


# --- Lowering the capacity below the seats held ---------------------------------------------------


def test_lowering_the_capacity_below_the_seats_held_is_refused_by_the_admin_form(
    make_event, staff, events_index
):
    event = make_event(capacity=5, max_seats_per_registration=2)
    register(event, seats=2)
    register(event, seats=1)
    page = event.get_latest_revision_as_object()

    form = admin_form(user=staff, parent=events_index, instance=page, slug=event.slug, capacity="2")

    assert not form.is_valid()
    assert form.errors["capacity"] == [
        "3 seats are already confirmed or offered: the capacity cannot go below that. "
        "Cancel registrations first, or keep the capacity."
    ]
    assert EventPage.objects.get(pk=event.pk).capacity == 5
    # Down to exactly the seats held is fine.
    form = admin_form(user=staff, parent=events_index, instance=page, slug=event.slug, capacity="3")
    assert form.is_valid(), form.errors


def test_a_capacity_set_below_the_seats_held_takes_no_seat_and_gives_none_until_below_it(
    make_event, refused
):
    event = make_event(capacity=3)
    first, second, third = register(event), register(event), register(event)
    waiting = register(event)
    # As a scheduled publish could do: the row is set directly, past the form's check.
    EventPage.objects.filter(pk=event.pk).update(capacity=1)

    assert services.seats_refill(event=event) == []
    assert [fresh(r).status for r in (first, second, third)] == [Status.CONFIRMED] * 3
    assert register(event).status == Status.WAITLISTED

    services.registration_cancel(by=first.user, registration=first)
    services.registration_cancel(by=second.user, registration=second)
    # Two seats held for a capacity of 1: still nothing to offer.
    assert fresh(waiting).status == Status.WAITLISTED
    assert seats_held(event) == 1

    services.registration_cancel(by=third.user, registration=third)

    assert fresh(waiting).status == Status.OFFERED
    assert seats_held(event) == 1


def test_a_published_revision_with_a_lower_capacity_takes_no_seat(
    make_event, django_capture_on_commit_callbacks
):
    event = make_event(capacity=2)
    holders = [register(event), register(event)]
    waiting = register(event)
    page = EventPage.objects.get(pk=event.pk)
    page.capacity = 1
    with django_capture_on_commit_callbacks(execute=True):
        page.save_revision().publish()

    assert EventPage.objects.get(pk=event.pk).capacity == 1
    assert [fresh(r).status for r in holders] == [Status.CONFIRMED] * 2
    assert fresh(waiting).status == Status.WAITLISTED


def test_zero_seats_is_not_a_capacity(make_event):
    with pytest.raises(ValidationError) as refused_:
        make_event(capacity=0)
    assert "capacity" in refused_.value.message_dict
    assert not EventPage.objects.exists()


def test_a_deactivated_organiser_cannot_add_anyone(make_event, refused, member):
    organiser = UserFactory()
    event = make_event(organisers=[organiser])
    organiser.is_active = False
    organiser.save()
    refused(
        lambda: services.registration_add(by=organiser, event=event, user=member),
        error=PermissionDenied,
    )
