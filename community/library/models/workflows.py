"""The review of contributed practice sheets, as Wagtail workflow tasks.

The "Practice sheet review" workflow (created by a data migration, attached to the library
index) has two tasks:

1. `AnimatorReviewTask`: an animator of one of the sheet's spaces (or of their clusters; any
   cluster animator when the sheet names no space; staff) approves, asks for an expert's
   opinion, or requests changes with a comment back to the author;
2. `ExpertReviewTask`: the members of the chosen Wagtail groups (the "Library experts" group)
   approve or request changes. It runs only when the animator asked for it, and is skipped
   otherwise.

When the last task approves, Wagtail publishes the sheet. The same tasks serve the site's
review page (`views/review.py`) and the Wagtail admin, and `signals.py` notifies the author and
the reviewers at each step, whichever way the action came.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _
from wagtail.models import AbstractGroupApprovalTask, Task, TaskState


class AnimatorReviewTaskState(TaskState):
    expert_requested = models.BooleanField(_("expert review requested"), default=False)

    class Meta:
        verbose_name = _("animator review state")


class AnimatorReviewTask(Task):
    task_state_class = AnimatorReviewTaskState

    APPROVE = "approve"
    EXPERT = "expert"
    REJECT = "reject"

    class Meta:
        verbose_name = _("animator review")
        verbose_name_plural = _("animator reviews")

    @classmethod
    def get_description(cls):
        return _(
            "The animators of the sheet's spaces and clusters approve it, ask an expert, "
            "or request changes."
        )

    def _may_review(self, obj, user) -> bool:
        from community.library.permissions import can_review

        return can_review(user, obj)

    def user_can_access_editor(self, obj, user):
        return self._may_review(obj, user)

    def locked_for_user(self, obj, user):
        return not self._may_review(obj, user)

    def user_can_lock(self, obj, user):
        return self._may_review(obj, user)

    def get_actions(self, obj, user):
        if not self._may_review(obj, user):
            return []
        return [
            (self.REJECT, _("Request changes"), True),
            (self.EXPERT, _("Ask an expert"), True),
            (self.APPROVE, _("Approve and publish"), False),
            (self.APPROVE, _("Approve with comment"), True),
        ]

    def on_action(self, task_state, user, action_name, **kwargs):
        if action_name == self.EXPERT:
            state = task_state.specific
            state.expert_requested = True
            state.save(update_fields=["expert_requested"])
            return super().on_action(task_state, user, self.APPROVE, **kwargs)
        return super().on_action(task_state, user, action_name, **kwargs)

    def get_task_states_user_can_moderate(self, user, **kwargs):
        from community.library.reviewing import reviewable_task_states

        return reviewable_task_states(user, task=self)


class ExpertReviewTask(AbstractGroupApprovalTask):
    class Meta:
        verbose_name = _("expert review")
        verbose_name_plural = _("expert reviews")

    @classmethod
    def get_description(cls):
        return _("Members of the chosen groups review the sheet when an animator asks them to.")

    def get_actions(self, obj, user):
        # Nobody approves their own work, even an expert.
        if getattr(obj, "owner_id", None) == user.pk:
            return []
        return super().get_actions(obj, user)

    def start(self, workflow_state, user=None):
        # The animator's latest decision in this run of the workflow says whether to ask.
        last = (
            AnimatorReviewTaskState.objects.filter(workflow_state=workflow_state)
            .order_by("-pk")
            .first()
        )
        if last is not None and last.expert_requested:
            return super().start(workflow_state, user=user)
        # Not asked for: record the step as skipped, and the workflow moves on at once.
        task_state = self.get_task_state_class()(workflow_state=workflow_state)
        task_state.status = TaskState.STATUS_SKIPPED
        task_state.revision = workflow_state.content_object.get_latest_revision()
        task_state.task = self
        task_state.save()
        return task_state
