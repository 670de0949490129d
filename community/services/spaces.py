"""Spaces and memberships: create, edit, join, leave, request, decide, invite, remove.

Invariants held here, backed by constraints and row locks:
- one membership row per (space, user);
- a space always keeps at least one active animator (role changes, leaving and removals lock
  the space row, so two concurrent demotions cannot both pass);
- an invitation link works once, before it expires, for the address it was sent to.
"""

import secrets
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from community import realtime
from community.models import Invitation, Membership, Space, User
from community.models.spaces import hash_token
from community.notifications import notification_send
from community.permissions import (
    can_edit_space,
    check_create_space,
    check_decide_request,
    check_edit_space,
    check_manage_members,
    check_place_space_in,
    check_signed_in,
    check_view_space,
    forget_memberships,
    verified_emails,
)
from community.tasks import send_email

from ._common import apply_fields, refuse, set_many, validate

SPACE_FIELDS = (
    "name",
    "slug",
    "tagline",
    "description",
    "cover",
    "cluster",
    "themes",
    "visibility",
    "join_policy",
)
SPACE_STREAM = "space"


def space_group(space_id: int) -> str:
    return f"space.{space_id}"


def _publish_members_changed(space: Space) -> None:
    count = Membership.objects.filter(space=space, state=Membership.State.ACTIVE).count()
    realtime.publish_event(
        group=space_group(space.pk),
        stream=f"{SPACE_STREAM}:{space.pk}",
        event="members.changed",
        data={"member_count": count},
    )


def _managers(space: Space, roles=(Membership.Role.MODERATOR, Membership.Role.ANIMATOR)):
    """Who answers for the space: its moderators and animators, and its cluster's animators."""
    in_space = Q(
        memberships__space=space,
        memberships__state=Membership.State.ACTIVE,
        memberships__role__in=roles,
    )
    in_cluster = Q(animated_clusters=space.cluster_id) if space.cluster_id else Q(pk__in=[])
    return list(
        User.objects.filter(in_space | in_cluster, is_active=True)
        .select_related("profile")
        .distinct()
    )


def _lock_space(space: Space) -> Space:
    """Serialise the writes that guard a space-wide rule (animators, invitations).

    FOR NO KEY UPDATE, not FOR UPDATE: inserting a membership takes a KEY SHARE lock on its
    space, which FOR UPDATE would block, deadlocking a join against an invitation.
    """
    return Space.objects.select_for_update(no_key=True).get(pk=space.pk)


def _lock_membership(pk: int) -> Membership:
    """Lock a membership row, or refuse if a concurrent decision or departure deleted it."""
    membership = (
        Membership.objects.select_for_update(of=("self",))
        .select_related("space", "user")
        .filter(pk=pk)
        .first()
    )
    if membership is None:
        refuse(
            _("This membership no longer exists: someone answered or left in the meantime."),
            "gone",
        )
    return membership


def _keep_an_animator(space: Space, leaving: Membership) -> None:
    """Refuse a change that would leave the space with no active animator."""
    if leaving.role != Membership.Role.ANIMATOR or leaving.state != Membership.State.ACTIVE:
        return
    others = (
        Membership.objects.filter(
            space=space, role=Membership.Role.ANIMATOR, state=Membership.State.ACTIVE
        )
        .exclude(pk=leaving.pk)
        .exists()
    )
    if not others:
        refuse(_("A space needs at least one animator: name another one first."), "last_animator")


# --- Creating and editing ---------------------------------------------------------------------


def space_create(*, by, **fields) -> Space:
    """A cluster animator (or staff) opens a space and becomes its first animator."""
    check_create_space(by)
    with transaction.atomic():
        space = Space()
        many = apply_fields(space, fields, SPACE_FIELDS)
        check_place_space_in(by, space.cluster)
        validate(space)
        space.save()
        set_many(space, fields, many)
        Membership.objects.create(
            space=space, user=by, role=Membership.Role.ANIMATOR, state=Membership.State.ACTIVE
        )
    forget_memberships(by)
    return space


def space_update(*, by, space: Space, **fields) -> Space:
    check_edit_space(by, space)
    with transaction.atomic():
        space = _lock_space(space)
        cluster_id = space.cluster_id
        many = apply_fields(space, fields, SPACE_FIELDS)
        if space.cluster_id != cluster_id:
            # Editing a space is not a licence to file it under a cluster one does not animate.
            check_place_space_in(by, space.cluster)
        validate(space)
        space.save()
        set_many(space, fields, many)
        # A space made more private must drop the subscribers who can no longer see it.
        realtime.publish_after_commit(space_group(space.pk), {"type": "access.changed"})
    return space


