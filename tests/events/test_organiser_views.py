"""The organisers' tools: their events, the attendee list and its export, adding someone by hand,
check-in by name and by QR code, no-shows and the closing report."""

import csv
import io
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import timezone
from wagtail.documents import get_document_model

from community.models import Visibility
from events import services
from events.models import ClosingReport, EventPage, Feedback, Registration
from tests.events.conftest import fresh, register
from tests.factories import MembershipFactory, OrganisationFactory, UserFactory

Status = Registration.Status


def url(name, **kwargs):
    return reverse(f"events:{name}", kwargs=kwargs)


def start_now(event):
    """Move an event's start an hour into the past (registrations need it in the future)."""
    EventPage.objects.filter(pk=event.pk).update(start=timezone.now() - timedelta(hours=1))
    return fresh(event)


def fill(event, count, **fields):
    """`count` confirmed seats of new members, written directly (the services are tested
    elsewhere; here only the pages' reading matters)."""
    users = UserFactory.create_batch(count)
    Registration.objects.bulk_create(
        Registration(event=event, user=user, status=Status.CONFIRMED, **fields) for user in users
    )
    return users


@pytest.fixture
def private_event(make_event, private_space):
    """An event of a private space: its animator runs it; outsiders cannot see it."""
    return make_event(space=private_space)


# --- Who may use the tools --------------------------------------------------------------------


def _event_pages(event, registration):
    return [
        url("attendees", event_id=event.pk),
        url("attendees_csv", event_id=event.pk),
        url("attendee_add", event_id=event.pk),
        url("check_in", event_id=event.pk),
        url("check_in_ticket", event_id=event.pk, code=registration.code),
        url("report", event_id=event.pk),
    ]


def test_every_tool_is_forbidden_to_a_member_who_sees_the_event_without_running_it(
    client, organised_event, member, other_member
):
    registration = register(organised_event, other_member)
    client.force_login(member)

    for address in _event_pages(organised_event, registration):
        response = client.get(address)
        assert response.status_code == 403, address
        assert "Yasmine" not in response.content.decode()
    assert client.post(url("report", event_id=organised_event.pk)).status_code == 403
    assert client.get(url("managed_events")).status_code == 403


def test_every_tool_is_not_found_for_a_member_outside_the_private_space(
    client, private_event, member, other_member
):
    MembershipFactory(space=private_event.space, user=other_member)
    registration = register(private_event, other_member)
    client.force_login(member)

    for address in _event_pages(private_event, registration):
        response = client.get(address)
        assert response.status_code == 404, address
        assert "Yasmine" not in response.content.decode()


def test_the_private_space_animator_runs_its_event(client, private_event, animator):
    client.force_login(animator)

    assert client.get(url("attendees", event_id=private_event.pk)).status_code == 200


def test_a_visitor_is_sent_to_sign_in(client, organised_event):
    response = client.get(url("attendees", event_id=organised_event.pk))

    assert response.status_code == 302
    assert "login" in response["Location"]


def test_decisions_and_attendance_are_refused_to_anyone_but_the_organisers(
    client, make_event, organiser, member, other_member
):
    event = make_event(organisers=[organiser], approval=EventPage.Approval.APPROVED)
    own = register(event, member)
    others = register(event, other_member)
    client.force_login(member)

    # Their own registration: they see it, but may not decide on it (403).
    assert (
        client.post(url("decide", registration_id=own.pk), {"decision": "approve"}).status_code
        == 403
    )
    assert (
        client.post(
            url("attendance", registration_id=own.pk), {"attendance": "present"}
        ).status_code
        == 403
    )
    # Someone else's: not even found.
    assert (
        client.post(url("decide", registration_id=others.pk), {"decision": "approve"}).status_code
        == 404
    )
    assert fresh(own).status == fresh(others).status == Status.PENDING


def test_decisions_are_posted_only(client, organised_event, organiser):
    registration = register(organised_event)
    client.force_login(organiser)

    assert client.get(url("decide", registration_id=registration.pk)).status_code == 405
    assert client.get(url("attendance", registration_id=registration.pk)).status_code == 405


# --- Events I organise ------------------------------------------------------------------------


