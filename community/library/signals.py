"""Receivers of the library (each one documented here, as the house style asks).

Reviews happen on the site (`services.contributions.review_decide`) and in the Wagtail admin,
which calls the workflow's tasks directly: Wagtail's workflow signals are the one place that
sees every step, so the notifications are sent from here, after the commit.

- `task_submitted`: the animator step starts (a submission, or a resubmission after changes):
  the sheet's reviewers are told (`reviewing.reviewers_for`); the expert step starts: the
  expert group is told, and the author learns that an expert was asked.
- `task_rejected`: the author is told that changes are requested, with the comment (by
  notification, and by e-mail since the comment does not fit in a notification).
- `workflow_approved`: the author is told that the sheet is published; a translation published
  through the workflow now follows its original's current publication.
- `page_published` of a practice sheet: the documents its author uploaded with it, held back
  while the sheet was reviewed (`pending_review`), become readable like the sheet; an upload of
  anyone else stays held back.
- `page_published`, `page_unpublished`, `post_delete` of a library item: what the library's
  index keeps between requests is forgotten (`selectors.library_changed`); on publication, the
  item is also indexed again for search. Wagtail indexes a page when its row is saved, reading
  its orderables from the database before the new ones are written: without this, a sheet's
  new steps would be found only after its next save.
"""

from django.conf import settings
from django.db import transaction
from django.db.models.signals import post_delete
from django.dispatch import receiver
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext as _
from wagtail.models import TaskState
from wagtail.search import index
from wagtail.signals import (
    page_published,
    page_unpublished,
    task_rejected,
    task_submitted,
    workflow_approved,
)

from community.library.models import LibraryItem, PracticeSheetPage
from community.library.models.workflows import AnimatorReviewTask, ExpertReviewTask


def _library_item(workflow_state):
    page = workflow_state.content_object
    page = page.specific if page is not None else None
    return page if isinstance(page, LibraryItem) else None


def _absolute(url: str) -> str:
    return settings.SITE_URL.rstrip("/") + url


def _email_author(page, *, template: str, subject: str, **context) -> None:
    from community.tasks import send_email

    author = page.owner
    if author is None or not author.is_active or not author.email:
        return
    body = render_to_string(
        f"library/emails/{template}.txt",
        {
            "page": page,
            "contribution_url": _absolute(reverse("library:contribution_detail", args=[page.pk])),
            **context,
        },
    )
    send_email.enqueue(subject=subject, body=body, recipients=[author.email])


@receiver(task_submitted)
def review_step_started(sender, instance, user=None, **kwargs):
    page = _library_item(instance.workflow_state)
    if page is None:
        return
    task = instance.task.specific
    task_state_id = instance.pk
    actor_id = user.pk if user is not None else page.owner_id

    def notify():
        from community.library import reviewing
        from community.notifications import notification_send

        fresh = LibraryItem.objects.select_related("owner").get(pk=page.pk).specific
        actor = fresh.owner if actor_id == fresh.owner_id else _user(actor_id)
        resubmitted = (
            TaskState.objects.filter(
                workflow_state_id=instance.workflow_state_id,
                status=TaskState.STATUS_REJECTED,
            )
            .exclude(pk=task_state_id)
            .exists()
        )
        review_url = reverse("library:review_detail", args=[fresh.pk])
        if isinstance(task, AnimatorReviewTask):
            notification_send(
                recipients=list(reviewing.reviewers_for(fresh)),
                actor=actor,
                verb="library.sheet_resubmitted" if resubmitted else "library.sheet_submitted",
                target=fresh,
                url=review_url,
            )
        elif isinstance(task, ExpertReviewTask):
            notification_send(
                recipients=list(reviewing.expert_reviewers(fresh)),
                actor=actor,
                verb="library.sheet_resubmitted" if resubmitted else "library.expert_asked",
                target=fresh,
                url=review_url,
            )
            notification_send(
                recipients=[fresh.owner],
                actor=actor,
                verb="library.sent_to_expert",
                target=fresh,
                url=reverse("library:contribution_detail", args=[fresh.pk]),
            )

    transaction.on_commit(notify, robust=True)


def _user(user_id):
    from django.contrib.auth import get_user_model

    return get_user_model().objects.select_related("profile").filter(pk=user_id).first()


@receiver(task_rejected)
def changes_requested(sender, instance, user=None, **kwargs):
    page = _library_item(instance.workflow_state)
    if page is None:
        return
    comment = instance.comment
    reviewer_id = user.pk if user is not None else None

    def notify():
        from community.notifications import notification_send

        fresh = LibraryItem.objects.select_related("owner").get(pk=page.pk).specific
        reviewer = _user(reviewer_id) if reviewer_id else None
        notification_send(
            recipients=[fresh.owner],
            actor=reviewer or fresh,
            verb="library.changes_requested",
            target=fresh,
            url=reverse("library:contribution_detail", args=[fresh.pk]),
        )
        if fresh.owner_id != reviewer_id:
            _email_author(
                fresh,
                template="changes_requested",
                subject=_("Changes requested: %(title)s") % {"title": fresh.title},
                comment=comment,
                reviewer=reviewer,
            )

    transaction.on_commit(notify, robust=True)


@receiver(workflow_approved)
def sheet_published(sender, instance, user=None, **kwargs):
    page = _library_item(instance)
    if page is None:
        return
    if page.translation_source_published_at is not None:
        from community.library.services.translations import translation_published

        translation_published(page=page)
    approver_id = user.pk if user is not None else None

    def notify():
        from community.notifications import notification_send

        fresh = LibraryItem.objects.select_related("owner").get(pk=page.pk).specific
        approver = _user(approver_id) if approver_id else None
        notification_send(
            recipients=[fresh.owner],
            actor=approver or fresh,
            verb="library.sheet_published",
            target=fresh,
            url=fresh.url or "",
        )
        if fresh.owner_id != approver_id:
            _email_author(
                fresh,
                template="published",
                subject=_("Published: %(title)s") % {"title": fresh.title},
                page_url=_absolute(fresh.url or ""),
            )

    transaction.on_commit(notify, robust=True)


@receiver(page_published)
def release_documents(sender, instance, **kwargs):
    if isinstance(instance, PracticeSheetPage):
        from community.library.services.contributions import sheet_documents_release

        sheet_documents_release(page=instance)


@receiver([page_published, page_unpublished, post_delete])
def library_item_changed(sender, instance, signal, **kwargs):
    if not isinstance(instance, LibraryItem):
        return
    from community.library.selectors import library_changed

    if signal is page_published:
        index.insert_or_update_object(instance)
    library_changed()
