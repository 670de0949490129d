"""Reads for the forum: what a member may see, shaped for pages in a fixed number of queries.

Every name shown beside a topic or a post goes through `Byline`: a pseudonymous asker is
named by the pseudonym, and only `permissions.can_see_author` adds who it really is. Templates
never read `author` themselves.
"""

import re
from dataclasses import dataclass

from django.db import connection
from django.db.models import Case, Count, Exists, OuterRef, Prefetch, Q, QuerySet, Subquery, When
from django.http import Http404
from django.urls import reverse
from wagtail.search.backends import get_search_backend
from wagtail.search.query import Or, PlainText

from community.library.citations import Citation
from community.models import Membership, Profile, Space, User
from community.selectors import spaces_visible_to

from . import permissions
from .models import POSTS_PER_PAGE, Follow, ModerationAction, Post, Report, Topic, TopicRead, Vote
from .permissions import Roles, _signed_in, roles_of

PAGE_SIZE = 25
SEARCH_WINDOW = 1000  # best-ranked posts considered before permission filters and grouping


# --- Bylines -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Byline:
    name: str
    url: str | None = None
    pseudonymous: bool = False
    # The real name behind a pseudonym, for the few who may know it.
    revealed: str | None = None


def byline(*, author: User, topic: Topic, viewer, roles: Roles) -> Byline:
    """How `author`, writing in `topic`, is named for `viewer`."""
    if topic.is_confidential and author.pk == topic.author_id:
        may_know = _signed_in(viewer) and (
            viewer.pk == author.pk or roles.may_reveal(topic.space_id)
        )
        return Byline(
            name=topic.pseudonym,
            pseudonymous=True,
            revealed=author.profile.display_name if may_know else None,
        )
    profile = author.profile
    return Byline(
        name=profile.display_name,
        url=reverse("community:profile_detail", kwargs={"profile_id": profile.pk})
        if _signed_in(viewer)
        else None,
    )


# --- Topics ------------------------------------------------------------------------------------


def access_topic(*, user, topic_id: int) -> Topic:
    """The topic if the user may see it; otherwise 404, as if it did not exist.

    It comes with the reader's state in the same query: `read_number` (None before a first
    visit), `following` and `following_space`.
    """
    topics = Topic.objects.select_related("space__cluster", "author__profile", "accepted_post")
    if _signed_in(user):
        topics = topics.annotate(
            read_number=Subquery(
                TopicRead.objects.filter(user=user, topic=OuterRef("pk")).values("last_number")[:1]
            ),
            following=Exists(Follow.objects.filter(user=user, topic=OuterRef("pk"))),
            following_space=Exists(Follow.objects.filter(user=user, space=OuterRef("space_id"))),
        )
    topic = topics.filter(pk=topic_id).first()
    if topic is None or not permissions.can_view_topic(user, topic):
        raise Http404
    return topic


def access_post(*, user, post_id: int) -> Post:
    post = (
        Post.objects.select_related("topic__space__cluster", "author__profile")
        .filter(pk=post_id)
        .first()
    )
    if post is None or not permissions.can_view_topic(user, post.topic):
        raise Http404
    return post


def topics_visible_to(user) -> QuerySet[Topic]:
    """Topics anyone who may read their space sees: not deleted, not hidden."""
    return Topic.objects.filter(
        space__in=spaces_visible_to(user), deleted_at__isnull=True, is_hidden=False
    )


@dataclass
class TopicFilters:
    space: Space | None = None
    spaces: str = ""  # "mine": the spaces I am an active member of
    show: str = ""  # "", "unanswered", "mine", "followed"
    theme: str = ""
    status: str = ""
    kind: str = ""


