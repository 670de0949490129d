"""Who may do what in the forum.

Reading follows the space (`community.permissions.can_view_space`); writing needs an active
membership. Moderators are the space's moderators and animators, its cluster's animators and
platform staff (`can_manage_members`). The identity behind a pseudonym is narrower: the asker,
and the space's own moderators and animators and its cluster's animators, not staff as such.
"""

from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef, Q, Subquery
from django.utils.translation import gettext as _

from community.models import Membership, Space
from community.permissions import can_view_space, is_platform_staff

from .models import Post, Topic

VALIDATE_PERMISSION = "forum.validate_post"
ROLES_CACHE = "_forum_roles"


def _signed_in(user) -> bool:
    return bool(user and user.is_authenticated and user.is_active)


@dataclass
class Roles:
    """What a user is in each space, read once per request (two queries) and cached on the
    user, so that a page of 200 posts asks no more than a page of one.

    `community.permissions.forget_memberships` drops it when a service changes a membership.
    """

    signed_in: bool = False
    staff: bool = False
    member: set[int] = field(default_factory=set)  # spaces with an active membership
    moderated: set[int] = field(default_factory=set)  # moderator or animator there, or cluster
    animated: set[int] = field(default_factory=set)  # animator there, or its cluster's
    vetted: bool | None = None  # holds forum.validate_post; read on first use (is_vetted)

    def moderates(self, space_id: int) -> bool:
        return self.staff or space_id in self.moderated

    def animates(self, space_id: int) -> bool:
        """Announce, accept answers for the asker, validate: animators, not staff as such."""
        return space_id in self.animated

    def may_post(self, space_id: int) -> bool:
        return self.signed_in and (space_id in self.member or self.moderates(space_id))

    def may_reveal(self, space_id: int) -> bool:
        """Lift pseudonyms: the space's own moderators and animators, its cluster's animators;
        not platform staff as such."""
        return space_id in self.moderated


def roles_of(user) -> Roles:
    if not _signed_in(user):
        return Roles()
    cached = user.__dict__.get(ROLES_CACHE)
    if cached is not None:
        return cached
    # One query: the spaces where the user is an active member (with the role) or animates
    # the cluster.
    active = Membership.objects.filter(
        space=OuterRef("pk"), user=user, state=Membership.State.ACTIVE
    )
    rows = (
        Space.objects.filter(Q(Exists(active)) | Q(cluster__animators=user))
        .annotate(
            role=Subquery(active.values("role")[:1]),
            via_cluster=Exists(Space.objects.filter(pk=OuterRef("pk"), cluster__animators=user)),
        )
        .values_list("pk", "role", "via_cluster")
        .distinct()
    )
    roles = Roles(signed_in=True, staff=is_platform_staff(user))
    for space_id, role, via_cluster in rows:
        if role:
            roles.member.add(space_id)
        if role in (Membership.Role.MODERATOR, Membership.Role.ANIMATOR) or via_cluster:
            roles.moderated.add(space_id)
        if role == Membership.Role.ANIMATOR or via_cluster:
            roles.animated.add(space_id)
    user.__dict__[ROLES_CACHE] = roles
    return roles


def is_vetted(user) -> bool:
    """Holds `forum.validate_post` (the "Vetted mentors" group): one query, once per request."""
    if not _signed_in(user):
        return False
    roles = roles_of(user)
    if roles.vetted is None:
        from django.contrib.auth.models import Permission

        app_label, codename = VALIDATE_PERMISSION.split(".")
        roles.vetted = user.is_superuser or (
            Permission.objects.filter(content_type__app_label=app_label, codename=codename)
            .filter(Q(group__user=user) | Q(user=user))
            .exists()
        )
    return roles.vetted


def can_moderate(user, space: Space) -> bool:
    """The space's moderators and animators, its cluster's animators and platform staff: the
    same people who manage its members (`community.permissions.can_manage_members`)."""
    return roles_of(user).moderates(space.pk)


def can_post_in(user, space: Space) -> bool:
    """Start topics and reply: the space's active members and those who answer for it."""
    return roles_of(user).may_post(space.pk)


def can_announce(user, space: Space) -> bool:
    return roles_of(user).animates(space.pk)


def can_see_author(user, topic: Topic) -> bool:
    """Who may know the person behind a topic (anyone, unless it was asked under a pseudonym)."""
    if not topic.is_confidential:
        return True
    if not _signed_in(user):
        return False
    return topic.author_id == user.pk or roles_of(user).may_reveal(topic.space_id)


def can_view_topic(user, topic: Topic) -> bool:
    roles = roles_of(user)
    in_space = topic.space_id in roles.member or roles.moderates(topic.space_id)
    if not (in_space or can_view_space(user, topic.space)):
        return False
    if topic.deleted_at is not None:
        return can_moderate(user, topic.space)
    if topic.is_hidden:
        return can_moderate(user, topic.space) or (_signed_in(user) and topic.author_id == user.pk)
    return True


