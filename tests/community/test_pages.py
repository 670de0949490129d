"""Every page renders for the people who may see it, in a constant number of queries."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from community.models import Membership, Space, Theme
from tests.factories import (
    MembershipFactory,
    OrganisationFactory,
    SpaceFactory,
    UserFactory,
)


def count_queries(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


def grow_spaces(cluster, animator, n):
    themes = list(Theme.objects.all()[:3])
    for _ in range(n):
        space = SpaceFactory(cluster=cluster)
        space.themes.set(themes)
        MembershipFactory(space=space, user=animator, role=Membership.Role.ANIMATOR)
        MembershipFactory(space=space)


def grow_members(space, n):
    organisation = OrganisationFactory()
    for _ in range(n):
        user = UserFactory(profile__region="Bretagne", profile__organisation=organisation)
        user.profile.themes.set(Theme.objects.all()[:2])
        MembershipFactory(space=space, user=user)


@pytest.mark.django_db
def test_the_space_list_keeps_its_query_count_when_spaces_grow_tenfold(
    client, member, cluster, animator, django_assert_max_num_queries
):
    client.force_login(member)
    url = reverse("community:space_list")
    grow_spaces(cluster, animator, 3)
    small = count_queries(client, url)
    grow_spaces(cluster, animator, 27)
    with django_assert_max_num_queries(small):
        client.get(url)
    assert small <= 14


@pytest.mark.django_db
def test_the_space_page_keeps_its_query_count_when_members_grow_tenfold(
    client, member, open_space, django_assert_max_num_queries
):
    MembershipFactory(space=open_space, user=member)
    client.force_login(member)
    url = open_space.get_absolute_url()
    grow_members(open_space, 3)
    small = count_queries(client, url)
    grow_members(open_space, 27)
    with django_assert_max_num_queries(small):
        client.get(url)
    # 18, the next events of the space (events_tags.upcoming_events), its library items.
    assert small <= 20


@pytest.mark.django_db
def test_the_directory_keeps_its_query_count_when_members_grow_tenfold(
    client, member, open_space, django_assert_max_num_queries
):
    client.force_login(member)
    url = reverse("community:directory") + "?region=Bretagne"
    grow_members(open_space, 2)
    small = count_queries(client, url)
    grow_members(open_space, 20)
    with django_assert_max_num_queries(small):
        response = client.get(url)
    assert response.context["page"].paginator.count == 22
    assert small <= 18


@pytest.mark.django_db
def test_the_members_page_of_a_space_keeps_its_query_count(
    client, open_space, animator, django_assert_max_num_queries
):
    client.force_login(animator)
    url = reverse("community:space_members", kwargs={"slug": open_space.slug})
    grow_members(open_space, 3)
    small = count_queries(client, url)
    grow_members(open_space, 27)
    with django_assert_max_num_queries(small):
        client.get(url)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "name",
    [
        "space_list",
        "organisation_list",
        "cluster_list",
        "directory",
        "dashboard",
        "notification_list",
        "profile_edit",
        "space_create",
    ],
)
def test_each_page_renders_for_a_cluster_animator(client, animator, open_space, name):
    client.force_login(animator)
    response = client.get(reverse(f"community:{name}"))
    assert response.status_code == 200
    assert b'id="main"' in response.content


@pytest.mark.django_db
def test_the_home_page_shows_public_spaces_and_hides_private_ones(
    client, open_space, private_space
):
    response = client.get("/")
    assert response.status_code == 200
    assert open_space.name.encode() in response.content
    assert private_space.name.encode() not in response.content


@pytest.mark.django_db
def test_a_visitor_is_sent_to_log_in_for_the_directory(client):
    response = client.get(reverse("community:directory"))
    assert response.status_code == 302
    assert reverse("account_login") in response["Location"]


@pytest.mark.django_db
def test_a_private_space_its_members_and_its_invitations_are_404_for_a_non_member(
    client, member, private_space
):
    client.force_login(member)
    slug = private_space.slug
    for name in ("space_detail", "space_members", "space_edit"):
        assert client.get(reverse(f"community:{name}", kwargs={"slug": slug})).status_code == 404
    assert client.post(reverse("community:space_join", kwargs={"slug": slug})).status_code == 404
    assert (
        client.post(
            reverse("community:space_invite", kwargs={"slug": slug}),
            {"email": "x@example.org", "role": "member"},
        ).status_code
        == 404
    )
    listing = client.get(reverse("community:space_list") + "?q=Comit")
    assert private_space.name.encode() not in listing.content


@pytest.mark.django_db
def test_html_in_a_space_name_is_shown_as_text(client, open_space):
    Space.objects.filter(pk=open_space.pk).update(name="<script>alert(1)</script>Égalité")
    response = client.get(open_space.get_absolute_url())
    assert b"<script>alert(1)</script>" not in response.content
    assert b"&lt;script&gt;alert(1)&lt;/script&gt;" in response.content


@pytest.mark.django_db
def test_a_member_asks_to_join_and_an_animator_approves_through_the_pages(
    client, member, animator, request_space
):
    client.force_login(member)
    response = client.post(
        reverse("community:space_join", kwargs={"slug": request_space.slug}),
        {"message": "Je suis référente égalité."},
        follow=True,
    )
    assert "Your request was sent" in response.content.decode()
    membership = Membership.objects.get(space=request_space, user=member)
    assert membership.state == Membership.State.REQUESTED

    client.force_login(animator)
    page = client.get(reverse("community:space_members", kwargs={"slug": request_space.slug}))
    assert "Je suis référente égalité." in page.content.decode()
    client.post(
        reverse(
            "community:membership_decide",
            kwargs={"slug": request_space.slug, "membership_id": membership.pk},
        ),
        {"decision": "approve"},
    )
    membership.refresh_from_db()
    assert membership.state == Membership.State.ACTIVE


@pytest.mark.django_db
def test_a_membership_id_from_another_space_is_not_found(client, animator, open_space, cluster):
    elsewhere = MembershipFactory(space=SpaceFactory())
    client.force_login(animator)
    url = reverse(
        "community:membership_remove",
        kwargs={"slug": open_space.slug, "membership_id": elsewhere.pk},
    )
    assert client.post(url).status_code == 404
    elsewhere.refresh_from_db()
    assert elsewhere.state == Membership.State.ACTIVE


@pytest.mark.django_db
def test_a_space_form_with_a_duplicate_slug_shows_an_error_and_creates_nothing(
    client, animator, open_space, cluster
):
    client.force_login(animator)
    before = Space.objects.count()
    response = client.post(
        reverse("community:space_create"),
        {
            "name": "x" * 121,
            "slug": open_space.slug,
            "visibility": "public",
            "join_policy": "open",
        },
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert "slug" in form.errors and "name" in form.errors
    assert Space.objects.count() == before


@pytest.mark.django_db
def test_a_private_space_that_is_not_invitation_only_is_refused_with_a_message(
    client, animator, cluster
):
    client.force_login(animator)
    response = client.post(
        reverse("community:space_create"),
        {
            "name": "Secret",
            "slug": "secret",
            "visibility": "private",
            "join_policy": "open",
        },
    )
    assert response.status_code == 200
    assert "only be joined by invitation" in response.content.decode()
    assert not Space.objects.filter(slug="secret").exists()


@pytest.mark.django_db
def test_the_interface_speaks_french_by_default(client, settings):
    settings.LANGUAGE_CODE = "fr"
    response = client.get(reverse("community:space_list"), HTTP_ACCEPT_LANGUAGE="fr")
    assert '<html lang="fr">' in response.content.decode()
    assert "Espaces thématiques" in response.content.decode()


@pytest.mark.django_db
def test_a_private_referent_is_not_named_on_the_organisation_page(client, member, other_member):
    organisation = OrganisationFactory(name="Conserverie")
    member.profile.organisation = organisation
    member.profile.profile_visibility = "private"
    member.profile.save()
    organisation.equality_referent = member
    organisation.save()

    for viewer in (None, other_member):
        client.logout()
        if viewer:
            client.force_login(viewer)
        page = client.get(organisation.get_absolute_url()).content.decode()
        assert "Claire Martin" not in page


@pytest.mark.django_db
def test_visitors_do_not_see_the_names_of_cluster_animators(client, animator, cluster, member):
    page = client.get(cluster.get_absolute_url()).content.decode()
    assert "Anne Animatrice" not in page
    client.force_login(member)
    assert "Anne Animatrice" in client.get(cluster.get_absolute_url()).content.decode()


@pytest.mark.django_db
def test_a_space_opened_by_an_account_made_on_the_command_line_renders(client, cluster):
    from community import services
    from community.models import User

    admin = User.objects.create_superuser("root@example.org", "a-long-Passphrase-42")
    space = services.space_create(by=admin, name="Espace", slug="espace", cluster=cluster)
    for url in (space.get_absolute_url(), reverse("community:space_members", args=[space.slug])):
        client.force_login(admin)
        assert client.get(url).status_code == 200


@pytest.mark.django_db
def test_a_join_message_that_is_too_long_refuses_the_request(client, member, request_space):
    client.force_login(member)
    response = client.post(
        reverse("community:space_join", kwargs={"slug": request_space.slug}),
        {"message": "x" * 600},
        follow=True,
    )
    assert "at most 500 characters" in response.content.decode()
    assert not Membership.objects.filter(space=request_space, user=member).exists()


@pytest.mark.django_db
def test_following_a_notification_never_leaves_the_site(client, member, open_space):
    from notifications.models import Notification

    from community.notifications import notification_send

    [notification] = notification_send(
        recipients=[member], actor=open_space, verb="membership.removed", target=open_space
    )
    Notification.objects.filter(pk=notification.pk).update(data={"url": "//evil.example/"})
    client.force_login(member)
    response = client.post(
        reverse("community:notification_read", args=[notification.pk]), {"follow": "1"}
    )
    assert response["Location"] == reverse("community:notification_list")


@pytest.mark.django_db
def test_an_expired_invitation_is_not_shown_and_can_still_be_declined(
    client, member, animator, private_space
):
    from datetime import timedelta

    from django.utils import timezone

    from community import services
    from community.models import Invitation

    services.space_invite(space=private_space, by=animator, email=member.email)
    Invitation.objects.update(expires_at=timezone.now() - timedelta(minutes=1))
    client.force_login(member)

    dashboard = client.get(reverse("community:dashboard"))
    assert list(dashboard.context["invitations"]) == []
    client.post(reverse("community:invitation_decline", kwargs={"slug": private_space.slug}))
    assert not Membership.objects.filter(space=private_space, user=member).exists()
    client.force_login(animator)
    members = client.get(reverse("community:space_members", args=[private_space.slug]))
    assert member.email not in members.content.decode()


@pytest.mark.django_db
def test_managers_see_and_can_remove_members_whose_profile_is_hidden(
    client, member, animator, open_space
):
    MembershipFactory(space=open_space, user=member)
    member.profile.profile_visibility = "private"
    member.profile.save()
    client.force_login(animator)
    page = client.get(reverse("community:space_members", args=[open_space.slug])).content
    assert b"Remove Claire Martin" in page


@pytest.mark.django_db
def test_a_decision_that_is_neither_accept_nor_decline_changes_nothing(
    client, member, animator, request_space
):
    from community import services

    request = services.space_join(space=request_space, user=member)
    client.force_login(animator)
    client.post(
        reverse("community:membership_decide", args=[request_space.slug, request.pk]),
        {"decision": "maybe"},
    )
    request.refresh_from_db()
    assert request.state == Membership.State.REQUESTED


@pytest.mark.django_db
def test_the_referent_field_hides_members_who_hide_their_employer_and_never_clears_silently(
    client, member, other_member, animator, cluster
):
    organisation = OrganisationFactory()
    cluster.organisations.add(organisation)
    for person in (member, other_member):
        person.profile.organisation = organisation
        person.profile.save()
    other_member.profile.organisation_visibility = "private"
    other_member.profile.save()
    client.force_login(animator)
    url = reverse("community:organisation_edit", args=[organisation.slug])
    form = client.get(url).context["form"]
    assert list(form.fields["equality_referent"].queryset) == [member]

    organisation.equality_referent = other_member
    organisation.save()
    form = client.get(url).context["form"]
    assert "equality_referent" not in form.fields
    client.post(
        url, {"name": "Renamed", "slug": organisation.slug, "kind": "company", "country": "FR"}
    )
    organisation.refresh_from_db()
    assert organisation.name == "Renamed"
    assert organisation.equality_referent == other_member