def topic_list(*, user, filters: TopicFilters) -> QuerySet[Topic]:
    topics = topics_visible_to(user)
    if filters.space is not None:
        topics = topics.filter(space=filters.space)
    elif filters.spaces == "mine" and _signed_in(user):
        topics = topics.filter(
            space__memberships__user=user, space__memberships__state=Membership.State.ACTIVE
        )
    if filters.show == "unanswered":
        topics = topics.filter(
            kind=Topic.Kind.QUESTION, status=Topic.Status.OPEN, accepted_post__isnull=True
        )
    elif filters.show == "mine" and _signed_in(user):
        topics = topics.filter(author=user)
    elif filters.show == "followed" and _signed_in(user):
        topics = topics.filter(
            Q(follows__user=user)
            | Q(space__in=Follow.objects.filter(user=user, space__isnull=False).values("space"))
        )
    if filters.theme:
        topics = topics.filter(themes__slug=filters.theme)
    if filters.status in Topic.Status.values:
        topics = topics.filter(status=filters.status)
    if filters.kind in Topic.Kind.values:
        topics = topics.filter(kind=filters.kind)
    topics = topics.select_related("space", "author__profile").prefetch_related("themes")
    if _signed_in(user):
        topics = topics.annotate(
            read_number=Subquery(
                TopicRead.objects.filter(user=user, topic=OuterRef("pk")).values("last_number")[:1]
            ),
            followed=Exists(Follow.objects.filter(user=user, topic=OuterRef("pk"))),
        )
    order = (
        ["-is_pinned", "-last_activity_at", "-pk"]
        if filters.space
        else ["-last_activity_at", "-pk"]
    )
    return topics.distinct().order_by(*order)


def decorate_topics(topics, *, user) -> list[Topic]:
    """Attach each topic's byline and unread state (after pagination: no query per topic)."""
    roles = roles_of(user)
    rows = list(topics)
    for topic in rows:
        topic.byline = byline(author=topic.author, topic=topic, viewer=user, roles=roles)
        read = getattr(topic, "read_number", None)
        topic.is_new = _signed_in(user) and read is None and topic.author_id != user.pk
        topic.unread = 0 if read is None else max(0, topic.last_number - read)
    return rows


def waiting_questions(*, user) -> QuerySet[Topic]:
    """Questions still waiting for an accepted answer in the spaces the user moderates, oldest
    first, with the age the animators' view shows."""
    roles = roles_of(user)
    topics = topics_visible_to(user).filter(
        kind=Topic.Kind.QUESTION, status=Topic.Status.OPEN, accepted_post__isnull=True
    )
    if not roles.staff:
        topics = topics.filter(space_id__in=roles.moderated)
    return topics.select_related("space", "author__profile").order_by("created_at", "pk")


# --- A topic's page ----------------------------------------------------------------------------


@dataclass
class TopicPage:
    topic: Topic
    opening: Post | None
    posts: list[Post]
    page: object  # the paginator page of replies
    sort: str
    voted: set[int]
    read_before: int | None  # the last number read before this visit (None: first visit)
    following: bool
    following_space: bool
    roles: Roles
    first_new: int | None = None  # the first reply written since the last visit, if shown


class _KnownCount:
    """The replies of a topic for the paginator: numbers have no gaps (deleted posts keep their
    place), so the count is the topic's `last_number - 1` and needs no COUNT query. The first
    page also brings the opening post, sorted first, in the same query."""

    def __init__(self, posts, count: int):
        self.posts = posts
        self._count = count

    def count(self) -> int:
        return self._count

    def __len__(self) -> int:
        return self._count

    def __getitem__(self, item):
        # Paginator slices [bottom:top] over replies; the opening post sits before them.
        return list(self.posts[item.start + 1 : item.stop + 1])


