"""The demo events (`community/management/commands/_seed_events.py`), seeded once per module.

The demo is built once, with the after-commit callbacks run as a real commit would (the
`page_published` receiver records each event's schedule then), and rolled back at the end.
"""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import transaction
from django.test import TestCase
from django.utils import timezone
from notifications.models import Notification

from community.permissions import is_cluster_animator
from events.models import (
    ClosingReport,
    EventPage,
    EventQuestion,
    Feedback,
    ProgrammeSlot,
    PublishedSchedule,
    Registration,
    Speaker,
)
from events.permissions import can_manage_event
from events.selectors import event_figures, people_reached, seats_held, waitlist_position
from events.timezones import utc_to_local

Status = Registration.Status


def seed() -> str:
    out = StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    """The seeded demo for the whole module; everything is rolled back afterwards."""
    with django_db_blocker.unblock(), transaction.atomic():
        with TestCase.captureOnCommitCallbacks(execute=True):
            output = seed()
        yield output
        transaction.set_rollback(True)


pytestmark = pytest.mark.django_db


def event(slug: str) -> EventPage:
    return EventPage.objects.get(slug=slug)


def counts() -> dict[str, int]:
    models = (EventPage, Registration, Speaker, Feedback, ClosingReport, Notification)
    return {model.__name__: model.objects.count() for model in models}


def test_seeding_the_demo_a_second_time_creates_no_event_nor_registration(demo):
    before = counts()

    output = seed()

    assert counts() == before
    assert before["EventPage"] == 8
    assert "Events: 8 new event(s)." in demo
    assert "Events:" not in output
    assert "Event left out" not in demo + output


def test_the_demo_has_an_upcoming_capitalisation_seminar_in_saint_malo_with_a_full_programme(
    demo,
):
    seminar = EventPage.objects.get(event_type=EventPage.Type.SEMINAR)
    assert seminar.city == "Saint-Malo"
    assert seminar.start > timezone.now()
    assert seminar.capacity == 80
    assert seminar.id_required
    assert seminar.local_end.date() == seminar.local_start.date() + timedelta(days=1)

    questions = {q.label: q for q in seminar.questions.all()}
    organisation = questions["Votre organisation"]
    diet = questions["Régime alimentaire"]
    assert organisation.kind == EventQuestion.Kind.TEXT and organisation.required
    assert diet.kind == EventQuestion.Kind.CHOICE and "Végétarien" in diet.choice_list

    slots = seminar.programme
    kinds = {slot.kind for slot in slots}
    assert {ProgrammeSlot.Kind.KEYNOTE, ProgrammeSlot.Kind.ROUND_TABLE} <= kinds
    assert sum(slot.kind == ProgrammeSlot.Kind.BREAK for slot in slots) >= 3
    workshops = [slot for slot in slots if slot.kind == ProgrammeSlot.Kind.WORKSHOP]
    assert len({slot.track for slot in workshops}) == 2
    parallel = [slot for slot in workshops if slot.starts_at == workshops[0].starts_at]
    assert len(parallel) == 2 and all(len(slot.table_list) >= 2 for slot in parallel)
    assert any(slot.day is not None for slot in slots)  # the second morning
    speakers = {speaker for slot in slots for speaker in slot.speakers.all()}
    assert any(speaker.profile_id for speaker in speakers)
    assert any(speaker.profile_id is None for speaker in speakers)

    registrations = seminar.registrations.filter(status=Status.CONFIRMED)
    assert registrations.count() >= 10
    for registration in registrations:
        assert registration.answers[str(organisation.pk)]
        assert registration.answers[str(diet.pk)] in diet.choice_list
    assert registrations.filter(user__isnull=True).exists()  # added by hand by an organiser


