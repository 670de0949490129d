"""Who may do what in the community app.

`check_*` raises PermissionDenied with a translated reason; `can_*` returns a bool for
templates. `access_*` (in selectors) fetches and authorises in one step and answers 404 for
what the user may not see, so ids leak nothing. Services call these checks themselves.
"""

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from community.models import Cluster, Membership, Organisation, Space


def _signed_in(user) -> bool:
    """A signed-in, active account: a deactivated one keeps its rows but loses every right."""
    return bool(user and user.is_authenticated and user.is_active)


def is_platform_staff(user) -> bool:
    return _signed_in(user) and user.is_staff


def _membership(user, space: Space) -> Membership | None:
    """The user's membership of `space`, looked up once per request and cached on the user."""
    if not _signed_in(user):
        return None
    cache = user.__dict__.setdefault("_membership_cache", {})
    if space.pk not in cache:
        cache[space.pk] = Membership.objects.filter(space=space, user=user).first()
    return cache[space.pk]


def membership_in(user, space: Space) -> Membership | None:
    """The user's membership row of `space` (any state), from the per-request cache."""
    return _membership(user, space)


def forget_memberships(user) -> None:
    """Drop the per-request membership cache after a service changed a membership."""
    if user is not None:
        # Every per-request cache of who is what where (the forum keeps one too).
        # The forum and the chat keep theirs on the user too (`_forum_roles`, `_chat_rooms`).
        for name in (
            "_membership_cache",
            "_verified_emails",
            "_cluster_animator",
            "_forum_roles",
            "_chat_rooms",
        ):
            user.__dict__.pop(name, None)


def verified_emails(user, *, strict: bool = False) -> set[str]:
    """The addresses a user has proved they own, in lower case.

    Unless `strict`, the account's own address counts too (accounts made by staff have no
    allauth record). Accepting an invitation is strict: the link's address must be verified.
    """
    from allauth.account.models import EmailAddress

    if not (user and user.is_authenticated):
        return set()
    # Looked up once per request: the visibility rules ask for it for every space.
    verified = user.__dict__.get("_verified_emails")
    if verified is None:
        addresses = EmailAddress.objects.filter(user=user, verified=True).values_list(
            "email", flat=True
        )
        verified = user.__dict__["_verified_emails"] = {address.lower() for address in addresses}
    return set(verified) if strict else verified | {user.email.lower()}


def pending_invitations_for(user):
    """Invitations addressed to the user that can still be accepted."""
    from django.utils import timezone

    from community.models import Invitation

    return Invitation.objects.filter(
        email__in=verified_emails(user),
        accepted_at__isnull=True,
        revoked_at__isnull=True,
        expires_at__gt=timezone.now(),
    )


def is_cluster_animator(user, cluster: Cluster | None) -> bool:
    if cluster is None or not _signed_in(user):
        return False
    # Asked for each space a page shows: looked up once per request and cluster.
    cache = user.__dict__.setdefault("_cluster_animator", {})
    if cluster.pk not in cache:
        cache[cluster.pk] = cluster.animators.filter(pk=user.pk).exists()
    return cache[cluster.pk]


# --- Spaces -----------------------------------------------------------------------------------


def can_view_space(user, space: Space) -> bool:
    """Whether the space exists for this user at all (its page, its name in lists)."""
    if space.visibility == Space.Visibility.PUBLIC:
        return True
    if not (user and user.is_authenticated and user.is_active):
        return False
    if space.visibility == Space.Visibility.MEMBERS or is_platform_staff(user):
        return True
    membership = _membership(user, space)
    if membership and membership.is_active:
        return True
    # An invitee sees the space only while the invitation can still be accepted.
    if (
        membership
        and membership.state == Membership.State.INVITED
        and pending_invitations_for(user).filter(space=space).exists()
    ):
        return True
    return is_cluster_animator(user, space.cluster)


def is_active_member(user, space: Space) -> bool:
    membership = _membership(user, space)
    return bool(membership and membership.is_active)


def can_manage_members(user, space: Space) -> bool:
    """Approve and decline requests, invite, remove: the space's moderators and animators."""
    if is_platform_staff(user):
        return True
    membership = _membership(user, space)
    if membership and membership.can_manage_members:
        return True
    return is_cluster_animator(user, space.cluster)


def can_edit_space(user, space: Space) -> bool:
    """Edit the space and change roles: its animators, its cluster's animators, staff."""
    if is_platform_staff(user):
        return True
    membership = _membership(user, space)
    if membership and membership.is_active and membership.role == Membership.Role.ANIMATOR:
        return True
    return is_cluster_animator(user, space.cluster)


def can_create_space(user) -> bool:
    if is_platform_staff(user):
        return True
    return _signed_in(user) and user.animated_clusters.exists()


def can_place_space_in(user, cluster: Cluster | None) -> bool:
    """Attach a space to a cluster: that cluster's animators and staff (anyone for no cluster)."""
    return cluster is None or is_platform_staff(user) or is_cluster_animator(user, cluster)


def check_view_space(user, space: Space) -> None:
    if not can_view_space(user, space):
        raise PermissionDenied(_("You cannot see this space."))


def check_manage_members(user, space: Space) -> None:
    if not can_manage_members(user, space):
        raise PermissionDenied(_("Only the space's moderators and animators can do this."))


def check_edit_space(user, space: Space) -> None:
    if not can_edit_space(user, space):
        raise PermissionDenied(_("Only the space's animators can edit it."))


def check_create_space(user) -> None:
    if not can_create_space(user):
        raise PermissionDenied(_("Only cluster animators can create spaces."))


def check_place_space_in(user, cluster: Cluster | None) -> None:
    if not can_place_space_in(user, cluster):
        raise PermissionDenied(_("Only the cluster's animators can put a space in this cluster."))


def check_decide_request(user, membership: Membership) -> None:
    if membership.user_id == getattr(user, "pk", None):
        raise PermissionDenied(_("You cannot decide on your own request."))
    check_manage_members(user, membership.space)


def can_see_member_list(user, space: Space) -> bool:
    """Signed-in members who can see a public or members-only space see its members; a private
    space shows them only to its own members and managers, not to someone merely invited."""
    if not (user and user.is_authenticated and can_view_space(user, space)):
        return False
    if space.visibility != Space.Visibility.PRIVATE:
        return True
    return is_active_member(user, space) or can_manage_members(user, space)


# --- Organisations and clusters ---------------------------------------------------------------


def can_edit_organisation(user, organisation: Organisation) -> bool:
    if is_platform_staff(user):
        return True
    if not _signed_in(user):
        return False
    if organisation.equality_referent_id == user.pk:
        return True
    # Until a referent is named, whoever added the organisation looks after its page. Saying
    # one works there (a profile field anyone sets) grants nothing.
    if organisation.equality_referent_id is None and organisation.created_by_id == user.pk:
        return True
    return organisation.clusters.filter(animators=user).exists()


def check_edit_organisation(user, organisation: Organisation) -> None:
    if not can_edit_organisation(user, organisation):
        raise PermissionDenied(
            _(
                "Only the organisation's equality referent (or, until one is named, the "
                "person who added it) and its cluster's animators can edit it."
            )
        )


def can_edit_cluster(user, cluster: Cluster) -> bool:
    return is_platform_staff(user) or is_cluster_animator(user, cluster)


def check_edit_cluster(user, cluster: Cluster) -> None:
    if not can_edit_cluster(user, cluster):
        raise PermissionDenied(_("Only the cluster's animators can edit it."))


def check_signed_in(user) -> None:
    if not _signed_in(user):
        raise PermissionDenied(_("Please sign in first."))
