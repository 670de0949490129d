"""Seats under concurrent registrations, cancellations, claims and the sweep, proven on PostgreSQL.

"At once" here means: the calls run in waves of up to THREADS threads (PostgreSQL allows 100
connections, and `make test-services` runs two workers). Each thread opens its own database
connection first, then waits at the wave's barrier; the barrier releases the whole wave at
the same instant, so up to THREADS transactions ask for the event's row lock together and
queue on it. The next wave starts when the previous one has finished. The invariants are
checked in the database at the end (seats summed there), not only from what the calls returned.

Transactional tests empty the database after each test, Wagtail's tree and the events index
made by the migrations included: `events_index` makes them again when they are gone.
"""

import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, connections
from django.db.models import Count, Sum
from django.utils import timezone
from notifications.models import Notification
from wagtail.coreutils import get_supported_content_language_variant
from wagtail.models import Locale, Page

from events import services
from events.models import EventIndexPage, Registration
from events.selectors import seats_held
from tests.events import conftest as event_fixtures
from tests.events.conftest import register
from tests.factories import UserFactory

pytestmark = [
    pytest.mark.services,
    pytest.mark.django_db(transaction=True),
]

Status = Registration.Status
THREADS = 40
ROUNDS = 3

# The events' fixtures live beside the events' tests; these tests use them too.
make_event = event_fixtures.make_event


@pytest.fixture
def events_index(transactional_db):
    """The events index, and the Wagtail root and locale it needs, made again after an earlier
    transactional test emptied the database."""
    index = EventIndexPage.objects.first()
    if index is not None:
        return index
    language = get_supported_content_language_variant(settings.LANGUAGE_CODE)
    locale, _created = Locale.objects.get_or_create(language_code=language)
    root = Page.get_first_root_node() or Page.add_root(instance=Page(title="Root", locale=locale))
    return root.add_child(instance=EventIndexPage(title="Agenda", slug="events", locale=locale))


@pytest.fixture(autouse=True)
def _a_connection_for_every_thread():
    """On PostgreSQL only; the connection pool (10 by default) grows so that every thread of a
    wave holds its own connection, beside the test's own."""
    assert connection.vendor == "postgresql", "run with make test-services (PostgreSQL)"
    pool = connection.pool
    if pool is None:
        yield
        return
    sizes = (pool.min_size, pool.max_size)
    pool.resize(sizes[0], max(sizes[1], THREADS + 2))
    yield
    pool.resize(*sizes)


def _run(barrier: threading.Barrier, call):
    try:
        connections["default"].ensure_connection()  # connecting is not part of the race
        barrier.wait(timeout=60)
        return "ok", call()
    except (ValidationError, PermissionDenied) as refusal:
        return "refused", refusal
    except Exception as error:  # Reported by race(): any other failure fails the test.
        return "error", error
    finally:
        connections.close_all()


def race(calls) -> list[tuple[str, object]]:
    """Run the calls in waves of THREADS, each wave released at once by a barrier; return
    ("ok", result) or ("refused", error) for each call, in the order of `calls`."""
    outcomes = []
    with ThreadPoolExecutor(max_workers=THREADS) as pool:
        for start in range(0, len(calls), THREADS):
            wave = calls[start : start + THREADS]
            barrier = threading.Barrier(len(wave))
            futures = [pool.submit(_run, barrier, call) for call in wave]
            outcomes += [future.result(timeout=120) for future in futures]
    errors = [value for kind, value in outcomes if kind == "error"]
    assert not errors, f"unexpected failures: {errors!r}"
    assert len(outcomes) == len(calls)
    return outcomes


def code(outcome) -> str | None:
    kind, value = outcome
    return getattr(value, "code", None) if kind == "refused" else None


def seats_by_status(event) -> dict[str, int]:
    """Seats per status, summed in the database."""
    rows = event.registrations.values("status").annotate(seats=Sum("seats"))
    return {row["status"]: row["seats"] for row in rows}


def assert_no_duplicate_person(event) -> None:
    twice = (
        event.registrations.values("user")
        .annotate(n=Count("pk"))
        .filter(n__gt=1)
        .values_list("user", flat=True)
    )
    assert list(twice) == []


def assert_no_seat_left_for_the_waiting_list(event) -> None:
    """Free seats never wait while someone on the list needs no more than them."""
    free = event.capacity - seats_held(event)
    waiting = event.registrations.filter(status=Status.WAITLISTED).values_list("seats", flat=True)
    assert all(seats > free for seats in waiting), (free, sorted(waiting))


