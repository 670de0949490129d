"""The forum's services on the happy path: rows written, people told, events published."""

import pytest
from django.contrib.auth.models import Group
from notifications.models import Notification

from community.models import Membership, Theme
from forum import selectors, services
from forum.models import Follow, ModerationAction, Post, PostRevision, Report, Topic, TopicRead
from tests.forum.forum_fixtures import *  # noqa: F403
from tests.forum.forum_fixtures import ask, fresh, join, opening, reply, verbs_for

pytestmark = pytest.mark.django_db

ID_KEYS = {"topic", "revision", "post", "number", "helpful"}


def events(published, group) -> list[tuple[str, dict]]:
    return [(m["event"], m["data"]) for g, m in published if g == group and "event" in m]


def log_of(topic) -> list[str]:
    rows = ModerationAction.objects.filter(topic=topic).order_by("pk")
    return list(rows.values_list("action", flat=True))


# --- Topics -----------------------------------------------------------------------------------


def test_asking_writes_the_topic_its_opening_post_and_follows_it_for_the_asker(asker, open_space):
    inclusion = Theme.objects.create(slug="t-inclusion", label_fr="Inclusion", label_en="Inclusion")
    topic = ask(asker, open_space, themes=[inclusion], tags="index,  Salaires , index, ")

    topic = fresh(topic)
    assert (topic.author, topic.space) == (asker, open_space)
    assert (topic.kind, topic.status) == (Topic.Kind.QUESTION, Topic.Status.OPEN)
    assert (topic.last_number, topic.revision, topic.reply_count) == (1, 1, 0)
    [post] = Post.objects.filter(topic=topic)
    assert (post.number, post.author, post.space) == (1, asker, open_space)
    assert "<strong>commencer</strong>" in post.body_html
    assert post.is_visible
    assert list(topic.themes.all()) == [inclusion]
    assert sorted(topic.tags.names()) == ["Salaires", "index"]
    assert Follow.objects.filter(user=asker, topic=topic).exists()
    assert TopicRead.objects.get(user=asker, topic=topic).last_number == 1


def test_a_mention_when_asking_notifies_only_active_members_of_the_space(
    asker, answerer, open_space, other_space, outsider
):
    removed = join(open_space, state=Membership.State.REMOVED)
    requested = join(open_space, state=Membership.State.REQUESTED)
    deactivated = join(open_space)
    deactivated.is_active = False
    deactivated.save()
    elsewhere = join(other_space)
    people = [answerer, removed, requested, deactivated, elsewhere, outsider]
    body = "Qu'en pensez-vous ? " + " ".join(f"@{p.profile.handle}" for p in people)

    topic = ask(asker, open_space, body=body)

    post = opening(topic)
    assert list(post.mentions.all()) == [answerer]
    assert verbs_for(answerer) == ["forum.mention"]
    for person in people[1:]:
        assert verbs_for(person) == []
        assert f"@{person.profile.handle}" in post.body_html


def test_asking_publishes_created_and_activity_after_commit_with_ids_only(
    asker, open_space, published, django_capture_on_commit_callbacks
):
    ask(asker, open_space)
    assert published == []  # the test transaction never commits

    with django_capture_on_commit_callbacks(execute=True):
        topic = ask(asker, open_space, title="Une autre question sur les salaires")

    assert events(published, f"forum.topic.{topic.pk}") == [
        ("topic.created", {"topic": topic.pk, "revision": 1})
    ]
    assert events(published, f"space.{open_space.pk}") == [("topic.activity", {"topic": topic.pk})]
    for _group, message in published:
        assert set(message["data"]) <= ID_KEYS
        assert all(isinstance(value, int) for value in message["data"].values())


def test_space_followers_hear_of_a_new_topic(asker, answerer, open_space):
    services.follow_set(user=answerer, space=open_space, on=True)
    topic = ask(asker, open_space)
    [notification] = Notification.objects.filter(recipient=answerer)
    assert notification.verb == "forum.topic_in_followed_space"
    assert notification.data["target"] == topic.title
    assert verbs_for(asker) == []


# --- Replies ----------------------------------------------------------------------------------


def test_replies_are_numbered_without_gaps_and_count_and_bump_the_topic(topic, answerer, asker):
    posts = [reply(answerer, topic), reply(asker, topic), reply(answerer, topic)]
    assert [p.number for p in posts] == [2, 3, 4]
    topic = fresh(topic)
    assert (topic.last_number, topic.reply_count, topic.revision) == (4, 3, 4)

    services.post_delete(by=answerer, post=posts[2])
    again = reply(answerer, topic)
    assert again.number == 5  # a number is never handed out twice
    assert fresh(topic).reply_count == 3
    numbers = Post.objects.filter(topic=topic).values_list("number", flat=True)
    assert list(numbers) == [1, 2, 3, 4, 5]


