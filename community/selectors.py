"""Reads, and what each member may see of them.

Every list of spaces or profiles starts from `spaces_visible_to` or `profiles_visible_to`, the
queryset twins of the `can_view_*` rules in permissions.py, so that a private space or a hidden
member never appears in a listing, a filter count or a search.
"""

from dataclasses import dataclass, field

from django.db.models import BooleanField, Count, Exists, OuterRef, Prefetch, Q, QuerySet, Value
from django.http import Http404
from django.utils import timezone

from community.models import (
    Cluster,
    Invitation,
    Membership,
    Organisation,
    Profile,
    Space,
    Visibility,
)
from community.models.spaces import hash_token
from community.permissions import can_view_space, is_platform_staff, pending_invitations_for

# --- Spaces -----------------------------------------------------------------------------------


def spaces_visible_to(user) -> QuerySet[Space]:
    spaces = Space.objects.all()
    if is_platform_staff(user):
        return spaces
    if not (user and user.is_authenticated and user.is_active):
        return spaces.filter(visibility=Space.Visibility.PUBLIC)
    return spaces.filter(
        Q(visibility__in=[Space.Visibility.PUBLIC, Space.Visibility.MEMBERS])
        | Q(
            pk__in=Membership.objects.filter(user=user, state=Membership.State.ACTIVE).values(
                "space_id"
            )
        )
        | Q(
            pk__in=Membership.objects.filter(
                user=user,
                state=Membership.State.INVITED,
                space_id__in=pending_invitations_for(user).values("space_id"),
            ).values("space_id")
        )
        | Q(cluster__animators=user)
    ).distinct()


def spaces_editable_by(user) -> QuerySet[Space]:
    """The queryset twin of `permissions.can_edit_space`."""
    if is_platform_staff(user):
        return Space.objects.all()
    if not (user and user.is_authenticated and user.is_active):
        return Space.objects.none()
    return Space.objects.filter(
        Q(
            pk__in=Membership.objects.filter(
                user=user, state=Membership.State.ACTIVE, role=Membership.Role.ANIMATOR
            ).values("space_id")
        )
        | Q(cluster__animators=user)
    ).distinct()


def space_list(*, user, query: str = "", theme: str = "", cluster: str = "") -> QuerySet[Space]:
    """Spaces for the list page: visible ones, with their member count and the user's state."""
    spaces = spaces_visible_to(user).select_related("cluster").prefetch_related("themes")
    if query:
        spaces = spaces.filter(
            Q(name__icontains=query) | Q(tagline__icontains=query) | Q(description__icontains=query)
        )
    if theme:
        spaces = spaces.filter(themes__slug=theme)
    if cluster:
        spaces = spaces.filter(cluster__slug=cluster)
    spaces = spaces.annotate(
        member_count=Count(
            "memberships", filter=Q(memberships__state=Membership.State.ACTIVE), distinct=True
        )
    )
    if user and user.is_authenticated:
        spaces = spaces.annotate(
            is_member=Exists(
                Membership.objects.filter(
                    space=OuterRef("pk"), user=user, state=Membership.State.ACTIVE
                )
            )
        )
    return spaces.order_by("name")


def access_space(*, user, slug: str) -> Space:
    """The space with this slug if the user may see it; otherwise 404, as if it did not exist."""
    space = Space.objects.select_related("cluster").filter(slug=slug).first()
    if space is None or not can_view_space(user, space):
        raise Http404
    return space


def membership_of(user, space: Space) -> Membership | None:
    if not (user and user.is_authenticated):
        return None
    return Membership.objects.filter(space=space, user=user).first()


def space_members(
    *, space: Space, viewer, role: str | None = None, everyone: bool = False
) -> QuerySet[Membership]:
    """Active members of a space that the viewer may see, with their profiles.

    A member whose profile is hidden from the viewer is left out, except the space's animators
    and moderators, who speak for the space and are always named. `everyone` lists them all:
    for the space's managers, who must be able to act on every member.
    """
    members = Membership.objects.filter(
        space=space,
        state=Membership.State.ACTIVE,
        user__is_active=True,
        user__profile__isnull=False,
    )
    if not everyone:
        visible = profiles_visible_to(viewer).values("user_id")
        members = members.filter(Q(user_id__in=visible) | ~Q(role=Membership.Role.MEMBER))
    members = members.select_related("user__profile__organisation").order_by(
        "user__profile__display_name"
    )
    if role:
        members = members.filter(role=role)
    return members