# --- Joining and leaving ----------------------------------------------------------------------


def _check_not_minor(user) -> None:
    """Safeguarding (docs/safeguarding.md): a minor is in no space, so in no space room either;
    they talk with their mentor only in the supervised mentorship conversation. The mentorship
    app knows who is a minor (imported here, not at module level: community comes first)."""
    from mentorship.permissions import is_minor

    if is_minor(user):
        raise PermissionDenied(
            _(
                "Young people under 18 take part through their mentoring programme only: they "
                "cannot join spaces."
            )
        )


def space_join(*, space: Space, user, message: str = "") -> Membership:
    """Join an open space, ask to join one on request, or take up a pending invitation."""
    check_signed_in(user)
    _check_not_minor(user)
    check_view_space(user, space)
    if len(message) > 500:
        refuse(_("The message is too long (500 characters at most)."), "too_long", "message")
    try:
        with transaction.atomic():
            membership = (
                Membership.objects.select_for_update().filter(space=space, user=user).first()
            )
            if membership and membership.state == Membership.State.INVITED:
                if not _use_up_invitations(space=space, user=user):
                    refuse(
                        _("This invitation has expired. Ask for a new one."), "expired_invitation"
                    )
                membership = _activate(membership, decided_by=membership.decided_by)
            elif membership and membership.state == Membership.State.ACTIVE:
                refuse(_("You are already a member of this space."), "already_member")
            elif membership and membership.state == Membership.State.REQUESTED:
                refuse(_("Your request is already waiting for an answer."), "already_requested")
            elif space.join_policy == Space.JoinPolicy.INVITATION:
                raise PermissionDenied(_("This space can only be joined by invitation."))
            elif space.join_policy == Space.JoinPolicy.OPEN and membership is None:
                membership = Membership.objects.create(
                    space=space, user=user, state=Membership.State.ACTIVE
                )
                _publish_members_changed(space)
                notification_send(
                    recipients=_managers(space, roles=[Membership.Role.ANIMATOR]),
                    actor=user,
                    verb="membership.joined",
                    target=space,
                    url=reverse("community:space_members", kwargs={"slug": space.slug}),
                )
            else:
                # On request, or a member removed by a moderator asking to come back.
                membership = membership or Membership(space=space, user=user)
                membership.state = Membership.State.REQUESTED
                membership.role = Membership.Role.MEMBER
                membership.message = message.strip()
                membership.save()
                notification_send(
                    recipients=_managers(space),
                    actor=user,
                    verb="membership.requested",
                    target=space,
                    url=reverse("community:space_members", kwargs={"slug": space.slug}),
                )
    except IntegrityError:
        # A concurrent join by the same user created the row first.
        refuse(_("You are already a member of this space."), "already_member")
    forget_memberships(user)
    return membership


def _activate(membership: Membership, *, decided_by, role: str | None = None) -> Membership:
    membership.state = Membership.State.ACTIVE
    if role:
        membership.role = role
    membership.decided_by = decided_by
    membership.save()
    _publish_members_changed(membership.space)
    return membership


def space_leave(*, space: Space, user) -> None:
    check_signed_in(user)
    with transaction.atomic():
        space = _lock_space(space)
        membership = Membership.objects.select_for_update().filter(space=space, user=user).first()
        if membership is None or membership.state == Membership.State.REMOVED:
            refuse(_("You are not a member of this space."), "not_member")
        _keep_an_animator(space, membership)
        was_active = membership.is_active
        membership.delete()
        _revoke_invitations(space=space, user=user)
        realtime.publish_access_changed(user_id=user.pk)
        if was_active:
            _publish_members_changed(space)
    forget_memberships(user)


def membership_decide(*, membership: Membership, by, approve: bool) -> Membership | None:
    """A moderator or animator accepts or declines a request (never their own)."""
    check_decide_request(by, membership)
    with transaction.atomic():
        membership = _lock_membership(membership.pk)
        if membership.state != Membership.State.REQUESTED:
            refuse(_("This request has already been answered."), "not_pending")
        space = membership.space
        url = space.get_absolute_url()
        if approve:
            _activate(membership, decided_by=by)
            notification_send(
                recipients=[membership.user],
                actor=by,
                verb="membership.approved",
                target=space,
                url=url,
            )
            result = membership
        else:
            membership.delete()
            notification_send(
                recipients=[membership.user],
                actor=by,
                verb="membership.declined",
                target=space,
                url=reverse("community:space_list"),
            )
            result = None
    forget_memberships(membership.user)
    return result


