"""Confidential questions: the person behind a pseudonym shows nowhere, except to the asker and
the space's own moderators and animators."""

import json

import pytest
from django.urls import reverse
from notifications.models import Notification

from community.notifications import render as render_notification
from forum import services
from tests.forum.forum_fixtures import *  # noqa: F403
from tests.forum.forum_fixtures import ask, join, points_to, reply

pytestmark = pytest.mark.django_db

PSEUDONYM = "Salariée inquiète"
TITLE = "Écart de salaire après mon congé maternité"


def identity(user) -> list[str]:
    """Everything that would name the asker."""
    profile = user.profile
    url = reverse("community:profile_detail", kwargs={"profile_id": profile.pk})
    return [profile.display_name, profile.handle, user.email, url]


def assert_names_nobody(text: str, asker) -> None:
    for clue in identity(asker):
        assert clue not in text


@pytest.fixture
def watcher(open_space):
    """Follows the whole space."""
    user = join(open_space, name="Wanda Veille")
    services.follow_set(user=user, space=open_space, on=True)
    return user


@pytest.fixture
def story(asker, answerer, watcher, open_space, published, django_capture_on_commit_callbacks):
    """A confidential question that mentions the answerer, her reply, and the asker's own."""
    with django_capture_on_commit_callbacks(execute=True):
        topic = ask(
            asker,
            open_space,
            title=TITLE,
            body=f"Mon salaire a baissé. @{answerer.profile.handle}, une idée ?",
            pseudonym=PSEUDONYM,
        )
        answer = reply(answerer, topic, body="Saisissez la référente égalité.")
        own = reply(asker, topic, body="Merci, je précise : c'était en 2023.")
        services.vote_cast(user=asker, post=answer)
        services.answer_accept(by=asker, post=answer)
    topic.refresh_from_db()
    return topic, answer, own


def pages_of(topic, answer, own) -> dict[str, tuple[str, dict]]:
    slug = topic.space.slug
    opening = topic.posts.get(number=1)
    return {
        "topic page": (topic.get_absolute_url(), {}),
        "topic body": (reverse("forum:topic_body", kwargs={"topic_id": topic.pk}), {}),
        "opening post": (reverse("forum:post_fragment", kwargs={"post_id": opening.pk}), {}),
        "asker's reply": (reverse("forum:post_fragment", kwargs={"post_id": own.pk}), {}),
        "answer": (reverse("forum:post_fragment", kwargs={"post_id": answer.pk}), {}),
        "forum index": (reverse("forum:topic_index"), {}),
        "space forum": (reverse("forum:space_forum", kwargs={"slug": slug}), {}),
        "answered": (reverse("forum:space_forum", kwargs={"slug": slug}), {"status": "answered"}),
        "search": (reverse("forum:search"), {"q": "salaire congé"}),
        "search a reply": (reverse("forum:search"), {"q": "précise"}),
        "similar": (reverse("forum:similar"), {"title": "salaire congé maternité"}),
        "feed": (reverse("forum:space_feed", kwargs={"slug": slug}), {}),
    }


@pytest.mark.parametrize("viewer", ["answerer", "watcher", "staff", "anonymous"])
def test_no_page_names_the_asker_to_others(client, story, asker, viewer, request):
    topic, answer, own = story
    if viewer != "anonymous":
        client.force_login(request.getfixturevalue(viewer))
    for name, (address, query) in pages_of(topic, answer, own).items():
        response = client.get(address, query)
        assert response.status_code == 200, name
        html = response.content.decode()
        if name not in ("similar", "answer"):
            assert PSEUDONYM in html or name == "search a reply" and TITLE in html, name
        assert_names_nobody(html, asker)


def test_the_space_page_lists_the_topic_under_its_pseudonym(client, story, asker, answerer):
    topic = story[0]
    client.force_login(answerer)
    html = client.get(topic.space.get_absolute_url()).content.decode()
    forum = html[html.index('id="forum-title"') : html.index('id="chat-title"')]
    assert TITLE in forum
    assert PSEUDONYM in forum
    assert_names_nobody(forum, asker)


