"""Every write of the forum: topics, replies, edits, answers, votes, follows, reports, moderation.

Invariants held here, backed by constraints and row locks:
- post numbers within a topic have no gaps and never repeat (the topic row is locked to take
  the next one), and every change bumps the topic's `revision` under the same lock, so a page
  that missed an event notices the gap and refetches;
- one vote per member and post, never on one's own post; one accepted answer per question;
- a post's `is_visible` (what search and the public see) always matches its own state and its
  topic's.

Events go out after commit and carry ids and counts only: a page fetches the fragment it
needs through the same permission checks as any request, so no payload can name anyone.
"""

import functools
import re

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from wagtail.search import index

from community import realtime
from community.models import Space, Theme, User
from community.notifications import notification_send
from community.permissions import check_signed_in, check_view_space, forget_memberships
from community.services._common import refuse, validate
from community.services.spaces import space_group

from . import permissions, selectors
from .markdown import mentioned_handles, render
from .models import (
    BODY_MAX,
    PSEUDONYM_MAX,
    Follow,
    Image,
    ModerationAction,
    Post,
    PostRevision,
    Report,
    Topic,
    TopicRead,
    Vote,
)

TOPIC_STREAM = "topic"
IMAGE_KEY = re.compile(r"/forum/images/([0-9a-f-]{36})/")
MAX_TAGS = 10
TAG_MAX = 40


def _fresh_rights(service):
    """Writes decide on fresh rights: drop the acting user's per-request role caches first (a
    membership may have changed since a page or a socket read them)."""

    @functools.wraps(service)
    def wrapper(*args, **kwargs):
        for name in ("by", "author", "user", "reporter"):
            if name in kwargs:
                forget_memberships(kwargs[name])
        return service(*args, **kwargs)

    return wrapper


def topic_group(topic_id: int) -> str:
    return f"forum.topic.{topic_id}"


def report_threshold() -> int:
    return settings.FORUM["REPORT_HIDE_THRESHOLD"]


# --- Events ------------------------------------------------------------------------------------


def _bump(topic: Topic, *, activity: bool = False) -> int:
    """Next revision of a topic whose row the caller holds locked."""
    topic.revision += 1
    fields = ["revision"]
    if activity:
        topic.last_activity_at = timezone.now()
        fields.append("last_activity_at")
    Topic.objects.filter(pk=topic.pk).update(**{name: getattr(topic, name) for name in fields})
    return topic.revision


def _publish(topic: Topic, event: str, **data) -> None:
    """Tell the topic's open pages, then its space's topic lists (ids and counts only)."""
    data = {"topic": topic.pk, "revision": topic.revision, **data}
    realtime.publish_event(
        group=topic_group(topic.pk), stream=f"{TOPIC_STREAM}:{topic.pk}", event=event, data=data
    )
    realtime.publish_event(
        group=space_group(topic.space_id),
        stream=f"space:{topic.space_id}",
        event="topic.activity",
        data={"topic": topic.pk},
    )


def _publish_post_change(topic: Topic, post: Post, *, topic_was_visible: bool) -> None:
    """A post was hidden, shown or deleted: counts, the accepted answer or the topic itself may
    have changed, so pages refetch the whole body; if the topic appeared or vanished, its
    sockets re-check who may still follow it."""
    _bump(topic)
    _publish(topic, "topic.changed", post=post.pk, number=post.number)
    if topic.is_visible != topic_was_visible:
        realtime.publish_after_commit(topic_group(topic.pk), {"type": "access.changed"})


def _lock_topic(topic: Topic) -> Topic:
    return (
        Topic.objects.select_for_update(no_key=True, of=("self",))
        .select_related("space__cluster")
        .get(pk=topic.pk)
    )


def _lock_post(post: Post) -> tuple[Post, Topic]:
    """Lock the post's topic first (the order every service takes), then the post."""
    topic = _lock_topic(post.topic)
    post = (
        Post.objects.select_for_update(no_key=True, of=("self",))
        .select_related("author__profile")
        .get(pk=post.pk)
    )
    post.topic = topic
    return post, topic