def test_the_organiser_sees_her_events_with_their_counts(client, make_event, organiser):
    upcoming = make_event(organisers=[organiser], title="Atelier à venir", capacity=3)
    fill(upcoming, 2)
    register(upcoming, seats=1)
    register(upcoming)  # the event is full: waitlisted
    make_event(
        organisers=[organiser], title="Atelier passé", start=timezone.now() - timedelta(days=9)
    )
    make_event(title="Atelier d'une autre")
    client.force_login(organiser)

    response = client.get(url("managed_events"))

    page = response.content.decode()
    assert "Atelier à venir" in page
    assert "Atelier passé" in page
    assert "Atelier d&#x27;une autre" not in page
    assert "3 / 3 seats confirmed" in page
    assert "1 waiting" in page
    assert url("attendees", event_id=upcoming.pk) in page
    assert url("check_in", event_id=upcoming.pk) in page
    # A plain organiser has no Wagtail admin: no "New event" link.
    assert "New event" not in page


def test_an_animator_gets_the_new_event_link_to_the_admin(client, animator, events_index):
    client.force_login(animator)

    response = client.get(url("managed_events"))

    assert response.status_code == 200
    add = reverse("wagtailadmin_pages:add", args=("events", "eventpage", events_index.pk))
    assert add in response.content.decode()


def test_seats_are_counted_once_whatever_the_number_of_organisers(
    client, make_event, open_space, animator, organiser, member
):
    event = make_event(space=open_space, organisers=[organiser, member], capacity=5)
    fill(event, 2)
    client.force_login(animator)

    response = client.get(url("managed_events"))

    assert "2 / 5 seats confirmed" in response.content.decode()


@pytest.mark.parametrize("count", [2, 12])
def test_the_managed_events_page_reads_a_constant_number_of_queries(
    client, make_event, organiser, count, django_assert_max_num_queries
):
    for n in range(count):
        event = make_event(organisers=[organiser], start=timezone.now() + timedelta(days=n - 5))
        fill(event, 2)
    client.force_login(organiser)

    with django_assert_max_num_queries(16):
        response = client.get(url("managed_events"))
    assert response.status_code == 200


# --- The attendee list ------------------------------------------------------------------------


def test_the_list_shows_pending_approvals_first_with_their_actions(client, make_event, organiser):
    event = make_event(
        organisers=[organiser],
        approval=EventPage.Approval.APPROVED,
        questions=[{"label": "Régime alimentaire", "kind": "text"}],
    )
    fill(event, 1)
    question = event.questions.get()
    pending = register(
        event,
        UserFactory(profile__display_name="Paula Pending"),
        answers={str(question.pk): "Végétarien"},
    )
    client.force_login(organiser)

    response = client.get(url("attendees", event_id=event.pk))

    page = response.content.decode()
    assert page.index("Paula Pending") < page.index("Member ")
    assert url("decide", registration_id=pending.pk) in page
    assert "Végétarien" in page
    assert "Régime alimentaire" in page


def test_the_organiser_accepts_a_registration_awaiting_approval(client, make_event, organiser):
    event = make_event(organisers=[organiser], approval=EventPage.Approval.APPROVED)
    pending = register(event)
    client.force_login(organiser)

    response = client.post(url("decide", registration_id=pending.pk), {"decision": "approve"})

    assert response.status_code == 302
    assert response["Location"] == url("attendees", event_id=event.pk)
    assert fresh(pending).status == Status.CONFIRMED


def test_a_decision_without_a_choice_changes_nothing(client, make_event, organiser):
    event = make_event(organisers=[organiser], approval=EventPage.Approval.APPROVED)
    pending = register(event)
    client.force_login(organiser)

    response = client.post(
        url("decide", registration_id=pending.pk), {"decision": "maybe"}, follow=True
    )

    assert "Choose to accept or decline" in response.content.decode()
    assert fresh(pending).status == Status.PENDING


def test_the_list_filters_by_name_and_status_and_answers_htmx_with_the_fragment(
    client, make_event, organiser
):
    event = make_event(organisers=[organiser], capacity=1)
    register(event, UserFactory(profile__display_name="Bérénice Seat"))
    register(event, UserFactory(profile__display_name="Wanda Waiting"))
    client.force_login(organiser)
    address = url("attendees", event_id=event.pk)

    by_name = client.get(address, {"q": "wanda"}).content.decode()
    by_status = client.get(address, {"status": "waitlisted"}).content.decode()
    fragment = client.get(address, {"q": "Bérénice"}, HTTP_HX_REQUEST="true").content.decode()

    assert "Wanda Waiting" in by_name and "Bérénice Seat" not in by_name
    assert "Wanda Waiting" in by_status and "Bérénice Seat" not in by_status
    assert "Number 1 in line" in by_status
    assert "Bérénice Seat" in fragment and "<html" not in fragment


