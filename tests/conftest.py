import pytest
from django.core.cache import cache

from community.models import Membership, Space
from tests.factories import ClusterFactory, MembershipFactory, SpaceFactory, UserFactory


@pytest.fixture(autouse=True)
def _isolated_cache():
    """Rate limits and presence live in the cache; each test starts with it empty."""
    cache.clear()
    yield
    cache.clear()


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
