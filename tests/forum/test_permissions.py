"""Refusals: every bad input or forbidden act says why, and leaves every row as it was."""

from types import SimpleNamespace

import pytest
from django.contrib.auth.models import AnonymousUser, Group
from django.core.exceptions import PermissionDenied, ValidationError

from community.models import Membership
from forum import permissions, services
from forum.models import BODY_MAX, TITLE_MAX, ModerationAction, PostRevision, Report, Topic
from tests.forum.forum_fixtures import *  # noqa: F403
from tests.forum.forum_fixtures import ask, fresh, join, opening, reply, verbs_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def w(topic, answered, asker, answerer, moderator, animator, open_space, other_space):
    """The world of a refusal: a question by the asker, answered by the answerer."""
    return SimpleNamespace(
        topic=topic,
        answered=answered,
        asker=asker,
        answerer=answerer,
        moderator=moderator,
        animator=animator,
        space=open_space,
        other_space=other_space,
    )


def nothing(w):
    return None


def ask_with(**kwargs):
    def call(w):
        fields = {"title": "Une question", "body": "Un message", **kwargs}
        return services.topic_create(author=w.asker, space=w.space, **fields)

    return call


# name: (what comes before, the refused call, the error, words of its message)
REFUSALS = {
    "an oversized reply": (
        nothing,
        lambda w: reply(w.answerer, w.topic, "x" * (BODY_MAX + 1)),
        ValidationError,
        "A message can hold at most 20,000 characters (this one has 20,001).",
    ),
    "an oversized question": (
        nothing,
        ask_with(body="é" * (BODY_MAX + 1)),
        ValidationError,
        "at most 20,000 characters",
    ),
    "an oversized edit": (
        nothing,
        lambda w: services.post_edit(by=w.answerer, post=w.answered, body="x" * (BODY_MAX + 1)),
        ValidationError,
        "at most 20,000 characters",
    ),
    "an empty question": (nothing, ask_with(body=""), ValidationError, "Write a message first."),
    "a blank reply": (
        nothing,
        lambda w: reply(w.answerer, w.topic, " \n\t "),
        ValidationError,
        "Write a message first.",
    ),
    "a too long title": (
        nothing,
        ask_with(title="t" * (TITLE_MAX + 1)),
        ValidationError,
        "at most 200 characters (it has 201)",
    ),
    "a too long title on edit": (
        nothing,
        lambda w: services.post_edit(
            by=w.asker, post=opening(w.topic), body="Autre texte", title="t" * (TITLE_MAX + 1)
        ),
        ValidationError,
        "at most 200 characters",
    ),
    "eleven tags": (
        nothing,
        ask_with(tags=[f"tag{n}" for n in range(11)]),
        ValidationError,
        "Use at most 10 tags.",
    ),
    "a tag too long": (
        nothing,
        ask_with(tags="salaires, " + "t" * 41),
        ValidationError,
        "A tag can hold at most 40 characters.",
    ),
    "a pseudonym too short": (
        nothing,
        ask_with(pseudonym="ab"),
        ValidationError,
        "A pseudonym has between 3 and 40 characters.",
    ),
    "an anonymous announcement": (
        nothing,
        lambda w: services.topic_create(
            author=w.animator,
            space=w.space,
            title="Annonce",
            body="Texte",
            kind=Topic.Kind.ANNOUNCEMENT,
            pseudonym="Voix anonyme",
        ),
        ValidationError,
        "An announcement cannot be anonymous.",
    ),
    "an answer accepted in a discussion": (
        lambda w: setattr(w, "extra", reply(w.answerer, ask_with(kind="discussion")(w))),
        lambda w: services.answer_accept(by=w.asker, post=w.extra),
        PermissionDenied,
        "Only the person who asked and the space's animators can accept an answer.",
    ),
    "a vote cast twice": (
        lambda w: services.vote_cast(user=w.asker, post=w.answered),
        lambda w: services.vote_cast(user=w.asker, post=w.answered),
        ValidationError,
        "You have already found this message helpful.",
    ),
    "a vote for one's own post": (
        nothing,
        lambda w: services.vote_cast(user=w.answerer, post=w.answered),
        PermissionDenied,
        "You cannot vote for your own message.",
    ),
    "a vote withdrawn that was never cast": (
        nothing,
        lambda w: services.vote_withdraw(user=w.asker, post=w.answered),
        ValidationError,
        "You had not voted for this message.",
    ),
    "accepting an answer to someone else's question": (
        nothing,
        lambda w: services.answer_accept(by=w.answerer, post=w.answered),
        PermissionDenied,
        "Only the person who asked and the space's animators can accept an answer.",
    ),
    "a reply in a locked topic": (
        lambda w: services.topic_lock(by=w.moderator, topic=w.topic, locked=True),
        lambda w: reply(w.answerer, w.topic),
        PermissionDenied,
        "This topic is locked: nobody can reply any more.",
    ),
    "a reply in a closed topic": (
        lambda w: services.topic_set_status(by=w.asker, topic=w.topic, status="closed"),
        lambda w: reply(w.answerer, w.topic),
        PermissionDenied,
        "This topic is closed: nobody can reply any more.",
    ),
    "a move into a space one does not moderate": (
        nothing,
        lambda w: services.topic_move(by=w.moderator, topic=w.topic, to_space=w.other_space),
        ValidationError,
        "You can only move a topic into a space you moderate.",
    ),
    "a move by a plain member": (
        nothing,
        lambda w: services.topic_move(by=w.asker, topic=w.topic, to_space=w.other_space),
        PermissionDenied,
        "Only the space's moderators and animators can do this.",
    ),
    "an announcement by a member": (
        nothing,
        ask_with(kind=Topic.Kind.ANNOUNCEMENT),
        ValidationError,
        "Only the space's animators can post announcements.",
    ),
    "an announcement by a moderator": (
        nothing,
        lambda w: services.topic_create(
            author=w.moderator, space=w.space, title="Annonce", body="Texte", kind="announcement"
        ),
        ValidationError,
        "Only the space's animators can post announcements.",
    ),
    "a pseudonym that is a member's name": (
        nothing,
        ask_with(pseudonym="  yasmine   BENALI "),
        ValidationError,
        "This pseudonym is a member's name: choose another one.",
    ),
    "a pseudonym that is a member's handle": (
        nothing,
        lambda w: ask_with(pseudonym=w.answerer.profile.handle.upper())(w),
        ValidationError,
        "This pseudonym is a member's name: choose another one.",
    ),
    "a report of one's own post": (
        nothing,
        lambda w: services.report_create(reporter=w.answerer, post=w.answered, reason="spam"),
        PermissionDenied,
        "You cannot report your own message.",
    ),
    "a second report by the same member": (
        lambda w: services.report_create(reporter=w.asker, post=w.answered, reason="spam"),
        lambda w: services.report_create(reporter=w.asker, post=w.answered, reason="abuse"),
        ValidationError,
        "You have already reported this message.",
    ),
    "an edit of someone else's post": (
        nothing,
        lambda w: services.post_edit(by=w.asker, post=w.answered, body="Réécrit par une autre"),
        PermissionDenied,
        "You cannot edit this message.",
    ),
    "a deletion of someone else's post": (
        nothing,
        lambda w: services.post_delete(by=w.asker, post=w.answered),
        PermissionDenied,
        "You cannot delete this message.",
    ),
    "a member hiding a post": (
        nothing,
        lambda w: services.post_hide(by=w.asker, post=w.answered),
        PermissionDenied,
        "Only the space's moderators and animators can do this.",
    ),
    "a member locking a topic": (
        nothing,
        lambda w: services.topic_lock(by=w.answerer, topic=w.topic, locked=True),
        PermissionDenied,
        "Only the space's moderators and animators can do this.",
    ),
    "a dismissal without any report": (
        nothing,
        lambda w: services.report_dismiss(by=w.moderator, post=w.answered),
        ValidationError,
        "This message has no open report.",
    ),
    "a member validating an answer": (
        nothing,
        lambda w: services.post_validate(by=w.asker, post=w.answered),
        PermissionDenied,
        "Only animators and vetted mentors can mark an answer as expert-validated.",
    ),
    "the question accepted as its own answer": (
        nothing,
        lambda w: services.answer_accept(by=w.asker, post=opening(w.topic)),
        ValidationError,
        "The question itself cannot be its answer.",
    ),
}


