"""Who may see an event, run it, see a ticket and the online link, and place an event where."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied

from community.models import Membership
from events import permissions
from events.models import Registration
from tests.events.conftest import register
from tests.factories import ClusterFactory, MembershipFactory, SpaceFactory, UserFactory


@pytest.fixture
def space_animator(open_space):
    """Animates `open_space` only (not its cluster)."""
    user = UserFactory(profile__display_name="Sami Animateur")
    MembershipFactory(space=open_space, user=user, role=Membership.Role.ANIMATOR)
    return user


@pytest.fixture
def space_event(make_event, open_space, organiser):
    return make_event(space=open_space, organisers=[organiser])


# --- Running an event ---------------------------------------------------------------------------


def test_the_organisers_listed_on_an_event_manage_it(space_event, organiser):
    assert permissions.can_manage_event(organiser, space_event)
    permissions.check_manage_event(organiser, space_event)


def test_the_animators_of_the_event_s_space_manage_it(space_event, space_animator):
    assert permissions.can_manage_event(space_animator, space_event)


def test_the_animators_of_the_space_s_cluster_manage_it(space_event, animator):
    assert permissions.can_manage_event(animator, space_event)


def test_the_animators_of_the_event_s_own_cluster_manage_it(make_event, cluster, animator):
    event = make_event(cluster=cluster)
    assert permissions.can_manage_event(animator, event)


def test_staff_manage_every_event(space_event, staff):
    assert permissions.can_manage_event(staff, space_event)


def test_a_plain_member_does_not_manage_an_event(space_event, member):
    MembershipFactory(space=space_event.space, user=member)
    assert not permissions.can_manage_event(member, space_event)
    with pytest.raises(PermissionDenied):
        permissions.check_manage_event(member, space_event)


def test_a_participant_does_not_manage_the_event(space_event):
    participant = register(space_event).user
    assert not permissions.can_manage_event(participant, space_event)


def test_the_animator_of_another_space_does_not_manage_the_event(space_event, other_animator):
    assert not permissions.can_manage_event(other_animator, space_event)


def test_a_moderator_of_the_space_does_not_manage_its_events(space_event):
    moderator = UserFactory()
    MembershipFactory(space=space_event.space, user=moderator, role=Membership.Role.MODERATOR)
    assert not permissions.can_manage_event(moderator, space_event)


def test_a_former_animator_of_the_space_no_longer_manages_its_events(space_event):
    former = UserFactory()
    MembershipFactory(
        space=space_event.space,
        user=former,
        role=Membership.Role.ANIMATOR,
        state=Membership.State.REMOVED,
    )
    assert not permissions.can_manage_event(former, space_event)


def test_a_deactivated_organiser_and_anonymous_visitors_manage_nothing(space_event, organiser):
    organiser.is_active = False
    organiser.save()
    assert not permissions.can_manage_event(organiser, space_event)
    assert not permissions.can_manage_event(AnonymousUser(), space_event)


# --- Seeing an event --------------------------------------------------------------------------


def test_an_event_outside_any_space_is_public(event, member):
    assert permissions.can_view_event(AnonymousUser(), event)
    assert permissions.can_view_event(member, event)


def test_the_event_of_a_private_space_is_seen_only_by_who_sees_the_space(
    make_event, private_space, member, other_member, animator, staff, other_animator
):
    event = make_event(space=private_space)
    MembershipFactory(space=private_space, user=member)

    assert permissions.can_view_event(member, event)
    assert permissions.can_view_event(animator, event)
    assert permissions.can_view_event(staff, event)
    assert not permissions.can_view_event(other_member, event)
    assert not permissions.can_view_event(other_animator, event)
    assert not permissions.can_view_event(AnonymousUser(), event)
    with pytest.raises(PermissionDenied):
        permissions.check_view_event(other_member, event)


def test_an_organiser_sees_the_event_of_a_private_space_they_are_not_in(
    make_event, private_space, organiser
):
    event = make_event(space=private_space, organisers=[organiser])
    assert permissions.can_view_event(organiser, event)


def test_a_removed_member_no_longer_sees_the_private_space_s_event(
    make_event, private_space, member
):
    MembershipFactory(space=private_space, user=member, state=Membership.State.REMOVED)
    event = make_event(space=private_space)
    assert not permissions.can_view_event(member, event)


def test_an_unpublished_event_is_seen_only_by_those_who_run_it(
    make_event, member, open_space, space_animator
):
    event = make_event(publish=False, live=False, space=open_space)
    assert not event.live
    assert not permissions.can_view_event(member, event)
    assert not permissions.can_view_event(AnonymousUser(), event)
    assert permissions.can_view_event(space_animator, event)


# --- Tickets and the online link ------------------------------------------------------------------


def test_a_ticket_is_seen_by_its_holder_and_the_organisers_only(
    space_event, organiser, animator, member, other_animator
):
    registration = register(space_event)

    assert permissions.can_view_registration(registration.user, registration)
    assert permissions.can_view_registration(organiser, registration)
    assert permissions.can_view_registration(animator, registration)
    assert not permissions.can_view_registration(member, registration)
    assert not permissions.can_view_registration(other_animator, registration)
    assert not permissions.can_view_registration(AnonymousUser(), registration)


def test_the_ticket_of_a_guest_added_by_hand_is_seen_by_organisers_only(
    space_event, organiser, member
):
    from events import services

    guest = services.registration_add(by=organiser, event=space_event, guest_name="Inès Durand")
    assert permissions.can_view_registration(organiser, guest)
    assert not permissions.can_view_registration(member, guest)


def test_the_online_link_is_for_confirmed_participants_and_organisers(make_event, organiser):
    event = make_event(
        capacity=1,
        format="online",
        online_url="https://visio.example.org/x",
        city="",
        venue_name="",
        organisers=[organiser],
    )
    confirmed, waiting = register(event), register(event)
    assert waiting.status == Registration.Status.WAITLISTED

    assert permissions.can_see_online_link(confirmed.user, event, confirmed)
    assert permissions.can_see_online_link(organiser, event, None)
    assert not permissions.can_see_online_link(waiting.user, event, waiting)
    # Someone else's confirmed registration does not show the link.
    assert not permissions.can_see_online_link(waiting.user, event, confirmed)
    assert not permissions.can_see_online_link(AnonymousUser(), event, None)


def test_the_online_link_is_hidden_again_once_the_registration_is_cancelled(make_event):
    from events import services

    event = make_event(format="hybrid", online_url="https://visio.example.org/x")
    registration = register(event)
    services.registration_cancel(by=registration.user, registration=registration)
    registration.refresh_from_db()
    assert not permissions.can_see_online_link(registration.user, event, registration)


def test_a_seat_on_offer_does_not_show_the_online_link_until_claimed(make_event):
    from events import services

    event = make_event(capacity=1, format="hybrid", online_url="https://visio.example.org/x")
    holder, offered = register(event), register(event)
    services.registration_cancel(by=holder.user, registration=holder)
    offered.refresh_from_db()
    assert offered.status == Registration.Status.OFFERED
    assert not permissions.can_see_online_link(offered.user, event, offered)


# --- Placing an event ---------------------------------------------------------------------------


def test_a_space_animator_may_organise_in_their_space_only(
    open_space, space_animator, other_space, cluster
):
    assert permissions.may_organise_in(space_animator, space=open_space, cluster=None)
    # The space's own cluster comes with the space.
    assert permissions.may_organise_in(space_animator, space=open_space, cluster=cluster)
    assert not permissions.may_organise_in(space_animator, space=other_space, cluster=None)
    # A cluster alone needs its own right.
    assert not permissions.may_organise_in(space_animator, space=None, cluster=cluster)


def test_a_cluster_animator_may_organise_in_the_cluster_and_its_spaces(
    animator, cluster, open_space, other_space, other_cluster
):
    plain_space_of_cluster = SpaceFactory(cluster=cluster)
    assert permissions.may_organise_in(animator, space=None, cluster=cluster)
    assert permissions.may_organise_in(animator, space=plain_space_of_cluster, cluster=None)
    assert permissions.may_organise_in(animator, space=open_space, cluster=cluster)
    assert not permissions.may_organise_in(animator, space=other_space, cluster=None)
    assert not permissions.may_organise_in(animator, space=None, cluster=other_cluster)
    # Their space, placed in a cluster they do not animate: refused.
    assert not permissions.may_organise_in(animator, space=open_space, cluster=other_cluster)


def test_an_event_must_belong_to_a_space_or_a_cluster_except_for_staff(animator, staff):
    assert not permissions.may_organise_in(animator, space=None, cluster=None)
    assert permissions.may_organise_in(staff, space=None, cluster=None)
    assert permissions.may_organise_in(staff, space=None, cluster=ClusterFactory())


def test_a_plain_member_may_organise_nowhere(member, open_space, cluster):
    MembershipFactory(space=open_space, user=member)
    assert not permissions.may_organise_in(member, space=open_space, cluster=None)
    assert not permissions.may_organise_in(member, space=None, cluster=cluster)
    assert not permissions.can_create_events(member)


def test_animators_and_staff_may_open_the_event_form(animator, space_animator, staff):
    assert permissions.can_create_events(animator)
    assert permissions.can_create_events(space_animator)
    assert permissions.can_create_events(staff)
    assert not permissions.can_create_events(AnonymousUser())