def membership_remove(*, membership: Membership, by) -> Membership:
    """Remove a member; their sockets drop the space's streams at once."""
    space = membership.space
    check_manage_members(by, space)
    if membership.user_id == by.pk:
        refuse(_("To leave the space yourself, use “Leave the space”."), "remove_self")
    if membership.role != Membership.Role.MEMBER and not can_edit_space(by, space):
        raise PermissionDenied(_("Only the space's animators can remove a moderator or animator."))
    with transaction.atomic():
        space = _lock_space(space)
        membership = _lock_membership(membership.pk)
        if membership.state == Membership.State.REMOVED:
            refuse(_("This person is no longer a member."), "not_member")
        _keep_an_animator(space, membership)
        was_active = membership.is_active
        membership.state = Membership.State.REMOVED
        membership.role = Membership.Role.MEMBER
        membership.decided_by = by
        membership.save()
        # A link still pending (someone removed while invited) must not bring them back.
        _revoke_invitations(space=space, user=membership.user)
        # Access goes first, so the removed member's sockets hear nothing more of the space.
        realtime.publish_access_changed(user_id=membership.user_id)
        if was_active:
            # Withdrawing an invitation or a request is not news to the space.
            notification_send(
                recipients=[membership.user], actor=by, verb="membership.removed", target=space
            )
            _publish_members_changed(space)
    forget_memberships(membership.user)
    return membership


def membership_set_role(*, membership: Membership, by, role: str) -> Membership:
    space = membership.space
    check_edit_space(by, space)
    if role not in Membership.Role.values:
        refuse(_("Unknown role."), "bad_role", "role")
    with transaction.atomic():
        space = _lock_space(space)
        membership = _lock_membership(membership.pk)
        if not membership.is_active:
            refuse(_("Only active members can be given a role."), "not_active")
        if role != Membership.Role.ANIMATOR:
            _keep_an_animator(space, membership)
        membership.role = role
        membership.save(update_fields=["role", "updated_at"])
    forget_memberships(membership.user)
    # An animator may step down themself; their own cached rights must not outlive the change.
    forget_memberships(by)
    return membership


# --- Invitations ------------------------------------------------------------------------------


def space_invite(*, space: Space, by, email: str, role: str = Membership.Role.MEMBER) -> Invitation:
    """Invite an e-mail address. The link works for someone without an account yet.

    The returned invitation carries the raw token in `.token`; only its hash is stored.
    """
    check_manage_members(by, space)
    if role != Membership.Role.MEMBER and not can_edit_space(by, space):
        raise PermissionDenied(_("Only the space's animators can invite moderators or animators."))
    if role not in Membership.Role.values:
        refuse(_("Unknown role."), "bad_role", "role")
    email = (email or "").strip().lower()
    try:
        validate_email(email)
    except ValidationError:
        refuse(_("Enter a valid e-mail address."), "invalid_email", "email")
    invitee = User.objects.filter(email__iexact=email).first()
    try:
        return _invite(space=space, by=by, email=email, role=role, invitee=invitee)
    except IntegrityError:
        # The person joined, or was invited by someone else, at the same moment.
        refuse(
            _("This person's membership changed at the same moment. Please try again."),
            "concurrent_change",
            "email",
        )


def _invite(*, space: Space, by, email: str, role: str, invitee) -> Invitation:
    with transaction.atomic():
        # Invitations to one space are made one at a time, so two cannot cross.
        _lock_space(space)
        if invitee:
            membership = (
                Membership.objects.select_for_update().filter(space=space, user=invitee).first()
            )
            if membership and membership.is_active:
                refuse(
                    _("This person is already a member of the space."), "already_member", "email"
                )
        now = timezone.now()
        # A new invitation replaces any earlier one to the same address.
        Invitation.objects.filter(
            space=space, email=email, accepted_at__isnull=True, revoked_at__isnull=True
        ).update(revoked_at=now)
        token = secrets.token_urlsafe(32)
        invitation = Invitation.objects.create(
            space=space,
            email=email,
            role=role,
            token_hash=hash_token(token),
            invited_by=by,
            expires_at=now + timedelta(days=settings.INVITATION_VALID_DAYS),
        )
        invitation.token = token
        link = settings.SITE_URL.rstrip("/") + reverse(
            "community:invitation_open", kwargs={"token": token}
        )
        if invitee:
            membership = membership or Membership(space=space, user=invitee)
            membership.state = Membership.State.INVITED
            membership.role = role
            membership.decided_by = by
            membership.save()
            notification_send(
                recipients=[invitee],
                actor=by,
                verb="invitation.received",
                target=space,
                url=space.get_absolute_url(),
            )
        context = {"space": space, "inviter": by, "link": link, "invitation": invitation}
        # Written in the inviter's language: the invitee may have no account to say theirs.
        subject = _("Invitation to join %(space)s") % {"space": space.name}
        body = render_to_string("community/emails/invitation.txt", context)
        transaction.on_commit(
            lambda: send_email.enqueue(subject=subject, body=body, recipients=[email])
        )
    if invitee:
        forget_memberships(invitee)
    return invitation


