"""Intervention services: posting a need, volunteering, suggestions, confirmation (never more than
wanted), feedback, the figures; with the forbidden paths."""

from datetime import UTC, datetime, timedelta

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from notifications.models import Notification

from community.models import Membership, Theme
from mentorship.models import Booking, InterventionNeed, MentorProfile, Programme, Volunteer
from mentorship.services import interventions as services
from tests.factories import MembershipFactory, SpaceFactory, UserFactory
from tests.mentorship.factories import (
    BookingFactory,
    MentorProfileFactory,
    ProgrammeFactory,
    ProgrammeMentorFactory,
    RelationshipFactory,
)

NeedStatus = InterventionNeed.Status
VStatus = Volunteer.Status


@pytest.fixture
def coordinator(db):
    return UserFactory(profile__display_name="Corinne Coordinatrice")


@pytest.fixture
def programme(coordinator, cluster):
    return ProgrammeFactory(
        kind=Programme.Kind.INTERVENTIONS,
        title="Elles Bougent Bretagne",
        slug="elles-bougent-bretagne",
        cluster=cluster,
        coordinators=[coordinator],
    )


@pytest.fixture
def themes(db):
    return [
        Theme.objects.create(slug=f"theme-{n}", label_fr=f"Thème {n}", label_en=f"Theme {n}")
        for n in range(3)
    ]


def marraine(programme, name, **profile):
    mentor = MentorProfileFactory(user__profile__display_name=name, **profile)
    ProgrammeMentorFactory(programme=programme, mentor=mentor)
    return mentor


def need_in(programme, *, days=10, wanted=1, region="Bretagne", themes=(), **fields):
    start = timezone.now() + timedelta(days=days)
    need = InterventionNeed.objects.create(
        programme=programme,
        kind=InterventionNeed.Kind.CLASS_TALK,
        title=fields.pop("title", "Collège Anne de Bretagne"),
        host="Collège Anne de Bretagne",
        starts_at=start,
        ends_at=start + timedelta(hours=2),
        place="Rennes",
        region=region,
        audience="Deux classes de 4e",
        marraines_wanted=wanted,
        details="Badge à l'accueil, demander Mme Le Gall.",
        **fields,
    )
    need.themes.set(themes)
    return need


def volunteered(need, mentor):
    return Volunteer.objects.create(need=need, mentor=mentor, status=VStatus.VOLUNTEERED)


def fields(**overrides):
    return {
        "kind": InterventionNeed.Kind.FORUM,
        "title": "Forum des métiers",
        "host": "Lycée Chateaubriand",
        "starts_at": datetime(2027, 2, 4, 9, 0),
        "ends_at": datetime(2027, 2, 4, 12, 0),
        "place": "Rennes",
        "country": "FR",
        "region": "Bretagne",
        "audience": "Secondes",
        "marraines_wanted": 3,
        "details": "Salle polyvalente.",
        **overrides,
    }


# --- Posting a need -----------------------------------------------------------------------------


def test_an_animator_of_the_cluster_posts_a_need_and_marraines_and_coordinators_are_told(
    programme, animator, coordinator, themes
):
    anne = marraine(programme, "Anne Ingénieure")
    paused = marraine(programme, "Paula Pause", paused=True)
    need = services.need_create(by=animator, programme=programme, themes=themes[:2], **fields())
    assert need.posted_by == animator and need.status == NeedStatus.OPEN
    assert need.starts_at == datetime(2027, 2, 4, 8, 0, tzinfo=UTC)
    assert set(need.themes.all()) == set(themes[:2])
    told = set(
        Notification.objects.filter(verb="mentorship.need_posted").values_list(
            "recipient_id", flat=True
        )
    )
    assert told == {anne.user_id, coordinator.pk}
    assert paused.user_id not in told


