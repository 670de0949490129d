"""Cohort pages: what a member, a coordinator and anyone else see; attendance and completion
through the forms; the certificate (a PDF naming the person, hers alone); query counts."""

import base64
import re
import zlib
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from mentorship.models import Attendance, CohortSession, Enrolment, Programme
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
        completion_min_sessions=1,
        coordinators=[coordinator],
    )


def member(cohort, name, **mentee):
    profile = MenteeProfileFactory(user__profile__display_name=name, **mentee)
    return EnrolmentFactory(programme=cohort, mentee=profile)


@pytest.fixture
def lea(cohort):
    return member(cohort, "Léa Lycéenne", minor=True)


@pytest.fixture
def ines(cohort):
    return member(cohort, "Inès Adulte")


def session(cohort, *, days, title="Atelier code", place="FabLab de Rennes"):
    start = timezone.now() + timedelta(days=days)
    return CohortSession.objects.create(
        programme=cohort,
        title=title,
        starts_at=start,
        ends_at=start + timedelta(hours=2),
        place=place,
    )


def url(cohort):
    return reverse("mentorship:cohort", kwargs={"slug": cohort.slug})


# --- The cohort page ----------------------------------------------------------------------------


def test_a_member_sees_the_schedule_and_her_own_attendance_but_no_other_member(
    client, cohort, lea, ines
):
    held = session(cohort, days=-2)
    session(cohort, days=5, title="Visite chez Orange")
    Attendance.objects.create(session=held, enrolment=lea, present=True)
    Attendance.objects.create(session=held, enrolment=ines, present=False)
    client.force_login(lea.mentee.user)
    page = client.get(url(cohort)).content.decode()
    assert "Visite chez Orange" in page and "FabLab de Rennes" in page
    assert "Your progress" in page and "Present" in page
    assert "Inès Adulte" not in page
    assert "Take attendance" not in page


def test_another_member_of_the_platform_sees_the_schedule_without_places_or_names(
    client, cohort, lea, other_member
):
    session(cohort, days=5, title="Visite chez Orange")
    client.force_login(other_member)
    page = client.get(url(cohort)).content.decode()
    assert "Visite chez Orange" in page
    assert "FabLab de Rennes" not in page
    assert "Léa Lycéenne" not in page


def test_a_mentor_of_the_cohort_sees_places_but_never_a_minor_name(client, cohort, lea):
    session(cohort, days=5)
    mentor = ProgrammeMentorFactory(programme=cohort).mentor
    client.force_login(mentor.user)
    page = client.get(url(cohort)).content.decode()
    assert "FabLab de Rennes" in page
    assert "Léa Lycéenne" not in page


def test_a_visitor_is_sent_to_sign_in(client, cohort):
    response = client.get(url(cohort))
    assert response.status_code == 302 and "login" in response["Location"]


def test_a_coordinator_sees_the_register(client, cohort, coordinator, lea, ines):
    session(cohort, days=-2)
    client.force_login(coordinator)
    page = client.get(url(cohort)).content.decode()
    assert "Léa Lycéenne" in page and "Inès Adulte" in page
    assert "Take attendance" in page


def test_a_page_of_another_kind_of_programme_is_not_a_cohort(client, member):
    other = ProgrammeFactory(kind=Programme.Kind.ONE_TO_ONE)
    client.force_login(member)
    assert client.get(url(other)).status_code == 404


# --- Sessions and attendance through the pages -------------------------------------------------


def test_a_coordinator_adds_a_session_with_the_form(client, cohort, coordinator):
    client.force_login(coordinator)
    response = client.post(
        reverse("mentorship:cohort_session_new", kwargs={"slug": cohort.slug}),
        {
            "title": "Atelier CV",
            "kind": "workshop",
            "starts_at": "2027-01-12T14:00",
            "ends_at": "2027-01-12T16:00",
            "time_zone": "Europe/Paris",
            "place": "Rennes",
        },
    )
    assert response.status_code == 302
    created = CohortSession.objects.get()
    assert created.title == "Atelier CV" and created.starts_at.hour == 13


