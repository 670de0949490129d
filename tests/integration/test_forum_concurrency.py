"""The forum's counters under concurrent requests, proven on PostgreSQL.

As in test_concurrency.py, each call runs in its own thread and database connection, all
released together by a barrier; the topic's row lock and the vote constraint must decide.
"""

from collections import Counter

import pytest
from django.db import connection

from community.models import Membership
from forum import services
from forum.models import Post, Topic, Vote
from tests.factories import MembershipFactory, UserFactory
from tests.integration.test_concurrency import race

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]

ROUNDS = 3
CROWD = 20


@pytest.fixture(autouse=True)
def _postgresql_only():
    assert connection.vendor == "postgresql", "run with make test-services (PostgreSQL)"


def members_of(space, count: int) -> list:
    users = [UserFactory() for _ in range(count)]
    for user in users:
        MembershipFactory(space=space, user=user, role=Membership.Role.MEMBER)
    return users


@pytest.fixture
def asker(open_space):
    (user,) = members_of(open_space, 1)
    return user


@pytest.fixture
def question(open_space, asker):
    return services.topic_create(
        author=asker,
        space=open_space,
        title="Quelle grille d'entretien pour des métiers mixtes ?",
        body="Nous recrutons des soudeuses et des aides-soignants.",
    )


@pytest.mark.parametrize("round_", range(ROUNDS))
def test_concurrent_replies_get_numbers_2_to_21_without_gap_or_duplicate(
    round_, open_space, question
):
    repliers = members_of(open_space, CROWD)

    def reply(user):
        return lambda: services.post_create(
            author=user, topic=question, body=f"Réponse de {user.email}"
        )

    ok, refused = race([reply(user) for user in repliers])

    assert refused == []
    assert sorted(post.number for post in ok) == list(range(2, CROWD + 2))
    numbers = list(Post.objects.filter(topic=question).values_list("number", flat=True))
    assert sorted(numbers) == list(range(1, CROWD + 2))
    assert not [n for n, seen in Counter(numbers).items() if seen > 1]
    # Each reply was written by the member whose call returned it, under its own number.
    stored = dict(Post.objects.filter(topic=question, number__gt=1).values_list("pk", "author_id"))
    assert {post.pk: post.author_id for post in ok} == stored
    topic = Topic.objects.get(pk=question.pk)
    assert topic.last_number == CROWD + 1
    assert topic.reply_count == CROWD
    assert topic.revision == 1 + CROWD  # one bump per reply, none lost


@pytest.mark.parametrize("round_", range(ROUNDS))
def test_twenty_members_voting_at_once_count_twenty_votes(round_, open_space, question):
    answerer, *voters = members_of(open_space, CROWD + 1)
    answer = services.post_create(author=answerer, topic=question, body="Voici notre grille.")

    ok, refused = race(
        [lambda user=user: services.vote_cast(user=user, post=answer) for user in voters]
    )

    assert len(ok) == CROWD
    assert refused == []
    answer.refresh_from_db()
    assert answer.helpful_count == CROWD
    assert Vote.objects.filter(post=answer).count() == CROWD
    assert set(Vote.objects.filter(post=answer).values_list("user_id", flat=True)) == {
        user.pk for user in voters
    }
    assert Topic.objects.get(pk=question.pk).revision == 2 + CROWD


@pytest.mark.parametrize("round_", range(ROUNDS))
def test_one_member_voting_twice_at_once_stores_exactly_one_vote(round_, open_space, question):
    answerer, voter = members_of(open_space, 2)
    answer = services.post_create(author=answerer, topic=question, body="Voici notre grille.")

    ok, refused = race([lambda: services.vote_cast(user=voter, post=answer)] * 2)

    assert len(ok) == 1
    assert [getattr(refusal, "code", None) for refusal in refused] == ["already_voted"]
    answer.refresh_from_db()
    assert answer.helpful_count == 1
    assert Vote.objects.filter(post=answer, user=voter).count() == 1
    assert Topic.objects.get(pk=question.pk).revision == 3


@pytest.mark.parametrize("round_", range(ROUNDS))
def test_one_member_voting_many_times_at_once_stores_exactly_one_vote(round_, open_space, question):
    answerer, voter = members_of(open_space, 2)
    answer = services.post_create(author=answerer, topic=question, body="Voici notre grille.")

    ok, refused = race([lambda: services.vote_cast(user=voter, post=answer)] * 10)

    assert len(ok) == 1
    assert {getattr(refusal, "code", None) for refusal in refused} == {"already_voted"}
    answer.refresh_from_db()
    assert answer.helpful_count == 1
    assert Vote.objects.filter(post=answer).count() == 1
