"""Invitations by e-mail: sent, accepted once by the address they were sent to, or refused."""

from datetime import timedelta

import pytest
from allauth.account.models import EmailAddress
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from notifications.models import Notification

from community import selectors, services
from community.models import Invitation, Membership, Space
from community.models.spaces import hash_token
from community.permissions import can_view_space
from tests.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


def verbs_for(user) -> list[str]:
    return list(Notification.objects.filter(recipient=user).values_list("verb", flat=True))


def fresh(user):
    """The user as the next request loads it, without the memberships cached on this object."""
    return type(user).objects.get(pk=user.pk)


# --- Sending ----------------------------------------------------------------------------------


def test_inviting_a_member_by_e_mail_marks_them_invited_notifies_and_mails_them(
    member, animator, private_space, mailoutbox, published, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        invitation = services.space_invite(space=private_space, by=animator, email=member.email)

    invited = Membership.objects.get(space=private_space, user=member)
    assert invited.state == Membership.State.INVITED
    assert invited.role == Membership.Role.MEMBER
    assert invited.decided_by == animator

    stored = Invitation.objects.get()
    assert stored.email == member.email
    assert stored.invited_by == animator
    assert stored.is_pending
    # Only the hash of the token is kept; the raw token travels in the e-mail alone.
    assert stored.token_hash == hash_token(invitation.token)
    assert invitation.token not in stored.token_hash

    notification = Notification.objects.get(recipient=member)
    assert notification.verb == "invitation.received"
    assert notification.actor == animator
    assert notification.target == private_space
    [(group, message)] = [(g, m) for g, m in published if g == f"notifications.{member.pk}"]
    assert message["event"] == "notification.created"
    assert message["data"]["unread"] == 1
    assert message["data"]["notification"]["text"] == (
        "Anne Animatrice invited you to join Comité de pilotage."
    )

    [mail] = mailoutbox
    assert mail.to == [member.email]
    assert mail.subject == "Invitation to join Comité de pilotage"
    assert f"/invitations/{invitation.token}/" in mail.body
    assert "Anne Animatrice" in mail.body


def test_no_e_mail_leaves_before_the_invitation_commits(
    member, animator, private_space, mailoutbox
):
    services.space_invite(space=private_space, by=animator, email=member.email)

    assert mailoutbox == []


def test_an_invited_member_can_see_the_private_space_before_accepting(
    member, animator, private_space
):
    assert not can_view_space(fresh(member), private_space)

    services.space_invite(space=private_space, by=animator, email=member.email)

    assert can_view_space(fresh(member), private_space)
    assert private_space in selectors.spaces_visible_to(fresh(member))


def test_the_e_mail_address_is_matched_whatever_its_case_and_spaces(
    member, animator, private_space
):
    invitation = services.space_invite(
        space=private_space, by=animator, email=f"  {member.email.upper()} "
    )

    assert invitation.email == member.email
    assert Membership.objects.get(space=private_space, user=member).is_active is False


def test_an_existing_member_accepts_the_link_and_the_inviter_hears_of_it(
    member, animator, private_space, published, django_capture_on_commit_callbacks
):
    invitation = services.space_invite(space=private_space, by=animator, email=member.email)

    with django_capture_on_commit_callbacks(execute=True):
        accepted = services.invitation_accept(token=invitation.token, user=member)

    accepted.refresh_from_db()
    assert accepted.state == Membership.State.ACTIVE
    assert accepted.decided_by == animator
    stored = Invitation.objects.get()
    assert stored.accepted_by == member
    assert stored.accepted_at is not None
    assert verbs_for(animator) == ["invitation.accepted"]
    assert (
        f"space.{private_space.pk}",
        {
            "type": "stream.event",
            "stream": f"space:{private_space.pk}",
            "event": "members.changed",
            "data": {"member_count": 2},
        },
    ) in published
    [(_group, message)] = [(g, m) for g, m in published if g == f"notifications.{animator.pk}"]
    assert message["data"]["notification"]["text"] == (
        "Claire Martin accepted your invitation to Comité de pilotage."
    )


def test_an_unknown_address_is_invited_then_signs_up_and_accepts(
    animator, private_space, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        invitation = services.space_invite(
            space=private_space,
            by=animator,
            email="nadia.haddad@example.org",
            role=Membership.Role.MODERATOR,
        )

    # Nobody has this address yet: no membership, no notification, only the e-mail.
    assert Membership.objects.filter(space=private_space).count() == 1
    assert Notification.objects.count() == 0
    [mail] = mailoutbox
    assert mail.to == ["nadia.haddad@example.org"]
    assert f"/invitations/{invitation.token}/" in mail.body

    newcomer = UserFactory(email="nadia.haddad@example.org", profile__display_name="Nadia Haddad")
    accepted = services.invitation_accept(token=invitation.token, user=newcomer)

    accepted.refresh_from_db()
    assert accepted.space == private_space
    assert accepted.state == Membership.State.ACTIVE
    assert accepted.role == Membership.Role.MODERATOR
    assert verbs_for(animator) == ["invitation.accepted"]
    assert Invitation.objects.get().accepted_by == newcomer


def test_an_address_confirmed_later_on_an_older_account_can_accept(member, animator, private_space):
    invitation = services.space_invite(
        space=private_space, by=animator, email="claire@work.example.org"
    )
    EmailAddress.objects.create(user=member, email="Claire@Work.example.org", verified=True)

    accepted = services.invitation_accept(token=invitation.token, user=member)

    assert accepted.state == Membership.State.ACTIVE


def test_joining_from_the_space_page_uses_up_the_invitation(
    member, animator, private_space, db_state
):
    invitation = services.space_invite(space=private_space, by=animator, email=member.email)

    services.space_join(space=private_space, user=fresh(member))

    assert Membership.objects.get(space=private_space, user=member).is_active
    stored = Invitation.objects.get()
    assert stored.accepted_by == member
    assert list(selectors.pending_invitations(space=private_space)) == []
    assert verbs_for(animator) == ["invitation.accepted"]
    before = db_state()
    with pytest.raises(ValidationError) as refused:
        services.invitation_accept(token=invitation.token, user=member)
    assert refused.value.code == "used_invitation"
    assert db_state() == before


def test_an_animator_invites_a_moderator_who_accepts_with_that_role(
    member, animator, private_space
):
    invitation = services.space_invite(
        space=private_space, by=animator, email=member.email, role=Membership.Role.MODERATOR
    )

    accepted = services.invitation_accept(token=invitation.token, user=member)

    assert accepted.role == Membership.Role.MODERATOR


def test_a_moderator_may_invite_plain_members(member, other_member, open_space):
    MembershipFactory(space=open_space, user=member, role=Membership.Role.MODERATOR)

    services.space_invite(space=open_space, by=member, email=other_member.email)

    assert Membership.objects.get(space=open_space, user=other_member).state == (
        Membership.State.INVITED
    )


def test_a_removed_member_can_be_invited_back(member, animator, open_space):
    MembershipFactory(space=open_space, user=member, state=Membership.State.REMOVED)

    invitation = services.space_invite(space=open_space, by=animator, email=member.email)
    services.invitation_accept(token=invitation.token, user=member)

    assert Membership.objects.get(space=open_space, user=member).is_active


def test_declining_an_invitation_deletes_the_membership_and_revokes_the_link(
    member, animator, private_space, db_state
):
    invitation = services.space_invite(space=private_space, by=animator, email=member.email)

    services.invitation_decline(space=private_space, user=member)

    assert not Membership.objects.filter(space=private_space, user=member).exists()
    assert Invitation.objects.get().revoked_at is not None
    before = db_state()
    with pytest.raises(ValidationError) as refused:
        services.invitation_accept(token=invitation.token, user=member)
    assert refused.value.code == "revoked_invitation"
    assert db_state() == before


def test_someone_removed_while_invited_cannot_come_back_through_the_old_link(
    member, animator, private_space, db_state
):
    invitation = services.space_invite(space=private_space, by=animator, email=member.email)
    services.membership_remove(
        membership=Membership.objects.get(space=private_space, user=member), by=animator
    )
    before = db_state()

    with pytest.raises(ValidationError) as refused:
        services.invitation_accept(token=invitation.token, user=member)

    assert refused.value.code == "revoked_invitation"
    assert db_state() == before
    assert Membership.objects.get(space=private_space, user=member).state == (
        Membership.State.REMOVED
    )


def test_removing_someone_leaves_other_peoples_invitations_pending(
    member, other_member, animator, private_space
):
    services.space_invite(space=private_space, by=animator, email=member.email)
    services.space_invite(space=private_space, by=animator, email=other_member.email)

    services.membership_remove(
        membership=Membership.objects.get(space=private_space, user=member), by=animator
    )

    assert [i.email for i in selectors.pending_invitations(space=private_space)] == [
        other_member.email
    ]


def test_declining_without_an_invitation_is_refused(member, open_space, db_state):
    before = db_state()

    with pytest.raises(ValidationError) as refused:
        services.invitation_decline(space=open_space, user=member)

    assert refused.value.code == "no_invitation"
    assert db_state() == before


# --- Links that no longer work ----------------------------------------------------------------


def test_an_expired_invitation_is_refused(member, animator, private_space, db_state):
    invitation = services.space_invite(space=private_space, by=animator, email=member.email)
    Invitation.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    before = db_state()

    with pytest.raises(ValidationError) as refused:
        services.invitation_accept(token=invitation.token, user=member)

    assert refused.value.code == "expired_invitation"
    assert db_state() == before


def test_an_invitation_cannot_be_used_twice(member, other_member, animator, private_space):
    invitation = services.space_invite(space=private_space, by=animator, email="shared@example.org")
    EmailAddress.objects.create(user=member, email="shared@example.org", verified=True)
    services.invitation_accept(token=invitation.token, user=member)

    # Even if the same address later belongs to another account, the link is spent.
    EmailAddress.objects.filter(email="shared@example.org").update(user=other_member)
    for user in (member, other_member):
        with pytest.raises(ValidationError) as refused:
            services.invitation_accept(token=invitation.token, user=user)
        assert refused.value.code == "used_invitation"

    assert not Membership.objects.filter(space=private_space, user=other_member).exists()
    assert verbs_for(animator) == ["invitation.accepted"]


def test_an_invitation_replaced_by_a_newer_one_is_refused(
    member, animator, private_space, mailoutbox, db_state, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        first = services.space_invite(space=private_space, by=animator, email=member.email)
        second = services.space_invite(space=private_space, by=animator, email=member.email)
    before = db_state()

    with pytest.raises(ValidationError) as refused:
        services.invitation_accept(token=first.token, user=member)

    assert refused.value.code == "revoked_invitation"
    assert db_state() == before
    assert len(mailoutbox) == 2
    assert services.invitation_accept(token=second.token, user=member).is_active


def test_an_invitation_sent_to_another_address_is_refused(
    member, other_member, animator, private_space, db_state
):
    invitation = services.space_invite(space=private_space, by=animator, email=member.email)
    before = db_state()

    with pytest.raises(ValidationError) as refused:
        services.invitation_accept(token=invitation.token, user=other_member)

    assert refused.value.code == "foreign_invitation"
    assert db_state() == before


def test_an_invitation_to_an_unconfirmed_address_is_refused(animator, private_space, db_state):
    unconfirmed = UserFactory(email="pas.confirmee@example.org", verified=False)
    invitation = services.space_invite(
        space=private_space, by=animator, email="pas.confirmee@example.org"
    )
    before = db_state()

    with pytest.raises(ValidationError) as refused:
        services.invitation_accept(token=invitation.token, user=unconfirmed)

    assert refused.value.code == "foreign_invitation"
    assert db_state() == before


@pytest.mark.parametrize("token", ["", "not-a-token", "x" * 500, None])
def test_a_garbage_token_is_refused(member, animator, private_space, db_state, token):
    services.space_invite(space=private_space, by=animator, email=member.email)
    before = db_state()

    with pytest.raises(ValidationError) as refused:
        services.invitation_accept(token=token, user=member)

    assert refused.value.code == "invalid_invitation"
    assert db_state() == before


def test_the_stored_hash_itself_is_not_a_valid_token(member, animator, private_space, db_state):
    services.space_invite(space=private_space, by=animator, email=member.email)
    before = db_state()

    with pytest.raises(ValidationError) as refused:
        services.invitation_accept(token=Invitation.objects.get().token_hash, user=member)

    assert refused.value.code == "invalid_invitation"
    assert db_state() == before


def test_a_visitor_cannot_accept_an_invitation(animator, private_space, db_state):
    from django.contrib.auth.models import AnonymousUser

    invitation = services.space_invite(space=private_space, by=animator, email="x@example.org")
    before = db_state()

    with pytest.raises(PermissionDenied):
        services.invitation_accept(token=invitation.token, user=AnonymousUser())

    assert db_state() == before


# --- Invitations refused at sending -----------------------------------------------------------


@pytest.mark.parametrize(
    "email",
    ["", "   ", "claire", "claire@", "@example.org", "claire martin@example.org", "a@b@c.org"],
)
def test_a_malformed_address_is_refused(
    animator, private_space, mailoutbox, db_state, django_capture_on_commit_callbacks, email
):
    before = db_state()

    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(ValidationError) as refused,
    ):
        services.space_invite(space=private_space, by=animator, email=email)

    assert refused.value.error_dict["email"][0].code == "invalid_email"
    assert db_state() == before
    assert mailoutbox == []


def test_inviting_an_active_member_is_refused(
    member, animator, open_space, mailoutbox, db_state, django_capture_on_commit_callbacks
):
    services.space_join(space=open_space, user=member)
    before = db_state()

    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(ValidationError) as refused,
    ):
        services.space_invite(space=open_space, by=animator, email=member.email.upper())

    assert refused.value.error_dict["email"][0].code == "already_member"
    assert db_state() == before
    assert mailoutbox == []


def test_an_unknown_role_is_refused_in_an_invitation(animator, private_space, db_state):
    before = db_state()

    with pytest.raises(ValidationError) as refused:
        services.space_invite(space=private_space, by=animator, email="x@example.org", role="owner")

    assert refused.value.error_dict["role"][0].code == "bad_role"
    assert db_state() == before


def test_an_invitation_lasts_the_configured_number_of_days(animator, private_space, settings):
    settings.INVITATION_VALID_DAYS = 3

    services.space_invite(space=private_space, by=animator, email="x@example.org")

    stored = Invitation.objects.get()
    assert timedelta(days=3) - timedelta(minutes=1) < stored.expires_at - stored.created_at
    assert stored.expires_at - stored.created_at <= timedelta(days=3)


def test_an_invitation_only_space_visible_to_members_lists_its_pending_invitations(
    animator, cluster
):
    space = Space.objects.create(
        name="Sur invitation",
        slug="sur-invitation",
        cluster=cluster,
        visibility=Space.Visibility.MEMBERS,
        join_policy=Space.JoinPolicy.INVITATION,
    )
    MembershipFactory(space=space, user=animator, role=Membership.Role.ANIMATOR)

    services.space_invite(space=space, by=animator, email="a@example.org")
    services.space_invite(space=space, by=animator, email="b@example.org")
    services.space_invite(space=space, by=animator, email="a@example.org")

    pending = selectors.pending_invitations(space=space)
    assert sorted(invitation.email for invitation in pending) == [
        "a@example.org",
        "b@example.org",
    ]
