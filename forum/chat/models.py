"""Chat rooms, their members, messages and what happens to them.

Invariants, backed by constraints and held by `forum.chat.services`:
- a room's messages are numbered 1, 2, 3… with no gap and no repeat (`seq`, unique per room;
  the room row is locked to take the next number) and `Room.last_seq` is the highest;
- `Room.revision` grows with every change in the room (a message, an edit, a deletion, a
  reaction) and each message keeps the revision of its last change, so a client that was away
  asks for "everything changed since revision N";
- a client id is stored once per sender: a retried send finds its message instead of adding one.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

CLIENT_ID_MAX = 64

# The fixed set of reactions: code -> emoji. Codes travel on the socket, emojis are shown.
REACTIONS = {
    "thumbs_up": "👍",
    "heart": "❤️",
    "tada": "🎉",
    "laugh": "😄",
    "wow": "😮",
    "thanks": "🙏",
}
REACTION_CHOICES = [(code, emoji) for code, emoji in REACTIONS.items()]
# What a screen reader says for each reaction button.
REACTION_LABELS = {
    "thumbs_up": _("Thumbs up"),
    "heart": _("Love it"),
    "tada": _("Congratulations"),
    "laugh": _("Funny"),
    "wow": _("Surprised"),
    "thanks": _("Thank you"),
}


class Room(models.Model):
    class Kind(models.TextChoices):
        SPACE = "space", _("Space room")
        DIRECT = "direct", _("Direct conversation")
        GROUP = "group", _("Group conversation")
        # A mentor and a mentee (and, for a minor, the programme's coordinators): made and
        # kept by the mentorship app (mentorship/services/conversations.py).
        MENTORSHIP = "mentorship", _("Mentoring conversation")

    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    space = models.OneToOneField(
        "community.Space",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="chat_room",
        verbose_name=_("space"),
    )
    title = models.CharField(_("title"), max_length=120, blank=True)
    # "<smaller user id>-<larger user id>": one direct conversation per pair of members.
    direct_key = models.CharField(max_length=41, unique=True, null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    last_seq = models.PositiveBigIntegerField(default=0)
    revision = models.PositiveBigIntegerField(default=0)
    last_message_at = models.DateTimeField(null=True, blank=True)
    # Frozen as evidence after a concern was reported: no message of the room may be edited or
    # deleted, by anyone, nor the room itself; nothing may be sent until it is unfrozen.
    frozen_at = models.DateTimeField(_("frozen at"), null=True, blank=True)
    frozen_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("frozen by"),
    )

    class Meta:
        verbose_name = _("chat room")
        verbose_name_plural = _("chat rooms")
        constraints = [
            models.CheckConstraint(
                condition=(Q(kind="space") & Q(space__isnull=False))
                | (~Q(kind="space") & Q(space__isnull=True)),
                name="chat_room_space_iff_space_kind",
            ),
            models.CheckConstraint(
                condition=(Q(kind="direct") & Q(direct_key__isnull=False))
                | (~Q(kind="direct") & Q(direct_key__isnull=True)),
                name="chat_room_direct_key_iff_direct",
            ),
        ]
        indexes = [models.Index(fields=["-last_message_at"])]

    def __str__(self) -> str:
        if self.kind == self.Kind.SPACE:
            return str(self.space)
        return self.title or str(self.get_kind_display())

    def get_absolute_url(self) -> str:
        return reverse("chat:room", kwargs={"room_id": self.pk})

    @property
    def stream(self) -> str:
        return f"room:{self.pk}"

    @property
    def is_frozen(self) -> bool:
        return self.frozen_at is not None


class RoomMember(models.Model):
    """A member's place in a room: membership of a direct or group conversation (until
    `left_at`), and, in every kind of room, the read marker and the member's own mute.

    Who may read a space room is decided by the space's memberships; the row there only holds
    the read marker and the mute."""

    room = models.ForeignKey(Room, on_delete=models.CASCADE, related_name="members")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="chat_memberships"
    )
    joined_at = models.DateTimeField(auto_now_add=True)
    left_at = models.DateTimeField(null=True, blank=True)
    last_read_seq = models.PositiveBigIntegerField(default=0)
    # Muted by the member: no notification, not counted in the navigation's total.
    muted = models.BooleanField(_("muted"), default=False)

    class Meta:
        verbose_name = _("room member")
        verbose_name_plural = _("room members")
        constraints = [
            models.UniqueConstraint(fields=["room", "user"], name="chat_room_member_unique"),
        ]
        indexes = [models.Index(fields=["user", "left_at"])]

    def __str__(self) -> str:
        return f"{self.user} · {self.room}"


class Message(models.Model):
    room = models.ForeignKey(Room, on_delete=models.CASCADE, related_name="messages")
    seq = models.PositiveBigIntegerField()
    sender = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="chat_messages",
    )
    client_id = models.CharField(max_length=CLIENT_ID_MAX)
    body = models.TextField(_("message"))
    html = models.TextField(editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    edited_at = models.DateTimeField(null=True, blank=True)
    deleted_at = models.DateTimeField(null=True, blank=True)
    deleted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    revision = models.PositiveBigIntegerField()

    class Meta:
        verbose_name = _("chat message")
        verbose_name_plural = _("chat messages")
        ordering = ["room", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["room", "seq"], name="chat_message_seq_unique"),
            models.UniqueConstraint(
                fields=["sender", "client_id"], name="chat_message_client_id_unique"
            ),
        ]
        indexes = [models.Index(fields=["room", "revision"])]

    def __str__(self) -> str:
        return f"{self.room} #{self.seq}"

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None


class Reaction(models.Model):
    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="reactions")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    emoji = models.CharField(max_length=20, choices=REACTION_CHOICES)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["message", "user", "emoji"], name="chat_reaction_once_per_member"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} {self.emoji} {self.message}"


class MessageReport(models.Model):
    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="reports")
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    reason = models.CharField(_("reason"), max_length=500)
    # The message as it read when reported: its sender may delete it afterwards.
    reported_body = models.TextField(_("reported text"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("message report")
        verbose_name_plural = _("message reports")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["message", "reporter"], name="chat_report_once_per_member"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reporter} → {self.message}"


class MemberMute(models.Model):
    """A moderator silenced a member in a room until `until`."""

    room = models.ForeignKey(Room, on_delete=models.CASCADE, related_name="mutes")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    until = models.DateTimeField()
    muted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    reason = models.CharField(_("reason"), max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["room", "user"], name="chat_mute_one_per_member"),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.room} → {self.until:%Y-%m-%d %H:%M}"


class ModerationAction(models.Model):
    """The audit log of what moderators did in rooms."""

    class Action(models.TextChoices):
        MESSAGE_DELETED = "message_deleted", _("Message deleted")
        MEMBER_MUTED = "member_muted", _("Member muted")
        MEMBER_UNMUTED = "member_unmuted", _("Member unmuted")
        REPORT_DISMISSED = "report_dismissed", _("Report dismissed")
        # A concern was reported (mentorship): the room is kept as evidence, then released.
        ROOM_FROZEN = "room_frozen", _("Conversation frozen")
        ROOM_UNFROZEN = "room_unfrozen", _("Conversation unfrozen")

    room = models.ForeignKey(Room, on_delete=models.CASCADE, related_name="moderation_actions")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    action = models.CharField(max_length=20, choices=Action.choices)
    message = models.ForeignKey(
        Message, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    target = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # What a deleted message said, kept for the moderators' record only.
    note = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("chat moderation action")
        verbose_name_plural = _("chat moderation actions")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.get_action_display()} · {self.room}"


class ChatPreferences(models.Model):
    """What a member shares of their live activity."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="chat_preferences"
    )
    share_presence = models.BooleanField(_("show others when I am in a room"), default=True)
    share_typing = models.BooleanField(_("show others when I am typing"), default=True)

    class Meta:
        verbose_name = _("chat preferences")
        verbose_name_plural = _("chat preferences")

    def __str__(self) -> str:
        return str(self.user)
