"""Reads of the contribution and review of practice sheets: who reviews what, what a member
contributed and where each contribution stands.

The rule of who reviews a sheet is `permissions.can_review` (animators of the sheet's spaces and
of their clusters; any animator when it names no space; staff; never its author);
`reviewable_task_states` is its queryset twin, for the review queue and the Wagtail admin's
dashboard. The expert group reviews a sheet only once an animator asked (`ExpertReviewTask`).
"""

from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.db.models import CharField, Exists, OuterRef, Q, QuerySet
from django.db.models.functions import Cast
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from wagtail.models import Page, TaskState, WorkflowState

from community.library import permissions
from community.library.models import LibraryItem
from community.library.models.workflows import AnimatorReviewTask, ExpertReviewTask
from community.models import Membership, Space
from community.permissions import is_platform_staff
from community.selectors import profiles_visible_to

User = get_user_model()


def _signed_in(user) -> bool:
    return bool(user and user.is_authenticated and user.is_active)


def _page_content_type() -> ContentType:
    return ContentType.objects.get_for_model(Page)


def _animated_space_ids(user) -> QuerySet:
    """Spaces the user animates, directly or through their cluster."""
    return Space.objects.filter(
        Q(
            pk__in=Membership.objects.filter(
                user=user, role=Membership.Role.ANIMATOR, state=Membership.State.ACTIVE
            ).values("space_id")
        )
        | Q(cluster__animators=user)
    ).values("pk")


def reviewable_items(user) -> QuerySet:
    """Library items `user` may review (the queryset twin of `permissions.can_review`)."""
    if not _signed_in(user):
        return LibraryItem.objects.none()
    if is_platform_staff(user):
        return LibraryItem.objects.exclude(owner=user)
    through = LibraryItem.spaces.through
    in_animated_space = Exists(
        through.objects.filter(
            libraryitem_id=OuterRef("pk"), space_id__in=_animated_space_ids(user)
        )
    )
    condition = Q(in_animated_space)
    if permissions.is_library_animator(user):
        condition |= ~Exists(through.objects.filter(libraryitem_id=OuterRef("pk")))
    return LibraryItem.objects.filter(condition).exclude(owner=user)


def reviewable_task_states(user, task) -> QuerySet:
    """`task`'s states in progress on the pages `user` may review.

    Used by `AnimatorReviewTask.get_task_states_user_can_moderate`: Wagtail ORs these querysets
    together for its dashboard, so this one stays a plain filter (no `distinct()`).
    """
    if not _signed_in(user):
        return TaskState.objects.none()
    page_ids = (
        reviewable_items(user)
        .annotate(id_text=Cast("pk", output_field=CharField()))
        .values("id_text")
    )
    return TaskState.objects.filter(
        task=task,
        status=TaskState.STATUS_IN_PROGRESS,
        workflow_state__base_content_type=_page_content_type(),
        workflow_state__object_id__in=page_ids,
    )


def _expert_task_states(user) -> QuerySet:
    """Expert reviews in progress that `user` may decide (a member of the task's groups)."""
    if not _signed_in(user):
        return TaskState.objects.none()
    states = TaskState.objects.filter(
        task__in=ExpertReviewTask.objects.filter(
            Q(groups__user=user) if not user.is_superuser else Q()
        ).values("pk"),
        status=TaskState.STATUS_IN_PROGRESS,
        workflow_state__base_content_type=_page_content_type(),
    )
    return states.exclude(
        workflow_state__object_id__in=LibraryItem.objects.filter(owner=user)
        .annotate(id_text=Cast("pk", output_field=CharField()))
        .values("id_text")
    )


@dataclass
class QueueRow:
    page: LibraryItem
    task_state: TaskState
    is_expert_step: bool
    spaces: list = field(default_factory=list)

    @property
    def step_label(self) -> str:
        return _("Expert review") if self.is_expert_step else _("Animator review")


def review_queue(user) -> list[QueueRow]:
    """Sheets waiting for `user`'s decision, oldest first, in a fixed number of queries."""
    animator_tasks = list(AnimatorReviewTask.objects.filter(active=True))
    states = _expert_task_states(user)
    for task in animator_tasks:
        states = states | reviewable_task_states(user, task)
    states = list(states.select_related("workflow_state", "task").order_by("started_at", "pk"))
    page_ids = [int(state.workflow_state.object_id) for state in states]
    pages = (
        LibraryItem.objects.filter(pk__in=page_ids)
        .select_related("owner__profile")
        .prefetch_related("spaces")
        .in_bulk()
    )
    expert_type = ContentType.objects.get_for_model(ExpertReviewTask)
    rows = []
    for state in states:
        page = pages.get(int(state.workflow_state.object_id))
        if page is None:
            continue
        rows.append(
            QueueRow(
                page=page,
                task_state=state,
                is_expert_step=state.task.content_type_id == expert_type.pk,
                spaces=list(page.spaces.all()),
            )
        )
    return rows


