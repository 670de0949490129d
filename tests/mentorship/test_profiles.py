"""Mentor and mentee profiles and the vetting of mentors: services and pages."""

from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone
from notifications.models import Notification

from community.models import Theme
from mentorship.models import GuardianConsent, MenteeProfile, MentorProfile, Relationship
from mentorship.permissions import consent_is_valid
from mentorship.services import profiles as services
from tests.factories import UserFactory
from tests.mentorship.factories import (
    GuardianConsentFactory,
    MentorProfileFactory,
    ProgrammeFactory,
    ProgrammeMentorFactory,
    RelationshipFactory,
)

pytestmark = pytest.mark.django_db
Vetting = MentorProfile.Vetting


def theme(slug="numerique"):
    return Theme.objects.get_or_create(slug=slug, defaults={"label_fr": slug, "label_en": slug})[0]


def minor_data(**changes) -> dict:
    data = {
        "age_band": "15-17",
        "goals": "Devenir ingénieure",
        "guardian_name": "Parent Responsable",
        "guardian_email": "parent@example.org",
    }
    return data | changes


# --- Mentor profile ------------------------------------------------------------------------------


def test_becoming_a_mentor_creates_an_unvetted_profile(member):
    profile = services.mentor_profile_save(
        by=member, headline="Ingénieure réseaux", themes=[theme()], capacity=3, in_person=True
    )
    assert profile.user == member
    assert profile.vetting == Vetting.NONE
    assert list(profile.themes.all()) == [theme()]
    assert profile.capacity == 3 and profile.in_person


def test_saving_again_updates_the_same_profile_and_keeps_the_vetting(member):
    MentorProfileFactory(user=member)
    profile = services.mentor_profile_save(by=member, headline="Nouveau", paused=True)
    assert MentorProfile.objects.filter(user=member).count() == 1
    assert profile.headline == "Nouveau" and profile.paused
    assert profile.vetting == Vetting.CLEARED


@pytest.mark.parametrize(
    "changes",
    [
        {"capacity": 0},
        {"capacity": 21},
        {"online": False, "in_person": False},
        {"time_zone": "Mars/Olympus"},
        {"session_minutes": 5},
    ],
)
def test_a_mentor_profile_with_bad_values_is_refused_and_nothing_is_saved(member, changes):
    with pytest.raises(ValidationError):
        services.mentor_profile_save(by=member, **changes)
    assert not MentorProfile.objects.exists()


def test_a_visitor_cannot_save_a_profile():
    from django.contrib.auth.models import AnonymousUser

    with pytest.raises(PermissionDenied):
        services.mentor_profile_save(by=AnonymousUser())


# --- Mentee profile ------------------------------------------------------------------------------


def test_a_minor_must_name_a_guardian(member):
    with pytest.raises(ValidationError, match="guardian"):
        services.mentee_profile_save(by=member, **minor_data(guardian_email=""))
    assert not MenteeProfile.objects.exists()
    profile = services.mentee_profile_save(by=member, **minor_data())
    assert profile.is_minor and profile.guardian_email == "parent@example.org"


def test_an_adult_keeps_no_guardian_on_record(member):
    profile = services.mentee_profile_save(
        by=member, age_band="18+", guardian_name="X", guardian_email="x@example.org"
    )
    assert profile.guardian_name == "" and profile.guardian_email == ""


def test_changing_the_guardians_address_makes_the_consent_invalid(member):
    profile = services.mentee_profile_save(by=member, **minor_data())
    GuardianConsentFactory(mentee=profile)
    assert consent_is_valid(MenteeProfile.objects.get(pk=profile.pk))

    services.mentee_profile_save(by=member, **minor_data(guardian_email="other@example.org"))

    profile = MenteeProfile.objects.get(pk=profile.pk)
    assert not consent_is_valid(profile)
    assert profile.consents.get().state == GuardianConsent.State.WITHDRAWN


