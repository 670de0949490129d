from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LibraryConfig(AppConfig):
    """The practice library: sheets, interviews, video capsules and the toolbox (Wagtail)."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "community.library"
    label = "library"
    verbose_name = _("Practice library")

    def ready(self):
        from community.library import signals  # noqa: F401 - workflow and publish receivers
        from community.library.services.adoptions import VERBS as ADOPTION_VERBS
        from community.notifications import register_verbs

        _leave_library_workflow_emails_to_the_library()
        register_verbs(ADOPTION_VERBS)

        register_verbs(
            {
                "library.sheet_submitted": _(
                    "%(actor)s submitted the practice sheet %(target)s for review."
                ),
                "library.sheet_resubmitted": _(
                    "%(actor)s sent %(target)s back for review with changes."
                ),
                "library.expert_asked": _(
                    "%(actor)s asks for your expert opinion on the practice sheet %(target)s."
                ),
                "library.sent_to_expert": _(
                    "%(actor)s asked an expert to review your practice sheet %(target)s."
                ),
                "library.changes_requested": _(
                    "%(actor)s asks for changes to your practice sheet %(target)s."
                ),
                "library.sheet_published": _("Your practice sheet %(target)s is published."),
            }
        )


def publish_approved_workflow(workflow_state, user=None) -> None:
    """What a workflow does once its last task approved (`WAGTAIL_FINISH_WORKFLOW_ACTION`).

    For a library item, the approval is the right to publish, and what is published is what the
    reviewers approved (`reviewed_revision`), not whatever was saved since: an edit made while
    the sheet was in review waits for a review of its own. The review tasks decide who may
    approve (`models/workflows.py`), so an expert needs no Wagtail publish permission of their
    own. Anything else is published as Wagtail does by default, with its permission checks.
    Wagtail imports this while it loads its models: everything here is imported late.
    """
    from community.library.models import LibraryItem

    page = workflow_state.content_object
    if not isinstance(page.specific, LibraryItem):
        page.get_latest_revision().publish(user=user)
        return
    reviewed_revision(workflow_state).publish(user=user, skip_permission_checks=True)


def reviewed_revision(workflow_state):
    """The revision the workflow's last decision approved.

    The last task state is the expert's: approved, its revision is what the expert read; skipped
    (no expert asked), it stands for the animator's approval, whose revision is the one the
    animator read, whatever the skipped state was given.
    """
    from wagtail.models import TaskState

    from community.library.models.workflows import AnimatorReviewTaskState

    task_state = workflow_state.current_task_state
    if task_state.status == TaskState.STATUS_SKIPPED:
        approved = (
            AnimatorReviewTaskState.objects.filter(
                workflow_state=workflow_state, status=TaskState.STATUS_APPROVED
            )
            .select_related("revision")
            .order_by("-pk")
            .first()
        )
        if approved is not None and approved.revision_id != task_state.revision_id:
            return approved.revision
    return task_state.revision


def _is_library_workflow(workflow_state) -> bool:
    from community.library.models import LibraryItem

    model = workflow_state.content_type.model_class()
    return bool(model and issubclass(model, LibraryItem))


def _leave_library_workflow_emails_to_the_library() -> None:
    """Wagtail's own workflow e-mails stay for every page but the library's items.

    They link to the Wagtail admin, which a member who contributes cannot open, and would
    repeat what `signals.py` already tells the author and the reviewers, in the site's words and
    with links to the site. Each receiver of `wagtail.admin` is replaced under its own
    `dispatch_uid`, so Wagtail connecting it again (its app loads after this one) changes
    nothing, whichever app loads first.
    """
    from wagtail.admin import signal_handlers as wagtail_mail
    from wagtail.models import TaskState, WorkflowState
    from wagtail.signals import task_submitted, workflow_approved, workflow_rejected
    from wagtail.signals import workflow_submitted as workflow_submitted_signal

    def outside_library(notifier):
        def receive(sender, instance, **kwargs):
            state = getattr(instance, "workflow_state", instance)
            if not _is_library_workflow(state):
                return notifier(sender=sender, instance=instance, **kwargs)
            return None

        return receive

    for signal, sender, uid, notifier in (
        (
            task_submitted,
            TaskState,
            "group_approval_task_submitted_email_notification",
            wagtail_mail.task_submission_email_notifier,
        ),
        (
            workflow_submitted_signal,
            WorkflowState,
            "workflow_state_submitted_email_notification",
            wagtail_mail.workflow_submission_email_notifier,
        ),
        (
            workflow_rejected,
            WorkflowState,
            "workflow_state_rejected_email_notification",
            wagtail_mail.workflow_rejection_email_notifier,
        ),
        (
            workflow_approved,
            WorkflowState,
            "workflow_state_approved_email_notification",
            wagtail_mail.workflow_approval_email_notifier,
        ),
    ):
        signal.disconnect(sender=sender, dispatch_uid=uid)
        signal.connect(outside_library(notifier), sender=sender, dispatch_uid=uid, weak=False)