def review_actions(user, page, *, task_state=None) -> list[str]:
    """The decisions `user` may take now on `page`'s current review step (empty: none).

    Animators (`can_review`) approve, ask an expert or request changes while the animator step
    is in progress; the expert group's members approve or request changes once asked. Nobody
    decides on their own sheet.
    """
    if not _signed_in(user):
        return []
    if task_state is None:
        state = page.current_workflow_state
        if state is None or state.status != WorkflowState.STATUS_IN_PROGRESS:
            return []
        task_state = state.current_task_state
    if task_state is None or task_state.status != TaskState.STATUS_IN_PROGRESS:
        return []
    task = task_state.task.specific
    if isinstance(task, AnimatorReviewTask):
        if not permissions.can_review(user, page):
            return []
        return [AnimatorReviewTask.APPROVE, AnimatorReviewTask.EXPERT, AnimatorReviewTask.REJECT]
    if isinstance(task, ExpertReviewTask):
        if page.owner_id == user.pk:
            return []
        offered = {name for name, _label, _needs_form in task.get_actions(page, user)}
        return [action for action in ("approve", "reject") if action in offered]
    return []


def reviewers_for(page) -> QuerySet:
    """Who is told that `page` awaits review: its reviewers by role, never its author.

    The animators of its spaces and of their clusters, or every animator (of a cluster or of a
    space) when it names no space, as `permissions.can_review` admits them; plus the expert
    group's members while an expert is asked. When that leaves nobody (the author animates the
    sheet's only space, say), staff are told: a submitted sheet never waits unseen.
    """
    spaces = Space.objects.filter(library_items=page)
    if spaces.exists():
        condition = Q(
            memberships__space__in=spaces,
            memberships__role=Membership.Role.ANIMATOR,
            memberships__state=Membership.State.ACTIVE,
        ) | Q(animated_clusters__spaces__in=spaces)
    else:
        condition = Q(
            memberships__role=Membership.Role.ANIMATOR,
            memberships__state=Membership.State.ACTIVE,
        ) | Q(animated_clusters__isnull=False)
    if _expert_step_in_progress(page):
        condition |= Q(pk__in=expert_reviewers(page).values("pk"))
    people = User.objects.filter(is_active=True).exclude(pk=page.owner_id)
    reviewers = people.filter(pk__in=User.objects.filter(condition).values("pk"))
    if not reviewers.exists():
        reviewers = people.filter(is_staff=True)
    return reviewers.select_related("profile")


def _expert_step_in_progress(page) -> bool:
    state = page.current_workflow_state
    task_state = state.current_task_state if state else None
    return bool(
        state is not None
        and state.status == WorkflowState.STATUS_IN_PROGRESS
        and task_state is not None
        and task_state.status == TaskState.STATUS_IN_PROGRESS
        and task_state.task.content_type_id
        == ContentType.objects.get_for_model(ExpertReviewTask).pk
    )


def expert_reviewers(page) -> QuerySet:
    """Members of the expert task's groups (the "Library experts" group), never the author."""
    tasks = ExpertReviewTask.objects.filter(active=True)
    return (
        User.objects.filter(groups__in=tasks.values("groups"), is_active=True)
        .exclude(pk=page.owner_id)
        .distinct()
    )


# --- What a member contributed ----------------------------------------------------------------


class Status:
    DRAFT = "draft"
    ANIMATOR_REVIEW = "animator_review"
    EXPERT_REVIEW = "expert_review"
    CHANGES_REQUESTED = "changes_requested"
    PUBLISHED = "published"
    PUBLISHED_WITH_CHANGES = "published_with_changes"

    LABELS = {
        DRAFT: _("Draft"),
        ANIMATOR_REVIEW: _("In review by an animator"),
        EXPERT_REVIEW: _("In review by an expert"),
        CHANGES_REQUESTED: _("Changes requested"),
        PUBLISHED: _("Published"),
        PUBLISHED_WITH_CHANGES: _("Published; your changes are a draft"),
    }


@dataclass
class Contribution:
    page: LibraryItem
    status: str
    comment: str = ""

    @property
    def status_label(self) -> str:
        return Status.LABELS[self.status]

    @property
    def editable(self) -> bool:
        return self.status not in (Status.ANIMATOR_REVIEW, Status.EXPERT_REVIEW)


