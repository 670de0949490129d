"""Spaces and memberships through their services: rows written, people told, events published."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from notifications.models import Notification

from community import services
from community.models import Invitation, Membership, Space, Theme
from tests.factories import MembershipFactory, OrganisationFactory, SpaceFactory, UserFactory

pytestmark = pytest.mark.django_db


def add_member(space, *, role=Membership.Role.MEMBER, state=Membership.State.ACTIVE, name=None):
    user = UserFactory(**({"profile__display_name": name} if name else {}))
    MembershipFactory(space=space, user=user, role=role, state=state)
    return user


def membership(space, user) -> Membership:
    return Membership.objects.get(space=space, user=user)


def verbs_for(user) -> list[str]:
    return list(Notification.objects.filter(recipient=user).values_list("verb", flat=True))


def messages_to(published, group: str) -> list[dict]:
    return [message for name, message in published if name == group]


def members_changed(space, count: int) -> dict:
    return {
        "type": "stream.event",
        "stream": f"space:{space.pk}",
        "event": "members.changed",
        "data": {"member_count": count},
    }


# --- Joining ----------------------------------------------------------------------------------


def test_joining_an_open_space_makes_an_active_member_at_once_and_tells_its_animators(
    member, animator, open_space, published, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        joined = services.space_join(space=open_space, user=member)

    joined.refresh_from_db()
    assert joined.state == Membership.State.ACTIVE
    assert joined.role == Membership.Role.MEMBER
    assert published[0] == (f"space.{open_space.pk}", members_changed(open_space, 2))
    assert [group for group, _message in published[1:]] == [f"notifications.{animator.pk}"]
    [notification] = Notification.objects.all()
    assert (notification.recipient, notification.verb) == (animator, "membership.joined")


def test_nothing_is_published_before_the_join_commits(member, open_space, published):
    services.space_join(space=open_space, user=member)

    # The test transaction never commits, so the hook never runs.
    assert published == []


def test_asking_to_join_a_space_on_request_waits_and_notifies_its_managers(
    member, animator, request_space, published, django_capture_on_commit_callbacks
):
    moderator = add_member(request_space, role=Membership.Role.MODERATOR)
    plain = add_member(request_space)
    removed_moderator = add_member(
        request_space, role=Membership.Role.MODERATOR, state=Membership.State.REMOVED
    )

    with django_capture_on_commit_callbacks(execute=True):
        requested = services.space_join(
            space=request_space, user=member, message="  Bonjour, je suis référente.  "
        )

    requested.refresh_from_db()
    assert requested.state == Membership.State.REQUESTED
    assert requested.message == "Bonjour, je suis référente."
    assert verbs_for(animator) == ["membership.requested"]
    assert verbs_for(moderator) == ["membership.requested"]
    assert verbs_for(plain) == []
    assert verbs_for(removed_moderator) == []
    assert verbs_for(member) == []

    [message] = messages_to(published, f"notifications.{animator.pk}")
    assert message["type"] == "stream.event"
    assert message["stream"] == "notifications"
    assert message["event"] == "notification.created"
    assert message["data"]["unread"] == 1
    notification = message["data"]["notification"]
    assert notification["verb"] == "membership.requested"
    assert notification["text"] == "Claire Martin asked to join Référentes égalité."
    assert notification["url"] == f"/spaces/{request_space.slug}/members/"
    assert notification["unread"] is True
    assert messages_to(published, f"notifications.{moderator.pk}")
    # A request is not a member yet: the member count does not move.
    assert messages_to(published, f"space.{request_space.pk}") == []


def test_approving_a_request_makes_an_active_member_and_tells_them(
    member, animator, request_space, published, django_capture_on_commit_callbacks
):
    requested = services.space_join(space=request_space, user=member)

    with django_capture_on_commit_callbacks(execute=True):
        approved = services.membership_decide(membership=requested, by=animator, approve=True)

    approved.refresh_from_db()
    assert approved.state == Membership.State.ACTIVE
    assert approved.decided_by == animator
    notification = Notification.objects.get(recipient=member)
    assert notification.verb == "membership.approved"
    assert notification.actor == animator
    assert notification.target == request_space
    assert messages_to(published, f"space.{request_space.pk}") == [
        members_changed(request_space, 2)
    ]
    [message] = messages_to(published, f"notifications.{member.pk}")
    assert message["data"]["notification"]["text"] == (
        "Anne Animatrice accepted your request to join Référentes égalité."
    )
    assert message["data"]["notification"]["url"] == f"/spaces/{request_space.slug}/"


def test_declining_a_request_deletes_it_and_tells_the_requester(
    member, animator, request_space, published, django_capture_on_commit_callbacks
):
    requested = services.space_join(space=request_space, user=member)

    with django_capture_on_commit_callbacks(execute=True):
        result = services.membership_decide(membership=requested, by=animator, approve=False)

    assert result is None
    assert not Membership.objects.filter(space=request_space, user=member).exists()
    assert verbs_for(member) == ["membership.declined"]
    [message] = messages_to(published, f"notifications.{member.pk}")
    assert message["data"]["notification"]["text"] == (
        "Your request to join Référentes égalité was declined."
    )
    assert messages_to(published, f"space.{request_space.pk}") == []


def test_a_declined_member_may_ask_again(member, animator, request_space):
    requested = services.space_join(space=request_space, user=member)
    services.membership_decide(membership=requested, by=animator, approve=False)

    again = services.space_join(space=request_space, user=member)

    assert again.state == Membership.State.REQUESTED


def test_a_request_already_answered_cannot_be_answered_again(
    member, animator, request_space, db_state
):
    requested = services.space_join(space=request_space, user=member)
    services.membership_decide(membership=requested, by=animator, approve=True)
    before = db_state()

    with pytest.raises(ValidationError) as refused:
        services.membership_decide(membership=requested, by=animator, approve=False)

    assert refused.value.code == "not_pending"
    assert db_state() == before


def test_joining_a_space_one_is_invited_to_activates_the_membership(
    member, animator, private_space, published, django_capture_on_commit_callbacks
):
    services.space_invite(
        space=private_space, by=animator, email=member.email, role=Membership.Role.MODERATOR
    )

    with django_capture_on_commit_callbacks(execute=True):
        joined = services.space_join(space=private_space, user=member)

    joined.refresh_from_db()
    assert joined.state == Membership.State.ACTIVE
    assert joined.role == Membership.Role.MODERATOR
    assert (f"space.{private_space.pk}", members_changed(private_space, 2)) in published


# --- Joining: refusals that change nothing ---------------------------------------------------


def test_joining_twice_is_refused(member, open_space, db_state):
    services.space_join(space=open_space, user=member)
    before = db_state()

    with pytest.raises(ValidationError) as refused:
        services.space_join(space=open_space, user=member)

    assert refused.value.code == "already_member"
    assert db_state() == before


def test_asking_twice_is_refused_and_managers_are_not_told_twice(
    member, animator, request_space, db_state
):
    services.space_join(space=request_space, user=member, message="Première demande")
    before = db_state()

    with pytest.raises(ValidationError) as refused:
        services.space_join(space=request_space, user=member, message="Seconde demande")

    assert refused.value.code == "already_requested"
    assert db_state() == before
    assert verbs_for(animator) == ["membership.requested"]


def test_a_join_message_over_500_characters_is_refused(member, request_space, db_state):
    before = db_state()

    with pytest.raises(ValidationError) as refused:
        services.space_join(space=request_space, user=member, message="x" * 501)

    assert refused.value.error_dict["message"][0].code == "too_long"
    assert db_state() == before


def test_a_join_message_of_exactly_500_characters_is_accepted(member, request_space):
    requested = services.space_join(space=request_space, user=member, message="x" * 500)

    assert len(requested.message) == 500


def test_a_visitor_cannot_join_even_an_open_space(open_space, db_state):
    from django.contrib.auth.models import AnonymousUser

    before = db_state()

    with pytest.raises(PermissionDenied):
        services.space_join(space=open_space, user=AnonymousUser())

    assert db_state() == before


# --- Leaving ----------------------------------------------------------------------------------


def test_leaving_a_space_deletes_the_membership_and_closes_its_streams(
    member, open_space, published, django_capture_on_commit_callbacks
):
    services.space_join(space=open_space, user=member)

    with django_capture_on_commit_callbacks(execute=True):
        services.space_leave(space=open_space, user=member)

    assert not Membership.objects.filter(space=open_space, user=member).exists()
    # Access first: the leaving member's sockets hear nothing more of the space.
    assert published == [
        (f"user.{member.pk}", {"type": "access.changed"}),
        (f"space.{open_space.pk}", members_changed(open_space, 1)),
    ]


def test_leaving_withdraws_a_pending_request_without_changing_the_count(
    member, request_space, published, django_capture_on_commit_callbacks
):
    services.space_join(space=request_space, user=member)

    with django_capture_on_commit_callbacks(execute=True):
        services.space_leave(space=request_space, user=member)

    assert not Membership.objects.filter(space=request_space, user=member).exists()
    assert published == [(f"user.{member.pk}", {"type": "access.changed"})]


def test_leaving_a_space_one_is_not_in_is_refused(member, open_space, db_state):
    before = db_state()

    with pytest.raises(ValidationError) as refused:
        services.space_leave(space=open_space, user=member)

    assert refused.value.code == "not_member"
    assert db_state() == before


def test_a_removed_member_cannot_leave_to_erase_the_removal(member, animator, open_space, db_state):
    removed = MembershipFactory(space=open_space, user=member, state=Membership.State.REMOVED)
    before = db_state()

    with pytest.raises(ValidationError) as refused:
        services.space_leave(space=open_space, user=member)

    assert refused.value.code == "not_member"
    assert db_state() == before
    assert Membership.objects.get(pk=removed.pk).state == Membership.State.REMOVED


def test_the_last_animator_cannot_leave(animator, open_space, db_state):
    before = db_state()

    with pytest.raises(ValidationError) as refused:
        services.space_leave(space=open_space, user=animator)

    assert refused.value.code == "last_animator"
    assert db_state() == before


def test_an_animator_can_leave_once_another_animator_is_named(animator, open_space):
    add_member(open_space, role=Membership.Role.ANIMATOR)

    services.space_leave(space=open_space, user=animator)

    assert not Membership.objects.filter(space=open_space, user=animator).exists()


def test_an_inactive_animator_does_not_count_as_the_other_animator(animator, open_space, db_state):
    add_member(open_space, role=Membership.Role.ANIMATOR, state=Membership.State.INVITED)
    before = db_state()

    with pytest.raises(ValidationError) as refused:
        services.space_leave(space=open_space, user=animator)

    assert refused.value.code == "last_animator"
    assert db_state() == before


# --- Removing ---------------------------------------------------------------------------------


def test_removing_a_member_marks_them_removed_tells_them_and_closes_their_streams(
    member, animator, open_space, published, django_capture_on_commit_callbacks
):
    joined = services.space_join(space=open_space, user=member)

    with django_capture_on_commit_callbacks(execute=True):
        removed = services.membership_remove(membership=joined, by=animator)

    removed.refresh_from_db()
    assert removed.state == Membership.State.REMOVED
    assert removed.role == Membership.Role.MEMBER
    assert removed.decided_by == animator
    assert verbs_for(member) == ["membership.removed"]
    assert (f"user.{member.pk}", {"type": "access.changed"}) in published
    assert (f"space.{open_space.pk}", members_changed(open_space, 1)) in published
    [message] = messages_to(published, f"notifications.{member.pk}")
    assert message["event"] == "notification.created"
    assert message["data"]["notification"]["text"] == (
        "You are no longer a member of Recrutement inclusif."
    )


def test_a_moderator_can_remove_a_plain_member(member, open_space):
    moderator = add_member(open_space, role=Membership.Role.MODERATOR)
    joined = services.space_join(space=open_space, user=member)

    services.membership_remove(membership=joined, by=moderator)

    assert membership(open_space, member).state == Membership.State.REMOVED


def test_removing_someone_twice_is_refused(member, animator, open_space, db_state):
    joined = services.space_join(space=open_space, user=member)
    services.membership_remove(membership=joined, by=animator)
    before = db_state()

    with pytest.raises(ValidationError) as refused:
        services.membership_remove(membership=joined, by=animator)

    assert refused.value.code == "not_member"
    assert db_state() == before


def test_removing_oneself_is_refused(animator, open_space, db_state):
    add_member(open_space, role=Membership.Role.ANIMATOR)
    before = db_state()

    with pytest.raises(ValidationError) as refused:
        services.membership_remove(membership=membership(open_space, animator), by=animator)

    assert refused.value.code == "remove_self"
    assert db_state() == before


def test_a_cluster_animator_cannot_remove_the_last_animator_of_a_space(animator, cluster, db_state):
    space = SpaceFactory(cluster=cluster)
    last = add_member(space, role=Membership.Role.ANIMATOR)
    before = db_state()

    with pytest.raises(ValidationError) as refused:
        services.membership_remove(membership=membership(space, last), by=animator)

    assert refused.value.code == "last_animator"
    assert db_state() == before


def test_a_removed_member_asking_to_join_an_open_space_again_must_be_approved(
    member, animator, open_space
):
    joined = services.space_join(space=open_space, user=member)
    services.membership_remove(membership=joined, by=animator)

    again = services.space_join(space=open_space, user=member, message="Je reviens")

    again.refresh_from_db()
    assert again.pk == joined.pk
    assert again.state == Membership.State.REQUESTED
    assert again.message == "Je reviens"
    assert sorted(verbs_for(animator)) == ["membership.joined", "membership.requested"]


# --- Roles ------------------------------------------------------------------------------------


def test_an_animator_can_make_a_member_moderator_and_back(member, animator, open_space):
    joined = services.space_join(space=open_space, user=member)

    services.membership_set_role(membership=joined, by=animator, role=Membership.Role.MODERATOR)
    assert membership(open_space, member).role == Membership.Role.MODERATOR

    services.membership_set_role(membership=joined, by=animator, role=Membership.Role.MEMBER)
    assert membership(open_space, member).role == Membership.Role.MEMBER


def test_an_animator_can_name_another_animator_and_then_step_down(member, animator, open_space):
    joined = services.space_join(space=open_space, user=member)
    services.membership_set_role(membership=joined, by=animator, role=Membership.Role.ANIMATOR)

    mine = membership(open_space, animator)
    services.membership_set_role(membership=mine, by=animator, role=Membership.Role.MEMBER)

    assert membership(open_space, animator).role == Membership.Role.MEMBER
    assert membership(open_space, member).role == Membership.Role.ANIMATOR


def test_the_last_animator_cannot_be_demoted(animator, open_space, db_state):
    before = db_state()

    with pytest.raises(ValidationError) as refused:
        services.membership_set_role(
            membership=membership(open_space, animator),
            by=animator,
            role=Membership.Role.MODERATOR,
        )

    assert refused.value.code == "last_animator"
    assert db_state() == before


def test_an_unknown_role_is_refused(member, animator, open_space, db_state):
    joined = services.space_join(space=open_space, user=member)
    before = db_state()

    with pytest.raises(ValidationError) as refused:
        services.membership_set_role(membership=joined, by=animator, role="owner")

    assert refused.value.error_dict["role"][0].code == "bad_role"
    assert db_state() == before


def test_a_pending_request_cannot_be_given_a_role(member, animator, request_space, db_state):
    requested = services.space_join(space=request_space, user=member)
    before = db_state()

    with pytest.raises(ValidationError) as refused:
        services.membership_set_role(
            membership=requested, by=animator, role=Membership.Role.MODERATOR
        )

    assert refused.value.code == "not_active"
    assert db_state() == before


# --- Creating and editing ---------------------------------------------------------------------


def test_a_cluster_animator_creates_a_space_and_becomes_its_animator(animator, cluster):
    recruitment = Theme.objects.get(slug="recruitment")

    space = services.space_create(
        by=animator,
        name="Index de l'égalité",
        slug="index-egalite",
        cluster=cluster,
        themes=[recruitment],
        visibility=Space.Visibility.MEMBERS,
        join_policy=Space.JoinPolicy.REQUEST,
    )

    space.refresh_from_db()
    assert space.name == "Index de l'égalité"
    assert space.cluster == cluster
    assert list(space.themes.all()) == [recruitment]
    created = Membership.objects.get(space=space)
    assert created.user == animator
    assert created.role == Membership.Role.ANIMATOR
    assert created.state == Membership.State.ACTIVE


def test_staff_can_create_a_space_shared_by_several_clusters(staff):
    space = services.space_create(by=staff, name="Réseau européen", slug="reseau-europeen")

    assert space.cluster is None
    assert membership(space, staff).role == Membership.Role.ANIMATOR


def test_a_plain_member_cannot_create_a_space(member, open_space, db_state):
    services.space_join(space=open_space, user=member)
    before = db_state()

    with pytest.raises(PermissionDenied):
        services.space_create(by=member, name="Mon espace", slug="mon-espace")

    assert db_state() == before


def test_a_space_name_over_120_characters_is_refused(animator, db_state):
    before = db_state()

    with pytest.raises(ValidationError) as refused:
        services.space_create(by=animator, name="n" * 121, slug="trop-long")

    assert "name" in refused.value.error_dict
    assert db_state() == before


def test_a_space_description_over_5000_characters_is_refused(animator, db_state):
    before = db_state()

    with pytest.raises(ValidationError) as refused:
        services.space_create(by=animator, name="Bavard", slug="bavard", description="d" * 5001)

    assert "description" in refused.value.error_dict
    assert db_state() == before


def test_a_duplicate_space_slug_is_refused(animator, open_space, db_state):
    before = db_state()

    with pytest.raises(ValidationError) as refused:
        services.space_create(by=animator, name="Autre nom", slug=open_space.slug)

    assert "slug" in refused.value.error_dict
    assert db_state() == before


def test_a_private_space_open_to_all_is_refused(animator, db_state):
    before = db_state()

    with pytest.raises(ValidationError):
        services.space_create(
            by=animator,
            name="Contradiction",
            slug="contradiction",
            visibility=Space.Visibility.PRIVATE,
            join_policy=Space.JoinPolicy.OPEN,
        )

    assert db_state() == before


def test_a_space_name_with_html_is_stored_as_typed_and_nothing_else_is_made(animator, db_state):
    name = '<script>alert("x")</script><b>Égalité</b>'
    before = db_state()

    space = services.space_create(by=animator, name=name, slug="html")

    assert Space.objects.get(pk=space.pk).name == name
    after = db_state()
    assert len(after["spaces"]) == len(before["spaces"]) + 1
    assert len(after["memberships"]) == len(before["memberships"]) + 1
    assert after["invitations"] == before["invitations"]
    assert after["notifications"] == before["notifications"]


def test_unknown_fields_are_refused_by_space_create(animator, db_state):
    before = db_state()

    with pytest.raises(ValueError):
        services.space_create(by=animator, name="Espace", slug="espace", created_at=None)

    assert db_state() == before


def test_an_animator_edits_their_space_and_open_streams_recheck_access(
    animator, open_space, published, django_capture_on_commit_callbacks
):
    digital = Theme.objects.get(slug="digital")

    with django_capture_on_commit_callbacks(execute=True):
        services.space_update(
            by=animator,
            space=open_space,
            tagline="Recruter sans biais",
            themes=[digital],
            visibility=Space.Visibility.MEMBERS,
        )

    open_space.refresh_from_db()
    assert open_space.tagline == "Recruter sans biais"
    assert open_space.visibility == Space.Visibility.MEMBERS
    assert list(open_space.themes.all()) == [digital]
    # The space's streams, and its chat room's (forum/chat/signals.py), re-check who may follow.
    assert sorted(group for group, _message in published) == sorted(
        [f"space.{open_space.pk}", f"chat.room.{open_space.chat_room.pk}"]
    )
    assert all(message == {"type": "access.changed"} for _group, message in published)


def test_a_space_animator_who_is_not_a_cluster_animator_can_edit_the_space(cluster):
    space = SpaceFactory(cluster=cluster)
    space_animator = add_member(space, role=Membership.Role.ANIMATOR)

    services.space_update(by=space_animator, space=space, tagline="Nouveau")

    space.refresh_from_db()
    assert space.tagline == "Nouveau"


def test_an_edit_that_breaks_a_rule_changes_nothing(animator, open_space, db_state, published):
    before = db_state()

    with pytest.raises(ValidationError):
        services.space_update(
            by=animator, space=open_space, name="Nouveau", visibility=Space.Visibility.PRIVATE
        )

    assert db_state() == before
    assert published == []


# --- What the pages read back -----------------------------------------------------------------


def test_my_spaces_lists_only_the_spaces_one_is_active_in(
    member, animator, open_space, request_space, private_space
):
    from community import selectors

    services.space_join(space=open_space, user=member)
    services.space_join(space=request_space, user=member)
    services.space_invite(space=private_space, by=animator, email=member.email)

    assert list(selectors.my_spaces(member)) == [open_space]
    assert [m.space for m in selectors.invitations_for(member)] == [private_space]
    assert [m.user for m in selectors.pending_requests(space=request_space)] == [member]


def test_the_space_list_counts_active_members_and_marks_ones_own(member, animator, open_space):
    from community import selectors

    services.space_join(space=open_space, user=member)
    MembershipFactory(space=open_space, state=Membership.State.REQUESTED)
    MembershipFactory(space=open_space, state=Membership.State.REMOVED)
    other = SpaceFactory()

    listed = {space.pk: space for space in selectors.space_list(user=member)}

    assert listed[open_space.pk].member_count == 2
    assert listed[open_space.pk].is_member is True
    assert listed[other.pk].member_count == 0
    assert listed[other.pk].is_member is False


def test_a_join_request_also_notifies_the_animators_of_the_space_cluster(
    member, cluster, request_space
):
    cluster_animator = UserFactory()
    cluster.animators.add(cluster_animator)

    services.space_join(space=request_space, user=member)

    assert verbs_for(cluster_animator) == ["membership.requested"]


def test_joining_with_an_expired_invitation_is_refused_and_changes_nothing(
    member, animator, private_space, db_state
):
    services.space_invite(space=private_space, by=animator, email=member.email)
    Invitation.objects.update(expires_at=timezone.now() - timedelta(minutes=1))
    before = db_state()

    # The expired invitation no longer shows the private space at all.
    with pytest.raises(PermissionDenied):
        services.space_join(space=private_space, user=member)

    assert db_state() == before


def test_an_equality_referent_who_changes_organisation_is_no_longer_its_referent(member):
    old, new = OrganisationFactory(), OrganisationFactory()
    services.profile_update(by=member, profile=member.profile, organisation=old)
    old.equality_referent = member
    old.save()

    services.profile_update(by=member, profile=member.profile, organisation=new)

    old.refresh_from_db()
    assert old.equality_referent is None