def topic_page(*, user, topic: Topic, sort: str = "date", page_number=1) -> TopicPage:
    """Everything a topic page shows, in a fixed number of queries whatever its length."""
    from django.core.paginator import Paginator

    roles = roles_of(user)
    if _signed_in(user) and not hasattr(topic, "read_number"):
        # A topic not read through access_topic: fetch the reader's state now.
        topic = access_topic(user=user, topic_id=topic.pk)
    sort = sort if sort == "votes" else "date"
    posts = Post.objects.filter(topic=topic).select_related("author__profile")
    if _signed_in(user):
        posts = posts.annotate(voted=Exists(Vote.objects.filter(post=OuterRef("pk"), user=user)))
    # The opening post first, then the replies in the chosen order.
    opening_first = Case(When(number=1, then=0), default=1)
    order = ("-helpful_count", "number") if sort == "votes" else ("number",)
    posts = posts.order_by(opening_first, *order)
    page = Paginator(_KnownCount(posts, max(0, topic.last_number - 1)), POSTS_PER_PAGE).get_page(
        page_number
    )
    if page.number == 1:
        bottom = 0
        rows = list(posts[: POSTS_PER_PAGE + 1])
    else:
        bottom = 1 + (page.number - 1) * POSTS_PER_PAGE
        rows = [*posts[:1], *posts[bottom : bottom + POSTS_PER_PAGE]]
    opening = rows[0] if rows and rows[0].number == 1 else None
    replies = rows[1:] if opening else rows
    page.object_list = replies
    voted = {post.pk for post in rows if getattr(post, "voted", False)}
    read_before = getattr(topic, "read_number", None)
    for post in rows:
        decorate_post(post, topic=topic, user=user, roles=roles, voted=voted)
    first_new = None
    if read_before is not None and sort == "date":
        first_new = next((post.number for post in replies if post.number > read_before), None)
    return TopicPage(
        first_new=first_new,
        topic=topic,
        opening=opening,
        posts=replies,
        page=page,
        sort=sort,
        voted=voted,
        read_before=read_before,
        following=bool(getattr(topic, "following", False)),
        following_space=bool(getattr(topic, "following_space", False)),
        roles=roles,
    )


def decorate_post(post: Post, *, topic: Topic, user, roles: Roles, voted: set[int]) -> Post:
    """What a template needs to show one post to this viewer, computed without queries."""
    post.topic = topic  # the topic the caller already holds, with its space
    moderator = roles.moderates(topic.space_id)
    mine = _signed_in(user) and post.author_id == user.pk
    post.byline = byline(author=post.author, topic=topic, viewer=user, roles=roles)
    post.readable = post.deleted_at is None and (post.hidden_at is None or moderator or mine)
    post.is_accepted = topic.accepted_post_id == post.pk
    post.voted = post.pk in voted
    post.mine = mine
    post.can_edit = post.readable and permissions.can_edit_post(user, post)
    post.can_delete = permissions.can_delete_post(user, post)
    post.can_vote = permissions.can_vote(user, post)
    post.can_report = permissions.can_report(user, post)
    post.can_accept = (
        post.number > 1 and post.readable and permissions.can_accept_answer(user, topic)
    )
    post.can_validate = (
        post.number > 1 and post.readable and permissions.can_validate(user, topic.space)
    )
    post.can_moderate = moderator
    return post


def post_fragment(*, user, post: Post) -> Post:
    roles = roles_of(user)
    voted = set()
    if _signed_in(user):
        voted = set(Vote.objects.filter(user=user, post=post).values_list("post_id", flat=True))
    return decorate_post(post, topic=post.topic, user=user, roles=roles, voted=voted)


def post_history(*, post: Post):
    return post.revisions.select_related("edited_by__profile")


# --- Mentions ----------------------------------------------------------------------------------


def mentionable(*, space: Space, handles: set[str]) -> dict[str, tuple[str, str, int]]:
    """handle -> (profile URL, display name, user id) for the space's active members named."""
    if not handles:
        return {}
    rows = Profile.objects.filter(
        handle__in=handles,
        user__is_active=True,
        user__memberships__space=space,
        user__memberships__state=Membership.State.ACTIVE,
    ).values_list("handle", "pk", "display_name", "user_id")
    return {
        handle: (reverse("community:profile_detail", kwargs={"profile_id": pk}), name, user_id)
        for handle, pk, name, user_id in rows
    }


