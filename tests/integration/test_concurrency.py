"""Invariants that must hold under concurrent requests, proven on PostgreSQL.

Each test starts many threads, each with its own database connection, released together by a
barrier so their transactions really overlap; the row locks and constraints decide.
"""

import threading

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, connections

from community import services
from community.models import Invitation, Membership
from tests.factories import MembershipFactory, UserFactory

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]

ROUNDS = 5


@pytest.fixture(autouse=True)
def _postgresql_only():
    assert connection.vendor == "postgresql", "run with make test-services (PostgreSQL)"


def race(calls):
    """Run each call in its own thread and connection, all at once; return (ok, refused)."""
    barrier = threading.Barrier(len(calls))
    outcomes = []
    lock = threading.Lock()

    def run(call):
        try:
            barrier.wait()
            result = ("ok", call())
        except (ValidationError, PermissionDenied) as refusal:
            result = ("refused", refusal)
        except Exception as error:  # Reported below: any other failure fails the test.
            result = ("error", error)
        finally:
            connections.close_all()
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=run, args=(call,)) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    ok = [value for kind, value in outcomes if kind == "ok"]
    refused = [value for kind, value in outcomes if kind == "refused"]
    errors = [value for kind, value in outcomes if kind == "error"]
    assert not errors, f"unexpected failures: {errors!r}"
    assert len(ok) + len(refused) == len(calls), "a thread did not finish"
    return ok, refused


@pytest.mark.parametrize("round_", range(ROUNDS))
def test_concurrent_joins_by_one_member_make_exactly_one_membership(round_, open_space):
    member = UserFactory()

    ok, refused = race([lambda: services.space_join(space=open_space, user=member)] * 12)

    assert len(ok) == 1
    assert all(getattr(r, "code", None) == "already_member" for r in refused)
    assert Membership.objects.filter(space=open_space, user=member).count() == 1


@pytest.mark.parametrize("round_", range(ROUNDS))
def test_two_animators_leaving_at_once_leave_one_animator_behind(round_, open_space, animator):
    second = UserFactory()
    MembershipFactory(space=open_space, user=second, role=Membership.Role.ANIMATOR)
    first = Membership.objects.get(space=open_space, user=animator).user

    ok, refused = race(
        [
            lambda: services.space_leave(space=open_space, user=first),
            lambda: services.space_leave(space=open_space, user=second),
        ]
    )

    assert len(ok) == 1
    assert [r.code for r in refused] == ["last_animator"]
    assert (
        Membership.objects.filter(
            space=open_space, role=Membership.Role.ANIMATOR, state=Membership.State.ACTIVE
        ).count()
        == 1
    )


@pytest.mark.parametrize("round_", range(ROUNDS))
def test_an_invitation_link_opened_many_times_at_once_is_used_exactly_once(
    round_, private_space, animator
):
    invitee = UserFactory()
    invitation = services.space_invite(space=private_space, by=animator, email=invitee.email)

    ok, refused = race(
        [lambda: services.invitation_accept(token=invitation.token, user=invitee)] * 10
    )

    assert len(ok) == 1
    assert {r.code for r in refused} == {"used_invitation"}
    assert Membership.objects.get(space=private_space, user=invitee).is_active
    assert Invitation.objects.get(pk=invitation.pk).accepted_by == invitee


@pytest.mark.parametrize("round_", range(ROUNDS))
def test_concurrent_decisions_on_one_request_answer_it_once(round_, request_space, animator):
    moderator = UserFactory()
    MembershipFactory(space=request_space, user=moderator, role=Membership.Role.MODERATOR)
    applicant = UserFactory()
    request = services.space_join(space=request_space, user=applicant)

    ok, refused = race(
        [
            lambda: services.membership_decide(membership=request, by=animator, approve=True),
            lambda: services.membership_decide(membership=request, by=moderator, approve=False),
        ]
        * 3
    )

    assert len(ok) == 1
    # Refused as already answered, or as gone when the winner declined (the row is deleted).
    assert {r.code for r in refused} <= {"not_pending", "gone"}
    assert len(refused) == 5


@pytest.mark.parametrize("round_", range(ROUNDS))
def test_an_invitation_racing_the_invitees_own_join_never_breaks(round_, request_space, animator):
    invitee = UserFactory()

    ok, refused = race(
        [
            lambda: services.space_invite(space=request_space, by=animator, email=invitee.email),
            lambda: services.space_join(space=request_space, user=invitee),
            lambda: services.space_invite(space=request_space, by=animator, email=invitee.email),
        ]
    )

    assert len(ok) >= 1
    assert Membership.objects.filter(space=request_space, user=invitee).count() == 1
