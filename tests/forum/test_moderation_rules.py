"""Moderation rules that span several services: hiding for good what reports hid, the accepted
answer of a hidden reply, private images, and what staff may not do as such."""

import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile

from forum import permissions, services
from forum.models import ModerationAction, Report, Topic
from tests.forum.forum_fixtures import *  # noqa: F403
from tests.forum.forum_fixtures import fresh, join, png_bytes, verbs_for


def test_a_moderator_hides_for_good_a_post_the_reports_hid(
    settings, answered, moderator, open_space, answerer
):
    settings.FORUM = {**settings.FORUM, "REPORT_HIDE_THRESHOLD": 1}
    services.report_create(reporter=join(open_space), post=answered, reason=Report.Reason.SPAM)
    assert fresh(answered).hidden_by is None  # hidden pending review

    services.post_hide(by=moderator, post=answered, reason="Publicité")

    post = fresh(answered)
    assert post.hidden_at is not None and post.hidden_by == moderator
    assert ModerationAction.objects.filter(action="hide", post=post, actor=moderator).exists()
    assert "forum.post_hidden" in verbs_for(answerer)
    assert not Report.objects.filter(post=post, resolved_at__isnull=True).exists()


def test_hiding_the_accepted_answer_sends_the_question_back_to_waiting(
    topic, answered, asker, moderator
):
    services.answer_accept(by=asker, post=answered)
    assert fresh(topic).status == Topic.Status.ANSWERED

    services.post_hide(by=moderator, post=answered)

    topic = fresh(topic)
    assert (topic.accepted_post_id, topic.status) == (None, Topic.Status.OPEN)


def test_forum_images_are_stored_outside_the_public_media_folder(open_space, asker, tmp_path):
    settings_root = str(settings.MEDIA_ROOT)
    image = services.image_upload(
        by=asker,
        space=open_space,
        file=SimpleUploadedFile("photo.png", png_bytes(), content_type="image/png"),
    )
    path = image.file.path
    assert not path.startswith(settings_root)
    assert path.startswith(str(settings.PRIVATE_MEDIA_ROOT))
    image.file.delete(save=False)


def test_platform_staff_moderate_but_neither_announce_nor_accept_for_the_asker(
    topic, answered, staff, open_space
):
    assert permissions.can_moderate(staff, open_space)
    assert not permissions.can_announce(staff, open_space)
    with pytest.raises(PermissionDenied):
        services.answer_accept(by=staff, post=answered)
    assert fresh(topic).accepted_post_id is None