def mention_candidates(*, space: Space, prefix: str, limit: int = 8) -> list[Profile]:
    """Autocomplete: the space's active members whose name or handle starts with `prefix`."""
    prefix = prefix.strip().lstrip("@")[:40]
    members = Profile.objects.filter(
        user__is_active=True,
        handle__isnull=False,
        user__memberships__space=space,
        user__memberships__state=Membership.State.ACTIVE,
    )
    if prefix:
        members = members.filter(
            Q(handle__istartswith=prefix)
            | Q(display_name__istartswith=prefix)
            | Q(display_name__icontains=f" {prefix}")
        )
    return list(members.order_by("display_name")[:limit])


# --- Follows and readers -----------------------------------------------------------------------


def readers_among(users: QuerySet[User], space: Space) -> QuerySet[User]:
    """The users of `users` who may read `space` now: the queryset twin of can_view_space."""
    users = users.filter(is_active=True)
    if space.visibility != Space.Visibility.PRIVATE:
        return users
    return users.filter(
        Q(memberships__space=space, memberships__state=Membership.State.ACTIVE)
        | Q(animated_clusters=space.cluster_id)
        | Q(is_staff=True)
    ).distinct()


def followers(*, topic: Topic) -> QuerySet[User]:
    """Those who follow the topic or its space and may still read it."""
    follower_ids = Follow.objects.filter(Q(topic=topic) | Q(space_id=topic.space_id)).values(
        "user_id"
    )
    return readers_among(User.objects.filter(pk__in=follower_ids), topic.space)


def space_followers(*, space: Space) -> QuerySet[User]:
    return readers_among(
        User.objects.filter(pk__in=Follow.objects.filter(space=space).values("user_id")), space
    )


# --- Moderation --------------------------------------------------------------------------------


def reports_queue(*, space: Space) -> QuerySet[Post]:
    """Posts with open reports in the space, most reported first, with their reports."""
    return (
        Post.objects.filter(topic__space=space, reports__resolved_at__isnull=True)
        .annotate(
            open_reports=Count(
                "reports", filter=Q(reports__resolved_at__isnull=True), distinct=True
            )
        )
        .select_related("topic__space", "author__profile")
        .prefetch_related(
            Prefetch(
                "reports",
                queryset=Report.objects.filter(resolved_at__isnull=True).select_related(
                    "reporter__profile"
                ),
                to_attr="open_report_list",
            )
        )
        .order_by("-open_reports", "created_at")
    )


def moderation_log(*, space: Space) -> QuerySet[ModerationAction]:
    return ModerationAction.objects.filter(space=space).select_related(
        "actor__profile", "topic", "post"
    )


def open_report_count(*, space: Space) -> int:
    return Report.objects.filter(post__topic__space=space, resolved_at__isnull=True).count()


# --- Search ------------------------------------------------------------------------------------


@dataclass
class SearchFilters:
    space: str = ""  # slug
    theme: str = ""
    status: str = ""
    answered: str = ""  # "", "yes", "no"


@dataclass
class SearchHit:
    topic: Topic
    post: Post  # the best-ranked visible post of the topic


def search_words(text: str) -> list[str]:
    return re.findall(r"\w+", text or "")


