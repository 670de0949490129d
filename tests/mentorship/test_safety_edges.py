"""Edges of the rules for minors and of the shared calendars: a conversation that existed before
a member's profile said they are under 18, an adult mentee who becomes a minor, self-vetting, a
safeguarding lead reading a reported room, two concerns on one room, a guardian's address that
is the mentee's own, contact details in the other texts of a minor's mentoring, and a marraine's
confirmed intervention holding her calendar."""

from datetime import date, time, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from forum.chat import services as chat
from forum.chat.models import Message, Room, RoomMember
from mentorship import slots
from mentorship.models import (
    AgeBand,
    AvailabilityRule,
    Booking,
    InterventionNeed,
    MentorProfile,
    Programme,
    Relationship,
    Volunteer,
)
from mentorship.services import booking as booking_services
from mentorship.services import interventions, matching, profiles, safeguarding
from mentorship.services.conversations import conversation_open
from tests.factories import UserFactory
from tests.mentorship.factories import (
    BookingFactory,
    EnrolmentFactory,
    GuardianConsentFactory,
    MenteeProfileFactory,
    MentorProfileFactory,
    ProgrammeFactory,
    ProgrammeMentorFactory,
    RelationshipFactory,
)

pytestmark = pytest.mark.django_db

GUARDIAN = {"guardian_name": "Pat Responsable", "guardian_email": "pat@example.org"}


def send(user, room, body, client_id):
    return chat.message_send(by=user, room=room, client_id=client_id, body=body)


def test_a_direct_conversation_takes_no_message_once_a_member_is_under_18():
    adult, young = UserFactory(), UserFactory()
    room = chat.room_start_direct(by=adult, other=young)
    send(adult, room, "Bonjour", "c1")

    profiles.mentee_profile_save(by=young, age_band=AgeBand.MINOR, **GUARDIAN)

    for user, client_id in ((adult, "c2"), (young, "c3")):
        with pytest.raises(PermissionDenied, match="under 18"):
            send(user, room, "Écris-moi", client_id)
    assert Message.objects.filter(room=room).count() == 1


def test_an_adult_mentee_who_becomes_a_minor_is_paused_and_supervised():
    coordinator = UserFactory()
    programme = ProgrammeFactory(coordinators=[coordinator])
    relationship = RelationshipFactory(programme=programme)
    room = conversation_open(relationship=relationship)
    upcoming = BookingFactory(relationship=relationship)
    mentee = relationship.mentee

    profiles.mentee_profile_save(by=mentee.user, age_band=AgeBand.MINOR, **GUARDIAN)

    relationship.refresh_from_db()
    upcoming.refresh_from_db()
    assert relationship.state == Relationship.State.PAUSED
    assert upcoming.status == Booking.Status.CANCELLED
    members = set(
        RoomMember.objects.filter(room=room, left_at__isnull=True).values_list("user", flat=True)
    )
    assert coordinator.pk in members
    with pytest.raises(PermissionDenied):
        send(relationship.mentor.user, room, "Bonjour", "m1")


def test_nobody_vets_themselves():
    coordinator = UserFactory()
    programme = ProgrammeFactory(coordinators=[coordinator])
    mentor = MentorProfileFactory(
        user=coordinator,
        vetting=MentorProfile.Vetting.NONE,
        identity_checked_on=None,
        record_seen_on=None,
    )
    ProgrammeMentorFactory(programme=programme, mentor=mentor)

    with pytest.raises(PermissionDenied):
        profiles.mentor_vetting_set(
            by=coordinator,
            mentor=mentor,
            vetting=MentorProfile.Vetting.CLEARED,
            identity_checked_on=date.today(),
            record_seen_on=date.today(),
        )
    mentor.refresh_from_db()
    assert mentor.vetting == MentorProfile.Vetting.NONE


def reported_minor_room():
    lead, coordinator = UserFactory(), UserFactory()
    programme = ProgrammeFactory(safeguarding_lead=lead, coordinators=[coordinator])
    minor = MenteeProfileFactory(minor=True)
    EnrolmentFactory(programme=programme, mentee=minor)
    GuardianConsentFactory(mentee=minor)
    relationship = RelationshipFactory(programme=programme, mentee=minor)
    room = conversation_open(relationship=relationship)
    message = send(relationship.mentor.user, room, "Bonjour", "r1").message
    concern = safeguarding.concern_report(by=minor.user, message=message, text="Inquiète")
    return lead, relationship, room, concern


def test_the_safeguarding_lead_reads_a_reported_room_without_becoming_a_member():
    lead, _relationship, room, concern = reported_minor_room()

    chat.room_mark_read(by=lead, room=room, seq=room.last_seq)
    assert not RoomMember.objects.filter(room=room, user=lead).exists()
    with pytest.raises(PermissionDenied):
        chat.room_set_muted(by=lead, room=room, muted=True)

    safeguarding.concern_update(
        by=lead, concern=concern, status="closed", outcome="Rien d'inquiétant", unfreeze=True
    )
    with pytest.raises(PermissionDenied):
        send(lead, Room.objects.get(pk=room.pk), "Je réponds", "l1")


