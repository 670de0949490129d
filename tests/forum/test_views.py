"""Forbidden paths through the views: what one may not read is not found, by any road."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils.html import escape
from notifications.models import Notification

from community.models import Membership
from forum import services
from forum.models import Image, Topic
from tests.factories import UserFactory
from tests.forum.forum_fixtures import *  # noqa: F403
from tests.forum.forum_fixtures import ask, fresh, join, png_bytes, reply

pytestmark = pytest.mark.django_db

SECRET_TITLE = "Plan de rémunération du comité"
SECRET_WORDS = "écarts salariaux confidentiels"


@pytest.fixture
def insider(private_space):
    return join(private_space, name="Inès Interne")


@pytest.fixture
def secret(private_space, insider):
    """A topic of the private space, with a reply."""
    topic = ask(insider, private_space, title=SECRET_TITLE, body=f"Nos {SECRET_WORDS} de 2024.")
    reply(join(private_space), topic, body=f"Réponse sur les {SECRET_WORDS}.")
    return topic


@pytest.fixture
def stranger(other_space):
    """Member of another space only."""
    return join(other_space, name="Sam Stranger")


def url(name, **kwargs):
    return reverse(f"forum:{name}", kwargs=kwargs)


def post_urls(post) -> list[str]:
    return [
        url(name, post_id=post.pk)
        for name in ("post_fragment", "post_edit", "post_history", "post_report")
    ]


def topic_urls(topic) -> list[str]:
    return [url("topic_detail", topic_id=topic.pk), url("topic_body", topic_id=topic.pk)]


ACTIONS_ON_POST = ["post_vote", "post_accept", "post_validate", "post_moderate", "post_delete"]
ACTIONS_ON_TOPIC = ["reply", "topic_status", "topic_follow", "topic_moderate", "topic_move"]


# --- A private space's topic ------------------------------------------------------------------


def test_a_private_topic_is_not_found_by_its_address_for_a_non_member(
    client, secret, stranger, outsider
):
    posts = list(secret.posts.all())
    urls = topic_urls(secret) + [u for post in posts for u in post_urls(post)]
    for person in (stranger, outsider):
        client.force_login(person)
        for address in urls:
            assert client.get(address).status_code == 404, address
    client.logout()
    for address in topic_urls(secret) + [url("post_fragment", post_id=posts[0].pk)]:
        assert client.get(address).status_code == 404, address


def test_no_action_reaches_a_private_topic_for_a_non_member(client, secret, stranger, forum_state):
    rows = forum_state()
    client.force_login(stranger)
    post = secret.posts.get(number=2)
    for name in ACTIONS_ON_POST:
        data = {"action": "hide", "reason": "spam", "body": "x"}
        assert client.post(url(name, post_id=post.pk), data).status_code == 404, name
    for name in ACTIONS_ON_TOPIC:
        data = {"body": "Intrusion", "status": "closed", "on": "1", "action": "lock"}
        assert client.post(url(name, topic_id=secret.pk), data).status_code == 404, name
    assert client.post(url("space_follow", slug=secret.space.slug), {"on": "1"}).status_code == 404
    assert forum_state() == rows


def test_the_same_addresses_open_for_a_member_of_the_private_space(client, secret, insider):
    client.force_login(insider)
    for address in topic_urls(secret) + [url("post_fragment", post_id=secret.posts.first().pk)]:
        response = client.get(address)
        assert response.status_code == 200
        assert SECRET_WORDS in response.content.decode()


def test_search_and_suggestions_never_list_a_private_topic_to_a_non_member(
    client, secret, stranger, insider
):
    search = url("search")
    similar = url("similar")
    client.force_login(insider)
    assert SECRET_TITLE in client.get(search, {"q": "écarts salariaux"}).content.decode()
    assert SECRET_TITLE in client.get(similar, {"title": SECRET_TITLE}).content.decode()
    for person in (stranger, None):
        client.logout()
        if person:
            client.force_login(person)
        for query in ("écarts salariaux", "rémunération", "comité"):
            found = client.get(search, {"q": query}).content.decode()
            assert SECRET_TITLE not in found
            assert SECRET_WORDS not in found
        assert SECRET_TITLE not in client.get(similar, {"title": SECRET_TITLE}).content.decode()
        assert SECRET_TITLE not in client.get(url("topic_index")).content.decode()


def test_only_a_public_space_has_a_feed(client, secret, private_space, request_space, open_space):
    assert client.get(url("space_feed", slug=private_space.slug)).status_code == 404
    assert client.get(url("space_feed", slug=request_space.slug)).status_code == 404
    client.force_login(secret.author)
    assert client.get(url("space_feed", slug=private_space.slug)).status_code == 404
    feed = client.get(url("space_feed", slug=open_space.slug))
    assert feed.status_code == 200
    assert SECRET_TITLE not in feed.content.decode()


def test_a_non_member_following_nothing_is_never_told_of_a_private_topic(
    secret, stranger, outsider, insider
):
    reply(insider, secret, body=f"Et aussi @{stranger.profile.handle} @{outsider.profile.handle}")
    assert not Notification.objects.filter(recipient__in=[stranger, outsider]).exists()


# --- Editing, deleting, history, moderation pages ---------------------------------------------


HIDDEN_WORDS = "contenu retiré par la modération"


def test_a_hidden_reply_is_read_only_by_its_author_and_the_moderators_by_any_road(
    client, topic, answerer, asker, moderator
):
    post = reply(answerer, topic, body=f"Un {HIDDEN_WORDS}.")
    services.post_hide(by=moderator, post=post, reason="Hors charte")
    roads = [
        topic.get_absolute_url(),
        url("topic_body", topic_id=topic.pk),
        url("post_fragment", post_id=post.pk),
        url("post_report", post_id=post.pk),
        url("post_edit", post_id=post.pk),
    ]
    client.force_login(asker)
    for address in roads:
        assert HIDDEN_WORDS not in client.get(address).content.decode(), address
    for person in (answerer, moderator):
        client.force_login(person)
        assert HIDDEN_WORDS in client.get(url("post_fragment", post_id=post.pk)).content.decode()


def test_a_deleted_reply_is_read_by_no_one_on_the_pages(client, topic, answerer, moderator):
    post = reply(answerer, topic, body=f"Un {HIDDEN_WORDS}.")
    services.post_delete(by=answerer, post=post)
    for person in (answerer, moderator):
        client.force_login(person)
        for address in (topic.get_absolute_url(), url("post_fragment", post_id=post.pk)):
            html = client.get(address).content.decode()
            assert HIDDEN_WORDS not in html
            assert "This message was deleted." in html
        assert client.get(url("post_edit", post_id=post.pk)).status_code == 403


def test_another_member_can_neither_edit_nor_delete_a_post_but_a_moderator_can(
    client, answered, asker, moderator
):
    edit, delete = url("post_edit", post_id=answered.pk), url("post_delete", post_id=answered.pk)
    client.force_login(asker)
    assert client.get(edit).status_code == 403
    assert client.post(edit, {"body": "Réécrit"}).status_code == 403
    response = client.post(delete, follow=True)
    assert "You cannot delete this message." in response.content.decode()
    answered = fresh(answered)
    assert (answered.body.startswith("Voir"), answered.deleted_at) == (True, None)

    client.force_login(moderator)
    assert client.get(edit).status_code == 200
    assert client.post(edit, {"body": "Corrigé par la modération"}).status_code == 302
    assert fresh(answered).body == "Corrigé par la modération"
    assert client.post(delete).status_code == 302
    assert fresh(answered).deleted_by == moderator


def test_the_edit_history_is_only_for_moderators(client, answered, answerer, asker, moderator):
    services.post_edit(by=answerer, post=answered, body="Deuxième version")
    history = url("post_history", post_id=answered.pk)
    for person in (answerer, asker):
        client.force_login(person)
        assert client.get(history).status_code == 404
    client.force_login(moderator)
    page = client.get(history)
    assert page.status_code == 200
    assert "Voir le guide de l&#x27;URSSAF" in page.content.decode()


def test_the_reports_queue_and_the_log_are_only_for_moderators(
    client, answered, asker, answerer, moderator, animator, open_space
):
    services.report_create(reporter=asker, post=answered, reason="spam", comment="Pub déguisée")
    services.post_hide(by=moderator, post=answered, reason="Publicité")
    services.post_unhide(by=moderator, post=answered)
    services.report_create(reporter=asker, post=answered, reason="abuse", comment="Encore")
    pages = [url("reports", slug=open_space.slug), url("moderation_log", slug=open_space.slug)]
    for person in (asker, answerer):
        client.force_login(person)
        for address in pages:
            assert client.get(address).status_code == 404, address
    client.logout()
    assert all(client.get(address).status_code == 302 for address in pages)
    for person in (moderator, animator):
        client.force_login(person)
        queue, log = (client.get(address).content.decode() for address in pages)
        assert "Encore" in queue
        assert "Publicité" in log


# --- Images ------------------------------------------------------------------------------------


def upload(client, space, content=None, name="photo.png"):
    file = SimpleUploadedFile(name, content or png_bytes(), content_type="image/png")
    return client.post(url("image_upload", slug=space.slug), {"file": file})


def test_a_private_space_image_is_only_served_to_those_who_read_the_space(
    client, private_space, insider, stranger
):
    client.force_login(insider)
    response = upload(client, private_space)
    assert response.status_code == 200
    image = Image.objects.get()
    assert response.json()["url"] == f"/forum/images/{image.key}/"
    served = client.get(response.json()["url"])
    assert served.status_code == 200
    assert b"".join(served.streaming_content) == png_bytes()
    assert served["Cache-Control"] == "private, max-age=3600"

    client.force_login(stranger)
    assert client.get(image.get_absolute_url()).status_code == 404
    assert upload(client, private_space).status_code == 404
    client.logout()
    assert client.get(image.get_absolute_url()).status_code == 404
    assert Image.objects.count() == 1


def test_only_members_upload_and_only_real_images(client, open_space, asker, outsider):
    client.force_login(outsider)
    assert upload(client, open_space).status_code == 403
    client.force_login(asker)
    refused = upload(client, open_space, content=b"<svg onload=alert(1)></svg>")
    assert refused.status_code == 400
    assert not Image.objects.exists()


# --- Mentions ----------------------------------------------------------------------------------


def test_mention_autocomplete_lists_only_the_spaces_active_members(
    client, asker, answerer, open_space, other_space, outsider
):
    join(open_space, name="Clarisse Partie", state=Membership.State.REMOVED)
    join(open_space, name="Clément Demande", state=Membership.State.REQUESTED)
    join(other_space, name="Clotilde Ailleurs")
    UserFactory(profile__display_name="Cléo Inscrite")
    gone = join(open_space, name="Claude Désactivée")
    gone.is_active = False
    gone.save()
    mentions = url("mentions", slug=open_space.slug)
    client.force_login(answerer)

    found = client.get(mentions, {"q": "Cl"}).json()["results"]
    assert found == [{"handle": asker.profile.handle, "name": "Claire Martin"}]
    everyone = {row["name"] for row in client.get(mentions, {"q": ""}).json()["results"]}
    assert everyone == {"Claire Martin", "Yasmine Benali", "Anne Animatrice"}
    assert client.get(mentions, {"q": "oscar"}).json() == {"results": []}

    client.force_login(outsider)
    assert client.get(mentions, {"q": "Cl"}).json() == {"results": []}


def test_mention_autocomplete_of_a_private_space_is_not_found_for_a_non_member(
    client, private_space, insider, stranger
):
    client.force_login(stranger)
    assert client.get(url("mentions", slug=private_space.slug), {"q": "In"}).status_code == 404


def test_mentioning_someone_outside_the_space_stays_plain_text(client, topic, answerer, outsider):
    handle = outsider.profile.handle
    client.force_login(answerer)
    client.post(url("reply", topic_id=topic.pk), {"body": f"Demandez à @{handle} !"})

    post = topic.posts.get(number=2)
    assert f"@{handle}" in post.body_html
    assert "<a" not in post.body_html
    assert not post.mentions.exists()
    assert not Notification.objects.filter(recipient=outsider).exists()
    page = client.get(topic.get_absolute_url()).content.decode()
    assert f"Demandez à @{handle} !" in page
    assert "Oscar Outsider" not in page


# --- Refusals through the pages ---------------------------------------------------------------


def test_a_reply_refused_by_the_service_shows_why_and_writes_nothing(
    client, topic, answerer, moderator, forum_state
):
    client.force_login(answerer)
    too_long = client.post(url("reply", topic_id=topic.pk), {"body": "x" * 20_001})
    assert too_long.status_code == 400
    assert "A message can hold at most 20,000 characters" in too_long.content.decode()

    services.topic_lock(by=moderator, topic=topic, locked=True)
    rows = forum_state()
    locked = client.post(url("reply", topic_id=topic.pk), {"body": "Encore un mot"})
    assert locked.status_code == 400
    assert "This topic is locked: nobody can reply any more." in locked.content.decode()
    assert forum_state() == rows


def test_a_pseudonym_that_names_a_member_is_refused_on_the_form(
    client, open_space, asker, answerer
):
    client.force_login(asker)
    response = client.post(
        url("topic_create", slug=open_space.slug),
        {
            "title": "Question délicate",
            "kind": "question",
            "body": "Texte",
            "confidential": "on",
            "pseudonym": "Yasmine Benali",
        },
    )
    assert response.status_code == 200
    assert "This pseudonym is a member&#x27;s name" in response.content.decode()
    assert not Topic.objects.exists()


def test_moving_into_a_space_one_does_not_moderate_is_refused_even_when_posted_by_hand(
    client, topic, moderator, other_space
):
    client.force_login(moderator)
    response = client.post(url("topic_move", topic_id=topic.pk), {"to_space": other_space.pk})
    assert "You can only move a topic into a space you moderate." in response.content.decode()
    assert fresh(topic).space_id != other_space.pk


def lists_topic(client, topic, address, query=None) -> bool:
    return escape(topic.title) in client.get(address, query or {}).content.decode()


def test_a_hidden_topic_leaves_the_lists_but_its_author_and_moderators_still_open_it(
    client, topic, asker, answerer, moderator, open_space
):
    client.force_login(answerer)
    forum, search = url("space_forum", slug=open_space.slug), url("search")
    assert lists_topic(client, topic, forum)
    assert lists_topic(client, topic, search, {"q": "indicateurs"})

    services.post_hide(by=moderator, post=topic.posts.get(number=1))
    assert not lists_topic(client, topic, forum)
    assert not lists_topic(client, topic, search, {"q": "indicateurs"})
    for person, status in ((answerer, 404), (asker, 200), (moderator, 200)):
        client.force_login(person)
        assert client.get(topic.get_absolute_url()).status_code == status


def test_a_topic_moved_into_a_private_space_leaves_the_old_spaces_readers(
    client, topic, answerer, animator, private_space
):
    client.force_login(answerer)
    search, index = url("search"), url("topic_index")
    assert lists_topic(client, topic, search, {"q": "indicateurs"})
    assert lists_topic(client, topic, index)

    services.topic_move(by=animator, topic=topic, to_space=private_space)
    assert client.get(topic.get_absolute_url()).status_code == 404
    assert not lists_topic(client, topic, search, {"q": "indicateurs"})
    assert not lists_topic(client, topic, index)
    client.force_login(animator)
    assert lists_topic(client, topic, search, {"q": "indicateurs"})
