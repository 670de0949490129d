"""Reviewing contributed sheets on the site: the queue of sheets awaiting the user's decision,
and one sheet as submitted with the decision form.

Who sees and decides what is `reviewing.py`'s: a sheet one may not see is a 404; the decision
goes through `services.contributions.review_decide`, which calls the workflow task as the
Wagtail admin does.
"""

from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.translation import gettext_lazy as _
from wagtail.models import TaskState

from community.library import reviewing
from community.library.forms import ReviewDecisionForm
from community.library.models import PracticeSheetPage
from community.library.services.contributions import review_decide
from community.library.views.contribute import preview_context
from community.views._helpers import run_service

DECIDED = {
    "approve": _("The sheet is approved."),
    "expert": _("The expert group is asked to review the sheet."),
    "reject": _("The author is asked for changes."),
}


@login_required
def review_queue(request):
    return TemplateResponse(
        request,
        "library/review/queue.html",
        {"rows": reviewing.review_queue(request.user)},
    )


def _posted_revision(request) -> int:
    """The revision the reviewer read, as the form sent it (0, never a revision, if garbled)."""
    value = request.POST.get("revision", "")
    return int(value) if value.isdigit() else 0


@login_required
def review_detail(request, page_id: int):
    """The version of a sheet under review, its review so far, and the decision form.

    The form carries the revision shown: a decision is taken on what the reviewer read, and
    refused if the review moved on to another version meanwhile (`review_decide`).
    """
    page = reviewing.access_draft(user=request.user, page_id=page_id)
    actions = reviewing.review_actions(request.user, page)
    form = ReviewDecisionForm(request.POST or None, actions=actions)
    if request.method == "POST" and form.is_valid():
        action = form.cleaned_data["action"]
        done = run_service(
            request,
            lambda: review_decide(
                by=request.user,
                page=page,
                action=action,
                comment=form.cleaned_data["comment"],
                revision_id=_posted_revision(request),
            ),
            success=str(DECIDED[action]),
            form=form,
        )
        if done:
            return redirect("library:review_queue")
    state = page.current_workflow_state
    task_state = state.current_task_state if state else None
    in_review = task_state is not None and task_state.status == TaskState.STATUS_IN_PROGRESS
    revision = task_state.revision if in_review else page.get_latest_revision()
    draft = revision.as_object() if revision else page
    return TemplateResponse(
        request,
        "library/review/detail.html",
        {
            "page": page,
            "draft": draft,
            "preview": preview_context(draft, request.user),
            "revision": revision,
            "is_sheet": isinstance(page, PracticeSheetPage),
            "status": reviewing.contribution_status(page),
            "history": reviewing.review_history(page),
            "task_state": task_state,
            "form": form if actions else None,
        },
        status=400 if request.method == "POST" else 200,
    )


urlpatterns = [
    path("review/", review_queue, name="review_queue"),
    path("review/<int:page_id>/", review_detail, name="review_detail"),
]