def test_a_session_form_with_a_skipped_time_shows_the_error(client, cohort, coordinator):
    client.force_login(coordinator)
    response = client.post(
        reverse("mentorship:cohort_session_new", kwargs={"slug": cohort.slug}),
        {
            "title": "Atelier CV",
            "kind": "workshop",
            "starts_at": "2027-03-28T02:30",
            "ends_at": "2027-03-28T04:00",
            "time_zone": "Europe/Paris",
        },
    )
    assert response.status_code == 200
    assert "clocks go forward" in response.content.decode()
    assert not CohortSession.objects.exists()


def test_a_member_cannot_open_the_session_form(client, cohort, lea):
    client.force_login(lea.mentee.user)
    response = client.get(reverse("mentorship:cohort_session_new", kwargs={"slug": cohort.slug}))
    assert response.status_code == 403


def attendance_url(cohort, held):
    return reverse(
        "mentorship:cohort_attendance", kwargs={"slug": cohort.slug, "session_id": held.pk}
    )


def test_a_coordinator_takes_attendance_with_the_register(client, cohort, coordinator, lea, ines):
    held = session(cohort, days=-1)
    client.force_login(coordinator)
    page = client.get(attendance_url(cohort, held)).content.decode()
    assert "Léa Lycéenne" in page
    response = client.post(attendance_url(cohort, held), {f"m{lea.pk}": "1", f"m{ines.pk}": "0"})
    assert response.status_code == 302
    assert dict(Attendance.objects.values_list("enrolment_id", "present")) == {
        lea.pk: True,
        ines.pk: False,
    }


def test_the_attendance_page_is_not_found_for_anyone_but_the_coordinators(
    client, cohort, lea, ines
):
    held = session(cohort, days=-1)
    mentor = ProgrammeMentorFactory(programme=cohort).mentor.user
    for someone in (lea.mentee.user, mentor, cohort.safeguarding_lead):
        client.force_login(someone)
        assert client.get(attendance_url(cohort, held)).status_code == 404
        assert client.post(attendance_url(cohort, held), {f"m{ines.pk}": "1"}).status_code == 404
    assert not Attendance.objects.exists()


def test_attendance_posted_for_a_future_session_is_refused_with_a_message(
    client, cohort, coordinator, lea
):
    planned = session(cohort, days=3)
    client.force_login(coordinator)
    response = client.post(attendance_url(cohort, planned), {f"m{lea.pk}": "1"}, follow=True)
    assert "has not started yet" in response.content.decode()
    assert not Attendance.objects.exists()


def test_completion_through_the_page_names_who_does_not_meet_the_rule(
    client, cohort, coordinator, lea, ines
):
    held = session(cohort, days=-1)
    Attendance.objects.create(session=held, enrolment=lea, present=True)
    client.force_login(coordinator)
    response = client.post(
        reverse("mentorship:cohort_complete", kwargs={"slug": cohort.slug}), follow=True
    )
    page = response.content.decode()
    assert "1 member(s) completed" in page
    assert "Inès Adulte (1 session(s) missing)" in page
    lea.refresh_from_db()
    assert lea.status == Enrolment.Status.COMPLETED


def test_an_alumna_opts_in_as_ambassador_from_the_page(client, cohort, lea):
    lea.status = Enrolment.Status.COMPLETED
    lea.save()
    client.force_login(lea.mentee.user)
    client.post(
        reverse("mentorship:cohort_ambassador", kwargs={"slug": cohort.slug}), {"ambassador": "1"}
    )
    lea.refresh_from_db()
    assert lea.ambassador


# --- The certificate ----------------------------------------------------------------------------


def _unescape(string: bytes) -> bytes:
    """A PDF literal string's escapes: octal codes (\\351) and escaped characters."""

    def one(match):
        code = match.group(1)
        return bytes([int(code, 8)]) if code[:1].isdigit() else code

    return re.sub(rb"\\([0-7]{1,3}|.)", one, string)


def pdf_text(data: bytes) -> str:
    """The text of the page streams reportlab writes (ASCII85 and Flate, Windows-1252)."""
    chunks = []
    for match in re.finditer(rb"<<(.*?)>>\s*stream\r?\n(.*?)endstream", data, re.S):
        head, body = match.group(1), match.group(2).strip()
        if b"/ASCII85Decode" in head:
            body = base64.a85decode(body if body.startswith(b"<~") else b"<~" + body, adobe=True)
        if b"/FlateDecode" in head:
            body = zlib.decompress(body)
        for string in re.findall(rb"\(((?:\\.|[^\\)])*)\)\s*Tj", body):
            chunks.append(_unescape(string).decode("cp1252", "replace"))
    return " ".join(chunks)


