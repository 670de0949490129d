import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from forum.chat import services as chat
from forum.chat.models import RoomMember, Message
from mentorship.models import AgeBand, GuardianConsent, Relationship, MentorProfile
from mentorship.services import profiles, programmes as prog_services, matching
from mentorship.services.conversations import conversation_open
from tests.factories import UserFactory
from tests.mentorship.factories import (
    EnrolmentFactory, GuardianConsentFactory, MenteeProfileFactory, MentorProfileFactory,
    ProgrammeFactory, ProgrammeMentorFactory, RelationshipFactory,
)

pytestmark = pytest.mark.django_db
n = [0]
def say(user, room, body="Bonjour"):
    n[0] += 1
    return chat.message_send(by=user, room=room, client_id=f"r-{n[0]}", body=body)


def test_existing_dm_survives_when_the_other_becomes_a_minor():
    adult = UserFactory()
    young = UserFactory()
    room = chat.room_start_direct(by=adult, other=young)
    profiles.mentee_profile_save(by=young, age_band=AgeBand.MINOR, guardian_name="P R",
                                 guardian_email="p@example.org")
    from mentorship.permissions import is_minor
    young.refresh_from_db()
    assert is_minor(young)
    sent = say(adult, room, "salut, écris-moi")
    reply = say(young, room, "ok")
    print("DM after minor: adult sent", sent, "minor replied", reply)


def test_adult_mentee_becoming_minor_keeps_an_unsupervised_room():
    coord = UserFactory()
    p = ProgrammeFactory(coordinators=[coord])
    mentor = MentorProfileFactory()
    mentee = MenteeProfileFactory()
    rel = RelationshipFactory(programme=p, mentor=mentor, mentee=mentee)
    room = conversation_open(relationship=rel)
    profiles.mentee_profile_save(by=mentee.user, age_band=AgeBand.MINOR, guardian_name="P R",
                                 guardian_email="p@example.org")
    GuardianConsentFactory(mentee=mentee, guardian_email="p@example.org", guardian_name="P R")
    mentor.user.refresh_from_db()
    sent = say(mentor.user, room, "hello")
    members = set(RoomMember.objects.filter(room=room, left_at__isnull=True).values_list("user_id", flat=True))
    print("members", members, "coord", coord.pk, "sent", sent)
    assert coord.pk not in members


def test_a_coordinator_vets_themselves():
    coord = UserFactory()
    p = ProgrammeFactory(coordinators=[coord])
    me = MentorProfileFactory(user=coord, vetting=MentorProfile.Vetting.NONE,
                              identity_checked_on=None, record_seen_on=None)
    ProgrammeMentorFactory(programme=p, mentor=me)
    import datetime
    out = profiles.mentor_vetting_set(by=coord, mentor=me, vetting="cleared",
                                      identity_checked_on=datetime.date.today(),
                                      record_seen_on=datetime.date.today())
    print("self-vetted:", out.vetting, out.is_cleared)