# --- Writing -----------------------------------------------------------------------------------


def _clean_body(body: str) -> str:
    body = (body or "").strip()
    if not body:
        refuse(_("Write a message first."), "empty", "body")
    if len(body) > BODY_MAX:
        refuse(
            _("A message can hold at most %(max)s characters (this one has %(count)s).")
            % {"max": f"{BODY_MAX:,}", "count": f"{len(body):,}"},
            "too_long",
            "body",
        )
    return body


def _clean_tags(tags) -> list[str]:
    if isinstance(tags, str):
        tags = tags.split(",")
    cleaned = []
    for tag in tags or []:
        tag = " ".join(str(tag).split())
        if not tag:
            continue
        if len(tag) > TAG_MAX:
            refuse(
                _("A tag can hold at most %(max)s characters.") % {"max": TAG_MAX}, "tag", "tags"
            )
        if tag.lower() not in (t.lower() for t in cleaned):
            cleaned.append(tag)
    if len(cleaned) > MAX_TAGS:
        refuse(_("Use at most %(max)s tags.") % {"max": MAX_TAGS}, "tags", "tags")
    return cleaned


def _clean_pseudonym(pseudonym: str, *, space: Space) -> str:
    pseudonym = " ".join((pseudonym or "").split())
    if not pseudonym:
        return ""
    if len(pseudonym) < 3 or len(pseudonym) > PSEUDONYM_MAX:
        refuse(
            _("A pseudonym has between 3 and %(max)s characters.") % {"max": PSEUDONYM_MAX},
            "pseudonym",
            "pseudonym",
        )
    # A pseudonym must not pass for someone: no member's name, no handle.
    from community.models import Profile

    # Only the space's own members are compared, so the check tells nothing about who else
    # is on the platform.
    if Profile.objects.filter(
        Q(display_name__iexact=pseudonym) | Q(handle__iexact=pseudonym),
        user__memberships__space=space,
        user__memberships__state="active",
    ).exists():
        refuse(
            _("This pseudonym is a member's name: choose another one."), "pseudonym", "pseudonym"
        )
    return pseudonym


def _render(body: str, *, space: Space):
    """The HTML of a body, with @mentions resolved among the space's members."""
    named = selectors.mentionable(space=space, handles=mentioned_handles(body))
    rendered = render(body, mentionable={h: (url, name) for h, (url, name, _id) in named.items()})
    mentioned_ids = {named[h][2] for h in rendered.mentioned}
    return rendered.html, mentioned_ids


def _index(posts) -> None:
    """Update the posts' search entries now, in the same transaction: Wagtail's database
    backend keeps the index in the same database, so it never disagrees with committed rows."""
    for post in posts:
        index.insert_or_update_object(post)


@_fresh_rights
def topic_create(
    *,
    author,
    space: Space,
    title: str,
    body: str,
    kind: str = Topic.Kind.QUESTION,
    themes=(),
    tags=(),
    pseudonym: str = "",
) -> Topic:
    check_signed_in(author)
    check_view_space(author, space)
    permissions.check_post_in(author, space)
    if kind == Topic.Kind.ANNOUNCEMENT and not permissions.can_announce(author, space):
        refuse(_("Only the space's animators can post announcements."), "kind", "kind")
    body = _clean_body(body)
    pseudonym = _clean_pseudonym(pseudonym, space=space)
    if pseudonym and kind == Topic.Kind.ANNOUNCEMENT:
        refuse(_("An announcement cannot be anonymous."), "pseudonym", "pseudonym")
    tags = _clean_tags(tags)
    topic = Topic(
        space=space,
        author=author,
        title=" ".join((title or "").split()),
        kind=kind,
        pseudonym=pseudonym,
        last_number=1,
        revision=1,
    )
    validate(topic)
    html, mentioned = _render(body, space=space)
    with transaction.atomic():
        topic.save()
        topic.themes.set(Theme.objects.filter(pk__in=[getattr(t, "pk", t) for t in themes]))
        if tags:
            topic.tags.set(tags)
        post = Post(topic=topic, space=space, number=1, author=author, body=body, body_html=html)
        validate(post)
        post.save()
        post.mentions.set(mentioned)
        Follow.objects.get_or_create(user=author, topic=topic)
        TopicRead.objects.update_or_create(user=author, topic=topic, defaults={"last_number": 1})
        _publish(topic, "topic.created")
        _notify_new_topic(topic, post, mentioned)
        _index([post])
    return topic