def test_a_space_animator_of_the_cluster_and_a_coordinator_may_post_a_need(
    programme, cluster, coordinator
):
    space_animator = UserFactory()
    MembershipFactory(
        space=SpaceFactory(cluster=cluster), user=space_animator, role=Membership.Role.ANIMATOR
    )
    assert services.can_post_need(space_animator, programme)
    assert services.can_post_need(coordinator, programme)
    services.need_create(by=coordinator, programme=programme, **fields())
    assert InterventionNeed.objects.count() == 1


def test_a_member_who_is_neither_animator_nor_coordinator_cannot_post_a_need(
    programme, member, other_animator
):
    mentor = marraine(programme, "Anne Ingénieure")
    for someone in (member, mentor.user, other_animator):
        with pytest.raises(PermissionDenied):
            services.need_create(by=someone, programme=programme, **fields())
    assert not InterventionNeed.objects.exists()


def test_a_need_in_the_past_or_ending_before_it_starts_is_refused(programme, coordinator):
    with pytest.raises(ValidationError):
        services.need_create(
            by=coordinator,
            programme=programme,
            **fields(starts_at=datetime(2020, 1, 1, 9), ends_at=datetime(2020, 1, 1, 10)),
        )
    with pytest.raises(ValidationError):
        services.need_create(
            by=coordinator, programme=programme, **fields(ends_at=datetime(2027, 2, 4, 8, 0))
        )
    with pytest.raises(ValidationError):
        services.need_create(by=coordinator, programme=programme, **fields(marraines_wanted=0))
    assert not InterventionNeed.objects.exists()


# --- Volunteering -------------------------------------------------------------------------------


def test_a_marraine_volunteers_once_and_the_coordinators_are_told(programme, coordinator):
    anne = marraine(programme, "Anne Ingénieure")
    need = need_in(programme)
    offer = services.volunteer_offer(by=anne.user, need=need, note="Je peux venir.")
    assert offer.status == VStatus.VOLUNTEERED and offer.note == "Je peux venir."
    assert Notification.objects.filter(
        verb="mentorship.need_volunteered", recipient=coordinator
    ).exists()
    with pytest.raises(ValidationError):
        services.volunteer_offer(by=anne.user, need=need)
    assert Volunteer.objects.count() == 1


def test_a_member_who_is_not_a_marraine_of_the_programme_cannot_volunteer(programme, member):
    need = need_in(programme)
    other_programme_mentor = MentorProfileFactory()
    ProgrammeMentorFactory(mentor=other_programme_mentor)
    for someone in (member, other_programme_mentor.user):
        with pytest.raises(PermissionDenied):
            services.volunteer_offer(by=someone, need=need)
    assert not Volunteer.objects.exists()


def test_nobody_volunteers_after_the_date(programme):
    anne = marraine(programme, "Anne Ingénieure")
    need = need_in(programme, days=-1)
    with pytest.raises(ValidationError):
        services.volunteer_offer(by=anne.user, need=need)
    assert not Volunteer.objects.exists()


def test_an_unvetted_marraine_may_volunteer_but_a_refused_one_may_not(programme):
    unvetted = marraine(
        programme,
        "Nouvelle Marraine",
        vetting=MentorProfile.Vetting.NONE,
        identity_checked_on=None,
        record_seen_on=None,
    )
    refused = marraine(programme, "Refusée", vetting=MentorProfile.Vetting.REFUSED)
    need = need_in(programme)
    assert services.volunteer_offer(by=unvetted.user, need=need).status == VStatus.VOLUNTEERED
    with pytest.raises(PermissionDenied):
        services.volunteer_offer(by=refused.user, need=need)
    assert Volunteer.objects.count() == 1


# --- Suggestions --------------------------------------------------------------------------------


