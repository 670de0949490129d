"""Cohort services: the schedule, attendance, completion, ambassadors and the figures, with the
forbidden paths (a non-coordinator, a future session, someone outside the cohort)."""

from datetime import UTC, datetime, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from notifications.models import Notification

from mentorship.models import Attendance, CohortSession, Enrolment, Programme
from mentorship.services import cohorts as services
from tests.events import conftest as event_fixtures
from tests.factories import UserFactory
from tests.mentorship.factories import (
    EnrolmentFactory,
    MenteeProfileFactory,
    ProgrammeFactory,
    ProgrammeMentorFactory,
)


@pytest.fixture
def coordinator(db):
    return UserFactory(profile__display_name="Corinne Coordinatrice")


@pytest.fixture
def cohort(coordinator, cluster):
    return ProgrammeFactory(
        kind=Programme.Kind.COHORT,
        title="Wi-Filles 2026",
        slug="wi-filles-2026",
        cluster=cluster,
        completion_min_sessions=2,
        coordinators=[coordinator],
    )


def member(cohort, name, **mentee):
    mentee_profile = MenteeProfileFactory(user__profile__display_name=name, **mentee)
    return EnrolmentFactory(programme=cohort, mentee=mentee_profile)


@pytest.fixture
def lea(cohort):
    return member(cohort, "Léa Lycéenne", minor=True)


@pytest.fixture
def ines(cohort):
    return member(cohort, "Inès Adulte")


def session(cohort, *, days: float, title="Atelier", hours=2):
    start = timezone.now() + timedelta(days=days)
    return CohortSession.objects.create(
        programme=cohort, title=title, starts_at=start, ends_at=start + timedelta(hours=hours)
    )


# --- The schedule -------------------------------------------------------------------------------


def test_a_coordinator_adds_a_session_typed_in_paris_time_and_members_are_told(
    cohort, coordinator, lea, ines
):
    created = services.session_create(
        by=coordinator,
        programme=cohort,
        title="Visite chez Orange",
        kind=CohortSession.Kind.VISIT,
        starts_at=datetime(2027, 1, 12, 14, 0),
        ends_at=datetime(2027, 1, 12, 17, 0),
        place="Rennes",
    )
    assert created.time_zone == "Europe/Paris"
    # 14:00 in Paris in winter is 13:00 UTC.
    assert created.starts_at == datetime(2027, 1, 12, 13, 0, tzinfo=UTC)
    told = set(
        Notification.objects.filter(verb="mentorship.cohort_session_added").values_list(
            "recipient_id", flat=True
        )
    )
    assert told == {lea.mentee.user_id, ines.mentee.user_id}


def test_a_session_at_a_time_the_clocks_skip_is_refused(cohort, coordinator):
    with pytest.raises(ValidationError) as refused:
        services.session_create(
            by=coordinator,
            programme=cohort,
            title="Atelier",
            kind=CohortSession.Kind.WORKSHOP,
            starts_at=datetime(2027, 3, 28, 2, 30),
            ends_at=datetime(2027, 3, 28, 4, 0),
        )
    assert "starts_at" in refused.value.error_dict
    assert not CohortSession.objects.exists()


def test_a_session_ending_before_it_starts_is_refused(cohort, coordinator):
    with pytest.raises(ValidationError):
        services.session_create(
            by=coordinator,
            programme=cohort,
            title="Atelier",
            kind=CohortSession.Kind.WORKSHOP,
            starts_at=datetime(2027, 1, 12, 14, 0),
            ends_at=datetime(2027, 1, 12, 13, 0),
        )
    assert not CohortSession.objects.exists()


def test_a_member_cannot_add_a_session(cohort, lea):
    with pytest.raises(PermissionDenied):
        services.session_create(
            by=lea.mentee.user,
            programme=cohort,
            title="Atelier",
            kind=CohortSession.Kind.WORKSHOP,
            starts_at=datetime(2027, 1, 12, 14, 0),
            ends_at=datetime(2027, 1, 12, 16, 0),
        )
    assert not CohortSession.objects.exists()


def test_sessions_are_only_for_cohorts(coordinator):
    one_to_one = ProgrammeFactory(coordinators=[coordinator])
    with pytest.raises(ValidationError):
        services.session_create(
            by=coordinator,
            programme=one_to_one,
            title="Atelier",
            kind=CohortSession.Kind.WORKSHOP,
            starts_at=datetime(2027, 1, 12, 14, 0),
            ends_at=datetime(2027, 1, 12, 16, 0),
        )


def test_a_coordinator_moves_a_session_and_members_are_told(cohort, coordinator, lea):
    planned = session(cohort, days=10)
    services.session_update(
        by=coordinator,
        session=planned,
        starts_at=datetime(2027, 7, 1, 10, 0),
        ends_at=datetime(2027, 7, 1, 12, 0),
    )
    planned.refresh_from_db()
    # Summer time in Paris: UTC+2.
    assert planned.starts_at == datetime(2027, 7, 1, 8, 0, tzinfo=UTC)
    assert Notification.objects.filter(
        verb="mentorship.cohort_session_changed", recipient=lea.mentee.user
    ).exists()