@_fresh_rights
def post_create(*, author, topic: Topic, body: str) -> Post:
    """A reply. Numbered under the topic's lock, so concurrent replies never share a number."""
    check_signed_in(author)
    body = _clean_body(body)
    with transaction.atomic():
        topic = _lock_topic(topic)
        permissions.check_reply(author, topic)
        html, mentioned = _render(body, space=topic.space)
        topic.last_number += 1
        topic.reply_count += 1
        Topic.objects.filter(pk=topic.pk).update(
            last_number=topic.last_number, reply_count=topic.reply_count
        )
        post = Post(
            topic=topic,
            space=topic.space,
            number=topic.last_number,
            author=author,
            body=body,
            body_html=html,
        )
        validate(post)
        post.save()
        post.mentions.set(mentioned)
        Follow.objects.get_or_create(user=author, topic=topic)
        TopicRead.objects.update_or_create(
            user=author, topic=topic, defaults={"last_number": topic.last_number}
        )
        _bump(topic, activity=True)
        _publish(topic, "post.created", post=post.pk, number=post.number)
        _notify_reply(topic, post, mentioned)
        _index([post])
    return post


@_fresh_rights
def post_edit(
    *, by, post: Post, body: str, title: str | None = None, themes=None, tags=None
) -> Post:
    """Edit a post (and, for an opening post, the topic's title, themes and tags).

    The previous text is kept as a revision that moderators can read.
    """
    check_signed_in(by)
    body = _clean_body(body)
    with transaction.atomic():
        post, topic = _lock_post(post)
        permissions.check_edit_post(by, post)
        if title is not None and post.number == 1:
            title = " ".join(title.split())
        changed_title = title is not None and post.number == 1 and title != topic.title
        if themes is not None and {getattr(t, "pk", t) for t in themes} == set(
            topic.themes.values_list("pk", flat=True)
        ):
            themes = None  # unchanged
        if tags is not None and sorted(_clean_tags(tags)) == sorted(
            topic.tags.values_list("name", flat=True)
        ):
            tags = None
        if body == post.body and not changed_title and themes is None and tags is None:
            return post
        PostRevision.objects.create(
            post=post, body=post.body, title=topic.title if post.number == 1 else "", edited_by=by
        )
        previous_mentions = set(post.mentions.values_list("pk", flat=True))
        post.body = body
        post.body_html, mentioned = _render(body, space=topic.space)
        post.edited_at = timezone.now()
        validate(post)
        post.save(update_fields=["body", "body_html", "edited_at"])
        post.mentions.set(mentioned)
        if post.number == 1:
            if changed_title:
                topic.title = title
                validate(topic)
                Topic.objects.filter(pk=topic.pk).update(title=title)
            if themes is not None:
                topic.themes.set(Theme.objects.filter(pk__in=[getattr(t, "pk", t) for t in themes]))
            if tags is not None:
                topic.tags.set(_clean_tags(tags))
        if by.pk != post.author_id:
            _log(by, ModerationAction.Action.EDIT, topic, post)
        _bump(topic)
        _publish(topic, "post.changed", post=post.pk, number=post.number)
        new_mentions = mentioned - previous_mentions
        if new_mentions:
            _notify_mentions(topic, post, new_mentions)
        _index([post])
    return post