def test_a_reply_tells_the_asker_and_the_followers_of_the_topic_and_the_space(
    topic, asker, answerer, open_space, published, django_capture_on_commit_callbacks
):
    topic_follower = join(open_space)
    space_follower = join(open_space)
    services.follow_set(user=topic_follower, topic=topic, on=True)
    services.follow_set(user=space_follower, space=open_space, on=True)
    Notification.objects.all().delete()

    with django_capture_on_commit_callbacks(execute=True):
        post = reply(answerer, topic)

    assert verbs_for(asker) == ["forum.reply_to_topic"]
    assert verbs_for(topic_follower) == ["forum.reply_in_followed"]
    assert verbs_for(space_follower) == ["forum.reply_in_followed"]
    assert verbs_for(answerer) == []
    assert Follow.objects.filter(user=answerer, topic=topic).exists()
    assert ("post.created", {"topic": topic.pk, "revision": 2, "post": post.pk, "number": 2}) in (
        events(published, f"forum.topic.{topic.pk}")
    )


def test_a_follower_who_lost_access_to_a_private_space_hears_nothing(private_space):
    asker, answerer, follower = join(private_space), join(private_space), join(private_space)
    topic = ask(asker, private_space)
    services.follow_set(user=follower, topic=topic, on=True)
    services.follow_set(user=follower, space=private_space, on=True)
    reply(answerer, topic)
    assert verbs_for(follower) == ["forum.reply_in_followed"]

    Membership.objects.filter(user=follower).update(state=Membership.State.REMOVED)
    reply(answerer, topic, body=f"Bonjour @{follower.profile.handle}")

    assert verbs_for(follower) == ["forum.reply_in_followed"]
    assert verbs_for(asker) == ["forum.reply_to_topic"] * 2


def test_editing_keeps_the_old_text_and_notifies_only_new_mentions(topic, asker, open_space):
    first, second = join(open_space), join(open_space)
    post = reply(asker, topic, body=f"Merci @{first.profile.handle}")
    assert verbs_for(first) == ["forum.mention"]

    services.post_edit(
        by=asker, post=post, body=f"Merci @{first.profile.handle} et @{second.profile.handle}"
    )

    post = fresh(post)
    assert post.edited_at is not None
    assert second.profile.display_name in post.body_html
    [revision] = PostRevision.objects.filter(post=post)
    assert (revision.body, revision.edited_by) == (f"Merci @{first.profile.handle}", asker)
    assert verbs_for(first) == ["forum.mention"]
    assert verbs_for(second) == ["forum.mention"]
    assert set(post.mentions.all()) == {first, second}


def test_editing_the_opening_post_can_change_the_title_and_keeps_the_old_one(topic, asker):
    before = (topic.title, opening(topic).body)
    services.post_edit(by=asker, post=opening(topic), body="Nouveau texte", title="Nouveau titre")
    assert fresh(topic).title == "Nouveau titre"
    assert opening(topic).body == "Nouveau texte"
    [revision] = PostRevision.objects.all()
    assert (revision.title, revision.body) == before


def test_deleting_a_reply_is_soft_and_uncounts_it(topic, answered, answerer):
    services.post_delete(by=answerer, post=answered)
    answered = fresh(answered)
    assert answered.deleted_at is not None
    assert (answered.deleted_by, answered.is_visible) == (answerer, False)
    assert fresh(topic).reply_count == 0
    assert fresh(topic).deleted_at is None


def test_deleting_the_opening_post_takes_the_topic_out_of_lists_and_search(
    topic, answered, asker, answerer
):
    assert selectors.search(user=answerer, query="commencer", filters=selectors.SearchFilters())
    services.post_delete(by=asker, post=opening(topic))

    assert fresh(topic).deleted_at is not None
    assert Post.objects.filter(topic=topic).count() == 2  # kept for the record
    assert not Post.objects.filter(topic=topic, is_visible=True).exists()
    listed = selectors.topic_list(user=answerer, filters=selectors.TopicFilters())
    assert topic not in listed
    assert (
        selectors.search(user=answerer, query="commencer", filters=selectors.SearchFilters()) == []
    )
    assert selectors.search(user=answerer, query="URSSAF", filters=selectors.SearchFilters()) == []


# --- Answers, validation, votes ---------------------------------------------------------------