def test_a_hidden_organisation_stays_hidden_from_the_organisers(client, organised_event, organiser):
    shown = UserFactory(profile__display_name="Sonia Shown")
    hidden = UserFactory(profile__display_name="Hugo Hidden")
    shown.profile.organisation = OrganisationFactory(name="Entreprise Visible")
    shown.profile.save()
    hidden.profile.organisation = OrganisationFactory(name="Entreprise Cachée")
    hidden.profile.organisation_visibility = Visibility.PRIVATE
    hidden.profile.save()
    register(organised_event, shown)
    register(organised_event, hidden)
    client.force_login(organiser)

    page = client.get(url("attendees", event_id=organised_event.pk)).content.decode()
    export = client.get(url("attendees_csv", event_id=organised_event.pk)).content.decode()

    for text in (page, export):
        assert "Entreprise Visible" in text
        assert "Hugo Hidden" in text
        assert "Entreprise Cachée" not in text


@pytest.mark.parametrize("count", [5, 50])
def test_the_attendee_list_reads_a_constant_number_of_queries(
    client, make_event, organiser, count, django_assert_max_num_queries
):
    event = make_event(
        organisers=[organiser], capacity=None, questions=[{"label": "Fonction", "kind": "text"}]
    )
    fill(event, count)
    client.force_login(organiser)

    with django_assert_max_num_queries(18):
        response = client.get(url("attendees", event_id=event.pk))
    assert response.content.decode().count('name="attendance"') >= count


# --- The export -------------------------------------------------------------------------------


def _rows(response):
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:]), delimiter=";"))


def test_the_export_is_a_semicolon_csv_with_one_column_per_question(client, make_event, organiser):
    event = make_event(
        organisers=[organiser],
        time_zone="Europe/Paris",
        questions=[{"label": "Fonction", "kind": "text"}, {"label": "Repas", "kind": "yes_no"}],
    )
    function, meal = event.questions.all()
    person = UserFactory(profile__display_name="Claire Dupont", email="claire@example.org")
    person.profile.organisation = OrganisationFactory(name="Bretagne Industries")
    person.profile.save()
    registration = register(event, person, answers={str(function.pk): "DRH", str(meal.pk): "yes"})
    client.force_login(organiser)

    response = client.get(url("attendees_csv", event_id=event.pk))

    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith("attachment;")
    header, row = _rows(response)
    assert header == [
        "Name",
        "E-mail address",
        "Organisation",
        "Seats",
        "Status",
        "Registered at (Europe/Paris)",
        "Attendance",
        "Checked in at (Europe/Paris)",
        "Fonction",
        "Repas",
    ]
    registered = registration.created_at.astimezone(ZoneInfo("Europe/Paris"))
    assert row == [
        "Claire Dupont",
        "claire@example.org",
        "Bretagne Industries",
        "1",
        "Confirmed",
        registered.strftime("%Y-%m-%d %H:%M"),
        "Not recorded",
        "",
        "DRH",
        "yes",
    ]


def test_the_export_neutralises_spreadsheet_formulas(client, make_event, organiser):
    event = make_event(organisers=[organiser], questions=[{"label": "Téléphone", "kind": "text"}])
    question = event.questions.get()
    services.registration_add(
        by=organiser,
        event=event,
        guest_name='=HYPERLINK("http://evil.example","clic")',
        answers={str(question.pk): "+33 6 12 34 56 78"},
    )
    services.registration_add(
        by=organiser, event=event, guest_name="@SUM(A1:A9)", guest_email="a@example.org"
    )
    services.registration_add(by=organiser, event=event, guest_name="-2+3")
    client.force_login(organiser)

    _header, *rows = _rows(client.get(url("attendees_csv", event_id=event.pk)))

    names = sorted(row[0] for row in rows)
    assert names == ["'-2+3", '\'=HYPERLINK("http://evil.example","clic")', "'@SUM(A1:A9)"]
    assert "'+33 6 12 34 56 78" in [row[-1] for row in rows]