@_fresh_rights
def post_delete(*, by, post: Post) -> Post:
    """Soft delete: the post stays for the record; deleting the opening post deletes the topic."""
    check_signed_in(by)
    with transaction.atomic():
        post, topic = _lock_post(post)
        permissions.check_delete_post(by, post)
        was_visible = topic.is_visible
        now = timezone.now()
        post.deleted_at, post.deleted_by = now, by
        post.save(update_fields=["deleted_at", "deleted_by"])
        if post.number == 1:
            topic.deleted_at = now
            Topic.objects.filter(pk=topic.pk).update(deleted_at=now)
        else:
            _recount(topic)
        if topic.accepted_post_id == post.pk:
            _set_accepted(topic, None)
        if by.pk != post.author_id:
            _log(by, ModerationAction.Action.DELETE, topic, post)
            _notify_moderated(topic, post, "forum.post_deleted", by=by)
        _sync_visibility(topic)
        _publish_post_change(topic, post, topic_was_visible=was_visible)
    return post


@_fresh_rights
def topic_set_status(*, by, topic: Topic, status: str) -> Topic:
    """Close or reopen a topic (a question with an accepted answer reopens as answered)."""
    if status not in (Topic.Status.OPEN, Topic.Status.CLOSED):
        refuse(_("Unknown status."), "status")
    with transaction.atomic():
        topic = _lock_topic(topic)
        permissions.check_change_status(by, topic)
        if status == Topic.Status.OPEN and topic.accepted_post_id:
            status = Topic.Status.ANSWERED
        if topic.status != status:
            topic.status = status
            Topic.objects.filter(pk=topic.pk).update(status=status)
            _bump(topic)
            _publish(topic, "topic.changed")
    return topic


def _set_accepted(topic: Topic, post: Post | None) -> None:
    topic.accepted_post = post
    if topic.status != Topic.Status.CLOSED:
        topic.status = Topic.Status.ANSWERED if post else Topic.Status.OPEN
    Topic.objects.filter(pk=topic.pk).update(accepted_post=post, status=topic.status)


@_fresh_rights
def answer_accept(*, by, post: Post) -> Topic:
    with transaction.atomic():
        post, topic = _lock_post(post)
        permissions.check_view_topic(by, topic)
        permissions.check_accept_answer(by, topic)
        if post.number == 1:
            refuse(_("The question itself cannot be its answer."), "opening")
        if post.deleted_at or post.hidden_at:
            refuse(_("This message is no longer shown."), "not_visible")
        if topic.accepted_post_id == post.pk:
            return topic
        _set_accepted(topic, post)
        _bump(topic)
        _publish(topic, "topic.changed", post=post.pk)
        if post.author_id != topic.author_id:
            notification_send(
                recipients=list(_readers(post.author_id, topic.space)),
                actor=topic.space,
                exclude=by,
                verb="forum.answer_accepted",
                target=topic,
                url=post.get_absolute_url(),
            )
    return topic


@_fresh_rights
def answer_unaccept(*, by, topic: Topic) -> Topic:
    with transaction.atomic():
        topic = _lock_topic(topic)
        permissions.check_accept_answer(by, topic)
        if topic.accepted_post_id is None:
            return topic
        _set_accepted(topic, None)
        _bump(topic)
        _publish(topic, "topic.changed")
    return topic


@_fresh_rights
def post_validate(*, by, post: Post, validated: bool = True) -> Post:
    """Mark (or unmark) a reply as expert-validated."""
    with transaction.atomic():
        post, topic = _lock_post(post)
        permissions.check_view_topic(by, topic)
        permissions.check_validate(by, topic.space)
        if post.number == 1:
            refuse(_("Only replies can be expert-validated."), "opening")
        if validated and (post.deleted_at or post.hidden_at):
            refuse(_("This message is no longer shown."), "not_visible")
        if bool(post.validated_at) == validated:
            return post
        post.validated_by = by if validated else None
        post.validated_at = timezone.now() if validated else None
        post.save(update_fields=["validated_by", "validated_at"])
        _bump(topic)
        _publish(topic, "post.changed", post=post.pk, number=post.number)
        if validated:
            notification_send(
                recipients=list(_readers(post.author_id, topic.space)),
                actor=by,
                verb="forum.answer_validated",
                target=topic,
                url=post.get_absolute_url(),
            )
    return post


