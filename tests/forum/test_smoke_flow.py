"""The forum's main path end to end through the views: ask, reply, vote, accept, search."""

import pytest
from django.urls import reverse

from forum.models import Topic
from tests.factories import MembershipFactory


@pytest.fixture
def asker(open_space, member):
    MembershipFactory(space=open_space, user=member)
    return member


@pytest.fixture
def answerer(open_space, other_member):
    MembershipFactory(space=open_space, user=other_member)
    return other_member


def test_a_member_asks_another_answers_and_the_answer_is_accepted(
    client, open_space, asker, answerer
):
    client.force_login(asker)
    response = client.post(
        reverse("forum:topic_create", kwargs={"slug": open_space.slug}),
        {
            "title": "Comment calculer l'index égalité ?",
            "kind": "question",
            "body": "Par où **commencer** ?",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    topic = Topic.objects.get()
    page = client.get(topic.get_absolute_url())
    assert page.status_code == 200
    assert "<strong>commencer</strong>" in page.content.decode()

    client.force_login(answerer)
    response = client.post(
        reverse("forum:reply", kwargs={"topic_id": topic.pk}),
        {"body": f"Voir @{asker.profile.handle} et l'URSSAF."},
    )
    assert response.status_code == 302
    reply = topic.posts.get(number=2)
    assert 'class="mention"' in reply.body_html
    client.post(reverse("forum:post_vote", kwargs={"post_id": reply.pk}))
    reply.refresh_from_db()
    assert reply.helpful_count == 0  # one's own post

    client.force_login(asker)
    client.post(reverse("forum:post_vote", kwargs={"post_id": reply.pk}))
    reply.refresh_from_db()
    assert reply.helpful_count == 1
    client.post(reverse("forum:post_accept", kwargs={"post_id": reply.pk}))
    topic.refresh_from_db()
    assert topic.accepted_post_id == reply.pk
    assert topic.status == Topic.Status.ANSWERED
    for name, kwargs in [
        ("forum:topic_index", {}),
        ("forum:space_forum", {"slug": open_space.slug}),
        ("forum:waiting", {}),
    ]:
        assert client.get(reverse(name, kwargs=kwargs)).status_code in (200, 403)
    found = client.get(reverse("forum:search"), {"q": "index"})
    assert "calculer" in found.content.decode()
    assert client.get(open_space.get_absolute_url()).status_code == 200
    assert client.get(reverse("forum:topic_body", kwargs={"topic_id": topic.pk})).status_code == 200
    assert (
        client.get(reverse("forum:post_fragment", kwargs={"post_id": reply.pk})).status_code == 200
    )
    assert (
        client.get(reverse("forum:similar"), {"title": "calculer index égalité"}).status_code == 200
    )
    assert (
        client.get(reverse("forum:space_feed", kwargs={"slug": open_space.slug})).status_code == 200
    )
