import pytest
from django.core.cache import cache
from notifications.models import Notification

from community import realtime
from community.models import Invitation, Membership, Space
from tests.factories import ClusterFactory, MembershipFactory, SpaceFactory, UserFactory


def _clear_cache():
    """Empty this test process's cache. On Redis, `cache.clear()` is FLUSHDB, which would also
    wipe the channel layer and the cache of parallel workers: delete only our own keys."""
    client = getattr(cache, "_cache", None)
    if client is not None and hasattr(client, "get_client"):
        redis = client.get_client(write=True)
        keys = list(redis.scan_iter(match=f"{cache.key_prefix}:*"))
        if keys:
            redis.delete(*keys)
    else:
        cache.clear()


@pytest.fixture(autouse=True)
def _isolated_cache():
    """Rate limits and presence live in the cache; each test starts with it empty."""
    _clear_cache()
    yield
    _clear_cache()


@pytest.fixture
def member(db):
    return UserFactory(profile__display_name="Claire Martin")


@pytest.fixture
def other_member(db):
    return UserFactory(profile__display_name="Yasmine Benali")


@pytest.fixture
def staff(db):
    return UserFactory(is_staff=True, is_superuser=True, profile__display_name="Admin")


@pytest.fixture
def cluster(db):
    return ClusterFactory(name="Cluster Égalité Bretagne")


@pytest.fixture
def animator(db, cluster):
    user = UserFactory(profile__display_name="Anne Animatrice")
    cluster.animators.add(user)
    return user


def _space_with_animator(animator, cluster, **kwargs) -> Space:
    space = SpaceFactory(cluster=cluster, **kwargs)
    MembershipFactory(space=space, user=animator, role=Membership.Role.ANIMATOR)
    return space


@pytest.fixture
def open_space(animator, cluster):
    return _space_with_animator(animator, cluster, name="Recrutement inclusif")


@pytest.fixture
def request_space(animator, cluster):
    return _space_with_animator(
        animator,
        cluster,
        name="Référentes égalité",
        visibility=Space.Visibility.MEMBERS,
        join_policy=Space.JoinPolicy.REQUEST,
    )


@pytest.fixture
def private_space(animator, cluster):
    return _space_with_animator(
        animator,
        cluster,
        name="Comité de pilotage",
        visibility=Space.Visibility.PRIVATE,
        join_policy=Space.JoinPolicy.INVITATION,
    )


# --- Community services: what a refusal must leave alone, what a commit publishes -------------


@pytest.fixture
def published(monkeypatch):
    """The messages the services hand to the channel layer, as (group, message) pairs.

    Services publish in `transaction.on_commit`; wrap the call in
    `django_capture_on_commit_callbacks(execute=True)` for the hooks to run.
    """
    sent = []
    monkeypatch.setattr(realtime, "send_now", lambda group, message: sent.append((group, message)))
    return sent


@pytest.fixture
def db_state(db):
    """A callable returning the rows a refused service call must leave exactly as they were."""

    def state():
        return {
            "spaces": list(Space.objects.order_by("pk").values_list("pk", "name", "slug")),
            "memberships": list(
                Membership.objects.order_by("pk").values_list(
                    "pk", "space_id", "user_id", "state", "role", "message"
                )
            ),
            "invitations": list(
                Invitation.objects.order_by("pk").values_list(
                    "pk", "email", "role", "accepted_at", "revoked_at"
                )
            ),
            "notifications": list(
                Notification.objects.order_by("pk").values_list("pk", "recipient_id", "unread")
            ),
        }

    return state


@pytest.fixture
def other_cluster(db):
    return ClusterFactory(name="Cluster Égalité Occitanie")


@pytest.fixture
def other_animator(db, other_cluster):
    """Animates another cluster and a space of it, and nothing of `cluster`."""
    user = UserFactory(profile__display_name="Olga Occitanie")
    other_cluster.animators.add(user)
    return user


@pytest.fixture
def other_space(other_animator, other_cluster):
    return _space_with_animator(
        other_animator,
        other_cluster,
        name="Mixité des métiers du bâtiment",
        visibility=Space.Visibility.MEMBERS,
        join_policy=Space.JoinPolicy.REQUEST,
    )