def contribution_status(page) -> Contribution:
    """Where a contribution stands; uses the prefetched workflow states when there are some."""
    state = page.current_workflow_state
    if state is not None and state.status == WorkflowState.STATUS_IN_PROGRESS:
        task_state = state.current_task_state
        expert_type = ContentType.objects.get_for_model(ExpertReviewTask)
        if task_state is not None and task_state.task.content_type_id == expert_type.pk:
            return Contribution(page, Status.EXPERT_REVIEW)
        return Contribution(page, Status.ANIMATOR_REVIEW)
    if state is not None and state.status == WorkflowState.STATUS_NEEDS_CHANGES:
        comment = state.current_task_state.comment if state.current_task_state else ""
        return Contribution(page, Status.CHANGES_REQUESTED, comment)
    if page.live:
        if page.has_unpublished_changes:
            return Contribution(page, Status.PUBLISHED_WITH_CHANGES)
        return Contribution(page, Status.PUBLISHED)
    return Contribution(page, Status.DRAFT)


def contributions_of(user) -> list[Contribution]:
    """The items `user` wrote or translated, latest change first, with where each stands."""
    if not _signed_in(user):
        return []
    pages = list(
        LibraryItem.objects.filter(owner=user)
        .select_related("locale")
        .order_by("-latest_revision_created_at", "-pk")
    )
    _prefetch_workflow_states(pages)
    return [contribution_status(page) for page in pages]


def _prefetch_workflow_states(pages: list) -> None:
    """Each page's active workflow state in one query, where `current_workflow_state` looks.

    (Wagtail's `prefetch_workflow_states` matches the queryset's model, here `LibraryItem`,
    while workflow states name the base `Page`.)
    """
    states: dict = {}
    for state in (
        WorkflowState.objects.active()
        .filter(
            base_content_type=_page_content_type(),
            object_id__in=[str(page.pk) for page in pages],
        )
        .select_related("current_task_state__task")
    ):
        states.setdefault(state.object_id, []).append(state)
    for page in pages:
        page._current_workflow_states = states.get(str(page.pk), [])


@dataclass
class HistoryEntry:
    when: object
    who: object
    decision: str
    comment: str

    LABELS = {
        "approve": _("Approved"),
        "expert": _("Asked an expert"),
        "reject": _("Requested changes"),
    }

    @property
    def decision_label(self) -> str:
        return self.LABELS[self.decision]


def review_history(page) -> list[HistoryEntry]:
    """Every decision taken on `page` in its reviews, with the reviewers' comments, in order."""
    states = (
        TaskState.objects.filter(
            workflow_state__base_content_type=_page_content_type(),
            workflow_state__object_id=str(page.pk),
            status__in=[TaskState.STATUS_APPROVED, TaskState.STATUS_REJECTED],
        )
        .select_related("finished_by__profile", "animatorreviewtaskstate")
        .order_by("finished_at", "pk")
    )
    entries = []
    for state in states:
        decision = "reject" if state.status == TaskState.STATUS_REJECTED else "approve"
        animator_state = getattr(state, "animatorreviewtaskstate", None)
        if decision == "approve" and animator_state and animator_state.expert_requested:
            decision = "expert"
        entries.append(
            HistoryEntry(
                when=state.finished_at,
                who=state.finished_by,
                decision=decision,
                comment=state.comment,
            )
        )
    return entries


# --- What a contribution form offers --------------------------------------------------------


def contribution_spaces(user, *, page=None) -> QuerySet[Space]:
    """Spaces an author may place a sheet in: those they are an active member of, and those the
    sheet already names (placed there by someone else)."""
    condition = Q(
        pk__in=Membership.objects.filter(user=user, state=Membership.State.ACTIVE).values(
            "space_id"
        )
    )
    if page is not None and page.pk:
        condition |= Q(library_items=page.pk)
    return Space.objects.filter(condition).distinct().order_by("name")


def contact_candidates(user) -> QuerySet:
    """Members an author may name as contacts: themselves, and the members of their spaces whose
    profile they may see."""
    visible = profiles_visible_to(user).filter(Q(shares_space=True) | Q(user=user))
    return (
        User.objects.filter(is_active=True, profile__in=visible.values("pk"))
        .select_related("profile")
        .order_by("profile__display_name")
    )


# --- Access -----------------------------------------------------------------------------------


def access_contribution(*, user, page_id: int) -> LibraryItem:
    """The author's own item (404 for anyone else, so ids leak nothing)."""
    page = LibraryItem.objects.filter(pk=page_id).select_related("owner").first()
    if page is None or not _signed_in(user) or page.owner_id != user.pk:
        raise Http404
    return page.specific


def access_draft(*, user, page_id: int) -> LibraryItem:
    """An unpublished sheet or unpublished changes, for those who may see them (else 404)."""
    page = LibraryItem.objects.filter(pk=page_id).first()
    if page is None or not permissions.can_view_draft(user, page):
        raise Http404
    return page.specific
