"""Fixtures and helpers shared by the forum tests.

Test modules load the fixtures with `from tests.forum.forum_fixtures import *` and import the
plain helpers (`join`, `ask`, `reply`…) by name.
"""

import io

import pytest
from django.contrib.contenttypes.models import ContentType
from notifications.models import Notification
from PIL import Image as PillowImage
from taggit.models import TaggedItem

from community.models import Membership, User
from forum import services
from forum.models import (
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
from tests.factories import MembershipFactory, UserFactory

__all__ = ["answered", "answerer", "asker", "forum_state", "moderator", "outsider", "topic"]

QUESTION = "Comment calculer l'index égalité professionnelle ?"
BODY = "Par où **commencer** avec les indicateurs ?"


def join(space, user=None, *, role=Membership.Role.MEMBER, state=Membership.State.ACTIVE, name=""):
    """`user` (or a new member called `name`) in `space` with this role and state."""
    if user is None:
        user = UserFactory(**({"profile__display_name": name} if name else {}))
    MembershipFactory(space=space, user=user, role=role, state=state)
    return user


def ask(author, space, *, title=QUESTION, body=BODY, **kwargs) -> Topic:
    return services.topic_create(author=author, space=space, title=title, body=body, **kwargs)


def reply(author, topic, body="Voir le guide de l'URSSAF, il est très clair.") -> Post:
    return services.post_create(author=author, topic=topic, body=body)


def opening(topic) -> Post:
    return Post.objects.get(topic=topic, number=1)


def fresh(instance):
    instance.refresh_from_db()
    return instance


def verbs_for(user) -> list[str]:
    return list(
        Notification.objects.filter(recipient=user).order_by("pk").values_list("verb", flat=True)
    )


def png_bytes() -> bytes:
    buffer = io.BytesIO()
    PillowImage.new("RGB", (4, 4), "purple").save(buffer, format="PNG")
    return buffer.getvalue()


def points_to(notification, user) -> bool:
    """Whether a notification's actor or target is this user (a generic relation)."""
    user_type = ContentType.objects.get_for_model(User)
    return any(
        content_type_id == user_type.pk and str(object_id) == str(user.pk)
        for content_type_id, object_id in (
            (notification.actor_content_type_id, notification.actor_object_id),
            (notification.target_content_type_id, notification.target_object_id),
        )
    )


# --- People -----------------------------------------------------------------------------------


@pytest.fixture
def asker(open_space, member):
    """Claire Martin, an active member of the public space."""
    return join(open_space, member)


@pytest.fixture
def answerer(open_space, other_member):
    """Yasmine Benali, another active member of the public space."""
    return join(open_space, other_member)


@pytest.fixture
def moderator(open_space):
    return join(open_space, role=Membership.Role.MODERATOR, name="Mona Moderatrice")


@pytest.fixture
def outsider(db):
    """Signed up, member of no space."""
    return UserFactory(profile__display_name="Oscar Outsider")


@pytest.fixture
def topic(asker, open_space) -> Topic:
    return ask(asker, open_space)


@pytest.fixture
def answered(topic, answerer) -> Post:
    """A reply by the answerer to the asker's question."""
    return reply(answerer, topic)


# --- What a refusal must leave alone ----------------------------------------------------------


@pytest.fixture
def forum_state(db):
    """A callable returning every forum row (and notification) a refused call must not touch."""

    def state():
        return {
            "topics": list(
                Topic.objects.order_by("pk").values_list(
                    "pk",
                    "space_id",
                    "title",
                    "kind",
                    "status",
                    "pseudonym",
                    "accepted_post_id",
                    "is_pinned",
                    "is_locked",
                    "is_hidden",
                    "deleted_at",
                    "last_number",
                    "revision",
                    "reply_count",
                    "last_activity_at",
                )
            ),
            "posts": list(
                Post.objects.order_by("pk").values_list(
                    "pk",
                    "topic_id",
                    "space_id",
                    "number",
                    "body",
                    "body_html",
                    "helpful_count",
                    "validated_at",
                    "hidden_at",
                    "deleted_at",
                    "edited_at",
                    "is_visible",
                )
            ),
            "mentions": list(Post.mentions.through.objects.order_by("pk").values_list()),
            "themes": list(Topic.themes.through.objects.order_by("pk").values_list()),
            "tags": list(TaggedItem.objects.order_by("pk").values_list("object_id", "tag__name")),
            "revisions": list(PostRevision.objects.order_by("pk").values_list()),
            "votes": list(Vote.objects.order_by("pk").values_list("pk", "post_id", "user_id")),
            "follows": list(Follow.objects.order_by("pk").values_list()),
            "reads": list(
                TopicRead.objects.order_by("pk").values_list("pk", "topic_id", "last_number")
            ),
            "reports": list(Report.objects.order_by("pk").values_list()),
            "log": list(ModerationAction.objects.order_by("pk").values_list()),
            "images": list(Image.objects.order_by("pk").values_list("pk", "space_id")),
            "notifications": list(
                Notification.objects.order_by("pk").values_list("pk", "recipient_id", "verb")
            ),
        }

    return state