@_fresh_rights
def vote_cast(*, user, post: Post) -> Post:
    check_signed_in(user)
    with transaction.atomic():
        post, topic = _lock_post(post)
        permissions.check_view_topic(user, topic)
        permissions.check_vote(user, post)
        if Vote.objects.filter(post=post, user=user).exists():
            refuse(_("You have already found this message helpful."), "already_voted")
        try:
            with transaction.atomic():
                Vote.objects.create(post=post, user=user)
        except IntegrityError:
            refuse(_("You have already found this message helpful."), "already_voted")
        Post.objects.filter(pk=post.pk).update(helpful_count=F("helpful_count") + 1)
        post.helpful_count += 1
        _bump(topic)
        _publish(topic, "post.voted", post=post.pk, helpful=post.helpful_count)
    return post


@_fresh_rights
def vote_withdraw(*, user, post: Post) -> Post:
    check_signed_in(user)
    with transaction.atomic():
        post, topic = _lock_post(post)
        deleted, _rows = Vote.objects.filter(post=post, user=user).delete()
        if not deleted:
            refuse(_("You had not voted for this message."), "not_voted")
        Post.objects.filter(pk=post.pk).update(helpful_count=F("helpful_count") - 1)
        post.helpful_count -= 1
        _bump(topic)
        _publish(topic, "post.voted", post=post.pk, helpful=post.helpful_count)
    return post


# --- Following and reading ---------------------------------------------------------------------


@_fresh_rights
def follow_set(*, user, topic: Topic | None = None, space: Space | None = None, on: bool) -> bool:
    """Follow or stop following a topic or a whole space; returns the new state."""
    check_signed_in(user)
    if (topic is None) == (space is None):
        raise ValueError("Follow a topic or a space.")
    if topic is not None:
        permissions.check_view_topic(user, topic)
        lookup = {"user": user, "topic": topic}
    else:
        permissions.check_follow(user, space)
        lookup = {"user": user, "space": space}
    if on:
        try:
            with transaction.atomic():
                Follow.objects.get_or_create(**lookup)
        except IntegrityError:
            pass  # Followed twice at once: the other request made the row.
    else:
        Follow.objects.filter(**lookup).delete()
    return on


def topic_mark_read(*, user, topic: Topic, number: int | None = None) -> None:
    """Remember how far the member has read, in one query, and never backwards.

    `topic.read_number` (from `selectors.access_topic`) says whether a row exists already.
    """
    if not (user and user.is_authenticated):
        return
    number = topic.last_number if number is None else min(number, topic.last_number)
    known = getattr(topic, "read_number", "unknown")
    if known is None:
        # First visit; a concurrent first visit makes the insert a no-op, not an error.
        TopicRead.objects.bulk_create(
            [TopicRead(user=user, topic=topic, last_number=number)], ignore_conflicts=True
        )
    elif known == "unknown" or known < number:
        updated = TopicRead.objects.filter(user=user, topic=topic, last_number__lt=number).update(
            last_number=number, visited_at=timezone.now()
        )
        if not updated and known == "unknown":
            TopicRead.objects.bulk_create(
                [TopicRead(user=user, topic=topic, last_number=number)], ignore_conflicts=True
            )


# --- Reports and moderation --------------------------------------------------------------------