def invitation_accept(*, token: str, user) -> Membership:
    """Accept an invitation link: once, before it expires, by the address it was sent to."""
    check_signed_in(user)
    _check_not_minor(user)
    with transaction.atomic():
        invitation = (
            # Lock only the invitation: PostgreSQL refuses FOR UPDATE on the nullable inviter.
            Invitation.objects.select_for_update(of=("self",))
            .select_related("space", "invited_by")
            .filter(token_hash=hash_token(token or ""))
            .first()
        )
        if invitation is None:
            refuse(_("This invitation link is not valid."), "invalid_invitation")
        if invitation.accepted_at is not None:
            refuse(_("This invitation has already been used."), "used_invitation")
        if invitation.revoked_at is not None:
            refuse(
                _("This invitation was replaced or withdrawn. Ask for a new one."),
                "revoked_invitation",
            )
        if invitation.expires_at <= timezone.now():
            refuse(_("This invitation has expired. Ask for a new one."), "expired_invitation")
        if invitation.email not in verified_emails(user, strict=True):
            refuse(
                _(
                    "This invitation was sent to another e-mail address. Sign in with that "
                    "address, or add and confirm it in your account."
                ),
                "foreign_invitation",
            )
        space = invitation.space
        membership, _created = Membership.objects.select_for_update().get_or_create(
            space=space,
            user=user,
            defaults={"state": Membership.State.INVITED, "role": invitation.role},
        )
        if not membership.is_active:
            _activate(membership, decided_by=invitation.invited_by, role=invitation.role)
        invitation.accepted_at = timezone.now()
        invitation.accepted_by = user
        invitation.save(update_fields=["accepted_at", "accepted_by"])
        if invitation.invited_by:
            notification_send(
                recipients=[invitation.invited_by],
                actor=user,
                verb="invitation.accepted",
                target=space,
                url=space.get_absolute_url(),
            )
    forget_memberships(user)
    return membership


def _use_up_invitations(*, space: Space, user) -> int:
    """An invitee who joins from the space page uses up their pending link, as if it was opened.

    Otherwise the invitation stays "pending" in the managers' list, its link keeps working and
    whoever sent it never hears that it was taken up.
    """
    now = timezone.now()
    invitations = list(
        Invitation.objects.select_for_update(of=("self",))
        .select_related("invited_by")
        .filter(
            space=space,
            email__in=verified_emails(user),
            accepted_at__isnull=True,
            revoked_at__isnull=True,
            expires_at__gt=now,
        )
    )
    for invitation in invitations:
        invitation.accepted_at = now
        invitation.accepted_by = user
        invitation.save(update_fields=["accepted_at", "accepted_by"])
    notification_send(
        recipients=[invitation.invited_by for invitation in invitations],
        actor=user,
        verb="invitation.accepted",
        target=space,
        url=space.get_absolute_url(),
    )
    return len(invitations)


def invitation_decline(*, space: Space, user) -> None:
    check_signed_in(user)
    with transaction.atomic():
        membership = (
            Membership.objects.select_for_update()
            .filter(space=space, user=user, state=Membership.State.INVITED)
            .first()
        )
        if membership is None:
            refuse(_("There is no invitation to decline."), "no_invitation")
        membership.delete()
        _revoke_invitations(space=space, user=user)
        realtime.publish_access_changed(user_id=user.pk)
    forget_memberships(user)


def _revoke_invitations(*, space: Space, user) -> None:
    """Withdraw the links still pending for `user` to `space`."""
    Invitation.objects.filter(
        space=space,
        email__in=verified_emails(user),
        accepted_at__isnull=True,
        revoked_at__isnull=True,
    ).update(revoked_at=timezone.now())