def can_read_post(user, post: Post) -> bool:
    """Whether the body of a post shows (deleted and hidden posts leave a placeholder)."""
    if post.deleted_at is not None:
        return False
    if post.hidden_at is not None:
        return can_moderate(user, post.topic.space) or (
            _signed_in(user) and post.author_id == user.pk
        )
    return True


def can_reply(user, topic: Topic) -> bool:
    return topic.accepts_replies and can_post_in(user, topic.space)


def can_edit_post(user, post: Post) -> bool:
    if not _signed_in(user) or post.deleted_at is not None:
        return False
    if can_moderate(user, post.topic.space):
        return True
    return (
        post.author_id == user.pk
        and post.hidden_at is None
        and not post.topic.is_locked
        and can_post_in(user, post.topic.space)
    )


def can_delete_post(user, post: Post) -> bool:
    if not _signed_in(user) or post.deleted_at is not None:
        return False
    return post.author_id == user.pk or can_moderate(user, post.topic.space)


def can_change_status(user, topic: Topic) -> bool:
    """Close or reopen: the asker (while the topic is not locked) and moderators."""
    if not _signed_in(user):
        return False
    if can_moderate(user, topic.space):
        return True
    return topic.author_id == user.pk and not topic.is_locked


def can_accept_answer(user, topic: Topic) -> bool:
    """The asker or an animator marks the accepted answer of a question."""
    if not _signed_in(user) or topic.kind != Topic.Kind.QUESTION or not topic.is_visible:
        return False
    return topic.author_id == user.pk or roles_of(user).animates(topic.space_id)


def can_validate(user, space: Space) -> bool:
    """Mark a reply expert-validated: animators, and mentors vetted by a coordinator, who hold
    the `forum.validate_post` permission (through the "Vetted mentors" group)."""
    if not _signed_in(user):
        return False
    if roles_of(user).animates(space.pk):
        return True
    return is_vetted(user) and can_view_space(user, space)


def can_vote(user, post: Post) -> bool:
    return (
        _signed_in(user)
        and post.author_id != user.pk
        and post.number > 1
        and post.deleted_at is None
        and post.hidden_at is None
        and can_post_in(user, post.topic.space)
    )


def can_report(user, post: Post) -> bool:
    return (
        _signed_in(user)
        and post.author_id != user.pk
        and post.deleted_at is None
        and post.hidden_at is None
        and can_view_space(user, post.topic.space)
    )


def can_follow(user, space: Space) -> bool:
    return _signed_in(user) and can_view_space(user, space)


# --- check_* raise with the reason ------------------------------------------------------------


def _check(allowed: bool, message: str) -> None:
    if not allowed:
        raise PermissionDenied(message)


def check_view_topic(user, topic: Topic) -> None:
    _check(can_view_topic(user, topic), _("You cannot see this topic."))


def check_post_in(user, space: Space) -> None:
    _check(can_post_in(user, space), _("Only the space's members can write in its forum."))


def check_reply(user, topic: Topic) -> None:
    if topic.is_locked:
        raise PermissionDenied(_("This topic is locked: nobody can reply any more."))
    if topic.status == Topic.Status.CLOSED:
        raise PermissionDenied(_("This topic is closed: nobody can reply any more."))
    check_view_topic(user, topic)
    _check(can_reply(user, topic), _("Only the space's members can reply."))


def check_edit_post(user, post: Post) -> None:
    _check(can_edit_post(user, post), _("You cannot edit this message."))


def check_delete_post(user, post: Post) -> None:
    _check(can_delete_post(user, post), _("You cannot delete this message."))


def check_moderate(user, space: Space) -> None:
    _check(can_moderate(user, space), _("Only the space's moderators and animators can do this."))


def check_change_status(user, topic: Topic) -> None:
    _check(can_change_status(user, topic), _("Only the author and the moderators can do this."))


def check_accept_answer(user, topic: Topic) -> None:
    _check(
        can_accept_answer(user, topic),
        _("Only the person who asked and the space's animators can accept an answer."),
    )


def check_validate(user, space: Space) -> None:
    _check(
        can_validate(user, space),
        _("Only animators and vetted mentors can mark an answer as expert-validated."),
    )


def check_vote(user, post: Post) -> None:
    if _signed_in(user) and post.author_id == user.pk:
        raise PermissionDenied(_("You cannot vote for your own message."))
    _check(can_vote(user, post), _("You cannot vote for this message."))


def check_report(user, post: Post) -> None:
    if _signed_in(user) and post.author_id == user.pk:
        raise PermissionDenied(_("You cannot report your own message."))
    _check(can_report(user, post), _("You cannot report this message."))


def check_follow(user, space: Space) -> None:
    _check(can_follow(user, space), _("Please sign in first."))
