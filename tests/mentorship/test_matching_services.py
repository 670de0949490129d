"""Requests, acceptance, pairing by a coordinator, expiry and reminders (services/matching.py),
and the matching score (mentorship/matching.py)."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from notifications.models import Notification

from community.models import Language, Sector, Theme
from mentorship.matching import MAX_SCORE, suggestions_for
from mentorship.models import Enrolment, GuardianConsent, MentorProfile, Relationship
from mentorship.services import matching as services
from tests.factories import UserFactory
from tests.mentorship.factories import (
    AvailabilityRuleFactory,
    EnrolmentFactory,
    GuardianConsentFactory,
    MenteeProfileFactory,
    MentorProfileFactory,
    ProgrammeFactory,
    ProgrammeMentorFactory,
    RelationshipFactory,
)

pytestmark = pytest.mark.django_db
State = Relationship.State


def term(model, slug):
    return model.objects.get_or_create(slug=slug, defaults={"label_fr": slug, "label_en": slug})[0]


@pytest.fixture
def coordinator(db):
    return UserFactory(profile__display_name="Coralie Coordinatrice")


@pytest.fixture
def programme(coordinator):
    return ProgrammeFactory(coordinators=[coordinator], request_days=7, reminder_days=4)


@pytest.fixture
def mentee(programme):
    mentee = MenteeProfileFactory(user__profile__display_name="Inès Mentee")
    EnrolmentFactory(programme=programme, mentee=mentee)
    return mentee


def mentor_in(programme, **kwargs) -> MentorProfile:
    mentor = MentorProfileFactory(**kwargs)
    ProgrammeMentorFactory(programme=programme, mentor=mentor)
    return mentor


@pytest.fixture
def mentor(programme):
    return mentor_in(programme, capacity=2, user__profile__display_name="Marie Mentor")


def ask(mentee, mentor, programme, message="Bonjour"):
    return services.request_create(
        by=mentee.user, mentee=mentee, mentor=mentor, programme=programme, message=message
    )


def verbs(user) -> list[str]:
    return list(Notification.objects.filter(recipient=user).values_list("verb", flat=True))


# --- Requests ------------------------------------------------------------------------------------


def test_a_request_waits_for_the_mentor_expires_after_the_programme_days_and_notifies_them(
    mentee, mentor, programme
):
    before = timezone.now()
    relationship = ask(mentee, mentor, programme)
    assert relationship.state == State.REQUESTED
    assert relationship.message == "Bonjour"
    assert before + timedelta(days=7) <= relationship.expires_at
    assert relationship.expires_at <= timezone.now() + timedelta(days=7)
    assert verbs(mentor.user) == ["mentorship.request_received"]
    assert relationship.score > 0 and relationship.reasons


def test_a_mentor_at_capacity_receives_no_more_requests(programme, mentor):
    first, second, third = (MenteeProfileFactory() for _ in range(3))
    for mentee in (first, second, third):
        EnrolmentFactory(programme=programme, mentee=mentee)
    ask(first, mentor, programme)
    RelationshipFactory(programme=programme, mentor=mentor, mentee=second)  # active
    with pytest.raises(ValidationError, match="no place left"):
        ask(third, mentor, programme)
    assert not Relationship.objects.filter(mentee=third).exists()


def test_a_paused_relationship_keeps_its_place_in_the_capacity(programme, mentor):
    RelationshipFactory(programme=programme, mentor=mentor, state=State.PAUSED)
    RelationshipFactory(programme=programme, mentor=mentor, state=State.ACTIVE)
    late = MenteeProfileFactory()
    EnrolmentFactory(programme=programme, mentee=late)
    with pytest.raises(ValidationError, match="no place left"):
        ask(late, mentor, programme)


def test_a_paused_mentor_is_not_asked(mentee, mentor, programme):
    MentorProfile.objects.filter(pk=mentor.pk).update(paused=True)
    mentor.refresh_from_db()
    with pytest.raises(ValidationError, match="paused"):
        ask(mentee, mentor, programme)
    assert not Relationship.objects.exists()


def test_an_unvetted_mentor_is_not_asked_for_one_to_one(mentee, programme):
    unvetted = mentor_in(programme, vetting=MentorProfile.Vetting.IDENTITY, record_seen_on=None)
    with pytest.raises(PermissionDenied, match="not vetted"):
        ask(mentee, unvetted, programme)
    assert not Relationship.objects.exists()


def test_a_mentee_who_is_not_enrolled_cannot_ask(mentor, programme):
    outsider = MenteeProfileFactory()
    with pytest.raises(ValidationError, match="not enrolled"):
        ask(outsider, mentor, programme)


def test_a_mentee_who_left_the_programme_cannot_ask(mentee, mentor, programme):
    Enrolment.objects.filter(mentee=mentee).update(status=Enrolment.Status.LEFT)
    with pytest.raises(ValidationError, match="not enrolled"):
        ask(mentee, mentor, programme)


def test_a_minor_is_refused_by_a_programme_for_adults(coordinator):
    adults = ProgrammeFactory(eligibility="adults", coordinators=[coordinator])
    mentor = mentor_in(adults)
    minor = MenteeProfileFactory(minor=True)
    GuardianConsentFactory(mentee=minor)
    EnrolmentFactory(programme=adults, mentee=minor)
    with pytest.raises(ValidationError, match="age group"):
        ask(minor, mentor, adults)


def test_a_minor_without_the_guardians_consent_cannot_ask_a_mentor(mentor, programme):
    minor = MenteeProfileFactory(minor=True)
    EnrolmentFactory(programme=programme, mentee=minor)
    with pytest.raises(PermissionDenied, match="guardian must consent"):
        ask(minor, mentor, programme)
    assert not Relationship.objects.exists()


def test_a_minor_whose_consent_was_withdrawn_cannot_ask_a_mentor(mentor, programme):
    minor = MenteeProfileFactory(minor=True)
    EnrolmentFactory(programme=programme, mentee=minor)
    GuardianConsentFactory(
        mentee=minor, state=GuardianConsent.State.WITHDRAWN, withdrawn_at=timezone.now()
    )
    with pytest.raises(PermissionDenied, match="withdrawn"):
        ask(minor, mentor, programme)


def test_a_minor_with_consent_may_ask_a_mentor(mentor, programme):
    minor = MenteeProfileFactory(minor=True)
    EnrolmentFactory(programme=programme, mentee=minor)
    GuardianConsentFactory(mentee=minor)
    assert ask(minor, mentor, programme).state == State.REQUESTED


def test_a_mentor_outside_the_programme_cannot_be_asked(mentee, programme):
    elsewhere = MentorProfileFactory()
    with pytest.raises(ValidationError, match="does not take part"):
        ask(mentee, elsewhere, programme)


def test_nobody_asks_a_mentor_in_another_mentees_name(mentee, mentor, programme, other_member):
    with pytest.raises(PermissionDenied):
        services.request_create(
            by=other_member, mentee=mentee, mentor=mentor, programme=programme, message=""
        )
    assert not Relationship.objects.exists()


def test_a_mentee_has_one_open_request_at_a_time_in_a_programme(mentee, mentor, programme):
    other = mentor_in(programme)
    ask(mentee, mentor, programme)
    with pytest.raises(ValidationError, match="already an open request"):
        ask(mentee, other, programme)
    assert Relationship.objects.count() == 1


def test_a_too_long_message_is_refused_and_nothing_is_made(mentee, mentor, programme):
    with pytest.raises(ValidationError):
        ask(mentee, mentor, programme, message="x" * 2001)
    assert not Relationship.objects.exists()


# --- Answers -------------------------------------------------------------------------------------


def test_the_mentor_accepts_and_the_supervised_conversation_opens(mentee, mentor, programme):
    relationship = ask(mentee, mentor, programme)
    services.request_accept(by=mentor.user, relationship=relationship)
    relationship.refresh_from_db()
    assert relationship.state == State.ACTIVE
    assert relationship.started_at is not None
    assert relationship.room is not None
    assert "mentorship.request_accepted" in verbs(mentee.user)


def test_nobody_but_the_mentor_accepts_a_request(mentee, mentor, programme, other_member):
    relationship = ask(mentee, mentor, programme)
    for intruder in (other_member, mentee.user):
        with pytest.raises(PermissionDenied):
            services.request_accept(by=intruder, relationship=relationship)
    relationship.refresh_from_db()
    assert relationship.state == State.REQUESTED


def test_accepting_checks_the_capacity_again(mentee, mentor, programme):
    relationship = ask(mentee, mentor, programme)
    # The mentor lowered their capacity and was paired meanwhile.
    MentorProfile.objects.filter(pk=mentor.pk).update(capacity=1)
    RelationshipFactory(programme=programme, mentor=mentor)
    with pytest.raises(ValidationError, match="no place left"):
        services.request_accept(by=mentor.user, relationship=relationship)
    relationship.refresh_from_db()
    assert relationship.state == State.REQUESTED


def test_an_expired_request_cannot_be_accepted(mentee, mentor, programme):
    relationship = ask(mentee, mentor, programme)
    Relationship.objects.filter(pk=relationship.pk).update(
        expires_at=timezone.now() - timedelta(minutes=1)
    )
    with pytest.raises(ValidationError, match="expired"):
        services.request_accept(by=mentor.user, relationship=relationship)


def test_a_minors_request_cannot_be_accepted_once_the_consent_is_withdrawn(mentor, programme):
    minor = MenteeProfileFactory(minor=True)
    EnrolmentFactory(programme=programme, mentee=minor)
    consent = GuardianConsentFactory(mentee=minor)
    relationship = ask(minor, mentor, programme)
    GuardianConsent.objects.filter(pk=consent.pk).update(
        state=GuardianConsent.State.WITHDRAWN, withdrawn_at=timezone.now()
    )
    with pytest.raises(PermissionDenied, match="withdrawn"):
        services.request_accept(by=mentor.user, relationship=relationship)


def test_the_mentor_declines_and_the_mentee_is_told(mentee, mentor, programme):
    relationship = ask(mentee, mentor, programme)
    services.request_decline(by=mentor.user, relationship=relationship, reason="Trop pris")
    relationship.refresh_from_db()
    assert relationship.state == State.DECLINED
    assert relationship.end_reason == "Trop pris"
    assert "mentorship.request_declined" in verbs(mentee.user)
    with pytest.raises(ValidationError):
        services.request_accept(by=mentor.user, relationship=relationship)


def test_nobody_but_the_mentor_declines_a_request(mentee, mentor, programme, other_member):
    relationship = ask(mentee, mentor, programme)
    with pytest.raises(PermissionDenied):
        services.request_decline(by=other_member, relationship=relationship, reason="")


def test_the_mentee_withdraws_their_request_and_nobody_else_can(
    mentee, mentor, programme, other_member
):
    relationship = ask(mentee, mentor, programme)
    with pytest.raises(PermissionDenied):
        services.request_withdraw(by=other_member, relationship=relationship)
    services.request_withdraw(by=mentee.user, relationship=relationship)
    relationship.refresh_from_db()
    assert relationship.state == State.CANCELLED
    # The place is free again.
    assert ask(mentee, mentor_in(programme), programme).state == State.REQUESTED


# --- A coordinator pairs -------------------------------------------------------------------------


def test_a_coordinator_pairs_a_mentee_and_a_mentor_at_once(coordinator, mentee, mentor, programme):
    relationship = services.relationship_assign(
        by=coordinator, mentee=mentee, mentor=mentor, programme=programme
    )
    assert relationship.state == State.ACTIVE
    assert relationship.assigned_by == coordinator
    assert relationship.room is not None
    assert "mentorship.assigned" in verbs(mentee.user)
    assert "mentorship.assigned" in verbs(mentor.user)


def test_only_a_coordinator_of_the_programme_pairs(mentee, mentor, programme, other_member):
    other_coordinator = UserFactory()
    ProgrammeFactory(coordinators=[other_coordinator])
    for user in (other_member, other_coordinator, mentee.user, mentor.user):
        with pytest.raises(PermissionDenied):
            services.relationship_assign(by=user, mentee=mentee, mentor=mentor, programme=programme)
    assert not Relationship.objects.exists()


def test_a_coordinator_cannot_pair_over_capacity_or_a_minor_without_consent(coordinator, programme):
    full = mentor_in(programme, capacity=1)
    RelationshipFactory(programme=programme, mentor=full)
    adult = MenteeProfileFactory()
    EnrolmentFactory(programme=programme, mentee=adult)
    with pytest.raises(ValidationError, match="no place left"):
        services.relationship_assign(by=coordinator, mentee=adult, mentor=full, programme=programme)
    minor = MenteeProfileFactory(minor=True)
    EnrolmentFactory(programme=programme, mentee=minor)
    with pytest.raises(PermissionDenied, match="guardian must consent"):
        services.relationship_assign(
            by=coordinator, mentee=minor, mentor=mentor_in(programme), programme=programme
        )
    assert Relationship.objects.count() == 1


# --- Reminders, expiry and the next suggestion ---------------------------------------------------


def test_the_mentor_is_reminded_once_after_the_reminder_days(mentee, mentor, programme):
    relationship = ask(mentee, mentor, programme)
    now = timezone.now()
    assert services.requests_tick(now=now + timedelta(days=3))["reminded"] == 0
    assert services.requests_tick(now=now + timedelta(days=4, minutes=1))["reminded"] == 1
    assert services.requests_tick(now=now + timedelta(days=5))["reminded"] == 0
    relationship.refresh_from_db()
    assert relationship.reminded_at is not None
    assert verbs(mentor.user).count("mentorship.request_reminder") == 1


def test_an_expired_request_goes_to_the_next_suggestion(mentee, mentor, programme):
    theme = term(Theme, "numerique")
    mentee.themes.add(theme)
    MentorProfile.themes.through.objects.create(mentorprofile_id=mentor.pk, theme_id=theme.pk)
    second = mentor_in(programme, user__profile__display_name="Sophie Second")
    first_request = ask(mentee, mentor, programme, message="Pouvez-vous m'aider ?")

    counts = services.requests_tick(now=timezone.now() + timedelta(days=7, minutes=1))

    assert counts["expired"] == 1 and counts["forwarded"] == 1
    first_request.refresh_from_db()
    assert first_request.state == State.EXPIRED
    forwarded = Relationship.objects.get(state=State.REQUESTED)
    assert forwarded.mentor == second
    assert forwarded.message == "Pouvez-vous m'aider ?"
    assert "mentorship.request_received" in verbs(second.user)
    assert {"mentorship.request_expired", "mentorship.request_forwarded"} <= set(verbs(mentee.user))


def test_the_tick_is_idempotent(mentee, mentor, programme):
    mentor_in(programme)
    ask(mentee, mentor, programme)
    later = timezone.now() + timedelta(days=7, minutes=1)
    first = services.requests_tick(now=later)
    again = services.requests_tick(now=later)
    assert first["expired"] == 1
    assert again == {k: 0 for k in again}
    assert Relationship.objects.filter(state=State.REQUESTED).count() == 1


def test_a_forwarded_request_is_not_reminded_at_once(mentee, mentor, programme):
    second = mentor_in(programme)
    ask(mentee, mentor, programme)
    services.requests_tick(now=timezone.now() + timedelta(days=8))
    forwarded = Relationship.objects.get(state=State.REQUESTED)
    assert forwarded.mentor == second
    assert forwarded.reminded_at is None
    assert "mentorship.request_reminder" not in verbs(second.user)


def test_when_no_mentor_is_left_the_mentee_and_the_coordinators_are_told(
    coordinator, mentee, mentor, programme
):
    ask(mentee, mentor, programme)
    counts = services.requests_tick(now=timezone.now() + timedelta(days=8))
    assert counts == {"reminded": 0, "expired": 1, "forwarded": 0, "unmatched": 1, "stopped": 0}
    assert "mentorship.no_mentor_left_mentee" in verbs(mentee.user)
    assert "mentorship.no_mentor_left" in verbs(coordinator)
    assert not Relationship.objects.filter(state=State.REQUESTED).exists()


def test_an_expired_request_of_a_mentee_who_left_goes_nowhere(mentee, mentor, programme):
    mentor_in(programme)
    ask(mentee, mentor, programme)
    Enrolment.objects.filter(mentee=mentee).update(status=Enrolment.Status.LEFT)
    counts = services.requests_tick(now=timezone.now() + timedelta(days=8))
    assert counts["expired"] == 1 and counts["stopped"] == 1
    assert not Relationship.objects.filter(state=State.REQUESTED).exists()


# --- The score and its reasons -------------------------------------------------------------------


def test_suggestions_are_ranked_by_a_score_whose_reasons_add_up(mentee, programme):
    themes = [term(Theme, f"theme-{i}") for i in range(4)]
    sector, language = term(Sector, "industrie"), term(Language, "fr")
    mentee.themes.set(themes)
    mentee.sectors.set([sector])
    mentee.languages.set([language])

    best = mentor_in(programme, capacity=5, user__profile__display_name="Best")
    best.themes.set(themes)
    best.sectors.set([sector])
    best.languages.set([language])
    AvailabilityRuleFactory(mentor=best)
    weak = mentor_in(programme, capacity=1, country="BE", region="Wallonie")

    suggestions = suggestions_for(mentee, programme)

    assert [s.mentor for s in suggestions] == [best, weak]
    top = suggestions[0]
    assert top.score == MAX_SCORE == 100
    assert sum(reason.points for reason in top.reasons) == top.score
    codes = {reason.code: reason for reason in top.reasons}
    assert set(codes) == {
        "themes", "sector", "language", "country", "region", "availability", "places"
    }  # fmt: skip
    assert codes["themes"].count == 4 and codes["themes"].points == 30
    assert "Works on 4 of your interests" in codes["themes"].text
    assert "industrie" in codes["sector"].text
    assert "Bretagne" in codes["region"].text
    assert codes["places"].text == "Can take 5 more mentees."
    assert codes["places"].points == 15
    low = suggestions[1]
    assert low.score == 5  # one free place, nothing else in common
    assert [reason.code for reason in low.reasons] == ["places"]


def test_suggestions_leave_out_paused_full_unvetted_outside_and_already_asked_mentors(
    mentee, programme
):
    ok = mentor_in(programme)
    mentor_in(programme, paused=True)
    full = mentor_in(programme, capacity=1)
    RelationshipFactory(programme=programme, mentor=full)
    mentor_in(programme, vetting=MentorProfile.Vetting.NONE, record_seen_on=None)
    MentorProfileFactory()  # not in the programme
    declined = mentor_in(programme)
    RelationshipFactory(programme=programme, mentor=declined, mentee=mentee, state=State.DECLINED)
    offline = mentor_in(programme, online=False, in_person=True)
    mentee.prefers_in_person = False
    mentee.save()
    assert [s.mentor for s in suggestions_for(mentee, programme)] == [ok]
    assert offline.pk not in [s.mentor.pk for s in suggestions_for(mentee, programme)]


def test_the_suggestions_take_a_constant_number_of_queries(
    mentee, programme, django_assert_max_num_queries
):
    theme = term(Theme, "t")
    mentee.themes.add(theme)
    for _ in range(3):
        mentor_in(programme).themes.add(theme)
    with django_assert_max_num_queries(5):
        assert len(suggestions_for(mentee, programme)) == 3
    for _ in range(12):
        mentor_in(programme).themes.add(theme)
    with django_assert_max_num_queries(5):
        assert len(suggestions_for(mentee, programme)) == 10


def test_the_request_keeps_the_score_and_reasons_the_mentee_saw(mentee, mentor, programme):
    shown = suggestions_for(mentee, programme)[0]
    relationship = ask(mentee, mentor, programme)
    assert relationship.score == shown.score
    assert relationship.reasons == shown.reasons_json()


def test_an_expired_request_of_a_minor_whose_consent_was_withdrawn_goes_nowhere(mentor, programme):
    minor = MenteeProfileFactory(minor=True)
    EnrolmentFactory(programme=programme, mentee=minor)
    consent = GuardianConsentFactory(mentee=minor)
    mentor_in(programme)
    ask(minor, mentor, programme)
    GuardianConsent.objects.filter(pk=consent.pk).update(
        state=GuardianConsent.State.WITHDRAWN, withdrawn_at=timezone.now()
    )
    counts = services.requests_tick(now=timezone.now() + timedelta(days=8))
    assert counts["expired"] == 1 and counts["stopped"] == 1
    assert not Relationship.objects.filter(state=State.REQUESTED).exists()


def test_the_reasons_are_stored_as_codes_and_said_when_shown(mentee, mentor, programme):
    from mentorship.matching import reason_text

    relationship = ask(mentee, mentor, programme)
    stored = {reason["code"]: reason for reason in relationship.reasons}
    # Codes and figures, not sentences: each reader sees them in their own language.
    assert stored["places"] == {
        "code": "places", "points": 10, "count": 2, "names": [], "region": ""
    }  # fmt: skip
    assert reason_text(stored["places"]) == "Can take 2 more mentees."
    assert reason_text(stored["region"]) == "Is in your region (Bretagne)."