@pytest.mark.parametrize("count", [5, 50])
def test_the_export_reads_a_constant_number_of_queries(
    client, make_event, organiser, count, django_assert_max_num_queries
):
    event = make_event(organisers=[organiser], capacity=None)
    fill(event, count)
    client.force_login(organiser)

    with django_assert_max_num_queries(5):
        response = client.get(url("attendees_csv", event_id=event.pk))
    assert len(_rows(response)) == count + 1


# --- Adding someone by hand -------------------------------------------------------------------


def test_the_organiser_adds_a_member_by_the_address_of_her_account(
    client, organised_event, organiser, member
):
    client.force_login(organiser)

    response = client.post(
        url("attendee_add", event_id=organised_event.pk),
        {"email": member.email.upper(), "seats": "1"},
    )

    assert response.status_code == 302
    registration = Registration.objects.get(event=organised_event)
    assert registration.user == member
    assert registration.added_by == organiser
    assert registration.status == Status.CONFIRMED


def test_the_organiser_adds_someone_without_an_account(client, organised_event, organiser):
    client.force_login(organiser)

    client.post(
        url("attendee_add", event_id=organised_event.pk),
        {"email": "lea@example.net", "guest_name": "Léa Sans-Compte", "seats": "1"},
    )

    registration = Registration.objects.get(event=organised_event)
    assert registration.user is None
    assert (registration.guest_name, registration.guest_email) == (
        "Léa Sans-Compte",
        "lea@example.net",
    )


def test_an_unknown_address_without_a_name_is_refused(client, organised_event, organiser):
    client.force_login(organiser)

    response = client.post(
        url("attendee_add", event_id=organised_event.pk),
        {"email": "nobody@example.net", "seats": "1"},
    )

    assert response.status_code == 200
    assert "No member has this address" in response.content.decode()
    assert not Registration.objects.exists()


def test_an_empty_form_says_what_to_give(client, organised_event, organiser):
    client.force_login(organiser)

    response = client.post(url("attendee_add", event_id=organised_event.pk), {"seats": "1"})

    assert "Give the e-mail address of a member, or the name" in response.content.decode()
    assert not Registration.objects.exists()


def test_a_member_already_registered_is_not_added_twice(client, organised_event, organiser, member):
    register(organised_event, member)
    client.force_login(organiser)

    response = client.post(
        url("attendee_add", event_id=organised_event.pk), {"email": member.email, "seats": "1"}
    )

    assert response.status_code == 200
    assert "This member is already registered." in response.content.decode()
    assert Registration.objects.filter(event=organised_event).count() == 1


def test_too_many_seats_are_refused_on_the_field(client, organised_event, organiser, member):
    client.force_login(organiser)

    response = client.post(
        url("attendee_add", event_id=organised_event.pk), {"email": member.email, "seats": "3"}
    )

    assert "at most 1 seat" in response.content.decode()
    assert not Registration.objects.exists()


def test_someone_added_to_a_full_event_goes_on_the_waiting_list(
    client, make_event, organiser, member
):
    event = make_event(organisers=[organiser], capacity=1)
    fill(event, 1)
    client.force_login(organiser)

    response = client.post(
        url("attendee_add", event_id=event.pk), {"email": member.email, "seats": "1"}, follow=True
    )

    assert Registration.objects.get(event=event, user=member).status == Status.WAITLISTED
    assert "on the waiting list, number 1" in response.content.decode()


# --- Check-in at the door ---------------------------------------------------------------------


def test_the_door_finds_a_confirmed_person_by_name_and_checks_her_in(client, make_event, organiser):
    event = make_event(organisers=[organiser], capacity=1)
    claire = register(event, UserFactory(profile__display_name="Claire Martin"))
    register(event, UserFactory(profile__display_name="Claire Waiting"))
    client.force_login(organiser)
    address = url("check_in", event_id=event.pk)

    found = client.get(address, {"q": "claire"}, HTTP_HX_REQUEST="true").content.decode()

    assert "Claire Martin" in found
    assert "Claire Waiting" not in found  # waitlisted: no seat to check in
    assert url("attendance", registration_id=claire.pk) in found
    response = client.post(
        url("attendance", registration_id=claire.pk), {"attendance": "present", "next": address}
    )
    assert response["Location"] == address
    claire = fresh(claire)
    assert claire.attendance == Registration.Attendance.PRESENT
    assert claire.checked_in_by == organiser
    page = client.get(address).content.decode()
    assert "<strong>1</strong> present out of 1 expected" in page
    assert "Claire Martin is checked in." in page


