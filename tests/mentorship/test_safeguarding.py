"""Guardians' consent (request, the guardian's page, under 15, withdrawal) and the safeguarding
lead's concern pages."""

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone
from notifications.models import Notification

from mentorship.models import Booking, ConcernReport, GuardianConsent, Relationship
from mentorship.permissions import consent_is_valid
from mentorship.services import safeguarding
from mentorship.services.conversations import conversation_open
from tests.factories import UserFactory
from tests.mentorship.factories import (
    BookingFactory,
    EnrolmentFactory,
    GuardianConsentFactory,
    MenteeProfileFactory,
    MentorProfileFactory,
    ProgrammeFactory,
    RelationshipFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def coordinator(db):
    return UserFactory(profile__display_name="Corinne Coordinatrice")


@pytest.fixture
def lead(db):
    return UserFactory(profile__display_name="Laure Référente")


@pytest.fixture
def programme(coordinator, lead):
    return ProgrammeFactory(
        title="Wi-Filles Rennes", coordinators=[coordinator], safeguarding_lead=lead
    )


@pytest.fixture
def minor(programme):
    mentee = MenteeProfileFactory(
        minor=True, user__profile__display_name="Léa Élève", guardian_email="maman@example.org"
    )
    EnrolmentFactory(programme=programme, mentee=mentee)
    return mentee


def fresh(mentee):
    """The mentee as a new request would see it (the current consent is cached per object)."""
    return type(mentee).objects.get(pk=mentee.pk)


def request_consent(by, mentee, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        consent = safeguarding.consent_request(by=by, mentee=mentee)
    return consent, consent.token


# --- Asking --------------------------------------------------------------------------------------


def test_the_mentee_asks_and_the_guardian_gets_a_link_whose_token_is_not_stored(
    minor, django_capture_on_commit_callbacks
):
    consent, token = request_consent(minor.user, minor, django_capture_on_commit_callbacks)

    assert consent.state == GuardianConsent.State.PENDING
    assert consent.text_version == safeguarding.CONSENT_TEXT_VERSION
    assert consent.token_hash == safeguarding.hash_token(token) and token not in consent.token_hash
    assert consent.expires_at - consent.requested_at == timedelta(days=14)
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["maman@example.org"]
    assert f"/mentorship/consent/{token}/" in mail.outbox[0].body
    assert "Wi-Filles Rennes" in mail.outbox[0].body


def test_a_coordinator_of_the_mentees_programme_may_ask_but_not_another_member(
    minor, coordinator, member, django_capture_on_commit_callbacks
):
    request_consent(coordinator, minor, django_capture_on_commit_callbacks)
    with pytest.raises(PermissionDenied):
        safeguarding.consent_request(by=member, mentee=minor)
    assert minor.consents.count() == 1


def test_a_new_request_replaces_the_old_link_and_cannot_be_sent_twice_at_once(
    client, minor, django_capture_on_commit_callbacks
):
    _first, old_token = request_consent(minor.user, minor, django_capture_on_commit_callbacks)
    with pytest.raises(ValidationError):
        safeguarding.consent_request(by=minor.user, mentee=minor)
    GuardianConsent.objects.update(requested_at=timezone.now() - timedelta(hours=1))

    request_consent(minor.user, minor, django_capture_on_commit_callbacks)

    assert client.get(reverse("mentorship:consent_guardian", args=[old_token])).status_code == 410


def test_an_adult_needs_no_consent(programme, django_capture_on_commit_callbacks):
    adult = MenteeProfileFactory()
    with pytest.raises(ValidationError):
        safeguarding.consent_request(by=adult.user, mentee=adult)
    assert not GuardianConsent.objects.exists()


# --- The guardian's page -------------------------------------------------------------------------


def test_a_bad_token_is_a_404(client, minor):
    assert client.get(reverse("mentorship:consent_guardian", args=["x" * 43])).status_code == 404
    assert (
        client.post(
            reverse("mentorship:consent_guardian", args=["y" * 43]),
            {"action": "answer", "decision": "give", "signed_name": "Parent"},
        ).status_code
        == 404
    )


def test_the_guardians_page_shows_who_which_programme_the_text_and_who_reads(
    client, minor, django_capture_on_commit_callbacks
):
    _consent, token = request_consent(minor.user, minor, django_capture_on_commit_callbacks)

    response = client.get(reverse("mentorship:consent_guardian", args=[token]))

    page = response.content.decode()
    assert response.status_code == 200
    assert "Léa Élève" in page and "Wi-Filles Rennes" in page
    assert "can read everything written there" in page
    assert response["Referrer-Policy"] == "no-referrer"
    assert 'name="signed_name"' in page


def test_the_guardian_gives_consent_with_their_typed_name(
    client, minor, coordinator, django_capture_on_commit_callbacks
):
    consent, token = request_consent(minor.user, minor, django_capture_on_commit_callbacks)

    response = client.post(
        reverse("mentorship:consent_guardian", args=[token]),
        {"action": "answer", "decision": "give", "signed_name": "Sophie Élève"},
    )

    assert response.status_code == 302
    consent.refresh_from_db()
    assert consent.state == GuardianConsent.State.GIVEN
    assert consent.signed_name == "Sophie Élève" and consent.answered_at is not None
    assert consent.text_version == safeguarding.CONSENT_TEXT_VERSION
    assert consent_is_valid(fresh(minor))
    assert set(
        Notification.objects.filter(verb="mentorship.consent_given").values_list(
            "recipient_id", flat=True
        )
    ) == {minor.user_id, coordinator.pk}


def test_an_answer_without_a_name_changes_nothing(
    client, minor, django_capture_on_commit_callbacks
):
    consent, token = request_consent(minor.user, minor, django_capture_on_commit_callbacks)

    response = client.post(
        reverse("mentorship:consent_guardian", args=[token]),
        {"action": "answer", "decision": "give", "signed_name": ""},
    )

    assert response.status_code == 400
    consent.refresh_from_db()
    assert consent.state == GuardianConsent.State.PENDING


def test_an_expired_link_is_refused(client, minor, django_capture_on_commit_callbacks):
    consent, token = request_consent(minor.user, minor, django_capture_on_commit_callbacks)
    GuardianConsent.objects.filter(pk=consent.pk).update(expires_at=timezone.now())
    url = reverse("mentorship:consent_guardian", args=[token])

    assert client.get(url).status_code == 410
    response = client.post(url, {"action": "answer", "decision": "give", "signed_name": "Sophie"})

    assert response.status_code == 400
    consent.refresh_from_db()
    assert consent.state == GuardianConsent.State.PENDING and consent.answered_at is None
    with pytest.raises(ValidationError):
        safeguarding.consent_answer(token=token, give=True, signed_name="Sophie")


def test_a_refusal_is_recorded_and_leaves_the_minor_unable_to_take_part(
    client, minor, django_capture_on_commit_callbacks
):
    consent, token = request_consent(minor.user, minor, django_capture_on_commit_callbacks)

    safeguarding.consent_answer(token=token, give=False, signed_name="Sophie Élève")

    consent.refresh_from_db()
    assert consent.state == GuardianConsent.State.REFUSED
    assert not consent_is_valid(fresh(minor))


def test_under_15_both_the_guardian_and_the_mentee_must_agree(
    client, programme, django_capture_on_commit_callbacks
):
    young = MenteeProfileFactory(minor=True, age_band="14")
    EnrolmentFactory(programme=programme, mentee=young)
    consent, token = request_consent(young.user, young, django_capture_on_commit_callbacks)
    safeguarding.consent_answer(token=token, give=True, signed_name="Parent Responsable")

    assert not consent_is_valid(fresh(young))
    other = UserFactory()
    with pytest.raises(PermissionDenied):
        safeguarding.consent_mentee_agree(by=other, consent=consent)

    client.force_login(young.user)
    page = client.get(reverse("mentorship:consent")).content.decode()
    assert 'value="agree"' in page
    client.post(reverse("mentorship:consent"), {"action": "agree"})

    assert consent_is_valid(fresh(young))
    assert Notification.objects.filter(
        verb="mentorship.consent_needs_mentee", recipient=young.user
    ).exists()


def test_the_mentees_consent_page_sends_the_request(client, minor):
    client.force_login(minor.user)

    assert 'data-consent-state="none"' in client.get(reverse("mentorship:consent")).content.decode()
    client.post(reverse("mentorship:consent"), {"action": "send"})

    assert minor.consents.get().state == GuardianConsent.State.PENDING


def test_the_consent_page_is_a_404_for_someone_without_a_mentee_profile(client, member):
    client.force_login(member)

    assert client.get(reverse("mentorship:consent")).status_code == 404


# --- Withdrawal and invalidation ----------------------------------------------------------------


@pytest.fixture
def taking_part(programme, minor):
    """The minor, consent given, with an active relationship, its room and two bookings."""
    consent = GuardianConsentFactory(mentee=minor)
    mentor = MentorProfileFactory(user__profile__display_name="Marraine Martine")
    relationship = RelationshipFactory(programme=programme, mentor=mentor, mentee=minor)
    conversation_open(relationship=relationship)
    upcoming = BookingFactory(relationship=relationship)
    past = BookingFactory(relationship=relationship, starts_at=timezone.now() - timedelta(days=3))
    return consent, relationship, upcoming, past


def test_withdrawing_with_the_link_pauses_everything_and_tells_mentor_and_coordinators(
    client, taking_part, minor, coordinator
):
    consent, relationship, upcoming, past = taking_part
    token = "t" * 43
    GuardianConsent.objects.filter(pk=consent.pk).update(token_hash=safeguarding.hash_token(token))
    url = reverse("mentorship:consent_guardian", args=[token])
    assert 'value="withdraw"' in client.get(url).content.decode()

    response = client.post(url, {"action": "withdraw", "confirm": "on"})

    assert response.status_code == 302
    consent.refresh_from_db()
    assert consent.state == GuardianConsent.State.WITHDRAWN and consent.withdrawn_by == "guardian"
    assert Relationship.objects.get(pk=relationship.pk).state == Relationship.State.PAUSED
    upcoming.refresh_from_db()
    past.refresh_from_db()
    assert upcoming.status == Booking.Status.CANCELLED
    assert upcoming.cancel_reason == "Consent withdrawn"
    assert past.status == Booking.Status.CONFIRMED
    assert set(
        Notification.objects.filter(verb="mentorship.consent_withdrawn").values_list(
            "recipient_id", flat=True
        )
    ) == {relationship.mentor.user_id, coordinator.pk, minor.user_id}
    assert not consent_is_valid(fresh(minor))


def test_withdrawing_without_confirming_changes_nothing(client, taking_part):
    consent, relationship, _upcoming, _past = taking_part
    token = "u" * 43
    GuardianConsent.objects.filter(pk=consent.pk).update(token_hash=safeguarding.hash_token(token))

    response = client.post(
        reverse("mentorship:consent_guardian", args=[token]), {"action": "withdraw"}
    )

    assert response.status_code == 400
    assert GuardianConsent.objects.get(pk=consent.pk).state == GuardianConsent.State.GIVEN
    assert Relationship.objects.get(pk=relationship.pk).state == Relationship.State.ACTIVE


def test_a_changed_guardian_address_invalidates_the_consent(taking_part, minor):
    consent, relationship, _upcoming, _past = taking_part

    safeguarding.consent_invalidate(mentee=minor, reason="guardian_changed")

    consent.refresh_from_db()
    assert consent.state == GuardianConsent.State.WITHDRAWN
    assert Relationship.objects.get(pk=relationship.pk).state == Relationship.State.PAUSED
    assert not consent_is_valid(fresh(minor))


# --- Concerns ------------------------------------------------------------------------------------


def test_a_concern_about_a_profile_goes_to_the_lead_by_notification_and_e_mail(
    client, taking_part, minor, lead, django_capture_on_commit_callbacks
):
    _consent, relationship, _upcoming, _past = taking_part
    client.force_login(minor.user)
    mentor_profile = relationship.mentor.user.profile
    url = reverse("mentorship:concern_person", args=[mentor_profile.pk])

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"text": "Il m'a demandé mon adresse."})

    assert response.status_code == 302
    concern = ConcernReport.objects.get()
    assert concern.programme == relationship.programme and concern.about == relationship.mentor.user
    assert concern.room_id == relationship.room_id
    assert Notification.objects.filter(verb="mentorship.concern_reported", recipient=lead).exists()
    assert [message.to for message in mail.outbox] == [[lead.email]]
    assert "Il m'a demandé" not in mail.outbox[0].body  # the text stays on the site


