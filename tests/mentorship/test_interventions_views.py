"""Intervention pages: who sees a programme's needs and a need, what each sees (the practical
details only once confirmed), the forms end to end, and query counts."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from community.models import Theme
from mentorship.models import InterventionNeed, Programme, Volunteer
from tests.factories import UserFactory
from tests.mentorship.factories import (
    MentorProfileFactory,
    ProgrammeFactory,
    ProgrammeMentorFactory,
)

VStatus = Volunteer.Status
DETAILS = "Badge à l’accueil, demander Mme Le Gall."


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


def marraine(programme, name, **profile):
    mentor = MentorProfileFactory(user__profile__display_name=name, **profile)
    ProgrammeMentorFactory(programme=programme, mentor=mentor)
    return mentor


def need_in(programme, *, days=10, wanted=2, posted_by=None, title="Collège Anne de Bretagne"):
    start = timezone.now() + timedelta(days=days)
    return InterventionNeed.objects.create(
        programme=programme,
        posted_by=posted_by,
        kind=InterventionNeed.Kind.CLASS_TALK,
        title=title,
        host="Collège Anne de Bretagne",
        starts_at=start,
        ends_at=start + timedelta(hours=2),
        place="Rennes",
        region="Bretagne",
        audience="Deux classes de 4e",
        marraines_wanted=wanted,
        details=DETAILS,
    )


def need_url(need):
    return reverse("mentorship:need", kwargs={"pk": need.pk})


def list_url(programme):
    return reverse("mentorship:interventions", kwargs={"slug": programme.slug})


# --- Who sees what ------------------------------------------------------------------------------


def test_a_marraine_sees_the_open_needs_and_volunteers_from_the_need_page(client, programme):
    anne = marraine(programme, "Anne Ingénieure")
    need = need_in(programme)
    need_in(programme, days=-5, title="Déjà passé")
    client.force_login(anne.user)
    page = client.get(list_url(programme)).content.decode()
    assert "Collège Anne de Bretagne" in page and "Déjà passé" not in page
    page = client.get(need_url(need)).content.decode()
    assert DETAILS not in page
    response = client.post(
        reverse("mentorship:need_volunteer", kwargs={"pk": need.pk}), {"note": "Dispo"}
    )
    assert response.status_code == 302
    assert Volunteer.objects.get().status == VStatus.VOLUNTEERED


def test_the_practical_details_are_shown_to_a_marraine_once_confirmed(
    client, programme, coordinator
):
    anne = marraine(programme, "Anne Ingénieure")
    need = need_in(programme)
    offer = Volunteer.objects.create(need=need, mentor=anne, status=VStatus.VOLUNTEERED)
    client.force_login(coordinator)
    response = client.post(
        reverse("mentorship:volunteer_confirm", kwargs={"pk": need.pk, "volunteer_id": offer.pk})
    )
    assert response.status_code == 302
    offer.refresh_from_db()
    assert offer.status == VStatus.CONFIRMED
    client.force_login(anne.user)
    assert DETAILS in client.get(need_url(need)).content.decode()


def test_needs_and_a_need_are_not_found_for_a_member_outside_the_programme(
    client, programme, member
):
    need = need_in(programme)
    outsider_mentor = MentorProfileFactory()
    for someone in (member, outsider_mentor.user):
        client.force_login(someone)
        assert client.get(list_url(programme)).status_code == 404
        assert client.get(need_url(need)).status_code == 404
        assert (
            client.post(reverse("mentorship:need_volunteer", kwargs={"pk": need.pk})).status_code
            == 404
        )
    assert not Volunteer.objects.exists()


def test_a_marraine_cannot_confirm_herself(client, programme):
    anne = marraine(programme, "Anne Ingénieure")
    need = need_in(programme)
    offer = Volunteer.objects.create(need=need, mentor=anne, status=VStatus.VOLUNTEERED)
    client.force_login(anne.user)
    response = client.post(
        reverse("mentorship:volunteer_confirm", kwargs={"pk": need.pk, "volunteer_id": offer.pk}),
        follow=True,
    )
    assert "Only the programme" in response.content.decode()
    offer.refresh_from_db()
    assert offer.status == VStatus.VOLUNTEERED


def test_an_animator_of_the_cluster_posts_a_need_with_the_form(client, programme, animator):
    theme = Theme.objects.create(slug="numerique", label_fr="Numérique", label_en="Digital")
    client.force_login(animator)
    assert (
        client.get(reverse("mentorship:need_new", kwargs={"slug": programme.slug})).status_code
        == 200
    )
    response = client.post(
        reverse("mentorship:need_new", kwargs={"slug": programme.slug}),
        {
            "kind": "forum",
            "title": "Forum des métiers",
            "host": "Lycée Chateaubriand",
            "starts_at": "2027-02-04T09:00",
            "ends_at": "2027-02-04T12:00",
            "time_zone": "Europe/Paris",
            "place": "Rennes",
            "country": "FR",
            "region": "Bretagne",
            "audience": "Secondes",
            "themes": [theme.pk],
            "marraines_wanted": 2,
            "details": "Salle polyvalente",
        },
    )
    need = InterventionNeed.objects.get()
    assert response.status_code == 302 and response["Location"] == need_url(need)
    assert need.posted_by == animator and list(need.themes.all()) == [theme]


def test_a_member_who_may_not_post_gets_no_need_form(client, programme, member):
    client.force_login(member)
    assert (
        client.get(reverse("mentorship:need_new", kwargs={"slug": programme.slug})).status_code
        == 404
    )


def test_the_host_records_pupils_reached_after_the_date(client, programme, coordinator, animator):
    anne = marraine(programme, "Anne Ingénieure")
    need = need_in(programme, posted_by=animator)
    Volunteer.objects.create(need=need, mentor=anne, status=VStatus.CONFIRMED)
    past = timezone.now() - timedelta(days=1)
    InterventionNeed.objects.filter(pk=need.pk).update(
        starts_at=past, ends_at=past + timedelta(hours=1)
    )
    client.force_login(animator)
    client.post(
        reverse("mentorship:need_feedback", kwargs={"pk": need.pk}),
        {"pupils_reached": "48", "host_feedback": "Très bien"},
    )
    need.refresh_from_db()
    assert need.status == InterventionNeed.Status.DONE and need.pupils_reached == 48


# --- Query counts -------------------------------------------------------------------------------


def populate(programme, size: int):
    themes = [
        Theme.objects.create(slug=f"t{n}", label_fr=f"T{n}", label_en=f"T{n}") for n in range(3)
    ]
    needs = [need_in(programme, days=3 + n, title=f"Besoin {n}") for n in range(size)]
    for need in needs:
        need.themes.set(themes)
    for n in range(size * 2):
        mentor = marraine(programme, f"Marraine {n}", region="Bretagne" if n % 2 else "Occitanie")
        mentor.themes.set(themes[: n % 3])
        if n < size:
            Volunteer.objects.create(need=needs[0], mentor=mentor, status=VStatus.VOLUNTEERED)
    return needs[0]


@pytest.mark.parametrize("size", [1, 8])
def test_the_need_page_costs_the_same_queries_for_a_coordinator_whatever_its_size(
    client, programme, coordinator, size, django_assert_max_num_queries
):
    need = populate(programme, size)
    client.force_login(coordinator)
    with django_assert_max_num_queries(15):
        page = client.get(need_url(need)).content.decode()
    assert "Marraine 0" in page


@pytest.mark.parametrize("size", [1, 8])
def test_the_need_page_costs_the_same_queries_for_a_marraine_whatever_its_size(
    client, programme, size, django_assert_max_num_queries
):
    need = populate(programme, size)
    mentor = Volunteer.objects.filter(need=need).first().mentor
    client.force_login(mentor.user)
    with django_assert_max_num_queries(14):
        assert client.get(need_url(need)).status_code == 200


@pytest.mark.parametrize("size", [1, 8])
def test_the_needs_page_costs_the_same_queries_for_a_coordinator_whatever_its_size(
    client, programme, coordinator, size, django_assert_max_num_queries
):
    populate(programme, size)
    client.force_login(coordinator)
    with django_assert_max_num_queries(15):
        assert client.get(list_url(programme)).status_code == 200


@pytest.mark.parametrize("size", [1, 8])
def test_the_needs_page_costs_the_same_queries_for_a_marraine_whatever_its_size(
    client, programme, size, django_assert_max_num_queries
):
    need = populate(programme, size)
    mentor = Volunteer.objects.filter(need=need).first().mentor
    client.force_login(mentor.user)
    with django_assert_max_num_queries(17):
        page = client.get(list_url(programme)).content.decode()
    assert "Besoin 0" in page
