"""The forum: topics in a space, their numbered posts, votes, follows, reports and the audit log.

A topic's opening message is its post number 1; replies are posts 2, 3… in the order they were
written. Numbers never repeat within a topic (the topic row is locked to hand the next one out),
so a page and the live stream can say "post 42" and mean one thing. Rows are never deleted by
the site: deleting and hiding are states, so moderators keep the record.
"""

import uuid

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from taggit.managers import TaggableManager
from wagtail.search import index

from community.validators import validate_image_extension, validate_image_upload

TITLE_MAX = 200
BODY_MAX = 20_000
PSEUDONYM_MAX = 40
POSTS_PER_PAGE = 50  # replies per page of a topic


class Topic(models.Model):
    class Kind(models.TextChoices):
        QUESTION = "question", _("Question")
        DISCUSSION = "discussion", _("Discussion")
        ANNOUNCEMENT = "announcement", _("Announcement")

    class Status(models.TextChoices):
        OPEN = "open", pgettext_lazy("topic status", "Open")
        ANSWERED = "answered", pgettext_lazy("topic status", "Answered")
        CLOSED = "closed", pgettext_lazy("topic status", "Closed")

    space = models.ForeignKey(
        "community.Space", on_delete=models.CASCADE, related_name="topics", verbose_name=_("space")
    )
    # Who asked, even under a pseudonym: only the space's moderators and animators ever see it
    # (forum.permissions.can_see_author); every page goes through forum.selectors.author_of.
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="forum_topics"
    )
    pseudonym = models.CharField(
        _("pseudonym"),
        max_length=PSEUDONYM_MAX,
        blank=True,
        help_text=_(
            "Ask confidentially: only the space's moderators and animators see who you are."
        ),
    )
    title = models.CharField(_("title"), max_length=TITLE_MAX)
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices, default=Kind.QUESTION)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.OPEN
    )
    themes = models.ManyToManyField("community.Theme", blank=True, verbose_name=_("themes"))
    tags = TaggableManager(
        _("tags"), blank=True, help_text=_("Free keywords, separated by commas.")
    )
    accepted_post = models.ForeignKey(
        "forum.Post", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    is_pinned = models.BooleanField(_("pinned"), default=False)
    is_locked = models.BooleanField(_("locked"), default=False)
    # Mirrors the opening post: a hidden or deleted opening post hides or deletes the topic.
    is_hidden = models.BooleanField(default=False)
    deleted_at = models.DateTimeField(null=True, blank=True)
    # The last post number handed out; the live stream's revision counts every change.
    last_number = models.PositiveIntegerField(default=0)
    revision = models.PositiveIntegerField(default=0)
    reply_count = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    last_activity_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("topic")
        verbose_name_plural = _("topics")
        ordering = ["-is_pinned", "-last_activity_at"]
        indexes = [
            models.Index(fields=["space", "-is_pinned", "-last_activity_at"]),
            models.Index(fields=["-last_activity_at"]),
            models.Index(fields=["kind", "status", "created_at"]),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("forum:topic_detail", kwargs={"topic_id": self.pk})

    @property
    def is_confidential(self) -> bool:
        return bool(self.pseudonym)

    @property
    def is_visible(self) -> bool:
        return self.deleted_at is None and not self.is_hidden

    @property
    def accepts_replies(self) -> bool:
        return self.is_visible and not self.is_locked and self.status != self.Status.CLOSED


class Post(index.Indexed, models.Model):
    topic = models.ForeignKey(Topic, on_delete=models.CASCADE, related_name="posts")
    # Denormalised from the topic for the search index, which filters on this row's own fields.
    space = models.ForeignKey("community.Space", on_delete=models.CASCADE, related_name="+")
    number = models.PositiveIntegerField()
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="forum_posts"
    )
    body = models.TextField(_("message"), max_length=BODY_MAX)
    body_html = models.TextField(editable=False)
    helpful_count = models.PositiveIntegerField(default=0)
    validated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    validated_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    edited_at = models.DateTimeField(null=True, blank=True)
    # Hidden by a moderator (hidden_by set) or by reports reaching the threshold (no one).
    hidden_at = models.DateTimeField(null=True, blank=True)
    hidden_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    deleted_at = models.DateTimeField(null=True, blank=True)
    deleted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    # Whether anyone but moderators may read it: maintained by the services, filtered on by
    # search (not deleted, not hidden, in a topic neither deleted nor hidden).
    is_visible = models.BooleanField(default=True)
    mentions = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="+")

    search_fields = [
        index.SearchField("heading", boost=3),
        index.SearchField("body"),
        index.AutocompleteField("heading"),
        index.FilterField("space_id"),
        index.FilterField("is_visible"),
        index.FilterField("number"),
        index.FilterField("id"),  # newest first where relevance is not ranked (SQLite)
    ]

    class Meta:
        verbose_name = _("post")
        verbose_name_plural = _("posts")
        ordering = ["topic", "number"]
        permissions = [("validate_post", "Can mark replies as expert-validated")]
        constraints = [
            models.UniqueConstraint(fields=["topic", "number"], name="post_number_unique"),
        ]
        indexes = [models.Index(fields=["topic", "-helpful_count", "number"])]

    def __str__(self) -> str:
        return f"{self.topic} #{self.number}"

    def get_absolute_url(self) -> str:
        """The topic page (sorted by date) that shows this post, at its anchor."""
        page = max(0, self.number - 2) // POSTS_PER_PAGE + 1
        query = f"?page={page}" if page > 1 else ""
        return f"{self.topic.get_absolute_url()}{query}#post-{self.number}"

    @property
    def heading(self) -> str:
        """The topic's title, indexed with its opening post so that titles are searched."""
        return self.topic.title if self.number == 1 else ""

    @property
    def is_opening(self) -> bool:
        return self.number == 1

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None

    @property
    def is_hidden(self) -> bool:
        return self.hidden_at is not None