@_fresh_rights
def report_create(*, reporter, post: Post, reason: str, comment: str = "") -> Report:
    """Report a post. Past the threshold of open reports, it is hidden pending review."""
    check_signed_in(reporter)
    if reason not in Report.Reason.values:
        refuse(_("Choose a reason."), "reason", "reason")
    with transaction.atomic():
        post, topic = _lock_post(post)
        permissions.check_view_topic(reporter, topic)
        permissions.check_report(reporter, post)
        if Report.objects.filter(post=post, reporter=reporter, resolved_at__isnull=True).exists():
            refuse(_("You have already reported this message."), "already_reported")
        report = Report(post=post, reporter=reporter, reason=reason, comment=comment.strip())
        validate(report)
        report.save()
        open_reports = Report.objects.filter(post=post, resolved_at__isnull=True).count()
        if open_reports == 1:
            notification_send(
                recipients=_moderators(topic.space),
                actor=topic.space,
                exclude=reporter,
                verb="forum.reported",
                target=topic,
                url=_reports_url(topic.space),
            )
        if open_reports >= report_threshold() and post.hidden_at is None:
            was_visible = topic.is_visible
            post.hidden_at, post.hidden_by = timezone.now(), None
            post.save(update_fields=["hidden_at", "hidden_by"])
            _log(
                None,
                ModerationAction.Action.AUTO_HIDE,
                topic,
                post,
                details={"reports": open_reports},
            )
            if topic.accepted_post_id == post.pk:
                _set_accepted(topic, None)
            _sync_visibility(topic)
            _publish_post_change(topic, post, topic_was_visible=was_visible)
            _notify_moderated(topic, post, "forum.post_auto_hidden", by=reporter)
    return report


@_fresh_rights
def post_hide(*, by, post: Post, reason: str = "") -> Post:
    with transaction.atomic():
        post, topic = _lock_post(post)
        permissions.check_moderate(by, topic.space)
        was_visible = topic.is_visible
        # Also a post the reports hid pending review: a moderator now hides it for good.
        if post.hidden_at is None or post.hidden_by_id is None:
            post.hidden_at, post.hidden_by = post.hidden_at or timezone.now(), by
            post.save(update_fields=["hidden_at", "hidden_by"])
            _log(by, ModerationAction.Action.HIDE, topic, post, reason=reason)
            _notify_moderated(topic, post, "forum.post_hidden", by=by)
        if topic.accepted_post_id == post.pk:
            _set_accepted(topic, None)
        _resolve_reports(by, post, Report.Outcome.HIDDEN)
        _sync_visibility(topic)
        _publish_post_change(topic, post, topic_was_visible=was_visible)
    return post


@_fresh_rights
def post_unhide(*, by, post: Post, reason: str = "") -> Post:
    with transaction.atomic():
        post, topic = _lock_post(post)
        permissions.check_moderate(by, topic.space)
        was_visible = topic.is_visible
        if post.hidden_at is not None:
            post.hidden_at, post.hidden_by = None, None
            post.save(update_fields=["hidden_at", "hidden_by"])
            _log(by, ModerationAction.Action.UNHIDE, topic, post, reason=reason)
            _notify_moderated(topic, post, "forum.post_unhidden", by=by)
        # Showing a post again closes its reports: reviewed and kept.
        _resolve_reports(by, post, Report.Outcome.DISMISSED)
        _sync_visibility(topic)
        _publish_post_change(topic, post, topic_was_visible=was_visible)
    return post


@_fresh_rights
def report_dismiss(*, by, post: Post) -> Post:
    """The reports were reviewed and the post stays (shown again if reports had hidden it)."""
    with transaction.atomic():
        post, topic = _lock_post(post)
        permissions.check_moderate(by, topic.space)
        if not _resolve_reports(by, post, Report.Outcome.DISMISSED):
            refuse(_("This message has no open report."), "no_report")
        _log(by, ModerationAction.Action.DISMISS, topic, post)
        if post.hidden_at is not None and post.hidden_by_id is None:
            was_visible = topic.is_visible
            post.hidden_at = None
            post.save(update_fields=["hidden_at"])
            _notify_moderated(topic, post, "forum.post_unhidden", by=by)
            _sync_visibility(topic)
            _publish_post_change(topic, post, topic_was_visible=was_visible)
    return post


@_fresh_rights
def topic_lock(*, by, topic: Topic, locked: bool, reason: str = "") -> Topic:
    with transaction.atomic():
        topic = _lock_topic(topic)
        permissions.check_moderate(by, topic.space)
        if topic.is_locked != locked:
            topic.is_locked = locked
            Topic.objects.filter(pk=topic.pk).update(is_locked=locked)
            action = ModerationAction.Action.LOCK if locked else ModerationAction.Action.UNLOCK
            _log(by, action, topic, None, reason=reason)
            if locked:
                opening = topic.posts.get(number=1)
                _notify_moderated(topic, opening, "forum.topic_locked", by=by)
            _bump(topic)
            _publish(topic, "topic.changed")
    return topic