def search(*, user, query: str, filters: SearchFilters, limit: int = 50) -> list[SearchHit]:
    """Full text over the posts the user may read (Wagtail's search backend), best topic first.

    The index filters on the posts' own space and visibility; theme, status and answered
    apply to the topics of the best-ranked window, and each topic shows once, with its best post.
    """
    # Words only: the SQLite full-text syntax would choke on a stray quote or operator.
    query = " ".join(search_words(query))[:200]
    if not query:
        return []
    spaces = spaces_visible_to(user)
    if filters.space:
        spaces = spaces.filter(slug=filters.space)
    space_ids = list(spaces.values_list("pk", flat=True))
    if not space_ids:
        return []
    candidates = Post.objects.filter(space_id__in=space_ids, is_visible=True)
    window = [(post.pk, post.topic_id) for post in _full_text(query, candidates)[:SEARCH_WINDOW]]
    if not window:
        return []
    topics = topics_visible_to(user).filter(pk__in={topic_id for _pk, topic_id in window})
    if filters.theme:
        topics = topics.filter(themes__slug=filters.theme)
    if filters.status in Topic.Status.values:
        topics = topics.filter(status=filters.status)
    if filters.answered == "yes":
        topics = topics.filter(accepted_post__isnull=False)
    elif filters.answered == "no":
        topics = topics.filter(accepted_post__isnull=True)
    allowed = set(topics.values_list("pk", flat=True))
    # The best post of each allowed topic, in ranked order, then only those rows in full.
    best: dict[int, int] = {}
    for post_id, topic_id in window:
        if topic_id in allowed and topic_id not in best:
            best[topic_id] = post_id
            if len(best) >= limit:
                break
    posts = Post.objects.filter(pk__in=best.values()).select_related(
        "topic__space", "topic__author__profile", "author__profile"
    )
    by_id = {post.pk: post for post in posts}
    roles = roles_of(user)
    hits: list[SearchHit] = []
    for post_id in best.values():
        post = by_id[post_id]
        topic = post.topic
        topic.byline = byline(author=topic.author, topic=topic, viewer=user, roles=roles)
        hits.append(SearchHit(topic=topic, post=post))
    return hits


def _full_text(query, candidates):
    """Wagtail's full-text search over `candidates`, ranked by relevance on PostgreSQL.

    SQLite's backend scores relevance with a subquery per match, whose cost grows with the
    square of the matches (seconds on a large forum); there, the embedded mode lists the
    newest matches first instead.
    """
    if connection.vendor == "postgresql":
        return get_search_backend().search(query, candidates)
    return get_search_backend().search(query, candidates.order_by("-id"), order_by_relevance=False)


def similar_topics(*, user, title: str, limit: int = 5) -> list[Topic]:
    """Questions like the one being typed: topics whose opening post or title match its words."""
    words = [word for word in search_words(title) if len(word) > 2][:12]
    if len(words) < 2:
        return []
    space_ids = list(spaces_visible_to(user).values_list("pk", flat=True))
    candidates = Post.objects.filter(space_id__in=space_ids, is_visible=True, number=1)
    # Any of the words: a new question rarely repeats an old one word for word.
    query = Or([PlainText(word) for word in words])
    ordered = [post.topic_id for post in _full_text(query, candidates)[: limit * 2]]
    found = {
        t.pk: t for t in topics_visible_to(user).filter(pk__in=ordered).select_related("space")
    }
    return [found[pk] for pk in ordered if pk in found][:limit]


def library_citations(user, page) -> list[Citation]:
    """Topics that link to a library item, for its page (the library's citation source).

    A topic cites the item when one of its readable posts contains the item's address path
    (`/library/<slug>/`, also inside a full URL or the item's PDF link); only topics the
    user may read count. Cost: one query, with the newest ten. The `LIKE '%path%'` cannot
    use an index, so it reads the body of every visible post in the spaces the user sees:
    linear in the forum's size, which stays small beside the library's reads.
    """
    path = page.get_url()
    if not path:
        return []
    citing = Exists(Post.objects.filter(topic=OuterRef("pk"), is_visible=True, body__contains=path))
    topics = (
        topics_visible_to(user)
        .filter(citing)
        .select_related("space")
        .order_by("-last_activity_at", "-pk")[:10]
    )
    return [
        Citation("topic", topic.title, topic.get_absolute_url(), detail=topic.space.name)
        for topic in topics
    ]
