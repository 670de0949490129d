"""Every forbidden path: the refusal is raised and nothing changes."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils import timezone

from community import permissions, selectors, services
from community.models import Invitation, Membership, Organisation, Space, User
from tests.factories import (
    ClusterFactory,
    MembershipFactory,
    OrganisationFactory,
    SpaceFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def fresh(user):
    """The user as the next request loads it, without the memberships cached on this object."""
    return type(user).objects.get(pk=user.pk)


def add_member(space, *, role=Membership.Role.MEMBER, state=Membership.State.ACTIVE):
    user = UserFactory()
    MembershipFactory(space=space, user=user, role=role, state=state)
    return user


def membership(space, user) -> Membership:
    return Membership.objects.get(space=space, user=user)


# --- Seeing spaces ----------------------------------------------------------------------------


def test_a_non_member_cannot_see_a_private_space(member, private_space):
    with pytest.raises(Http404):
        selectors.access_space(user=member, slug=private_space.slug)

    assert private_space not in selectors.space_list(user=member)
    assert private_space not in selectors.spaces_visible_to(member)
    assert not permissions.can_view_space(member, private_space)


def test_a_private_space_is_not_found_by_searching_its_name(member, private_space):
    assert list(selectors.space_list(user=member, query="Comité")) == []


def test_a_private_space_stays_hidden_from_those_who_asked_or_were_removed(private_space):
    for state in (Membership.State.REQUESTED, Membership.State.REMOVED):
        outsider = add_member(private_space, state=state)

        with pytest.raises(Http404):
            selectors.access_space(user=outsider, slug=private_space.slug)
        assert private_space not in selectors.spaces_visible_to(outsider)


def test_a_private_space_is_seen_by_its_members_its_invitees_its_cluster_animators_and_staff(
    animator, staff, private_space, cluster
):
    active = add_member(private_space)
    invited = UserFactory()
    services.space_invite(space=private_space, by=animator, email=invited.email)
    cluster_animator = UserFactory()
    cluster.animators.add(cluster_animator)

    for user in (animator, active, invited, cluster_animator, staff):
        assert selectors.access_space(user=user, slug=private_space.slug) == private_space
        assert private_space in selectors.spaces_visible_to(user)
        assert private_space in selectors.space_list(user=user)


def test_an_invitee_stops_seeing_a_private_space_when_the_invitation_expires(
    animator, private_space
):
    invited = UserFactory()
    services.space_invite(space=private_space, by=animator, email=invited.email)
    assert permissions.can_view_space(invited, private_space)
    assert not permissions.can_see_member_list(invited, private_space)

    Invitation.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    invited = User.objects.get(pk=invited.pk)

    with pytest.raises(Http404):
        selectors.access_space(user=invited, slug=private_space.slug)
    assert private_space not in selectors.spaces_visible_to(invited)


def test_the_animator_of_another_cluster_cannot_see_a_private_space(other_animator, private_space):
    with pytest.raises(Http404):
        selectors.access_space(user=other_animator, slug=private_space.slug)

    assert private_space not in selectors.spaces_visible_to(other_animator)


def test_a_visitor_sees_only_public_spaces(open_space, request_space, private_space):
    visitor = AnonymousUser()

    assert list(selectors.spaces_visible_to(visitor)) == [open_space]
    assert list(selectors.space_list(user=visitor)) == [open_space]
    assert selectors.access_space(user=visitor, slug=open_space.slug) == open_space
    for hidden in (request_space, private_space):
        with pytest.raises(Http404):
            selectors.access_space(user=visitor, slug=hidden.slug)


def test_a_deactivated_account_sees_only_public_spaces(member, open_space, request_space):
    MembershipFactory(space=request_space, user=member)
    member.is_active = False
    member.save()

    assert list(selectors.spaces_visible_to(member)) == [open_space]
    with pytest.raises(Http404):
        selectors.access_space(user=member, slug=request_space.slug)


def test_an_unknown_slug_is_a_404_like_a_hidden_one(member):
    with pytest.raises(Http404):
        selectors.access_space(user=member, slug="nowhere")


def test_a_visitor_cannot_see_the_member_list_even_of_a_public_space(open_space, member):
    assert not permissions.can_see_member_list(AnonymousUser(), open_space)
    assert permissions.can_see_member_list(member, open_space)


# --- Joining ----------------------------------------------------------------------------------


def test_joining_an_invitation_only_space_without_an_invitation_is_refused(
    member, animator, cluster, db_state
):
    space = SpaceFactory(
        cluster=cluster,
        visibility=Space.Visibility.MEMBERS,
        join_policy=Space.JoinPolicy.INVITATION,
    )
    before = db_state()

    with pytest.raises(PermissionDenied):
        services.space_join(space=space, user=member)

    assert db_state() == before


def test_joining_a_private_space_without_an_invitation_is_refused(member, private_space, db_state):
    before = db_state()

    with pytest.raises(PermissionDenied):
        services.space_join(space=private_space, user=member)

    assert db_state() == before


def test_a_member_removed_from_an_invitation_only_space_cannot_ask_back(member, cluster, db_state):
    space = SpaceFactory(
        cluster=cluster,
        visibility=Space.Visibility.MEMBERS,
        join_policy=Space.JoinPolicy.INVITATION,
    )
    MembershipFactory(space=space, user=member, state=Membership.State.REMOVED)
    before = db_state()

    with pytest.raises(PermissionDenied):
        services.space_join(space=space, user=member)

    assert db_state() == before


# --- Deciding on one's own request -------------------------------------------------------------


def test_staff_cannot_approve_their_own_request(staff, request_space, db_state):
    requested = services.space_join(space=request_space, user=staff)
    before = db_state()

    with pytest.raises(PermissionDenied):
        services.membership_decide(membership=requested, by=fresh(staff), approve=True)

    assert db_state() == before
    assert membership(request_space, staff).state == Membership.State.REQUESTED


def test_a_moderator_elsewhere_cannot_approve_their_own_request(
    member, request_space, cluster, db_state
):
    elsewhere = SpaceFactory(cluster=cluster)
    MembershipFactory(space=elsewhere, user=member, role=Membership.Role.MODERATOR)
    requested = services.space_join(space=request_space, user=member)
    before = db_state()

    for approve in (True, False):
        with pytest.raises(PermissionDenied):
            services.membership_decide(membership=requested, by=member, approve=approve)

    assert db_state() == before


def test_a_cluster_animator_cannot_approve_their_own_request(cluster, db_state):
    space = SpaceFactory(
        cluster=cluster,
        visibility=Space.Visibility.MEMBERS,
        join_policy=Space.JoinPolicy.REQUEST,
    )
    newcomer = UserFactory()
    cluster.animators.add(newcomer)
    requested = services.space_join(space=space, user=newcomer)
    before = db_state()

    # As a cluster animator they manage the space's members, but not their own request.
    assert permissions.can_manage_members(newcomer, space)
    with pytest.raises(PermissionDenied):
        services.membership_decide(membership=requested, by=newcomer, approve=True)

    assert db_state() == before


# --- An animator out of their cluster ---------------------------------------------------------


@pytest.fixture
def requester_elsewhere(other_space):
    """A request waiting in `other_space`, which belongs to another cluster."""
    user = UserFactory()
    services.space_join(space=other_space, user=user)
    return user


def test_an_animator_cannot_approve_a_request_in_another_clusters_space(
    animator, other_space, requester_elsewhere, db_state
):
    before = db_state()

    with pytest.raises(PermissionDenied):
        services.membership_decide(
            membership=membership(other_space, requester_elsewhere), by=animator, approve=True
        )

    assert db_state() == before


def test_an_animator_cannot_remove_a_member_of_another_clusters_space(
    animator, other_space, db_state
):
    target = add_member(other_space)
    before = db_state()

    with pytest.raises(PermissionDenied):
        services.membership_remove(membership=membership(other_space, target), by=animator)

    assert db_state() == before


def test_an_animator_cannot_invite_to_another_clusters_space(
    animator, other_space, db_state, mailoutbox, django_capture_on_commit_callbacks
):
    before = db_state()

    with django_capture_on_commit_callbacks(execute=True), pytest.raises(PermissionDenied):
        services.space_invite(space=other_space, by=animator, email="x@example.org")

    assert db_state() == before
    assert mailoutbox == []


def test_an_animator_cannot_edit_another_clusters_space(animator, other_space, db_state):
    before = db_state()

    with pytest.raises(PermissionDenied):
        services.space_update(by=animator, space=other_space, name="Pris")

    assert db_state() == before


def test_an_animator_cannot_change_roles_in_another_clusters_space(animator, other_space, db_state):
    target = add_member(other_space)
    before = db_state()

    with pytest.raises(PermissionDenied):
        services.membership_set_role(
            membership=membership(other_space, target),
            by=animator,
            role=Membership.Role.ANIMATOR,
        )

    assert db_state() == before


def test_an_animator_cannot_create_a_space_in_another_cluster(animator, other_cluster, db_state):
    before = db_state()

    with pytest.raises(PermissionDenied):
        services.space_create(by=animator, name="Intrus", slug="intrus", cluster=other_cluster)

    assert db_state() == before


def test_an_animator_cannot_move_their_space_into_another_cluster(
    animator, open_space, other_cluster, db_state
):
    before = db_state()

    with pytest.raises(PermissionDenied):
        services.space_update(by=animator, space=open_space, cluster=other_cluster)

    assert db_state() == before


def test_staff_may_move_a_space_into_any_cluster(staff, open_space, other_cluster):
    services.space_update(by=staff, space=open_space, cluster=other_cluster)

    open_space.refresh_from_db()
    assert open_space.cluster == other_cluster


def test_a_space_animator_may_keep_the_cluster_they_do_not_animate(cluster):
    space = SpaceFactory(cluster=cluster)
    space_animator = add_member(space, role=Membership.Role.ANIMATOR)

    services.space_update(by=space_animator, space=space, cluster=cluster, tagline="Gardé")

    space.refresh_from_db()
    assert space.cluster == cluster
    assert space.tagline == "Gardé"


# --- A plain member ---------------------------------------------------------------------------


def test_a_plain_member_cannot_approve_requests(member, request_space, db_state):
    MembershipFactory(space=request_space, user=member)
    requester = UserFactory()
    requested = services.space_join(space=request_space, user=requester)
    before = db_state()

    for approve in (True, False):
        with pytest.raises(PermissionDenied):
            services.membership_decide(membership=requested, by=member, approve=approve)

    assert db_state() == before


def test_a_plain_member_cannot_remove_members(member, open_space, db_state):
    MembershipFactory(space=open_space, user=member)
    target = add_member(open_space)
    before = db_state()

    with pytest.raises(PermissionDenied):
        services.membership_remove(membership=membership(open_space, target), by=member)

    assert db_state() == before


def test_a_plain_member_cannot_invite(member, open_space, db_state):
    MembershipFactory(space=open_space, user=member)
    before = db_state()

    with pytest.raises(PermissionDenied):
        services.space_invite(space=open_space, by=member, email="x@example.org")

    assert db_state() == before


def test_a_plain_member_cannot_edit_the_space_nor_promote_themself(member, open_space, db_state):
    MembershipFactory(space=open_space, user=member)
    before = db_state()

    with pytest.raises(PermissionDenied):
        services.space_update(by=member, space=open_space, name="Renommé")
    with pytest.raises(PermissionDenied):
        services.membership_set_role(
            membership=membership(open_space, member), by=member, role=Membership.Role.ANIMATOR
        )

    assert db_state() == before


def test_a_visitor_can_do_nothing_to_a_space(animator, open_space, db_state):
    visitor = AnonymousUser()
    target = membership(open_space, animator)
    before = db_state()

    with pytest.raises(PermissionDenied):
        services.space_update(by=visitor, space=open_space, name="Renommé")
    with pytest.raises(PermissionDenied):
        services.space_invite(space=open_space, by=visitor, email="x@example.org")
    with pytest.raises(PermissionDenied):
        services.membership_remove(membership=target, by=visitor)
    with pytest.raises(PermissionDenied):
        services.membership_set_role(membership=target, by=visitor, role=Membership.Role.MEMBER)
    with pytest.raises(PermissionDenied):
        services.space_create(by=visitor, name="Anonyme", slug="anonyme")

    assert db_state() == before


# --- A moderator ------------------------------------------------------------------------------


@pytest.fixture
def moderator(open_space):
    return add_member(open_space, role=Membership.Role.MODERATOR)


def test_a_moderator_cannot_remove_an_animator(moderator, animator, open_space, db_state):
    add_member(open_space, role=Membership.Role.ANIMATOR)
    before = db_state()

    with pytest.raises(PermissionDenied):
        services.membership_remove(membership=membership(open_space, animator), by=moderator)

    assert db_state() == before


def test_a_moderator_cannot_remove_another_moderator(moderator, open_space, db_state):
    colleague = add_member(open_space, role=Membership.Role.MODERATOR)
    before = db_state()

    with pytest.raises(PermissionDenied):
        services.membership_remove(membership=membership(open_space, colleague), by=moderator)

    assert db_state() == before


@pytest.mark.parametrize("role", [Membership.Role.ANIMATOR, Membership.Role.MODERATOR])
def test_a_moderator_cannot_invite_an_animator_or_a_moderator(
    moderator, open_space, db_state, role
):
    before = db_state()

    with pytest.raises(PermissionDenied):
        services.space_invite(space=open_space, by=moderator, email="x@example.org", role=role)

    assert db_state() == before


def test_a_moderator_cannot_edit_the_space_or_change_roles(moderator, open_space, db_state):
    target = add_member(open_space)
    before = db_state()

    with pytest.raises(PermissionDenied):
        services.space_update(by=moderator, space=open_space, tagline="Nouveau")
    with pytest.raises(PermissionDenied):
        services.membership_set_role(
            membership=membership(open_space, target), by=moderator, role=Membership.Role.MODERATOR
        )

    assert db_state() == before


def test_a_moderator_may_approve_requests_and_remove_plain_members(moderator, request_space):
    MembershipFactory(space=request_space, user=moderator, role=Membership.Role.MODERATOR)
    requester = UserFactory()
    requested = services.space_join(space=request_space, user=requester)

    services.membership_decide(membership=requested, by=moderator, approve=True)
    services.membership_remove(membership=membership(request_space, requester), by=moderator)

    assert membership(request_space, requester).state == Membership.State.REMOVED


def test_a_removed_moderator_has_no_powers_left(open_space, db_state):
    former = add_member(open_space, role=Membership.Role.MODERATOR, state=Membership.State.REMOVED)
    target = add_member(open_space)
    before = db_state()

    with pytest.raises(PermissionDenied):
        services.membership_remove(membership=membership(open_space, target), by=former)

    assert db_state() == before


def test_a_deactivated_animator_has_no_powers_left(animator, open_space, db_state):
    target = add_member(open_space)
    animator.is_active = False
    animator.save()
    before = db_state()

    with pytest.raises(PermissionDenied):
        services.membership_remove(membership=membership(open_space, target), by=animator)
    with pytest.raises(PermissionDenied):
        services.space_invite(space=open_space, by=animator, email="x@example.org")
    with pytest.raises(PermissionDenied):
        services.space_update(by=animator, space=open_space, name="Renommé")
    with pytest.raises(PermissionDenied):
        services.space_create(by=animator, name="Fantôme", slug="fantome")

    assert db_state() == before


def test_an_animator_who_stepped_down_loses_the_right_to_edit_at_once(
    animator, open_space, db_state
):
    add_member(open_space, role=Membership.Role.ANIMATOR)
    space = SpaceFactory()  # outside the cluster, so only the space role counts
    MembershipFactory(space=space, user=animator, role=Membership.Role.ANIMATOR)
    add_member(space, role=Membership.Role.ANIMATOR)
    assert permissions.can_edit_space(animator, space)

    services.membership_set_role(
        membership=membership(space, animator), by=animator, role=Membership.Role.MEMBER
    )

    assert not permissions.can_edit_space(animator, space)


# --- Profiles ---------------------------------------------------------------------------------


@pytest.mark.parametrize("editor", ["other_member", "staff", "animator"])
def test_nobody_edits_another_members_profile(member, editor, request, db_state):
    by = request.getfixturevalue(editor)
    profile = member.profile

    with pytest.raises(PermissionDenied):
        services.profile_update(by=by, profile=profile, display_name="Usurpée", bio="Piraté")

    profile.refresh_from_db()
    assert profile.display_name == "Claire Martin"
    assert profile.bio == ""


def test_a_visitor_cannot_edit_a_profile(member):
    with pytest.raises(PermissionDenied):
        services.profile_update(by=AnonymousUser(), profile=member.profile, bio="Piraté")

    member.profile.refresh_from_db()
    assert member.profile.bio == ""


# --- Organisations and clusters ---------------------------------------------------------------


@pytest.fixture
def organisation(cluster):
    organisation = OrganisationFactory(name="Atelier Textile Quimper")
    cluster.organisations.add(organisation)
    return organisation


def test_a_random_member_cannot_edit_an_organisation(member, organisation):
    with pytest.raises(PermissionDenied):
        services.organisation_update(by=member, organisation=organisation, name="Volée")

    assert Organisation.objects.get(pk=organisation.pk).name == "Atelier Textile Quimper"


def test_a_member_of_the_organisation_who_is_not_its_referent_cannot_edit_it(
    member, other_member, organisation
):
    for person in (member, other_member):
        person.profile.organisation = organisation
        person.profile.save()
    organisation.equality_referent = other_member
    organisation.save()

    with pytest.raises(PermissionDenied):
        services.organisation_update(by=member, organisation=organisation, name="Volée")

    assert Organisation.objects.get(pk=organisation.pk).name == "Atelier Textile Quimper"


def test_until_a_referent_is_named_whoever_added_the_organisation_may_edit_it(member):
    organisation = services.organisation_create(
        by=member, name="Atelier", slug="atelier", kind="company", country="FR"
    )

    services.organisation_update(by=member, organisation=organisation, equality_referent=member)

    assert Organisation.objects.get(pk=organisation.pk).equality_referent == member


def test_declaring_an_organisation_on_ones_profile_grants_no_right_to_edit_it(member, other_member):
    organisation = services.organisation_create(
        by=member, name="Atelier", slug="atelier", kind="company", country="FR"
    )
    services.profile_update(
        by=other_member, profile=other_member.profile, organisation=organisation
    )

    with pytest.raises(PermissionDenied):
        services.organisation_update(
            by=other_member, organisation=organisation, equality_referent=other_member
        )
    assert Organisation.objects.get(pk=organisation.pk).equality_referent is None


def test_the_equality_referent_may_edit_their_organisation(member, organisation):
    member.profile.organisation = organisation
    member.profile.save()
    organisation.equality_referent = member
    organisation.save()

    services.organisation_update(by=member, organisation=organisation, region="Bretagne")

    assert Organisation.objects.get(pk=organisation.pk).region == "Bretagne"


def test_an_animator_of_a_cluster_containing_the_organisation_may_edit_it(animator, organisation):
    services.organisation_update(by=animator, organisation=organisation, region="Finistère")

    assert Organisation.objects.get(pk=organisation.pk).region == "Finistère"


def test_an_animator_of_a_cluster_not_containing_the_organisation_cannot_edit_it(
    other_animator, organisation
):
    with pytest.raises(PermissionDenied):
        services.organisation_update(by=other_animator, organisation=organisation, region="Gard")

    assert Organisation.objects.get(pk=organisation.pk).region == ""


def test_a_former_referent_who_was_deactivated_cannot_edit_the_organisation(member, organisation):
    member.profile.organisation = organisation
    member.profile.save()
    organisation.equality_referent = member
    organisation.save()
    member.is_active = False
    member.save()

    with pytest.raises(PermissionDenied):
        services.organisation_update(by=member, organisation=organisation, region="Bretagne")


def test_only_a_clusters_animators_and_staff_edit_the_cluster(
    animator, other_animator, member, staff, cluster
):
    for outsider in (member, other_animator, AnonymousUser()):
        with pytest.raises(PermissionDenied):
            services.cluster_update(by=outsider, cluster=cluster, region="Ailleurs")
    cluster.refresh_from_db()
    assert cluster.region == ""

    services.cluster_update(by=animator, cluster=cluster, region="Bretagne")
    services.cluster_update(by=staff, cluster=cluster, website="https://example.org")

    cluster.refresh_from_db()
    assert (cluster.region, cluster.website) == ("Bretagne", "https://example.org")


def test_the_template_helpers_agree_with_the_services(
    member, animator, other_animator, staff, open_space, organisation
):
    cluster_without_member = ClusterFactory()

    assert permissions.can_edit_space(animator, open_space)
    assert permissions.can_edit_space(staff, open_space)
    assert not permissions.can_edit_space(member, open_space)
    assert not permissions.can_edit_space(other_animator, open_space)
    assert permissions.can_create_space(animator)
    assert permissions.can_create_space(staff)
    assert not permissions.can_create_space(member)
    assert not permissions.can_create_space(AnonymousUser())
    assert permissions.can_edit_organisation(animator, organisation)
    assert not permissions.can_edit_organisation(member, organisation)
    assert not permissions.can_edit_cluster(animator, cluster_without_member)