def test_every_profile_has_a_report_a_concern_link(client, member, other_member):
    client.force_login(member)

    page = client.get(reverse("community:profile_detail", args=[other_member.profile.pk]))

    assert (
        reverse("mentorship:concern_person", args=[other_member.profile.pk])
        in page.content.decode()
    )


@pytest.fixture
def concern(taking_part, minor):
    _consent, relationship, _upcoming, _past = taking_part
    return safeguarding.concern_report(
        by=minor.user, about=relationship.mentor.user, text="Je ne me sens pas bien."
    )


def test_the_lead_sees_the_reports_of_their_programmes_and_handles_them(client, concern, lead):
    client.force_login(lead)

    assert f"Report #{concern.pk}" in client.get(reverse("mentorship:concerns")).content.decode()
    detail = client.get(reverse("mentorship:concern", args=[concern.pk]))
    assert detail.status_code == 200 and "Je ne me sens pas bien." in detail.content.decode()
    refused = client.post(reverse("mentorship:concern", args=[concern.pk]), {"status": "closed"})
    assert refused.status_code == 400
    assert ConcernReport.objects.get(pk=concern.pk).status == ConcernReport.Status.OPEN
    client.post(
        reverse("mentorship:concern", args=[concern.pk]),
        {"status": "closed", "outcome": "Entretien avec la marraine."},
    )
    closed = ConcernReport.objects.get(pk=concern.pk)
    assert closed.status == ConcernReport.Status.CLOSED and closed.handled_by == lead