def verbs_by_user(event) -> dict[int, list[str]]:
    verbs: dict[int, list[str]] = {}
    rows = Notification.objects.filter(
        target_object_id=str(event.pk), verb__startswith="registration."
    ).order_by("pk")
    for recipient, verb in rows.values_list("recipient_id", "verb"):
        verbs.setdefault(recipient, []).append(verb)
    return verbs


def test_two_hundred_members_registering_at_once_for_fifty_seats_fill_them_exactly(make_event):
    for _round in range(ROUNDS):
        event = make_event(capacity=50)
        members = [UserFactory() for _ in range(200)]

        outcomes = race(
            [
                lambda member=member, event=event: services.registration_create(
                    event=event, user=member
                )
                for member in members
            ]
        )

        assert [kind for kind, _value in outcomes] == ["ok"] * 200
        assert seats_by_status(event) == {Status.CONFIRMED: 50, Status.WAITLISTED: 150}
        assert seats_held(event) == 50
        assert event.registrations.count() == 200
        assert_no_duplicate_person(event)
        stored = dict(event.registrations.values_list("pk", "status"))
        assert {registration.pk: registration.status for _ok, registration in outcomes} == stored
        # Seats went in the order the lock was granted: every confirmed registration was
        # written before every waitlisted one, and each waitlisted one has its place in line.
        confirmed = event.registrations.filter(status=Status.CONFIRMED)
        waitlisted = event.registrations.filter(status=Status.WAITLISTED)
        last_confirmed = max(confirmed.values_list("created_at", flat=True))
        assert all(
            created > last_confirmed for created in waitlisted.values_list("created_at", flat=True)
        )
        assert not waitlisted.filter(queued_at__isnull=True).exists()


def test_registrations_of_several_seats_at_once_never_hold_more_seats_than_the_capacity(
    make_event,
):
    for _round in range(ROUNDS):
        event = make_event(capacity=50, max_seats_per_registration=4)
        wanted = {UserFactory(): 1 + i % 4 for i in range(120)}  # 300 seats asked for 50

        outcomes = race(
            [
                lambda member=member, seats=seats, event=event: services.registration_create(
                    event=event, user=member, seats=seats
                )
                for member, seats in wanted.items()
            ]
        )

        assert all(kind == "ok" for kind, _value in outcomes)
        by_status = seats_by_status(event)
        assert set(by_status) == {Status.CONFIRMED, Status.WAITLISTED}
        assert by_status[Status.CONFIRMED] == seats_held(event) <= 50
        assert by_status[Status.CONFIRMED] + by_status[Status.WAITLISTED] == sum(wanted.values())
        stored = dict(event.registrations.values_list("user_id", "seats"))
        assert stored == {member.pk: seats for member, seats in wanted.items()}
        assert_no_duplicate_person(event)
        assert_no_seat_left_for_the_waiting_list(event)