def test_accepting_and_unaccepting_an_answer(topic, answered, asker, answerer):
    services.answer_accept(by=asker, post=answered)
    topic = fresh(topic)
    assert (topic.accepted_post, topic.status) == (answered, Topic.Status.ANSWERED)
    assert "forum.answer_accepted" in verbs_for(answerer)

    services.answer_unaccept(by=asker, topic=topic)
    topic = fresh(topic)
    assert (topic.accepted_post, topic.status) == (None, Topic.Status.OPEN)

    services.answer_accept(by=asker, post=answered)
    services.post_delete(by=answerer, post=answered)  # a deleted answer is accepted no more
    assert (fresh(topic).accepted_post, topic.status) == (None, Topic.Status.OPEN)


def test_an_animator_may_accept_an_answer_for_the_asker(topic, answered, animator):
    services.answer_accept(by=animator, post=answered)
    assert fresh(topic).accepted_post == answered


def test_an_animator_validates_an_answer_and_its_author_hears_of_it(answered, animator, answerer):
    services.post_validate(by=animator, post=answered)
    answered = fresh(answered)
    assert answered.validated_by == animator
    assert answered.validated_at is not None
    assert "forum.answer_validated" in verbs_for(answerer)

    services.post_validate(by=animator, post=answered, validated=False)
    assert fresh(answered).validated_at is None


def test_a_vetted_mentor_validates_but_a_plain_member_may_not(answered, open_space):
    plain = join(open_space)
    with pytest.raises(services.PermissionDenied, match="vetted mentors"):
        services.post_validate(by=plain, post=answered)
    assert fresh(answered).validated_at is None

    mentor = join(open_space)
    mentor.groups.add(Group.objects.get(name="Vetted mentors"))
    services.post_validate(by=mentor, post=answered)
    assert fresh(answered).validated_by == mentor