def test_a_session_whose_attendance_was_taken_cannot_be_removed(cohort, coordinator, lea):
    held = session(cohort, days=-3)
    services.attendance_record(by=coordinator, session=held, present={lea.pk: True})
    with pytest.raises(ValidationError):
        services.session_delete(by=coordinator, session=held)
    assert CohortSession.objects.filter(pk=held.pk).exists()


def test_a_coordinator_removes_a_session_to_come(cohort, coordinator, lea):
    planned = session(cohort, days=5)
    services.session_delete(by=coordinator, session=planned)
    assert not CohortSession.objects.filter(pk=planned.pk).exists()
    assert Notification.objects.filter(
        verb="mentorship.cohort_session_removed", recipient=lea.mentee.user
    ).exists()


# --- Attendance ---------------------------------------------------------------------------------


def test_attendance_is_recorded_for_the_members_of_a_started_session(
    cohort, coordinator, lea, ines
):
    held = session(cohort, days=-1)
    services.attendance_record(by=coordinator, session=held, present={lea.pk: True, ines.pk: False})
    rows = dict(Attendance.objects.values_list("enrolment_id", "present"))
    assert rows == {lea.pk: True, ines.pk: False}
    # Taken again, the register is corrected, not duplicated.
    services.attendance_record(by=coordinator, session=held, present={str(ines.pk): True})
    rows = dict(Attendance.objects.values_list("enrolment_id", "present"))
    assert rows == {lea.pk: True, ines.pk: True}
    assert Attendance.objects.get(enrolment=ines).recorded_by == coordinator


def test_attendance_for_a_session_that_has_not_started_is_refused(cohort, coordinator, lea):
    planned = session(cohort, days=2)
    with pytest.raises(ValidationError) as refused:
        services.attendance_record(by=coordinator, session=planned, present={lea.pk: True})
    assert refused.value.code == "session_not_started"
    assert not Attendance.objects.exists()


def test_attendance_taken_by_someone_who_is_not_a_coordinator_is_refused(cohort, lea, ines, member):
    held = session(cohort, days=-1)
    mentor = ProgrammeMentorFactory(programme=cohort).mentor.user
    for intruder in (member, lea.mentee.user, mentor, cohort.safeguarding_lead):
        with pytest.raises(PermissionDenied):
            services.attendance_record(by=intruder, session=held, present={ines.pk: True})
    assert not Attendance.objects.exists()


def test_attendance_naming_someone_outside_the_cohort_records_nothing(cohort, coordinator, lea):
    held = session(cohort, days=-1)
    outsider = EnrolmentFactory()  # another programme
    left = member(cohort, "Partie Avant")
    left.status = Enrolment.Status.LEFT
    left.save()
    for stranger in (outsider, left):
        with pytest.raises(ValidationError):
            services.attendance_record(
                by=coordinator, session=held, present={lea.pk: True, stranger.pk: True}
            )
    assert not Attendance.objects.exists()


def test_attendance_must_say_present_or_absent(cohort, coordinator, lea):
    held = session(cohort, days=-1)
    with pytest.raises(ValidationError):
        services.attendance_record(by=coordinator, session=held, present={lea.pk: "yes"})
    with pytest.raises(ValidationError):
        services.attendance_record(by=coordinator, session=held, present={})
    assert not Attendance.objects.exists()


# --- Completion ---------------------------------------------------------------------------------


def test_completion_marks_those_who_meet_the_rule_and_names_the_others(
    cohort, coordinator, lea, ines
):
    first, second = session(cohort, days=-10), session(cohort, days=-3)
    services.attendance_record(by=coordinator, session=first, present={lea.pk: True, ines.pk: True})
    services.attendance_record(
        by=coordinator, session=second, present={lea.pk: True, ines.pk: False}
    )
    result = services.cohort_complete(by=coordinator, programme=cohort)
    assert [p.enrolment.pk for p in result.completed] == [lea.pk]
    assert [(p.enrolment.pk, p.missing) for p in result.not_yet] == [(ines.pk, 1)]
    lea.refresh_from_db()
    ines.refresh_from_db()
    assert lea.status == Enrolment.Status.COMPLETED and lea.completed_at is not None
    assert ines.status == Enrolment.Status.ACTIVE
    assert list(
        Notification.objects.filter(verb="mentorship.cohort_completed").values_list(
            "recipient_id", flat=True
        )
    ) == [lea.mentee.user_id]


def test_completion_is_refused_to_a_member_and_without_a_rule(cohort, coordinator, lea):
    with pytest.raises(PermissionDenied):
        services.cohort_complete(by=lea.mentee.user, programme=cohort)
    cohort.completion_min_sessions = 0
    cohort.save()
    with pytest.raises(ValidationError):
        services.cohort_complete(by=coordinator, programme=cohort)
    lea.refresh_from_db()
    assert lea.status == Enrolment.Status.ACTIVE