def test_changing_the_guardians_address_pauses_the_open_relationships(member):
    profile = services.mentee_profile_save(by=member, **minor_data())
    GuardianConsentFactory(mentee=profile)
    relationship = RelationshipFactory(mentee=profile)
    services.mentee_profile_save(by=member, **minor_data(guardian_email="new@example.org"))
    relationship.refresh_from_db()
    assert relationship.state == Relationship.State.PAUSED


def test_saving_the_same_guardian_keeps_the_consent(member):
    profile = services.mentee_profile_save(by=member, **minor_data())
    GuardianConsentFactory(mentee=profile)
    services.mentee_profile_save(by=member, **minor_data(goals="Autre objectif"))
    assert consent_is_valid(MenteeProfile.objects.get(pk=profile.pk))


def test_a_minor_cannot_declare_themselves_adult(member):
    services.mentee_profile_save(by=member, **minor_data())
    with pytest.raises(ValidationError, match="coordinator"):
        services.mentee_profile_save(by=member, age_band="18+")
    assert MenteeProfile.objects.get(user=member).is_minor


# --- Vetting -------------------------------------------------------------------------------------


@pytest.fixture
def coordinator(db):
    return UserFactory()


@pytest.fixture
def candidate(coordinator):
    mentor = MentorProfileFactory(
        vetting=Vetting.NONE, identity_checked_on=None, record_seen_on=None
    )
    ProgrammeMentorFactory(programme=ProgrammeFactory(coordinators=[coordinator]), mentor=mentor)
    return mentor


def test_a_coordinator_of_the_mentors_programme_records_the_vetting(coordinator, candidate):
    checked = date.today() - timedelta(days=2)
    services.mentor_vetting_set(
        by=coordinator,
        mentor=candidate,
        vetting=Vetting.CLEARED,
        identity_checked_on=checked,
        record_seen_on=checked,
    )
    candidate.refresh_from_db()
    assert candidate.is_cleared
    assert candidate.identity_checked_on == checked and candidate.vetted_by == coordinator
    assert Notification.objects.filter(
        recipient=candidate.user, verb="mentorship.vetting_set"
    ).exists()


def test_a_coordinator_of_another_programme_cannot_vet(candidate):
    stranger = UserFactory()
    ProgrammeFactory(coordinators=[stranger])
    with pytest.raises(PermissionDenied):
        services.mentor_vetting_set(
            by=stranger,
            mentor=candidate,
            vetting=Vetting.IDENTITY,
            identity_checked_on=date.today(),
            record_seen_on=None,
        )
    candidate.refresh_from_db()
    assert candidate.vetting == Vetting.NONE


def test_the_mentor_cannot_vet_themselves(candidate):
    with pytest.raises(PermissionDenied):
        services.mentor_vetting_set(
            by=candidate.user,
            mentor=candidate,
            vetting=Vetting.CLEARED,
            identity_checked_on=date.today(),
            record_seen_on=date.today(),
        )


def test_staff_vet_any_mentor(staff):
    mentor = MentorProfileFactory(
        vetting=Vetting.NONE, identity_checked_on=None, record_seen_on=None
    )
    services.mentor_vetting_set(
        by=staff,
        mentor=mentor,
        vetting=Vetting.IDENTITY,
        identity_checked_on=date.today(),
        record_seen_on=None,
    )
    mentor.refresh_from_db()
    assert mentor.vetting == Vetting.IDENTITY


@pytest.mark.parametrize(
    "vetting, identity, record, field",
    [
        (Vetting.CLEARED, date.today() + timedelta(days=1), date.today(), "identity_checked_on"),
        (Vetting.CLEARED, date.today(), date.today() + timedelta(days=3), "record_seen_on"),
        (Vetting.CLEARED, date.today(), None, "record_seen_on"),
        (Vetting.IDENTITY, None, None, "identity_checked_on"),
    ],
)
def test_vetting_dates_in_the_future_or_missing_are_refused(
    coordinator, candidate, vetting, identity, record, field
):
    with pytest.raises(ValidationError) as error:
        services.mentor_vetting_set(
            by=coordinator,
            mentor=candidate,
            vetting=vetting,
            identity_checked_on=identity,
            record_seen_on=record,
        )
    assert field in error.value.error_dict
    candidate.refresh_from_db()
    assert candidate.vetting == Vetting.NONE


