"""`can_read_room`, the one check of who reads a room, for every kind of room and every role."""

import pytest
from django.contrib.auth.models import AnonymousUser

from community.models import Membership, User
from forum.chat import services
from forum.chat.models import Room
from forum.chat.permissions import Muted, can_moderate_room, can_read_room, check_write_in_room
from tests.chat.conftest import join
from tests.factories import UserFactory

ROLE = Membership.Role
STATE = Membership.State


def person(name: str, *, space=None, role=ROLE.MEMBER, state=STATE.ACTIVE, **user) -> User:
    someone = UserFactory(profile__display_name=name, **user)
    if space is not None:
        join(space, someone, role=role, state=state)
    return User.objects.get(pk=someone.pk)  # as a request would load it: nothing cached


def room_of(space) -> Room:
    return Room.objects.select_related("space__cluster").get(space=space)


@pytest.mark.parametrize(
    ("role", "state", "reads"),
    [
        (ROLE.MEMBER, STATE.ACTIVE, True),
        (ROLE.MODERATOR, STATE.ACTIVE, True),
        (ROLE.ANIMATOR, STATE.ACTIVE, True),
        (ROLE.MEMBER, STATE.REMOVED, False),
        (ROLE.MEMBER, STATE.INVITED, False),
        (ROLE.MEMBER, STATE.REQUESTED, False),
    ],
    ids=["member", "moderator", "animator", "removed", "invited", "requested"],
)
@pytest.mark.parametrize("space_fixture", ["open_space", "private_space"])
def test_a_space_room_is_read_by_the_spaces_active_members_and_managers_only(
    request, space_fixture, role, state, reads
):
    space = request.getfixturevalue(space_fixture)
    someone = person("Camille", space=space, role=role, state=state)

    assert can_read_room(someone, room_of(space)) is reads


@pytest.mark.parametrize("space_fixture", ["open_space", "private_space"])
def test_a_space_room_is_moderated_by_its_clusters_animators_and_staff_without_membership(
    request, space_fixture, cluster, staff
):
    space = request.getfixturevalue(space_fixture)
    cluster_animator = person("Capucine Cluster")
    cluster.animators.add(cluster_animator)
    cluster_animator = User.objects.get(pk=cluster_animator.pk)
    room = room_of(space)

    assert can_read_room(cluster_animator, room) is True
    assert can_moderate_room(cluster_animator, room) is True
    assert can_read_room(staff, room) is True
    assert can_moderate_room(staff, room) is True


@pytest.mark.parametrize("space_fixture", ["open_space", "private_space"])
def test_a_space_room_is_closed_to_outsiders_other_clusters_anonymous_and_inactive_users(
    request, space_fixture, other_animator
):
    space = request.getfixturevalue(space_fixture)
    room = room_of(space)
    outsider = person("Oscar")
    inactive = person("Inès Inactive", space=space, is_active=False)

    assert can_read_room(outsider, room) is False
    assert can_read_room(other_animator, room) is False
    assert can_read_room(AnonymousUser(), room) is False
    assert can_read_room(None, room) is False
    assert can_read_room(inactive, room) is False


def test_an_ordinary_member_reads_a_space_room_but_does_not_moderate_it(open_space):
    someone = person("Camille", space=open_space)
    moderator = person("Modeste", space=open_space, role=ROLE.MODERATOR)
    room = room_of(open_space)

    assert can_moderate_room(someone, room) is False
    assert can_moderate_room(moderator, room) is True


def test_a_missing_room_is_read_by_nobody(staff):
    assert can_read_room(staff, None) is False


def test_a_direct_room_is_read_by_its_two_members_and_nobody_else(
    direct_room, member, other_member, staff, animator, outsider
):
    fresh = {user.pk: User.objects.get(pk=user.pk) for user in (member, other_member)}

    assert can_read_room(fresh[member.pk], direct_room) is True
    assert can_read_room(fresh[other_member.pk], direct_room) is True
    assert can_read_room(staff, direct_room) is False
    assert can_read_room(animator, direct_room) is False
    assert can_read_room(outsider, direct_room) is False
    assert can_read_room(AnonymousUser(), direct_room) is False
    assert can_moderate_room(staff, direct_room) is False


def test_a_deactivated_member_of_a_direct_room_no_longer_reads_it(direct_room, other_member):
    User.objects.filter(pk=other_member.pk).update(is_active=False)

    assert can_read_room(User.objects.get(pk=other_member.pk), direct_room) is False


def test_a_group_room_is_read_by_its_current_members_only(
    group_room, member, other_member, third_member, staff, outsider
):
    services.room_leave(by=third_member, room=group_room)
    current = User.objects.get(pk=other_member.pk)
    left = User.objects.get(pk=third_member.pk)

    assert can_read_room(User.objects.get(pk=member.pk), group_room) is True
    assert can_read_room(current, group_room) is True
    assert can_read_room(left, group_room) is False
    assert can_read_room(staff, group_room) is False
    assert can_read_room(outsider, group_room) is False
    assert can_read_room(AnonymousUser(), group_room) is False
    assert can_moderate_room(staff, group_room) is False


def test_a_muted_member_still_reads_but_may_not_write(space_room, member, animator):
    services.member_mute(by=animator, room=space_room, user=member, minutes=5)
    member = User.objects.get(pk=member.pk)

    assert can_read_room(member, space_room) is True
    with pytest.raises(Muted):
        check_write_in_room(member, space_room)
