"""The forum's stream on the per-tab socket: `topic:<id>` (see docs/realtime.md).

Events carry ids, numbers, counts and the topic's revision, never text or names; the page
fetches the fragment it needs through the views, under the same permission checks. The
`subscribed` and `pong` frames carry the current revision, so a page that missed something
(a dropped connection, a restart) sees the gap and refetches.
"""

from community.permissions import forget_memberships
from community.realtime import StreamKind, register_stream

from .models import Topic
from .permissions import can_view_topic
from .services import topic_group


def _topic(key: str) -> Topic | None:
    return Topic.objects.select_related("space__cluster").filter(pk=int(key)).first()


def _may_follow(user, key: str) -> bool:
    topic = _topic(key)
    if topic is None:
        return False
    forget_memberships(user)
    return can_view_topic(user, topic)


def _state(user, key: str) -> dict:
    revision = Topic.objects.filter(pk=int(key)).values_list("revision", flat=True).first()
    return {"revision": revision or 0}


def register() -> None:
    register_stream(
        "topic",
        StreamKind(
            authorise=_may_follow,
            group=lambda user, key: topic_group(int(key)),
            state=_state,
        ),
    )
