"""Pages of the forum read in a fixed, small number of queries, whatever the data grows to."""

import itertools

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from community.models import Membership, Profile, User
from forum.markdown import render
from forum.models import POSTS_PER_PAGE, Post, Topic, Vote
from tests.forum.forum_fixtures import *  # noqa: F403
from tests.forum.forum_fixtures import ask

pytestmark = pytest.mark.django_db

MAX_QUERIES = 10
_serial = itertools.count()


def make_people(space, count: int) -> list[User]:
    """`count` active members of `space`, with profiles, in a handful of queries."""
    first = next(_serial) * 10_000
    users = User.objects.bulk_create(
        [User(email=f"bulk{first + n}@example.org") for n in range(count)]
    )
    Profile.objects.bulk_create(
        [
            Profile(user=user, display_name=f"Membre {first + n}", handle=f"membre-{first + n}")
            for n, user in enumerate(users)
        ]
    )
    Membership.objects.bulk_create(
        [Membership(space=space, user=user, state=Membership.State.ACTIVE) for user in users]
    )
    return users


def add_replies(topic: Topic, count: int, *, voter=None) -> None:
    """`count` replies by as many authors; every third one found helpful by two of them (and by
    `voter`); the first reply ever added is the accepted answer."""
    authors = make_people(topic.space, count)
    start = topic.last_number

    def voters_of(n: int) -> list[User]:
        if n % 3:
            return []
        return [u for u in [*authors[:2], voter] if u is not None and u != authors[n]]

    posts = Post.objects.bulk_create(
        [
            Post(
                topic=topic,
                space=topic.space,
                number=start + n + 1,
                author=author,
                body=f"Réponse {n} : **voir** l'accord d'entreprise.",
                body_html=render(f"Réponse {n} : **voir** l'accord d'entreprise.").html,
                helpful_count=len(voters_of(n)),
            )
            for n, author in enumerate(authors)
        ]
    )
    Vote.objects.bulk_create(
        [Vote(post=post, user=user) for n, post in enumerate(posts) for user in voters_of(n)]
    )
    Topic.objects.filter(pk=topic.pk).update(
        last_number=start + count, reply_count=topic.reply_count + count
    )
    topic.refresh_from_db()
    if topic.accepted_post_id is None:
        Topic.objects.filter(pk=topic.pk).update(
            accepted_post=posts[0], status=Topic.Status.ANSWERED
        )


def add_topics(space, author, count: int) -> None:
    """`count` topics with their opening posts, straight into the tables."""
    first = next(_serial) * 10_000
    topics = Topic.objects.bulk_create(
        [
            Topic(
                space=space,
                author=author,
                title=f"Question {first + n} sur l'égalité salariale",
                last_number=1,
                revision=1,
                pseudonym="Anonyme discrète" if n % 10 == 0 else "",
            )
            for n in range(count)
        ]
    )
    Post.objects.bulk_create(
        [
            Post(
                topic=topic,
                space=space,
                number=1,
                author=author,
                body="Comment faire pour l'égalité salariale ?",
                body_html="<p>Comment faire pour l'égalité salariale ?</p>",
            )
            for topic in topics
        ]
    )


def count_queries(client, url, query=None) -> int:
    # A first request fills what every page caches for minutes (the footer's links).
    client.get(url, query or {})
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, query or {})
    assert response.status_code == 200
    return len(queries)


@pytest.fixture
def reader(client, answerer, topic):
    """A plain member of the space, signed in; one page seen already (one-off rows written)."""
    client.force_login(answerer)
    client.get(reverse("forum:topic_index"))
    return answerer


# --- A topic's page: 20 replies, then 200 --------------------------------------------------------


@pytest.fixture
def grown_topic(client, reader, topic):
    """Returns `grow()`: the first call leaves 20 replies, the second 200. Before each, the
    reader has seen everything but the last reply, so each visit writes its read marker."""
    sizes = iter([(19, 1), (179, 1)])

    def grow() -> Topic:
        before, after = next(sizes)
        add_replies(topic, before, voter=reader)
        client.get(topic.get_absolute_url())
        add_replies(topic, after, voter=reader)
        topic.refresh_from_db()
        return topic

    return grow


@pytest.mark.parametrize("view", ["topic_detail", "topic_body"])
def test_the_topic_page_reads_in_the_same_number_of_queries_with_20_or_200_replies(
    client, grown_topic, view, django_assert_num_queries
):
    topic = grown_topic()
    url = reverse(f"forum:{view}", kwargs={"topic_id": topic.pk})
    assert topic.reply_count == 20
    small = count_queries(client, url)

    topic = grown_topic()
    assert topic.reply_count == 200
    with django_assert_num_queries(small):
        page = client.get(url)
    html = page.content.decode()
    # The question and a page of replies.
    assert (
        html.count('<article class="post') == 1 + POSTS_PER_PAGE
    )  # the question and a page of replies
    assert "Accepted answer" in html
    assert html.count('aria-pressed="true"') >= 15  # the reader's own votes


@pytest.mark.parametrize("view", ["topic_detail", "topic_body"])
def test_the_topic_page_reads_in_at_most_10_queries(
    client, grown_topic, view, django_assert_max_num_queries
):
    grown_topic()
    topic = grown_topic()
    url = reverse(f"forum:{view}", kwargs={"topic_id": topic.pk})
    with django_assert_max_num_queries(MAX_QUERIES):
        client.get(url)


# --- Topic lists: 100 topics, then 1,000 ---------------------------------------------------------


def list_url(name, space) -> str:
    return reverse(f"forum:{name}", kwargs={"slug": space.slug} if name == "space_forum" else {})


@pytest.mark.parametrize("name", ["space_forum", "topic_index"])
def test_a_topic_list_reads_in_the_same_number_of_queries_with_100_or_1000_topics(
    client, reader, asker, open_space, name, django_assert_num_queries
):
    url = list_url(name, open_space)
    add_topics(open_space, asker, 100)
    small = count_queries(client, url)

    add_topics(open_space, asker, 900)
    with django_assert_num_queries(small):
        page = client.get(url)
    html = page.content.decode()
    assert html.count('<li class="topic-row') == 25
    assert "Anonyme discrète" in html


@pytest.mark.parametrize("name", ["space_forum", "topic_index"])
def test_a_topic_list_reads_in_at_most_10_queries(
    client, reader, asker, open_space, name, django_assert_max_num_queries
):
    add_topics(open_space, asker, 1000)
    with django_assert_max_num_queries(MAX_QUERIES):
        client.get(list_url(name, open_space))


# --- Search --------------------------------------------------------------------------------------


def ask_many(author, space, count: int) -> None:
    first = next(_serial) * 10_000
    for n in range(count):
        ask(author, space, title=f"Index égalité, question {first + n}", body="Index égalité ?")


def test_the_search_page_reads_in_the_same_number_of_queries_with_3_or_30_hits(
    client, reader, answerer, open_space, django_assert_num_queries
):
    url, query = reverse("forum:search"), {"q": "index égalité"}
    ask_many(answerer, open_space, 3)
    small = count_queries(client, url, query)

    ask_many(answerer, open_space, 27)
    with django_assert_num_queries(small):
        page = client.get(url, query)
    assert "31 topics found" in page.content.decode()


def test_the_search_page_reads_in_at_most_10_queries(
    client, reader, answerer, open_space, django_assert_max_num_queries
):
    ask_many(answerer, open_space, 30)
    with django_assert_max_num_queries(MAX_QUERIES):
        client.get(reverse("forum:search"), {"q": "index égalité"})