def test_members_registering_twice_at_once_get_exactly_one_registration_each(make_event):
    for _round in range(ROUNDS):
        event = make_event(capacity=10)
        members = [UserFactory() for _ in range(THREADS // 2)]

        outcomes = race(
            [
                lambda member=member, event=event: services.registration_create(
                    event=event, user=member
                )
                for member in members
                for _twice in range(2)
            ]
        )

        for first, second in zip(outcomes[::2], outcomes[1::2], strict=True):
            assert sorted([first[0], second[0]]) == ["ok", "refused"]
            assert {code(first), code(second)} == {None, "already_registered"}
        assert event.registrations.count() == len(members)
        assert_no_duplicate_person(event)
        assert seats_by_status(event) == {Status.CONFIRMED: 10, Status.WAITLISTED: 10}


def race_groups(groups: dict[str, list]) -> dict[str, list[tuple[str, object]]]:
    """`race` over named groups of calls, all in one wave; the outcomes by group."""
    outcomes = iter(race([call for calls in groups.values() for call in calls]))
    return {name: [next(outcomes) for _call in calls] for name, calls in groups.items()}


def cancel(registration):
    return lambda: services.registration_cancel(by=registration.user, registration=registration)


def claim(registration):
    return lambda: services.registration_claim(user=registration.user, registration=registration)


def test_cancellations_claims_and_the_sweep_at_once_never_offer_a_seat_twice(make_event):
    for _round in range(ROUNDS):
        event = make_event(capacity=20, max_seats_per_registration=3)
        confirmed = [register(event) for _ in range(20)]
        waiting = [register(event, seats=1 + i % 3) for i in range(30)]  # 1, 2, 3, 1, 2, 3...
        for registration in confirmed[:6]:
            services.registration_cancel(by=registration.user, registration=registration)
        offered = list(event.registrations.filter(status=Status.OFFERED).order_by("pk"))
        assert seats_held(event) == 20 and len(offered) >= 2
        # Two offers have just ended; the sweep has not run yet.
        ended, still_open = offered[:2], offered[2:]
        Registration.objects.filter(pk__in=[r.pk for r in ended]).update(
            offer_expires_at=timezone.now() - timedelta(seconds=1)
        )
        queue = [r for r in waiting if r.pk not in {o.pk for o in offered}]
        newcomers = [UserFactory() for _ in range(8)]

        results = race_groups(
            {
                "cancel": [cancel(r) for r in confirmed[6:16]],  # 10 seats freed
                "claim_open": [claim(r) for r in still_open],
                "claim_ended": [claim(r) for r in ended],
                "claim_early": [claim(r) for r in queue[:6]],  # offers may appear meanwhile
                "leave_queue": [cancel(r) for r in queue[-2:]],
                "sweep": [services.offers_expire] * 3,
                "newcomer": [
                    lambda member=member, event=event: services.registration_create(
                        event=event, user=member
                    )
                    for member in newcomers
                ],
            }
        )

        for name in ("cancel", "claim_open", "leave_queue", "sweep", "newcomer"):
            assert {kind for kind, _value in results[name]} == {"ok"}, name
        assert {code(o) for o in results["claim_ended"]} <= {"offer_lapsed", "no_offer"}
        assert {code(o) for o in results["claim_early"]} <= {None, "no_offer"}
        assert {fresh_status(r) for r in ended} == {Status.LAPSED}
        claimed = still_open + [
            r
            for r, (kind, _v) in zip(queue[:6], results["claim_early"], strict=True)
            if kind == "ok"
        ]
        assert {fresh_status(r) for r in claimed} == {Status.CONFIRMED}
        # The sums in the database: never over the capacity, no free seat someone could take.
        assert seats_held(event) <= 20
        assert_no_seat_left_for_the_waiting_list(event)
        assert_no_duplicate_person(event)
        # Each registration was offered a seat at most once, and every registration holding an
        # offer now, or whose offer lapsed, was told.
        offers = Counter(
            recipient
            for recipient, verbs in verbs_by_user(event).items()
            for verb in verbs
            if verb == "registration.offered"
        )
        assert max(offers.values()) == 1
        told = event.registrations.filter(status__in=(Status.OFFERED, Status.LAPSED))
        assert set(told.values_list("user_id", flat=True)) <= set(offers)


def fresh_status(registration) -> str:
    return Registration.objects.values_list("status", flat=True).get(pk=registration.pk)


def test_a_claim_racing_the_end_of_its_offer_either_confirms_or_lapses_never_both(make_event):
    for _round in range(ROUNDS):
        events = [make_event(capacity=3) for _ in range(4)]
        offers = []
        for event in events:
            confirmed = [register(event) for _ in range(3)]
            waiting = [register(event) for _ in range(6)]  # three offered, three behind
            for registration in confirmed:
                services.registration_cancel(by=registration.user, registration=registration)
            offers += waiting[:3]
        # The sweep runs at the very instant the offers end, while their claims arrive.
        ends = timezone.now() + timedelta(minutes=10)
        Registration.objects.filter(pk__in=[r.pk for r in offers]).update(offer_expires_at=ends)

        outcomes = race(
            [
                lambda r=registration: services.registration_claim(user=r.user, registration=r)
                for registration in offers
            ]
            + [lambda ends=ends: services.offers_expire(now=ends)] * 2
        )

        claims, sweeps = outcomes[: len(offers)], outcomes[len(offers) :]
        lapsed = sum(count for _ok, count in sweeps)
        for registration, outcome in zip(offers, claims, strict=True):
            status = Registration.objects.get(pk=registration.pk).status
            verbs = verbs_by_user(registration.event)[registration.user_id]
            after_offer = verbs[verbs.index("registration.offered") + 1 :]
            if outcome[0] == "ok":
                assert (status, after_offer) == (Status.CONFIRMED, ["registration.confirmed"])
            else:
                assert code(outcome) == "no_offer"
                assert (status, after_offer) == (Status.LAPSED, ["registration.lapsed"])
        assert lapsed == sum(code(outcome) == "no_offer" for outcome in claims)
        for event in events:
            # A lapsed seat went to the next in line at once: the event stays exactly full.
            assert seats_held(event) == 3
            assert event.registrations.filter(status=Status.OFFERED).count() == (
                event.registrations.filter(status=Status.LAPSED).count()
            )