@pytest.mark.parametrize("case", REFUSALS)
def test_a_refusal_says_why_and_changes_nothing(
    case, w, forum_state, db_state, published, django_capture_on_commit_callbacks
):
    before, call, error, words = REFUSALS[case]
    before(w)
    rows, community_rows = forum_state(), db_state()
    published.clear()

    with django_capture_on_commit_callbacks(execute=True), pytest.raises(error) as refused:
        call(w)

    said = " ".join(refused.value.messages) if error is ValidationError else str(refused.value)
    assert words in said
    assert forum_state() == rows
    assert db_state() == community_rows
    assert published == []


# --- Who may write ----------------------------------------------------------------------------


def test_only_active_members_may_ask_or_reply(topic, open_space, outsider, forum_state):
    requested = join(open_space, state=Membership.State.REQUESTED)
    rows = forum_state()
    for person in (outsider, requested, AnonymousUser()):
        with pytest.raises(PermissionDenied):
            ask(person, open_space)
        with pytest.raises(PermissionDenied):
            reply(person, topic)
    assert forum_state() == rows


def test_a_member_of_another_space_cannot_see_nor_reply_in_a_private_space(
    private_space, other_space, forum_state
):
    topic = ask(join(private_space), private_space)
    stranger = join(other_space)
    rows = forum_state()
    with pytest.raises(PermissionDenied, match="You cannot see this topic."):
        reply(stranger, topic)
    with pytest.raises(PermissionDenied, match="You cannot see this topic."):
        services.follow_set(user=stranger, topic=topic, on=True)
    assert not permissions.can_view_topic(stranger, topic)
    assert forum_state() == rows