def test_suggestions_put_the_same_region_first_then_shared_themes_and_leave_out_the_busy(
    programme, themes
):
    need = need_in(programme, themes=themes[:2])
    near_one_theme = marraine(programme, "Bretonne Un", region="bretagne")
    near_no_theme = marraine(programme, "Bretonne Zéro", region="Bretagne")
    far_two_themes = marraine(programme, "Lointaine Deux", region="Occitanie")
    near_one_theme.themes.set(themes[:1])
    far_two_themes.themes.set(themes[:2])
    marraine(programme, "En Pause", paused=True)
    marraine(programme, "Refusée", vetting=MentorProfile.Vetting.REFUSED)
    already = marraine(programme, "Déjà Volontaire")
    volunteered(need, already)
    # Confirmed elsewhere at the same time: another intervention, a one-to-one booking.
    busy_elsewhere = marraine(programme, "Occupée Ailleurs")
    other = need_in(programme, title="Autre collège")
    Volunteer.objects.create(need=other, mentor=busy_elsewhere, status=VStatus.CONFIRMED)
    booked = marraine(programme, "Réservée")
    BookingFactory(
        relationship=RelationshipFactory(mentor=booked),
        starts_at=need.starts_at + timedelta(minutes=30),
        ends_at=need.starts_at + timedelta(minutes=90),
    )
    # Booked on another day: still suggested.
    free = marraine(programme, "Libre Ce Jour", region="Occitanie")
    BookingFactory(
        relationship=RelationshipFactory(mentor=free),
        starts_at=need.starts_at + timedelta(days=1),
        ends_at=need.starts_at + timedelta(days=1, hours=1),
    )
    # A cancelled booking at that time does not count either.
    BookingFactory(
        relationship=RelationshipFactory(mentor=free),
        starts_at=need.starts_at,
        ends_at=need.ends_at,
        status=Booking.Status.CANCELLED,
    )
    # Not a marraine of this programme.
    MentorProfileFactory(region="Bretagne")

    suggestions = services.suggest_marraines(need)
    assert [s.mentor.pk for s in suggestions] == [
        near_one_theme.pk,
        near_no_theme.pk,
        far_two_themes.pk,
        free.pk,
    ]
    assert suggestions[0].same_region and suggestions[0].shared_themes == 1
    assert suggestions[2].shared_themes == 2 and not suggestions[2].same_region
    assert suggestions[0].reasons


def test_a_coordinator_invites_a_suggested_marraine_who_then_accepts(programme, coordinator):
    anne = marraine(programme, "Anne Ingénieure")
    need = need_in(programme)
    invited = services.volunteer_suggest(by=coordinator, need=need, mentor=anne)
    assert invited.status == VStatus.SUGGESTED
    assert Notification.objects.filter(
        verb="mentorship.need_suggested", recipient=anne.user
    ).exists()
    accepted = services.volunteer_offer(by=anne.user, need=need)
    assert accepted.pk == invited.pk and accepted.status == VStatus.VOLUNTEERED


def test_only_a_coordinator_invites_and_only_a_marraine_of_the_programme(
    programme, coordinator, animator
):
    anne = marraine(programme, "Anne Ingénieure")
    stranger = MentorProfileFactory()
    need = need_in(programme)
    need.posted_by = animator
    need.save()
    with pytest.raises(PermissionDenied):
        services.volunteer_suggest(by=animator, need=need, mentor=anne)
    with pytest.raises(ValidationError):
        services.volunteer_suggest(by=coordinator, need=need, mentor=stranger)
    assert not Volunteer.objects.exists()


def test_an_invited_marraine_declines(programme, coordinator):
    anne = marraine(programme, "Anne Ingénieure")
    need = need_in(programme)
    invited = services.volunteer_suggest(by=coordinator, need=need, mentor=anne)
    services.volunteer_decline(by=anne.user, volunteer=invited)
    invited.refresh_from_db()
    assert invited.status == VStatus.DECLINED
    with pytest.raises(ValidationError):
        services.volunteer_offer(by=anne.user, need=need)


# --- Confirmation -------------------------------------------------------------------------------


