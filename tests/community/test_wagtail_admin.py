"""Animators edit their spaces and clusters in the Wagtail admin, and only theirs."""

import pytest
from django.urls import reverse

from community.models import Membership, Space
from tests.factories import ClusterFactory, MembershipFactory, SpaceFactory, UserFactory


def edit_url(model, pk):
    return reverse(f"wagtailsnippets_community_{model}:edit", args=[pk])


@pytest.fixture
def space_animator(db):
    """Animator of one space only (not of a cluster)."""
    user = UserFactory()
    space = SpaceFactory(name="Parentalité")
    MembershipFactory(space=space, user=user, role=Membership.Role.ANIMATOR)
    return user, space


@pytest.mark.django_db
def test_a_space_animator_can_open_the_admin_and_edit_their_space(client, space_animator):
    user, space = space_animator
    client.force_login(user)
    assert client.get("/cms/").status_code == 200
    response = client.get(edit_url("space", space.pk))
    assert response.status_code == 200


@pytest.mark.django_db
def test_the_animator_of_space_a_cannot_edit_space_b_in_the_admin(client, space_animator):
    user, _space = space_animator
    other = SpaceFactory(name="Autre espace", cluster=ClusterFactory())
    client.force_login(user)
    response = client.get(edit_url("space", other.pk))
    assert response.status_code in (302, 403)
    response = client.post(edit_url("space", other.pk), {"name": "Hijacked"})
    assert response.status_code in (302, 403)
    other.refresh_from_db()
    assert other.name == "Autre espace"
    listing = client.get(reverse("wagtailsnippets_community_space:list"))
    assert b"Autre espace" not in listing.content


@pytest.mark.django_db
def test_a_plain_member_cannot_open_the_admin(client, member):
    client.force_login(member)
    response = client.get("/cms/")
    assert response.status_code == 302
    assert "/cms/login/" in response["Location"]


@pytest.mark.django_db
def test_a_cluster_animator_edits_their_cluster_but_not_another(client, animator, cluster):
    other = ClusterFactory(name="Autre cluster")
    client.force_login(animator)
    assert client.get(edit_url("cluster", cluster.pk)).status_code == 200
    assert client.get(edit_url("cluster", other.pk)).status_code in (302, 403)


@pytest.mark.django_db
def test_a_space_saved_in_the_admin_goes_through_the_service_rules(client, space_animator):
    user, space = space_animator
    client.force_login(user)
    response = client.post(
        edit_url("space", space.pk),
        {
            "name": "Parentalité et carrières",
            "slug": space.slug,
            "tagline": "",
            "description": "",
            "visibility": "private",
            "join_policy": "open",
        },
    )
    # The constraint "private means invitation only" is refused, with the space unchanged.
    assert response.status_code == 200
    space.refresh_from_db()
    assert space.name == "Parentalité"
    response = client.post(
        edit_url("space", space.pk),
        {
            "name": "Parentalité et carrières",
            "slug": space.slug,
            "tagline": "",
            "description": "",
            "visibility": "members",
            "join_policy": "request",
        },
    )
    assert response.status_code == 302
    space.refresh_from_db()
    assert space.name == "Parentalité et carrières"
    assert space.visibility == Space.Visibility.MEMBERS


@pytest.mark.django_db
def test_no_admin_view_reveals_a_private_space_to_an_animator_of_another_space(
    client, space_animator, private_space
):
    user, _space = space_animator
    client.force_login(user)
    pk = private_space.pk
    for view in ("edit", "history", "usage"):
        url = reverse(f"wagtailsnippets_community_space:{view}", args=[pk])
        response = client.get(url)
        assert response.status_code in (302, 403), view
        assert private_space.name.encode() not in response.content, view
    results = client.get("/cms/snippets/choose/community/space/results/?q=")
    assert results.status_code == 200
    assert private_space.name.encode() not in results.content
    chosen = client.get(f"/cms/snippets/choose/community/space/chosen/{pk}/")
    assert private_space.name.encode() not in chosen.content


@pytest.mark.django_db
def test_the_space_chooser_offers_the_spaces_the_editor_can_see(client, staff, private_space):
    client.force_login(staff)
    results = client.get("/cms/snippets/choose/community/space/results/?q=")
    assert private_space.name.encode() in results.content


@pytest.mark.django_db
def test_the_django_admin_shows_memberships_but_cannot_change_or_delete_them(
    client, staff, open_space
):
    membership = Membership.objects.filter(space=open_space).first()
    client.force_login(staff)
    assert client.get("/django-admin/community/membership/").status_code == 200
    response = client.post(
        f"/django-admin/community/membership/{membership.pk}/delete/", {"post": "yes"}
    )
    assert response.status_code == 403
    assert Membership.objects.filter(pk=membership.pk).exists()


@pytest.mark.django_db
def test_spaces_and_clusters_cannot_be_copied_past_the_services(client, staff, open_space):
    client.force_login(staff)
    response = client.post(f"/cms/snippets/community/space/copy/{open_space.pk}/", {"name": "X"})
    assert response.status_code == 404
    open_space.refresh_from_db()
    assert open_space.name == "Recrutement inclusif"


@pytest.mark.django_db
def test_the_cluster_form_does_not_list_every_account_to_a_cluster_animator(
    client, animator, cluster, member
):
    member.profile.profile_visibility = "private"
    member.profile.save()
    client.force_login(animator)
    page = client.get(edit_url("cluster", cluster.pk)).content.decode()
    assert 'name="animators"' not in page
    assert "Claire Martin" not in page