def test_staff_see_every_report(client, concern, staff):
    client.force_login(staff)

    assert client.get(reverse("mentorship:concern", args=[concern.pk])).status_code == 200


@pytest.mark.parametrize("who", ["coordinator", "member", "reporter"])
def test_anyone_else_gets_a_404_on_the_concern_pages(
    client, concern, coordinator, member, minor, who
):
    user = {"coordinator": coordinator, "member": member, "reporter": minor.user}[who]
    client.force_login(user)

    assert client.get(reverse("mentorship:concerns")).status_code == 404
    assert client.get(reverse("mentorship:concern", args=[concern.pk])).status_code == 404
    response = client.post(
        reverse("mentorship:concern", args=[concern.pk]), {"status": "closed", "outcome": "x"}
    )
    assert response.status_code == 404
    assert ConcernReport.objects.get(pk=concern.pk).status == ConcernReport.Status.OPEN


def _reports(programme, count):
    for index in range(count):
        ConcernReport.objects.create(programme=programme, text=f"Souci {index}")


@pytest.mark.parametrize("count", [2, 20])
def test_the_concern_list_keeps_a_constant_number_of_queries(
    client, programme, lead, count, django_assert_max_num_queries
):
    _reports(programme, count)
    client.force_login(lead)
    client.get(reverse("mentorship:concerns"))

    with django_assert_max_num_queries(12):
        response = client.get(reverse("mentorship:concerns"))

    assert len(re.findall(r"Report #\d+", response.content.decode())) == count