# --- Pages ---------------------------------------------------------------------------------------


def test_the_mentor_profile_page_makes_a_member_a_mentor(client, member):
    client.force_login(member)
    url = reverse("mentorship:mentor_profile")
    assert client.get(url).status_code == 200
    response = client.post(
        url,
        {
            "headline": "Cheffe de projet",
            "themes": [theme().pk],
            "country": "FR",
            "region": "Bretagne",
            "online": "on",
            "capacity": "2",
            "time_zone": "Europe/Paris",
            "session_minutes": "60",
        },
    )
    assert response.status_code == 302
    profile = MentorProfile.objects.get(user=member)
    assert profile.headline == "Cheffe de projet" and profile.region == "Bretagne"


def test_the_mentor_profile_page_shows_a_refusal_on_the_form(client, member):
    client.force_login(member)
    response = client.post(
        reverse("mentorship:mentor_profile"),
        {"capacity": "2", "time_zone": "Europe/Paris", "session_minutes": "60"},
    )
    assert response.status_code == 200
    assert "at least one way to meet" in response.content.decode()
    assert not MentorProfile.objects.exists()


def test_the_mentee_profile_page_asks_a_minor_for_a_guardian(client, member):
    client.force_login(member)
    url = reverse("mentorship:mentee_profile")
    data = {"age_band": "15-17", "time_zone": "Europe/Paris", "prefers_online": "on"}
    response = client.post(url, data)
    assert response.status_code == 200
    assert "needs a guardian" in response.content.decode()
    assert not MenteeProfile.objects.exists()
    data |= {"guardian_name": "Parent", "guardian_email": "parent@example.org"}
    assert client.post(url, data).status_code == 302
    assert MenteeProfile.objects.get(user=member).guardian_email == "parent@example.org"


def test_the_vetting_page_is_a_404_to_anyone_but_the_mentors_coordinators(
    client, candidate, coordinator, other_member
):
    url = reverse("mentorship:mentor_vetting", kwargs={"pk": candidate.pk})
    client.force_login(other_member)
    assert client.get(url).status_code == 404
    assert client.post(url, {"vetting": "cleared"}).status_code == 404
    client.force_login(candidate.user)
    assert client.get(url).status_code == 404
    client.force_login(coordinator)
    assert client.get(url).status_code == 200


def test_the_vetting_page_records_the_outcome_and_refuses_a_future_date(
    client, candidate, coordinator
):
    client.force_login(coordinator)
    url = reverse("mentorship:mentor_vetting", kwargs={"pk": candidate.pk})
    tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()
    response = client.post(
        url, {"vetting": "cleared", "identity_checked_on": tomorrow, "record_seen_on": tomorrow}
    )
    assert response.status_code == 200
    assert "in the future" in response.content.decode()
    candidate.refresh_from_db()
    assert candidate.vetting == Vetting.NONE
    today = timezone.localdate().isoformat()
    response = client.post(
        url, {"vetting": "cleared", "identity_checked_on": today, "record_seen_on": today}
    )
    assert response.status_code == 302
    candidate.refresh_from_db()
    assert candidate.is_cleared


def test_saving_a_profile_goes_back_to_the_local_page_that_asked_and_never_elsewhere(
    client, member
):
    client.force_login(member)
    data = {"age_band": "18+", "time_zone": "Europe/Paris", "prefers_online": "on"}
    url = reverse("mentorship:mentee_profile")
    response = client.post(url, data | {"next": "/mentorship/programmes/x/"})
    assert response["Location"] == "/mentorship/programmes/x/"
    response = client.post(url, data | {"next": "https://evil.example/"})
    assert response["Location"] == url