def test_the_door_page_ignores_a_next_address_off_the_site(client, organised_event, organiser):
    registration = register(organised_event)
    client.force_login(organiser)

    response = client.post(
        url("attendance", registration_id=registration.pk),
        {"attendance": "present", "next": "https://evil.example/"},
    )

    assert response["Location"] == url("attendees", event_id=organised_event.pk)


def test_a_scanned_ticket_shows_the_person_and_checks_her_in(client, make_event, organiser):
    event = make_event(organisers=[organiser], time_zone="Europe/Paris")
    registration = register(event, UserFactory(profile__display_name="Inès Billet"), seats=1)
    client.force_login(organiser)
    address = url("check_in_ticket", event_id=event.pk, code=registration.code)

    before = client.get(address).content.decode()
    response = client.post(address)
    after = client.get(address).content.decode()

    assert "Inès Billet" in before and "Check in" in before
    assert response.status_code == 302
    registration = fresh(registration)
    assert registration.attendance == Registration.Attendance.PRESENT
    local = registration.checked_in_at.astimezone(ZoneInfo("Europe/Paris"))
    assert f"Already checked in at {local:%H:%M}" in after


def test_a_ticket_of_another_event_is_refused_without_a_name(client, make_event, organiser):
    mine = make_event(organisers=[organiser])
    elsewhere = register(make_event(), UserFactory(profile__display_name="Otto Ailleurs"))
    client.force_login(organiser)
    address = url("check_in_ticket", event_id=mine.pk, code=elsewhere.code)

    response = client.get(address)
    posted = client.post(address)

    assert response.status_code == 404
    assert "This ticket is for another event" in response.content.decode()
    assert "Otto" not in response.content.decode()
    assert posted.status_code == 404
    assert fresh(elsewhere).attendance == Registration.Attendance.UNKNOWN


def test_an_unknown_ticket_code_is_a_clear_error(client, organised_event, organiser):
    client.force_login(organiser)

    response = client.get(url("check_in_ticket", event_id=organised_event.pk, code="nope"))

    assert response.status_code == 404
    assert "This ticket does not exist" in response.content.decode()


def test_a_waitlisted_ticket_cannot_be_checked_in(client, make_event, organiser):
    event = make_event(organisers=[organiser], capacity=1)
    fill(event, 1)
    waiting = register(event)
    client.force_login(organiser)
    address = url("check_in_ticket", event_id=event.pk, code=waiting.code)

    page = client.get(address).content.decode()
    client.post(address)

    assert "only confirmed seats can be checked in" in page
    assert fresh(waiting).attendance == Registration.Attendance.UNKNOWN


def test_a_member_who_scans_a_ticket_learns_no_name(client, organised_event, member, other_member):
    registration = register(organised_event, other_member)
    client.force_login(member)
    address = url("check_in_ticket", event_id=organised_event.pk, code=registration.code)

    response = client.get(address)
    posted = client.post(address)

    assert response.status_code == posted.status_code == 403
    assert "Yasmine" not in response.content.decode()
    assert fresh(registration).attendance == Registration.Attendance.UNKNOWN


@pytest.mark.parametrize("count", [5, 50])
def test_the_door_search_reads_a_constant_number_of_queries(
    client, make_event, organiser, count, django_assert_max_num_queries
):
    event = make_event(organisers=[organiser], capacity=None)
    fill(event, count)
    client.force_login(organiser)

    with django_assert_max_num_queries(15):
        response = client.get(url("check_in", event_id=event.pk), {"q": "member"})
    assert "Check in" in response.content.decode()


# --- No-shows ---------------------------------------------------------------------------------


def test_a_no_show_cannot_be_marked_before_the_event_starts(client, organised_event, organiser):
    registration = register(organised_event)
    client.force_login(organiser)

    response = client.post(
        url("attendance", registration_id=registration.pk), {"attendance": "absent"}, follow=True
    )

    assert "No-shows are marked once the event has started." in response.content.decode()
    assert fresh(registration).attendance == Registration.Attendance.UNKNOWN