def test_closing_one_concern_cannot_unfreeze_a_room_another_concern_holds():
    lead, relationship, room, first = reported_minor_room()
    second = safeguarding.concern_report(
        by=relationship.mentee.user, about=relationship.mentor.user, text="Autre chose"
    )

    with pytest.raises(ValidationError, match="still open"):
        safeguarding.concern_update(
            by=lead, concern=first, status="closed", outcome="Vu", unfreeze=True
        )

    first.refresh_from_db()
    room.refresh_from_db()
    assert first.status != "closed" and room.frozen_at is not None
    safeguarding.concern_update(by=lead, concern=second, status="closed", outcome="Vu")
    safeguarding.concern_update(
        by=lead, concern=first, status="closed", outcome="Vu", unfreeze=True
    )
    room.refresh_from_db()
    assert room.frozen_at is None


def test_a_minor_cannot_give_their_own_address_as_their_guardian_s():
    user = UserFactory(email="ado@example.org")
    with pytest.raises(ValidationError) as error:
        profiles.mentee_profile_save(
            by=user,
            age_band=AgeBand.MINOR,
            guardian_name="Moi",
            guardian_email="ADO@example.org",
        )
    assert "guardian_email" in error.value.message_dict
    assert not hasattr(user, "mentee_profile") or user.mentee_profile is None


def test_contact_details_are_masked_in_a_minor_s_request_and_milestones():
    programme = ProgrammeFactory(eligibility=Programme.Eligibility.MINORS)
    minor = MenteeProfileFactory(minor=True)
    EnrolmentFactory(programme=programme, mentee=minor)
    GuardianConsentFactory(mentee=minor)
    mentor = MentorProfileFactory()
    ProgrammeMentorFactory(programme=programme, mentor=mentor)

    relationship = matching.request_create(
        by=minor.user,
        mentee=minor,
        mentor=mentor,
        programme=programme,
        message="Appelez-moi au 06 12 34 56 78 ou ado@example.org",
    )

    assert "06 12 34 56 78" not in relationship.message
    assert "ado@example.org" not in relationship.message
    assert "Appelez-moi" in relationship.message


def test_a_marraine_s_confirmed_intervention_holds_her_calendar():
    coordinator = UserFactory()
    programme = ProgrammeFactory(kind=Programme.Kind.INTERVENTIONS, coordinators=[coordinator])
    mentor = MentorProfileFactory()
    ProgrammeMentorFactory(programme=programme, mentor=mentor)
    for weekday in range(7):
        AvailabilityRule.objects.create(
            mentor=mentor, weekday=weekday, starts_at=time(8), ends_at=time(20)
        )
    relationship = RelationshipFactory(mentor=mentor)
    now = timezone.now()
    slot = slots.next_free_slots(mentor, now=now)[3]
    need = InterventionNeed.objects.create(
        programme=programme,
        kind=InterventionNeed.Kind.CLASS_TALK,
        title="Collège",
        host="Collège",
        starts_at=slot,
        ends_at=slot + timedelta(hours=2),
        place="Lorient",
        audience="3e",
        marraines_wanted=1,
    )
    volunteer = Volunteer.objects.create(
        need=need, mentor=mentor, status=Volunteer.Status.VOLUNTEERED
    )
    interventions.volunteer_confirm(by=coordinator, volunteer=volunteer)

    assert slot not in slots.next_free_slots(mentor, now=timezone.now())
    with pytest.raises(ValidationError):
        booking_services.booking_create(
            by=relationship.mentee.user, relationship=relationship, starts_at=slot
        )
    assert not Booking.objects.exists()


def test_a_guardian_s_consent_covers_the_programmes_it_named_only(client):
    coordinator_a, coordinator_b = UserFactory(), UserFactory()
    first = ProgrammeFactory(coordinators=[coordinator_a], eligibility="minors")
    second = ProgrammeFactory(coordinators=[coordinator_b], eligibility="minors")
    minor = MenteeProfileFactory(minor=True)
    EnrolmentFactory(programme=first, mentee=minor)
    consent = safeguarding.consent_request(by=minor.user, mentee=minor)
    consent = safeguarding.consent_answer(token=consent.token, give=True, signed_name="Pat R")
    assert list(consent.programmes.all()) == [first]

    EnrolmentFactory(programme=second, mentee=minor)
    mentor = MentorProfileFactory()
    ProgrammeMentorFactory(programme=second, mentor=mentor)
    with pytest.raises(PermissionDenied, match="other programmes"):
        matching.relationship_assign(
            by=coordinator_b, mentee=minor, mentor=mentor, programme=second
        )
    assert not Relationship.objects.exists()

    client.force_login(coordinator_b)
    board = client.get(f"/mentorship/programmes/{second.slug}/dashboard/").context["board"]
    assert [m.pk for m in board.without_consent] == [minor.pk]
    assert board.without_consent[0].covered is False

    # Asking again names both once the guardian answers.
    again = safeguarding.consent_request(by=coordinator_b, mentee=minor)
    again = safeguarding.consent_answer(token=again.token, give=True, signed_name="Pat R")
    assert set(again.programmes.all()) == {first, second}
    minor = type(minor).objects.get(pk=minor.pk)
    assert (
        matching.relationship_assign(
            by=coordinator_b, mentee=minor, mentor=mentor, programme=second
        ).state
        == Relationship.State.ACTIVE
    )