@pytest.mark.parametrize("count", [2, 20])
def test_the_guardians_page_keeps_a_constant_number_of_queries(
    client,
    programme,
    minor,
    count,
    django_assert_max_num_queries,
    django_capture_on_commit_callbacks,
):
    for _index in range(count):
        EnrolmentFactory(mentee=minor)
    _consent, token = request_consent(minor.user, minor, django_capture_on_commit_callbacks)

    with django_assert_max_num_queries(8):
        assert client.get(reverse("mentorship:consent_guardian", args=[token])).status_code == 200


def test_a_coordinator_sends_the_request_from_a_page_and_an_outsider_gets_a_404(
    client, minor, coordinator, member
):
    client.force_login(member)
    assert client.post(reverse("mentorship:consent_ask", args=[minor.pk])).status_code == 404
    assert not minor.consents.exists()

    client.force_login(coordinator)
    response = client.post(
        reverse("mentorship:consent_ask", args=[minor.pk]), {"next": "/mentorship/"}
    )

    assert response.status_code == 302 and response["Location"] == "/mentorship/"
    assert minor.consents.get().requested_by == coordinator


@pytest.mark.parametrize("count", [1, 15])
def test_the_mentees_consent_page_keeps_a_constant_number_of_queries(
    client, minor, count, django_assert_max_num_queries
):
    GuardianConsentFactory(mentee=minor)
    for _index in range(count):
        EnrolmentFactory(mentee=minor)
    client.force_login(minor.user)
    client.get(reverse("mentorship:consent"))

    with django_assert_max_num_queries(10):
        response = client.get(reverse("mentorship:consent"))

    assert 'data-consent-state="valid"' in response.content.decode()