def test_a_moderator_may_edit_someone_elses_post_and_the_log_says_so(answered, moderator):
    services.post_edit(by=moderator, post=answered, body="Lien retiré par la modération")
    assert fresh(answered).body == "Lien retiré par la modération"
    assert PostRevision.objects.get(post=answered).edited_by == moderator
    action = ModerationAction.objects.get()
    assert (action.action, action.actor, action.post) == ("edit", moderator, answered)


def test_a_moderator_may_delete_someone_elses_post_and_its_author_is_told(
    answered, moderator, answerer
):
    services.post_delete(by=moderator, post=answered)
    assert fresh(answered).deleted_by == moderator
    assert ModerationAction.objects.get().action == "delete"
    assert verbs_for(answerer)[-1] == "forum.post_deleted"


def test_an_author_may_no_longer_edit_a_post_once_hidden_or_locked(answered, answerer, moderator):
    services.topic_lock(by=moderator, topic=answered.topic, locked=True)
    with pytest.raises(PermissionDenied):
        services.post_edit(by=answerer, post=answered, body="Encore")
    services.post_edit(by=moderator, post=answered, body="La modération peut encore")


def test_a_vetted_mentor_cannot_validate_in_a_space_they_cannot_read(private_space, outsider):
    topic = ask(join(private_space), private_space)
    post = reply(join(private_space), topic)
    outsider.groups.add(Group.objects.get(name="Vetted mentors"))
    with pytest.raises(PermissionDenied):
        services.post_validate(by=outsider, post=post)
    assert fresh(post).validated_at is None


def test_a_hidden_post_can_be_neither_voted_nor_accepted(answered, asker, moderator):
    services.post_hide(by=moderator, post=answered)
    with pytest.raises(PermissionDenied):
        services.vote_cast(user=asker, post=answered)
    with pytest.raises(ValidationError, match="no longer shown"):
        services.answer_accept(by=asker, post=answered)
    assert not Report.objects.exists()
