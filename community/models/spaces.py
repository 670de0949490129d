"""Thematic spaces, their memberships and their e-mail invitations."""

import hashlib

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from community.validators import validate_image_extension, validate_image_upload


class Space(models.Model):
    class Visibility(models.TextChoices):
        PUBLIC = "public", _("Public: anyone can read it")
        MEMBERS = "members", _("Platform members: signed-in members can read it")
        PRIVATE = "private", _("Private: only its members know it exists")

    class JoinPolicy(models.TextChoices):
        OPEN = "open", _("Open: anyone who can see it joins at once")
        REQUEST = "request", _("On request: an animator approves each request")
        INVITATION = "invitation", _("By invitation only")

    name = models.CharField(_("name"), max_length=120)
    slug = models.SlugField(_("address name"), max_length=80, unique=True)
    tagline = models.CharField(_("tagline"), max_length=200, blank=True)
    description = models.TextField(_("description"), max_length=5000, blank=True)
    cover = models.ImageField(
        _("cover image"),
        upload_to="spaces/",
        blank=True,
        validators=[validate_image_extension, validate_image_upload],
    )
    cluster = models.ForeignKey(
        "community.Cluster",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="spaces",
        verbose_name=_("cluster"),
        help_text=_("Leave empty for a space shared by several clusters."),
    )
    themes = models.ManyToManyField("community.Theme", blank=True, verbose_name=_("themes"))
    visibility = models.CharField(
        _("visibility"), max_length=10, choices=Visibility.choices, default=Visibility.PUBLIC
    )
    join_policy = models.CharField(
        _("who can join"), max_length=10, choices=JoinPolicy.choices, default=JoinPolicy.OPEN
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("space")
        verbose_name_plural = _("spaces")
        ordering = ["name"]
        constraints = [
            # A private space cannot be found by non-members, so nobody could ask to join it.
            models.CheckConstraint(
                condition=~models.Q(visibility="private") | models.Q(join_policy="invitation"),
                name="space_private_is_invitation_only",
                violation_error_message=_("A private space can only be joined by invitation."),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("community:space_detail", kwargs={"slug": self.slug})

    @property
    def visibility_label(self) -> str:
        """A one-word label for badges; the choices carry the full explanation for forms."""
        return {
            self.Visibility.PUBLIC: _("Public"),
            self.Visibility.MEMBERS: _("Members only"),
            self.Visibility.PRIVATE: _("Private"),
        }[self.visibility]

    @property
    def join_policy_label(self) -> str:
        return {
            self.JoinPolicy.OPEN: _("Open to all"),
            self.JoinPolicy.REQUEST: _("On request"),
            self.JoinPolicy.INVITATION: _("By invitation"),
        }[self.join_policy]


class Membership(models.Model):
    class Role(models.TextChoices):
        MEMBER = "member", _("Member")
        MODERATOR = "moderator", _("Moderator")
        ANIMATOR = "animator", _("Animator")

    class State(models.TextChoices):
        INVITED = "invited", _("Invited")
        REQUESTED = "requested", _("Requested")
        ACTIVE = "active", _("Active")
        REMOVED = "removed", _("Removed")

    space = models.ForeignKey(Space, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(_("role"), max_length=10, choices=Role.choices, default=Role.MEMBER)
    state = models.CharField(_("state"), max_length=10, choices=State.choices)
    message = models.CharField(_("message"), max_length=500, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.UniqueConstraint(fields=["space", "user"], name="membership_one_per_space"),
        ]
        indexes = [
            models.Index(fields=["user", "state"]),
            models.Index(fields=["space", "state", "role"]),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.space} ({self.state})"

    @property
    def is_active(self) -> bool:
        return self.state == self.State.ACTIVE

    @property
    def can_manage_members(self) -> bool:
        return self.is_active and self.role in (self.Role.MODERATOR, self.Role.ANIMATOR)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class Invitation(models.Model):
    """An invitation sent to an e-mail address; the link carries a token we store only hashed."""

    space = models.ForeignKey(Space, on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField(_("e-mail address"))
    role = models.CharField(
        _("role"), max_length=10, choices=Membership.Role.choices, default=Membership.Role.MEMBER
    )
    token_hash = models.CharField(max_length=64, unique=True)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["space", "email"])]

    def __str__(self) -> str:
        return f"{self.email} → {self.space}"

    @property
    def is_pending(self) -> bool:
        return (
            self.accepted_at is None
            and self.revoked_at is None
            and self.expires_at > timezone.now()
        )