def test_a_vote_counts_once_and_can_be_withdrawn(
    answered, asker, published, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.vote_cast(user=asker, post=answered)
    assert fresh(answered).helpful_count == 1
    assert answered.votes.filter(user=asker).exists()
    voted = {"topic": answered.topic_id, "revision": 3, "post": answered.pk, "helpful": 1}
    assert ("post.voted", voted) in events(published, f"forum.topic.{answered.topic_id}")

    services.vote_withdraw(user=asker, post=answered)
    assert fresh(answered).helpful_count == 0
    assert not answered.votes.exists()


# --- Following and reading --------------------------------------------------------------------


def test_following_a_topic_or_a_space_is_idempotent_and_can_stop(topic, answerer, open_space):
    for _ in range(2):
        assert services.follow_set(user=answerer, topic=topic, on=True) is True
        services.follow_set(user=answerer, space=open_space, on=True)
    assert Follow.objects.filter(user=answerer).count() == 2
    services.follow_set(user=answerer, topic=topic, on=False)
    services.follow_set(user=answerer, space=open_space, on=False)
    assert not Follow.objects.filter(user=answerer).exists()


def test_reading_never_goes_backwards_nor_past_the_last_post(topic, answered, answerer, asker):
    reply(answerer, topic)
    topic = fresh(topic)
    services.topic_mark_read(user=asker, topic=topic, number=99)
    assert TopicRead.objects.get(user=asker, topic=topic).last_number == 3
    services.topic_mark_read(user=asker, topic=topic, number=2)
    assert TopicRead.objects.get(user=asker, topic=topic).last_number == 3


def test_the_topic_list_marks_new_and_unread_topics(topic, asker, answerer):
    def listed(user):
        rows = selectors.topic_list(user=user, filters=selectors.TopicFilters())
        [row] = selectors.decorate_topics(rows, user=user)
        return row

    row = listed(answerer)
    assert (row.read_number, row.is_new, row.unread) == (None, True, 0)
    assert listed(asker).is_new is False  # one's own topic is never new

    services.topic_mark_read(user=answerer, topic=fresh(topic))
    reply(asker, topic)
    reply(asker, topic)
    row = listed(answerer)
    assert (row.read_number, row.is_new, row.unread) == (1, False, 2)
    assert (listed(asker).read_number, listed(asker).unread) == (3, 0)


def test_the_topic_page_draws_a_line_before_what_is_new_since_the_last_visit(
    client, topic, asker, answerer
):
    reply(answerer, topic)
    first_unseen = reply(asker, topic)
    reply(asker, topic)
    page = selectors.topic_page(user=answerer, topic=fresh(topic))
    assert (page.read_before, page.first_new) == (2, first_unseen.number)

    client.force_login(answerer)
    html = client.get(topic.get_absolute_url()).content.decode()
    assert html.count('id="new-since"') == 1
    assert html.index('id="new-since"') < html.index('id="post-3"')
    assert html.index('id="post-2"') < html.index('id="new-since"')
    # The visit was remembered: nothing is new the next time.
    assert 'id="new-since"' not in client.get(topic.get_absolute_url()).content.decode()
    assert selectors.topic_page(user=answerer, topic=fresh(topic)).first_new is None


# --- Reports and moderation -------------------------------------------------------------------


def test_reports_past_the_threshold_hide_the_post_pending_review(
    settings, topic, answered, answerer, moderator, animator, open_space
):
    settings.FORUM = {**settings.FORUM, "REPORT_HIDE_THRESHOLD": 2}
    first, second = join(open_space), join(open_space)

    services.report_create(reporter=first, post=answered, reason=Report.Reason.SPAM)
    assert fresh(answered).hidden_at is None
    assert verbs_for(moderator) == ["forum.reported"]
    assert verbs_for(animator) == ["forum.reported"]

    services.report_create(reporter=second, post=answered, reason=Report.Reason.ABUSE)
    answered = fresh(answered)
    assert answered.hidden_at is not None
    assert (answered.hidden_by, answered.is_visible) == (None, False)
    assert fresh(topic).reply_count == 0
    [action] = ModerationAction.objects.all()
    assert (action.action, action.actor, action.post) == ("auto_hide", None, answered)
    assert action.details == {"reports": 2}
    assert verbs_for(moderator) == ["forum.reported"]  # told of the first report only
    assert "forum.post_auto_hidden" in verbs_for(answerer)


def test_a_moderator_hides_then_shows_a_post_and_each_step_is_logged(
    topic, answered, answerer, moderator, open_space
):
    reporter = join(open_space)
    services.report_create(reporter=reporter, post=answered, reason=Report.Reason.OFF_TOPIC)

    services.post_hide(by=moderator, post=answered, reason="Hors sujet")
    answered = fresh(answered)
    assert (answered.hidden_by, answered.is_visible) == (moderator, False)
    assert Report.objects.get().outcome == Report.Outcome.HIDDEN
    services.post_unhide(by=moderator, post=answered, reason="Finalement utile")
    assert fresh(answered).is_visible

    entries = ModerationAction.objects.order_by("pk")
    assert [(e.action, e.actor, e.reason) for e in entries] == [
        ("hide", moderator, "Hors sujet"),
        ("unhide", moderator, "Finalement utile"),
    ]
    assert verbs_for(answerer)[-2:] == ["forum.post_hidden", "forum.post_unhidden"]


def test_dismissing_reports_shows_an_auto_hidden_post_again(
    settings, answered, moderator, open_space
):
    settings.FORUM = {**settings.FORUM, "REPORT_HIDE_THRESHOLD": 1}
    services.report_create(reporter=join(open_space), post=answered, reason=Report.Reason.SPAM)
    assert fresh(answered).hidden_at is not None

    services.report_dismiss(by=moderator, post=answered)

    answered = fresh(answered)
    assert (answered.hidden_at, answered.is_visible) == (None, True)
    assert Report.objects.get().outcome == Report.Outcome.DISMISSED
    assert log_of(answered.topic) == ["auto_hide", "dismiss"]


def test_locking_pinning_and_moving_a_topic_write_the_audit_log(
    topic, asker, animator, open_space, private_space, published, django_capture_on_commit_callbacks
):
    services.topic_lock(by=animator, topic=topic, locked=True, reason="Débat clos")
    services.topic_pin(by=animator, topic=topic, pinned=True)
    with django_capture_on_commit_callbacks(execute=True):
        services.topic_move(by=animator, topic=topic, to_space=private_space, reason="Sensible")

    topic = fresh(topic)
    assert (topic.is_locked, topic.is_pinned, topic.space) == (True, True, private_space)
    assert set(Post.objects.filter(topic=topic).values_list("space", flat=True)) == {
        private_space.pk
    }
    assert log_of(topic) == ["lock", "pin", "move", "move"]
    moves = ModerationAction.objects.filter(action="move")
    assert {m.space for m in moves} == {open_space, private_space}
    assert ModerationAction.objects.get(action="lock").reason == "Débat clos"
    # The asker cannot read the private space the topic went to: told of the lock, not of a
    # move that would name that space.
    assert verbs_for(asker) == ["forum.topic_locked"]
    assert (f"forum.topic.{topic.pk}", {"type": "access.changed"}) in published