def test_confirming_sends_the_practical_details_and_a_full_need_is_confirmed(
    programme, coordinator, animator, django_capture_on_commit_callbacks
):
    anne, berthe = marraine(programme, "Anne Ingénieure"), marraine(programme, "Berthe Chimiste")
    need = need_in(programme, wanted=2, posted_by=animator)
    first, second = volunteered(need, anne), volunteered(need, berthe)
    with django_capture_on_commit_callbacks(execute=True):
        services.volunteer_confirm(by=coordinator, volunteer=first)
    need.refresh_from_db()
    assert need.status == NeedStatus.OPEN
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [anne.user.email]
    assert "Badge à l'accueil" in mail.outbox[0].body
    with django_capture_on_commit_callbacks(execute=True):
        services.volunteer_confirm(by=coordinator, volunteer=second)
    need.refresh_from_db()
    assert need.status == NeedStatus.CONFIRMED
    assert Notification.objects.filter(verb="mentorship.need_full", recipient=animator).exists()
    assert Notification.objects.filter(verb="mentorship.volunteer_confirmed").count() == 2


def test_more_confirmations_than_wanted_are_refused(programme, coordinator):
    anne, berthe = marraine(programme, "Anne Ingénieure"), marraine(programme, "Berthe Chimiste")
    need = need_in(programme, wanted=1)
    first, second = volunteered(need, anne), volunteered(need, berthe)
    services.volunteer_confirm(by=coordinator, volunteer=first)
    # The need is full: even with its status forced back to open, the count refuses.
    InterventionNeed.objects.filter(pk=need.pk).update(status=NeedStatus.OPEN)
    with pytest.raises(ValidationError) as refused:
        services.volunteer_confirm(by=coordinator, volunteer=second)
    assert refused.value.code == "full"
    second.refresh_from_db()
    assert second.status == VStatus.VOLUNTEERED
    assert need.volunteers.filter(status=VStatus.CONFIRMED).count() == 1


def test_a_non_coordinator_cannot_confirm(programme, animator):
    anne = marraine(programme, "Anne Ingénieure")
    need = need_in(programme, posted_by=animator)
    offer = volunteered(need, anne)
    for someone in (animator, anne.user):
        with pytest.raises(PermissionDenied):
            services.volunteer_confirm(by=someone, volunteer=offer)
    offer.refresh_from_db()
    assert offer.status == VStatus.VOLUNTEERED


def test_only_a_volunteer_who_said_yes_is_confirmed_and_not_when_booked_elsewhere(
    programme, coordinator
):
    anne, berthe = marraine(programme, "Anne Ingénieure"), marraine(programme, "Berthe Chimiste")
    need = need_in(programme, wanted=2)
    invited = services.volunteer_suggest(by=coordinator, need=need, mentor=anne)
    with pytest.raises(ValidationError):
        services.volunteer_confirm(by=coordinator, volunteer=invited)
    BookingFactory(
        relationship=RelationshipFactory(mentor=berthe),
        starts_at=need.starts_at,
        ends_at=need.ends_at,
    )
    offer = volunteered(need, berthe)
    with pytest.raises(ValidationError) as refused:
        services.volunteer_confirm(by=coordinator, volunteer=offer)
    assert refused.value.code == "busy"
    assert not need.volunteers.filter(status=VStatus.CONFIRMED).exists()


def test_a_confirmed_marraine_who_withdraws_reopens_the_need(programme, coordinator):
    anne = marraine(programme, "Anne Ingénieure")
    need = need_in(programme, wanted=1)
    offer = services.volunteer_confirm(by=coordinator, volunteer=volunteered(need, anne))
    need.refresh_from_db()
    assert need.status == NeedStatus.CONFIRMED
    services.volunteer_withdraw(by=anne.user, volunteer=offer)
    need.refresh_from_db()
    offer.refresh_from_db()
    assert need.status == NeedStatus.OPEN and offer.status == VStatus.WITHDRAWN
    assert Notification.objects.filter(
        verb="mentorship.volunteer_withdrew", recipient=coordinator
    ).exists()