@_fresh_rights
def topic_pin(*, by, topic: Topic, pinned: bool) -> Topic:
    with transaction.atomic():
        topic = _lock_topic(topic)
        permissions.check_moderate(by, topic.space)
        if topic.is_pinned != pinned:
            topic.is_pinned = pinned
            Topic.objects.filter(pk=topic.pk).update(is_pinned=pinned)
            action = ModerationAction.Action.PIN if pinned else ModerationAction.Action.UNPIN
            _log(by, action, topic, None)
            _bump(topic)
            _publish(topic, "topic.changed")
    return topic


@_fresh_rights
def topic_move(*, by, topic: Topic, to_space: Space, reason: str = "") -> Topic:
    """Move a topic to another space: the mover must moderate both."""
    with transaction.atomic():
        topic = _lock_topic(topic)
        permissions.check_moderate(by, topic.space)
        if not permissions.can_moderate(by, to_space):
            refuse(
                _("You can only move a topic into a space you moderate."), "to_space", "to_space"
            )
        if to_space.pk == topic.space_id:
            refuse(_("The topic is already in this space."), "same_space", "to_space")
        from_space = topic.space
        topic.space = to_space
        Topic.objects.filter(pk=topic.pk).update(space=to_space)
        Post.objects.filter(topic=topic).update(space=to_space)
        # Both spaces' logs show the move.
        # The old space's log names the new one only if that one is not private.
        private = to_space.visibility == Space.Visibility.PRIVATE
        for space in (from_space, to_space):
            details = {
                "from": from_space.name,
                "to": "" if private and space == from_space else to_space.name,
            }
            _log(
                by,
                ModerationAction.Action.MOVE,
                topic,
                None,
                reason=reason,
                details=details,
                space=space,
            )
        _bump(topic)
        _publish(topic, "topic.changed")
        # Pages of the old space's list drop it; open topic pages re-check who may still follow.
        realtime.publish_event(
            group=space_group(from_space.pk),
            stream=f"space:{from_space.pk}",
            event="topic.activity",
            data={"topic": topic.pk},
        )
        realtime.publish_after_commit(topic_group(topic.pk), {"type": "access.changed"})
        opening = topic.posts.get(number=1)
        _notify_moderated(topic, opening, "forum.topic_moved", by=by)
        # Images follow their posts: they are shown to whoever may read the new space.
        keys = set()
        for body in topic.posts.values_list("body", flat=True):
            keys.update(IMAGE_KEY.findall(body))
        Image.objects.filter(key__in=keys, space=from_space).update(space=to_space)
        _index(topic.posts.select_related("topic"))
    return topic


@_fresh_rights
def image_upload(*, by, space: Space, file) -> Image:
    """An image for a post in `space`; shown only to those who may read the space."""
    check_signed_in(by)
    permissions.check_post_in(by, space)
    image = Image(space=space, uploaded_by=by, file=file)
    validate(image)
    image.save()
    return image


# --- Helpers -----------------------------------------------------------------------------------


def _readers(user_id: int, space: Space):
    return selectors.readers_among(User.objects.filter(pk=user_id), space)


def _recount(topic: Topic) -> None:
    count = Post.objects.filter(
        topic=topic, number__gt=1, deleted_at__isnull=True, hidden_at__isnull=True
    ).count()
    topic.reply_count = count
    Topic.objects.filter(pk=topic.pk).update(reply_count=count)