@pytest.fixture
def completed(cohort, lea):
    held = session(cohort, days=-3, title="Atelier robotique")
    session(cohort, days=-2, title="Séance manquée")
    Attendance.objects.create(session=held, enrolment=lea, present=True)
    lea.status = Enrolment.Status.COMPLETED
    lea.completed_at = timezone.now()
    lea.save()
    return lea


def test_a_completed_member_downloads_her_certificate_naming_her_and_her_sessions(
    client, cohort, completed
):
    client.force_login(completed.mentee.user)
    response = client.get(reverse("mentorship:cohort_certificate", kwargs={"slug": cohort.slug}))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF-")
    text = pdf_text(response.content)
    assert "Léa Lycéenne" in text
    assert "Wi-Filles 2026" in text
    assert "Atelier robotique" in text
    assert "Séance manquée" not in text


def test_a_member_who_has_not_completed_has_no_certificate(client, cohort, ines):
    client.force_login(ines.mentee.user)
    response = client.get(reverse("mentorship:cohort_certificate", kwargs={"slug": cohort.slug}))
    assert response.status_code == 404


def member_certificate_url(cohort, enrolment):
    return reverse(
        "mentorship:cohort_member_certificate",
        kwargs={"slug": cohort.slug, "enrolment_id": enrolment.pk},
    )


def test_the_certificate_of_another_member_is_not_found(client, cohort, completed, ines):
    mentor = ProgrammeMentorFactory(programme=cohort).mentor.user
    for someone in (ines.mentee.user, mentor, cohort.safeguarding_lead):
        client.force_login(someone)
        assert client.get(member_certificate_url(cohort, completed)).status_code == 404


def test_a_coordinator_downloads_any_member_certificate(client, cohort, coordinator, completed):
    client.force_login(coordinator)
    response = client.get(member_certificate_url(cohort, completed))
    assert response.status_code == 200
    assert "Léa Lycéenne" in pdf_text(response.content)


# --- Query counts -------------------------------------------------------------------------------


def populate(cohort, size: int):
    sessions = [session(cohort, days=day) for day in range(-size, size)]
    for n in range(size):
        enrolment = member(cohort, f"Membre {n}", **({"minor": True} if n % 2 else {}))
        for held in sessions[:size]:
            Attendance.objects.create(session=held, enrolment=enrolment, present=bool(n % 3))
    earlier = ProgrammeFactory(
        kind=Programme.Kind.COHORT,
        cluster=cohort.cluster,
        starts_on=cohort.starts_on - timedelta(days=400),
        ends_on=cohort.starts_on - timedelta(days=40),
    )
    for n in range(size):
        alumna = member(earlier, f"Alumna {n}", **({"minor": True} if n % 2 else {}))
        alumna.status, alumna.ambassador = Enrolment.Status.COMPLETED, True
        alumna.save()


@pytest.mark.parametrize("size", [1, 8])
def test_the_cohort_page_costs_the_same_queries_for_a_coordinator_whatever_its_size(
    client, cohort, coordinator, size, django_assert_max_num_queries
):
    populate(cohort, size)
    client.force_login(coordinator)
    with django_assert_max_num_queries(18):
        assert client.get(url(cohort)).status_code == 200


@pytest.mark.parametrize("size", [1, 8])
def test_the_cohort_page_costs_the_same_queries_for_a_member_whatever_its_size(
    client, cohort, size, django_assert_max_num_queries
):
    populate(cohort, size)
    enrolment = Enrolment.objects.filter(programme=cohort).first()
    client.force_login(enrolment.mentee.user)
    with django_assert_max_num_queries(15):
        assert client.get(url(cohort)).status_code == 200


@pytest.mark.parametrize("size", [1, 8])
def test_the_attendance_page_costs_the_same_queries_whatever_its_size(
    client, cohort, coordinator, size, django_assert_max_num_queries
):
    populate(cohort, size)
    held = CohortSession.objects.filter(programme=cohort).first()
    client.force_login(coordinator)
    with django_assert_max_num_queries(14):
        assert client.get(attendance_url(cohort, held)).status_code == 200