def pending_requests(*, space: Space) -> QuerySet[Membership]:
    return (
        Membership.objects.filter(space=space, state=Membership.State.REQUESTED)
        .select_related("user__profile")
        .order_by("created_at")
    )


def pending_invitations(*, space: Space) -> QuerySet[Invitation]:
    """Invitation links of the space that can still be accepted."""
    return Invitation.objects.filter(
        space=space,
        accepted_at__isnull=True,
        revoked_at__isnull=True,
        expires_at__gt=timezone.now(),
    ).select_related("invited_by__profile")


def invitation_by_token(token: str) -> Invitation | None:
    return (
        Invitation.objects.select_related("space", "invited_by__profile")
        .filter(token_hash=hash_token(token))
        .first()
    )


def invitations_for(user) -> QuerySet[Membership]:
    """The user's invitations that can still be accepted (an expired one shows nothing)."""
    return Membership.objects.filter(
        user=user,
        state=Membership.State.INVITED,
        space_id__in=pending_invitations_for(user).values("space_id"),
    ).select_related("space")


def invited_membership(*, user, slug: str) -> Membership:
    """The user's own invited membership of a space, even if the invitation has expired.

    Declining must work whether or not the space can still be seen.
    """
    membership = (
        Membership.objects.select_related("space")
        .filter(user=user, space__slug=slug, state=Membership.State.INVITED)
        .first()
    )
    if membership is None:
        raise Http404
    return membership


def my_spaces(user) -> QuerySet[Space]:
    return (
        Space.objects.filter(memberships__user=user, memberships__state=Membership.State.ACTIVE)
        .select_related("cluster")
        .order_by("name")
    )


def featured_spaces_for(*, user, home) -> list[Space]:
    """The home page's featured spaces that this visitor may see, in the editor's order."""
    visible = spaces_visible_to(user).values("pk")
    featured = (
        home.featured_spaces.filter(space__in=visible)
        .select_related("space__cluster")
        .order_by("sort_order")
    )
    spaces = [item.space for item in featured]
    if not spaces:
        spaces = list(space_list(user=user)[:6])
    return spaces


# --- Profiles and the directory ---------------------------------------------------------------


def _shared_space_ids(viewer) -> QuerySet:
    return Membership.objects.filter(user=viewer, state=Membership.State.ACTIVE).values("space_id")


def shares_a_space(viewer) -> Exists:
    """Whether the row's `user_id` is an active member of a space the viewer is active in."""
    return Exists(
        Membership.objects.filter(
            user_id=OuterRef("user_id"),
            state=Membership.State.ACTIVE,
            space_id__in=_shared_space_ids(viewer),
        )
    )


def visible_q(viewer, visibility_field: str) -> Q:
    """Rows where `visibility_field` lets the viewer see; needs the `shares_space` annotation."""
    return (
        Q(**{visibility_field: Visibility.MEMBERS})
        | Q(**{visibility_field: Visibility.SPACES, "shares_space": True})
        | Q(user_id=viewer.pk)
    )


def profiles_visible_to(viewer) -> QuerySet[Profile]:
    """Profiles the viewer may find. Visitors see none: the directory is for members only."""
    profiles = Profile.objects.filter(user__is_active=True)
    if not (viewer and viewer.is_authenticated and viewer.is_active):
        # Still annotated, so that callers' visibility filters (`visible_q`) compose.
        return profiles.annotate(shares_space=Value(False, output_field=BooleanField())).none()
    profiles = profiles.annotate(shares_space=shares_a_space(viewer))
    if is_platform_staff(viewer):
        return profiles
    return profiles.filter(visible_q(viewer, "profile_visibility"))


@dataclass
class DirectoryFilters:
    query: str = ""
    theme: str = ""
    sector: str = ""
    region: str = ""
    role: str = ""
    language: str = ""
    applied: dict = field(default_factory=dict)