def _sync_visibility(topic: Topic) -> None:
    """Bring the topic's and its posts' visibility flags in line with their states."""
    opening = topic.posts.get(number=1)
    topic.is_hidden = opening.hidden_at is not None
    topic.deleted_at = opening.deleted_at
    Topic.objects.filter(pk=topic.pk).update(is_hidden=topic.is_hidden, deleted_at=topic.deleted_at)
    posts = Post.objects.filter(topic=topic)
    shown = Q(deleted_at__isnull=True, hidden_at__isnull=True) if topic.is_visible else Q(pk__in=[])
    to_show = list(posts.filter(shown, is_visible=False).values_list("pk", flat=True))
    to_hide = list(posts.exclude(shown).filter(is_visible=True).values_list("pk", flat=True))
    posts.filter(pk__in=to_show).update(is_visible=True)
    posts.filter(pk__in=to_hide).update(is_visible=False)
    _index(posts.filter(pk__in=to_show + to_hide))
    _recount(topic)


def _resolve_reports(by, post: Post, outcome: str) -> int:
    return Report.objects.filter(post=post, resolved_at__isnull=True).update(
        resolved_at=timezone.now(), resolved_by=by, outcome=outcome
    )


def _log(by, action, topic, post, *, reason: str = "", details=None, space=None) -> None:
    ModerationAction.objects.create(
        space=space or topic.space,
        actor=by,
        action=action,
        topic=topic,
        post=post,
        reason=reason[:500],
        details=details or {},
    )


def _moderators(space: Space) -> list[User]:
    from community.services.spaces import _managers

    return _managers(space)


def _reports_url(space: Space) -> str:
    from django.urls import reverse

    return reverse("forum:reports", kwargs={"slug": space.slug})


def _as_actor(topic: Topic, post: Post) -> dict:
    """Who a notification names: the pseudonym, never the person, for the confidential asker."""
    if topic.is_confidential and post.author_id == topic.author_id:
        return {"actor": topic.space, "actor_label": topic.pseudonym, "exclude": post.author}
    return {"actor": post.author}


def _notify(topic: Topic, post: Post, recipients, verb: str, url: str | None = None) -> None:
    """Notify of something `post` did, naming its author as the topic allows (a pseudonym)."""
    notification_send(
        recipients=list(recipients),
        verb=verb,
        target=topic,
        url=url or post.get_absolute_url(),
        **_as_actor(topic, post),
    )


def _notify_mentions(topic: Topic, post: Post, user_ids: set[int]) -> None:
    mentioned = selectors.readers_among(User.objects.filter(pk__in=user_ids), topic.space)
    _notify(topic, post, mentioned, "forum.mention")


def _notify_new_topic(topic: Topic, post: Post, mentioned: set[int]) -> None:
    _notify_mentions(topic, post, mentioned)
    followers = selectors.space_followers(space=topic.space).exclude(pk__in=mentioned)
    _notify(topic, post, followers, "forum.topic_in_followed_space", topic.get_absolute_url())


def _notify_reply(topic: Topic, post: Post, mentioned: set[int]) -> None:
    _notify_mentions(topic, post, mentioned)
    asker = _readers(topic.author_id, topic.space).exclude(pk__in=mentioned)
    _notify(topic, post, asker, "forum.reply_to_topic")
    others = selectors.followers(topic=topic).exclude(pk__in={topic.author_id, *mentioned})
    _notify(topic, post, others, "forum.reply_in_followed")


def _notify_moderated(topic: Topic, post: Post, verb: str, *, by) -> None:
    """Tell a post's author what the moderators did, if the author may still read the space."""
    author = selectors.readers_among(User.objects.filter(pk=post.author_id), topic.space)
    notification_send(
        recipients=list(author),
        actor=topic.space,
        exclude=by,
        verb=verb,
        target=topic,
        url=post.get_absolute_url(),
    )


__all__ = [
    "answer_accept",
    "answer_unaccept",
    "follow_set",
    "image_upload",
    "post_create",
    "post_delete",
    "post_edit",
    "post_hide",
    "post_unhide",
    "post_validate",
    "report_create",
    "report_dismiss",
    "topic_create",
    "topic_lock",
    "topic_mark_read",
    "topic_move",
    "topic_pin",
    "topic_set_status",
    "vote_cast",
    "vote_withdraw",
    "PermissionDenied",
    "ValidationError",
]