def test_a_cancelled_need_tells_its_marraines_and_takes_no_more(programme, coordinator, animator):
    anne = marraine(programme, "Anne Ingénieure")
    need = need_in(programme, posted_by=animator)
    volunteered(need, anne)
    services.need_cancel(by=animator, need=need)
    need.refresh_from_db()
    assert need.status == NeedStatus.CANCELLED
    assert Notification.objects.filter(
        verb="mentorship.need_cancelled", recipient=anne.user
    ).exists()
    with pytest.raises(ValidationError):
        services.volunteer_offer(by=marraine(programme, "Tardive").user, need=need)


# --- After the date -----------------------------------------------------------------------------


def held_need(programme, coordinator, *marraines, posted_by=None):
    """A need confirmed for these marraines, whose date has now passed."""
    need = need_in(programme, wanted=len(marraines), posted_by=posted_by)
    offers = [
        services.volunteer_confirm(by=coordinator, volunteer=volunteered(need, m))
        for m in marraines
    ]
    past = timezone.now() - timedelta(days=2)
    InterventionNeed.objects.filter(pk=need.pk).update(
        starts_at=past, ends_at=past + timedelta(hours=2)
    )
    need.refresh_from_db()
    return need, offers


def test_feedback_from_both_sides_comes_after_the_date_and_marks_the_need_held(
    programme, coordinator, animator
):
    anne = marraine(programme, "Anne Ingénieure")
    upcoming = need_in(programme)
    offer = services.volunteer_confirm(by=coordinator, volunteer=volunteered(upcoming, anne))
    with pytest.raises(ValidationError):
        services.volunteer_feedback(by=anne.user, volunteer=offer, feedback="Super")
    with pytest.raises(ValidationError):
        services.need_feedback(by=coordinator, need=upcoming, pupils_reached=50)

    need, (held,) = held_need(programme, coordinator, marraine(programme, "B"), posted_by=animator)
    services.volunteer_feedback(by=held.mentor.user, volunteer=held, feedback="Classe curieuse.")
    held.refresh_from_db()
    assert held.feedback == "Classe curieuse."
    services.need_feedback(by=animator, need=need, pupils_reached=56, feedback="Merci !")
    need.refresh_from_db()
    assert need.status == NeedStatus.DONE
    assert need.pupils_reached == 56 and need.host_feedback == "Merci !"


def test_feedback_is_refused_to_anyone_else(programme, coordinator, member):
    anne, berthe = marraine(programme, "Anne Ingénieure"), marraine(programme, "Berthe")
    need, (held,) = held_need(programme, coordinator, anne)
    with pytest.raises(PermissionDenied):
        services.volunteer_feedback(by=berthe.user, volunteer=held, feedback="Pas moi")
    with pytest.raises(PermissionDenied):
        services.need_feedback(by=anne.user, need=need, pupils_reached=10)
    with pytest.raises(PermissionDenied):
        services.need_feedback(by=member, need=need, pupils_reached=10)
    with pytest.raises(ValidationError):
        services.need_feedback(by=coordinator, need=need, pupils_reached=-3)
    need.refresh_from_db()
    held.refresh_from_db()
    assert need.status == NeedStatus.CONFIRMED and need.pupils_reached is None
    assert held.feedback == ""


def test_intervention_figures_count_needs_held_pupils_and_distinct_marraines(
    programme, coordinator
):
    anne, berthe = marraine(programme, "Anne"), marraine(programme, "Berthe")
    first, _ = held_need(programme, coordinator, anne, berthe)
    services.need_feedback(by=coordinator, need=first, pupils_reached=50)
    second, _ = held_need(programme, coordinator, anne)
    services.need_feedback(by=coordinator, need=second, pupils_reached=25)
    held_need(programme, coordinator, marraine(programme, "Sans Retour"))  # no host feedback yet
    need_in(programme)
    figures = services.intervention_figures(programme)
    assert figures["needs_held"] == 2
    assert figures["pupils_reached"] == 75
    assert figures["marraines_involved"] == 2
    assert figures["needs_open"] == 1