def test_the_demo_workshop_is_full_with_an_offer_pending_and_a_waiting_list(demo):
    workshop = event("atelier-offres-emploi-sans-stereotypes")

    assert workshop.capacity and seats_held(workshop) == workshop.capacity
    offered = workshop.registrations.get(status=Status.OFFERED)
    assert offered.user.email.startswith("hugo.kerbrat@")
    assert timezone.now() < offered.offer_expires_at <= workshop.start
    waiting = workshop.registrations.filter(status=Status.WAITLISTED).order_by("queued_at")
    assert [waitlist_position(r) for r in waiting] == [1, 2]
    assert waiting[0].user.email.startswith("maelle.legoff@")
    assert workshop.registrations.filter(status=Status.CANCELLED).count() == 1
    assert Notification.objects.filter(recipient=offered.user, verb="registration.offered")
    assert Notification.objects.filter(recipient=waiting[0].user, verb="registration.waitlisted")


def test_the_demo_has_an_upcoming_online_webinar_with_its_link(demo):
    webinar = EventPage.objects.get(event_type=EventPage.Type.WEBINAR)

    assert webinar.format == EventPage.Format.ONLINE
    assert webinar.online_url.startswith("https://")
    assert webinar.start > timezone.now()
    assert webinar.registrations.filter(status=Status.CONFIRMED).count() >= 5


def test_the_demo_visit_on_approval_has_requests_waiting_for_the_organisers(demo):
    visit = event("visite-verrerie-lannvor")

    assert visit.approval == EventPage.Approval.APPROVED
    pending = visit.registrations.filter(status=Status.PENDING)
    assert pending.count() == 2
    assert visit.registrations.filter(status=Status.CONFIRMED).count() == 2
    organiser = visit.organisers.get()
    assert Notification.objects.filter(recipient=organiser, verb="registration.requested")


def test_the_demo_past_events_have_check_ins_no_shows_feedback_and_a_closing_report(demo):
    now = timezone.now()
    past = EventPage.objects.filter(end__lte=now)
    assert past.count() == 2

    morning = event("matinee-raconte-moi-ton-metier")
    figures = event_figures(morning)
    assert figures.present >= 8 and figures.no_show == 2
    assert morning.feedback.count() >= 3
    report = ClosingReport.objects.get(event=morning)
    assert report.outcomes and report.lessons and report.recording_url
    assert report.organisations.count() >= 3
    for registration in morning.registrations.filter(attendance="present"):
        assert registration.checked_in_at < morning.end
        assert registration.created_at < morning.start
    # Julien came to both past events: the indicators count him once.
    assert people_reached(past) == sum(event_figures(e).people_reached for e in past) - 1


def test_no_demo_participant_is_told_that_a_past_event_changed_time(demo):
    assert not Notification.objects.filter(verb="event.changed").exists()
    for past in EventPage.objects.filter(end__lte=timezone.now()):
        assert PublishedSchedule.objects.get(event=past).start == past.start


def test_every_demo_registration_respects_the_capacity_and_the_seats_per_registration(demo):
    for page in EventPage.objects.all():
        if page.capacity is not None:
            assert seats_held(page) <= page.capacity, page.slug
        for registration in page.registrations.all():
            assert registration.seats <= page.max_seats_per_registration, page.slug
    assert Registration.objects.filter(seats__gt=1).exists()


def test_demo_events_start_on_the_hour_or_half_hour_in_their_own_time_zone(demo):
    zones = set()
    for page in EventPage.objects.all():
        zones.add(page.time_zone)
        local = utc_to_local(page.start, page.time_zone)
        assert local.minute in (0, 30) and 8 <= local.hour <= 18, page.slug
        assert local.weekday() < 5, page.slug
        assert utc_to_local(page.end, page.time_zone).weekday() < 5, page.slug
    assert {"Europe/Paris", "Europe/Madrid", "Europe/Bucharest"} <= zones


def test_demo_events_belong_to_demo_spaces_or_clusters_and_their_animators_run_them(demo):
    for page in EventPage.objects.select_related("space__cluster", "cluster"):
        assert page.space_id or page.cluster_id, page.slug
        cluster = page.cluster or page.space.cluster
        if cluster is not None:
            animator = cluster.animators.first()
            assert is_cluster_animator(animator, cluster)
            assert can_manage_event(animator, page), page.slug
        for organiser in page.organisers.all():
            assert can_manage_event(organiser, page)
        assert page.themes.exists(), page.slug
        assert page.live