class PostRevision(models.Model):
    """What a post said before an edit; moderators read the history."""

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="revisions")
    title = models.CharField(max_length=TITLE_MAX, blank=True)
    body = models.TextField()
    edited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.post} ({self.created_at:%Y-%m-%d %H:%M})"


class Vote(models.Model):
    """One member found one post helpful."""

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="votes")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["post", "user"], name="vote_once")]

    def __str__(self) -> str:
        return f"{self.user_id} → {self.post_id}"


class Follow(models.Model):
    """A member follows a topic or a whole space (exactly one of the two)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="forum_follows"
    )
    topic = models.ForeignKey(
        Topic, on_delete=models.CASCADE, null=True, blank=True, related_name="follows"
    )
    space = models.ForeignKey(
        "community.Space", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(topic__isnull=True) ^ models.Q(space__isnull=True),
                name="follow_topic_xor_space",
            ),
            models.UniqueConstraint(
                fields=["user", "topic"],
                condition=models.Q(topic__isnull=False),
                name="follow_topic_once",
            ),
            models.UniqueConstraint(
                fields=["user", "space"],
                condition=models.Q(space__isnull=False),
                name="follow_space_once",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} → {self.topic_id or self.space_id}"


class TopicRead(models.Model):
    """How far a member has read a topic: the unread markers and the "new since" line."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    topic = models.ForeignKey(Topic, on_delete=models.CASCADE, related_name="reads")
    last_number = models.PositiveIntegerField(default=0)
    visited_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "topic"], name="topic_read_once")]

    def __str__(self) -> str:
        return f"{self.user_id} read {self.topic_id} to {self.last_number}"


class Report(models.Model):
    class Reason(models.TextChoices):
        ABUSE = "abuse", _("Harassment or abuse")
        DISCRIMINATION = "discrimination", _("Sexist or discriminatory content")
        PERSONAL = "personal", _("Reveals personal information")
        SPAM = "spam", _("Spam or advertising")
        OFF_TOPIC = "off_topic", _("Off topic")
        OTHER = "other", _("Something else")

    class Outcome(models.TextChoices):
        DISMISSED = "dismissed", _("Dismissed")
        HIDDEN = "hidden", _("Post hidden")

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="reports")
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    reason = models.CharField(_("reason"), max_length=20, choices=Reason.choices)
    comment = models.CharField(_("details"), max_length=1000, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    outcome = models.CharField(max_length=10, choices=Outcome.choices, blank=True)

    class Meta:
        ordering = ["created_at"]
        constraints = [
            # One open report per member and post; once resolved, the post may be reported anew.
            models.UniqueConstraint(
                fields=["post", "reporter"],
                condition=models.Q(resolved_at__isnull=True),
                name="report_open_once",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_reason_display()} · {self.post}"


class ModerationAction(models.Model):
    """The audit log: every moderation action, who took it, on what, and why."""

    class Action(models.TextChoices):
        HIDE = "hide", _("Hid a post")
        UNHIDE = "unhide", _("Showed a hidden post again")
        AUTO_HIDE = "auto_hide", _("Post hidden pending review after several reports")
        DELETE = "delete", _("Deleted a post")
        LOCK = "lock", _("Locked a topic")
        UNLOCK = "unlock", _("Unlocked a topic")
        PIN = "pin", _("Pinned a topic")
        UNPIN = "unpin", _("Unpinned a topic")
        MOVE = "move", _("Moved a topic")
        DISMISS = "dismiss", _("Dismissed the reports on a post")
        EDIT = "edit", _("Edited someone else's post")

    space = models.ForeignKey("community.Space", on_delete=models.CASCADE, related_name="+")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    action = models.CharField(max_length=10, choices=Action.choices)
    topic = models.ForeignKey(Topic, on_delete=models.CASCADE, related_name="+")
    post = models.ForeignKey(Post, on_delete=models.CASCADE, null=True, related_name="+")
    reason = models.CharField(max_length=500, blank=True)
    details = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["space", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.get_action_display()} · {self.topic}"


def private_storage():
    """Forum images live outside MEDIA_ROOT: only forum.views.image serves them."""
    from django.core.files.storage import FileSystemStorage

    return FileSystemStorage(location=settings.PRIVATE_MEDIA_ROOT, base_url=None)


def _image_path(instance, filename: str) -> str:
    return f"forum/{instance.key}{filename[filename.rfind('.') :].lower()}"


class Image(models.Model):
    """An image put in a post. Served by forum.views.image, which checks the space's access."""

    key = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    space = models.ForeignKey("community.Space", on_delete=models.CASCADE, related_name="+")
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    file = models.ImageField(
        _("image"),
        upload_to=_image_path,
        storage=private_storage,
        validators=[validate_image_extension, validate_image_upload],
    )
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return str(self.key)

    def get_absolute_url(self) -> str:
        return reverse("forum:image", kwargs={"key": self.key})