# --- Ambassadors --------------------------------------------------------------------------------


def test_only_the_alumna_herself_becomes_an_ambassador(cohort, coordinator, lea, ines):
    lea.status = Enrolment.Status.COMPLETED
    lea.save()
    with pytest.raises(PermissionDenied):
        services.enrolment_set_ambassador(by=coordinator, enrolment=lea, ambassador=True)
    with pytest.raises(PermissionDenied):
        services.enrolment_set_ambassador(by=ines.mentee.user, enrolment=lea, ambassador=True)
    lea.refresh_from_db()
    assert not lea.ambassador
    services.enrolment_set_ambassador(by=lea.mentee.user, enrolment=lea, ambassador=True)
    lea.refresh_from_db()
    assert lea.ambassador


def test_a_member_who_has_not_completed_cannot_be_an_ambassador(ines):
    with pytest.raises(ValidationError):
        services.enrolment_set_ambassador(by=ines.mentee.user, enrolment=ines, ambassador=True)
    ines.refresh_from_db()
    assert not ines.ambassador


def test_earlier_ambassadors_of_the_cluster_are_listed_and_minors_named_only_to_their_coordinators(
    cohort, cluster, coordinator, member
):
    earlier_coordinator = UserFactory()
    earlier = ProgrammeFactory(
        kind=Programme.Kind.COHORT,
        cluster=cluster,
        starts_on=cohort.starts_on - timedelta(days=365),
        ends_on=cohort.starts_on - timedelta(days=30),
        coordinators=[earlier_coordinator],
    )
    adult = member_of(earlier, "Sarah Alumna", ambassador=True)
    young = member_of(earlier, "Jeune Alumna", ambassador=True, minor=True)
    member_of(earlier, "Pas Ambassadrice", ambassador=False)
    elsewhere = ProgrammeFactory(
        kind=Programme.Kind.COHORT, starts_on=cohort.starts_on - timedelta(days=365)
    )
    member_of(elsewhere, "Autre Cluster", ambassador=True)

    shown, hidden = services.earlier_ambassadors(cohort, viewer=member)
    assert [a.name for a in shown] == ["Sarah Alumna"]
    assert hidden == 1
    # The coordinators of the new cohort do not run hers: still not named to them.
    shown, hidden = services.earlier_ambassadors(cohort, viewer=coordinator)
    assert [a.name for a in shown] == ["Sarah Alumna"] and hidden == 1
    shown, hidden = services.earlier_ambassadors(cohort, viewer=earlier_coordinator)
    assert sorted(a.name for a in shown) == ["Jeune Alumna", "Sarah Alumna"] and hidden == 0
    assert adult.ambassador and young.ambassador


def member_of(programme, name, *, ambassador, **mentee):
    enrolment = member(programme, name, **mentee)
    enrolment.status = Enrolment.Status.COMPLETED
    enrolment.completed_at = timezone.now()
    enrolment.ambassador = ambassador
    enrolment.save()
    return enrolment


# --- Figures ------------------------------------------------------------------------------------


def test_cohort_figures_count_members_completions_and_the_attendance_rate(
    cohort, coordinator, lea, ines
):
    assert services.cohort_figures(cohort)["attendance_rate"] is None
    first, second = session(cohort, days=-10), session(cohort, days=-3)
    session(cohort, days=4)
    services.attendance_record(by=coordinator, session=first, present={lea.pk: True, ines.pk: True})
    services.attendance_record(
        by=coordinator, session=second, present={lea.pk: True, ines.pk: False}
    )
    services.cohort_complete(by=coordinator, programme=cohort)
    member(cohort, "Nouvelle Venue")
    figures = services.cohort_figures(cohort)
    assert figures == {
        "members": 3,
        "completed": 1,
        "attendance_rate": 75,
        "sessions_held": 2,
    }


# --- A session linked to an event ---------------------------------------------------------------

# The events' fixtures live beside the events' tests.
events_index = event_fixtures.events_index
make_event = event_fixtures.make_event


def test_a_session_links_to_a_published_event_but_not_to_a_draft(cohort, coordinator, make_event):
    published = make_event()
    draft = make_event(publish=False)
    linked = services.session_create(
        by=coordinator,
        programme=cohort,
        title="Atelier au salon",
        kind=CohortSession.Kind.WORKSHOP,
        starts_at=datetime(2027, 1, 12, 14, 0),
        ends_at=datetime(2027, 1, 12, 16, 0),
        event=published,
    )
    assert linked.event == published
    with pytest.raises(ValidationError) as refused:
        services.session_create(
            by=coordinator,
            programme=cohort,
            title="Brouillon",
            kind=CohortSession.Kind.WORKSHOP,
            starts_at=datetime(2027, 1, 13, 14, 0),
            ends_at=datetime(2027, 1, 13, 16, 0),
            event=draft,
        )
    assert "event" in refused.value.error_dict
    assert CohortSession.objects.count() == 1