def test_a_no_show_is_marked_once_the_event_has_started_and_can_be_undone(
    client, organised_event, organiser
):
    registration = register(organised_event)
    start_now(organised_event)
    client.force_login(organiser)
    address = url("attendance", registration_id=registration.pk)

    client.post(address, {"attendance": "absent"})
    assert fresh(registration).attendance == Registration.Attendance.ABSENT
    client.post(address, {"attendance": "unknown"})
    assert fresh(registration).attendance == Registration.Attendance.UNKNOWN


def test_an_unknown_attendance_value_changes_nothing(client, organised_event, organiser):
    registration = register(organised_event)
    client.force_login(organiser)

    response = client.post(
        url("attendance", registration_id=registration.pk), {"attendance": "maybe"}, follow=True
    )

    assert "Unknown attendance." in response.content.decode()
    assert fresh(registration).attendance == Registration.Attendance.UNKNOWN


# --- The closing report -----------------------------------------------------------------------


def test_the_report_waits_for_the_event_to_start(client, organised_event, organiser):
    client.force_login(organiser)
    address = url("report", event_id=organised_event.pk)

    page = client.get(address).content.decode()
    posted = client.post(address, {"outcomes": "Trop tôt"}, follow=True).content.decode()

    assert "The closing report is written once the event has started" in page
    assert 'name="outcomes"' not in page
    assert "The closing report is written once the event has started" in posted
    assert not ClosingReport.objects.exists()


def test_the_report_records_organisations_outcomes_and_documents_after_the_start(
    client, organised_event, organiser
):
    present = UserFactory(profile__display_name="Paul Présent")
    present.profile.organisation = OrganisationFactory(name="Atelier Textile")
    present.profile.save()
    absent = UserFactory()
    absent.profile.organisation = OrganisationFactory(name="Absente SA")
    absent.profile.save()
    registration = register(organised_event, present)
    register(organised_event, absent)
    event = start_now(organised_event)
    services.attendance_set(
        by=organiser, registration=registration, attendance=Registration.Attendance.PRESENT
    )
    Feedback.objects.create(event=event, user=present, rating=4, comment="Très concret.")
    document = get_document_model().objects.create(
        title="Diaporama", file=ContentFile(b"%PDF-1.4", name="diaporama.pdf")
    )
    client.force_login(organiser)
    address = url("report", event_id=event.pk)

    page = client.get(address).content.decode()
    assert "Atelier Textile" in page
    assert "Absente SA" not in page  # only the organisations of people present
    assert "Average rating 4.0 / 5 from 1 participant." in page
    assert "Très concret." in page
    response = client.post(
        address,
        {
            "organisations": [present.profile.organisation_id],
            "other_organisations": "Lycée Chateaubriand",
            "outcomes": "Deux fiches pratiques rédigées.",
            "lessons": "Prévoir plus de temps.",
            "recording_url": "https://video.example.org/seminaire",
            "documents": [document.pk],
        },
    )

    assert response.status_code == 302
    report = ClosingReport.objects.get(event=event)
    assert list(report.organisations.all()) == [present.profile.organisation]
    assert report.other_organisation_list == ["Lycée Chateaubriand"]
    assert report.outcomes == "Deux fiches pratiques rédigées."
    assert list(report.documents.all()) == [document]
    assert report.updated_by == organiser


def test_a_bad_recording_address_is_refused_and_saves_nothing(client, organised_event, organiser):
    event = start_now(organised_event)
    client.force_login(organiser)

    response = client.post(
        url("report", event_id=event.pk), {"outcomes": "x", "recording_url": "pas une adresse"}
    )

    assert response.status_code == 200
    assert "Enter a valid URL." in response.content.decode()
    assert not ClosingReport.objects.exists()


@pytest.mark.parametrize("count", [5, 50])
def test_the_report_reads_a_constant_number_of_queries(
    client, organised_event, organiser, count, django_assert_max_num_queries
):
    event = start_now(organised_event)
    for user in fill(event, count, attendance=Registration.Attendance.PRESENT):
        user.profile.organisation = OrganisationFactory()
        user.profile.save()
        Feedback.objects.create(event=event, user=user, rating=5, comment="Bien")
    client.force_login(organiser)

    with django_assert_max_num_queries(21):
        response = client.get(url("report", event_id=event.pk))
    assert response.status_code == 200