def test_the_asker_replying_in_her_topic_is_shown_under_the_pseudonym(client, story, answerer):
    _topic, _answer, own = story
    client.force_login(answerer)
    html = client.get(reverse("forum:post_fragment", kwargs={"post_id": own.pk})).content.decode()
    assert "je précise" in html
    assert PSEUDONYM in html
    assert "Confidential" in html
    assert "asked by" not in html


def test_the_waiting_view_names_the_asker_to_the_space_moderators_only(
    client, story, asker, staff, moderator
):
    services.answer_unaccept(by=asker, topic=story[0])
    client.force_login(staff)
    html = client.get(reverse("forum:waiting")).content.decode()
    assert TITLE in html
    assert PSEUDONYM in html
    assert_names_nobody(html, asker)
    client.force_login(moderator)
    assert "asked by Claire Martin" in client.get(reverse("forum:waiting")).content.decode()


def test_no_notification_to_others_points_to_the_asker(client, story, asker, answerer, watcher):
    others = Notification.objects.exclude(recipient=asker)
    verbs = {(n.recipient_id, n.verb) for n in others}
    assert verbs >= {
        (answerer.pk, "forum.mention"),
        (answerer.pk, "forum.answer_accepted"),
        (watcher.pk, "forum.topic_in_followed_space"),
        (watcher.pk, "forum.reply_in_followed"),
        (answerer.pk, "forum.reply_in_followed"),
    }
    for notification in others:
        assert not points_to(notification, asker), notification.verb
        assert_names_nobody(json.dumps(notification.data, ensure_ascii=False), asker)
        text = render_notification(notification)
        assert_names_nobody(text, asker)
        assert notification.description in (None, "")
    for notification in others.filter(verb__in=["forum.mention", "forum.reply_in_followed"]):
        if notification.data["actor"] != answerer.profile.display_name:
            assert render_notification(notification).startswith(PSEUDONYM)
    for person in (answerer, watcher):
        client.force_login(person)
        page = client.get(reverse("community:notification_list")).content.decode()
        assert PSEUDONYM in page
        assert_names_nobody(page, asker)


def test_no_channel_layer_message_names_the_asker(story, asker, published):
    assert published
    for group, message in published:
        assert_names_nobody(json.dumps(message, ensure_ascii=False), asker)
        if group != f"notifications.{asker.pk}":
            data = message.get("data", {})
            assert not {"user", "author", "actor", "user_id", "author_id"} & set(data)


@pytest.mark.parametrize("viewer", ["moderator", "animator", "asker"])
def test_the_asker_and_the_spaces_moderators_see_who_asked(client, story, viewer, request):
    topic, _answer, own = story
    client.force_login(request.getfixturevalue(viewer))
    for address in (
        topic.get_absolute_url(),
        reverse("forum:post_fragment", kwargs={"post_id": own.pk}),
        reverse("forum:space_forum", kwargs={"slug": topic.space.slug}),
    ):
        html = client.get(address).content.decode()
        assert PSEUDONYM in html
        assert "asked by Claire Martin" in html


def test_platform_staff_outside_the_space_do_not_see_who_asked(client, story, staff, asker):
    topic = story[0]
    client.force_login(staff)
    html = client.get(topic.get_absolute_url()).content.decode()
    assert PSEUDONYM in html
    assert "asked by" not in html
    assert_names_nobody(html, asker)


def test_a_moderator_of_another_space_does_not_see_who_asked(
    client, story, asker, other_space, other_animator
):
    client.force_login(other_animator)
    html = client.get(story[0].get_absolute_url()).content.decode()
    assert "asked by" not in html
    assert_names_nobody(html, asker)


def test_the_feed_names_the_pseudonym_as_the_author(client, story, asker):
    feed = client.get(reverse("forum:space_feed", kwargs={"slug": story[0].space.slug}))
    xml = feed.content.decode()
    assert f"<author><name>{PSEUDONYM}</name></author>" in xml
    assert_names_nobody(xml, asker)