def directory(*, viewer, filters: DirectoryFilters) -> QuerySet[Profile]:
    """Members for the directory, filtered only on the fields each member lets the viewer see.

    Filtering on a hidden field would tell the viewer its value, so each filter is paired with
    that field's visibility rule.
    """
    profiles = profiles_visible_to(viewer)
    staff = is_platform_staff(viewer)

    def on_visible(condition: Q, visibility_field: str) -> Q:
        return condition if staff else condition & visible_q(viewer, visibility_field)

    if filters.query:
        profiles = profiles.filter(display_name__icontains=filters.query)
    if filters.theme:
        profiles = profiles.filter(on_visible(Q(themes__slug=filters.theme), "themes_visibility"))
    if filters.sector:
        profiles = profiles.filter(
            on_visible(Q(sectors__slug=filters.sector), "sectors_visibility")
        )
    if filters.region:
        profiles = profiles.filter(
            on_visible(Q(region__iexact=filters.region), "location_visibility")
        )
    if filters.role:
        profiles = profiles.filter(on_visible(Q(roles__slug=filters.role), "roles_visibility"))
    if filters.language:
        profiles = profiles.filter(
            on_visible(Q(languages__slug=filters.language), "languages_visibility")
        )
    return (
        profiles.select_related("organisation")
        .prefetch_related("themes", "sectors", "roles", "languages")
        .order_by("display_name", "pk")
        .distinct()
    )


class ProfileView:
    """A profile as one viewer may see it: hidden fields read as empty."""

    def __init__(self, profile: Profile, viewer):
        self.profile = profile
        self.viewer = viewer
        self.is_self = bool(viewer and viewer.pk == profile.user_id)
        self._staff = is_platform_staff(viewer)

    def shows(self, name: str) -> bool:
        if self.is_self or self._staff:
            return True
        level = getattr(self.profile, f"{name}_visibility")
        if level == Visibility.MEMBERS:
            return True
        if level == Visibility.SPACES:
            return bool(getattr(self.profile, "shares_space", False))
        return False

    @property
    def display_name(self):
        return self.profile.display_name

    @property
    def user_id(self):
        return self.profile.user_id

    @property
    def pk(self):
        return self.profile.pk

    @property
    def photo(self):
        return self.profile.photo if self.shows("photo") else None

    @property
    def bio(self):
        return self.profile.bio if self.shows("bio") else ""

    @property
    def country(self):
        return self.profile.get_country_display() if self.shows("location") else ""

    @property
    def region(self):
        return self.profile.region if self.shows("location") else ""

    @property
    def organisation(self):
        return self.profile.organisation if self.shows("organisation") else None

    def _terms(self, name):
        return list(getattr(self.profile, name).all()) if self.shows(name) else []

    @property
    def languages(self):
        return self._terms("languages")

    @property
    def sectors(self):
        return self._terms("sectors")

    @property
    def themes(self):
        return self._terms("themes")

    @property
    def roles(self):
        return self._terms("roles")


def access_profile(*, viewer, profile_id: int) -> ProfileView:
    profile = (
        profiles_visible_to(viewer)
        .select_related("organisation", "user")
        .prefetch_related("themes", "sectors", "roles", "languages")
        .filter(pk=profile_id)
        .first()
    )
    if profile is None:
        raise Http404
    return ProfileView(profile, viewer)


# --- Organisations and clusters ---------------------------------------------------------------


def organisation_list(*, query: str = "", kind: str = "") -> QuerySet[Organisation]:
    # Counts only members who show both their profile and their employer to all members.
    shown = Q(
        members__user__is_active=True,
        members__profile_visibility=Visibility.MEMBERS,
        members__organisation_visibility=Visibility.MEMBERS,
    )
    organisations = Organisation.objects.select_related("sector").annotate(
        member_count=Count("members", filter=shown, distinct=True)
    )
    if query:
        organisations = organisations.filter(name__icontains=query)
    if kind:
        organisations = organisations.filter(kind=kind)
    return organisations.order_by("name")


def access_organisation(*, slug: str) -> Organisation:
    organisation = (
        Organisation.objects.select_related("sector", "equality_referent__profile")
        .filter(slug=slug)
        .first()
    )
    if organisation is None:
        raise Http404
    return organisation


def organisation_members(*, organisation: Organisation, viewer) -> QuerySet[Profile]:
    """Members of the organisation who let the viewer see both their profile and employer."""
    profiles = profiles_visible_to(viewer).filter(organisation=organisation)
    if not is_platform_staff(viewer):
        profiles = profiles.filter(visible_q(viewer, "organisation_visibility"))
    return profiles.order_by("display_name")


def cluster_list() -> QuerySet[Cluster]:
    return Cluster.objects.annotate(
        organisation_count=Count("organisations", distinct=True)
    ).order_by("name")


def access_cluster(*, slug: str) -> Cluster:
    cluster = (
        Cluster.objects.prefetch_related(
            Prefetch("organisations", queryset=Organisation.objects.select_related("sector")),
        )
        .filter(slug=slug)
        .first()
    )
    if cluster is None:
        raise Http404
    return cluster
