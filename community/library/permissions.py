"""Who may do what in the practice library.

Published items are public: visitors read them. What is not public goes through these
functions and nowhere else:

- a draft or a submitted sheet: its author and staff, its reviewers (`can_review`) once it is
  submitted, and the expert group while an expert is asked (`can_view_draft`);
- a document: `can_view_document`, asked by Wagtail's document view for every download (see
  `wagtail_hooks.py`); the files have no other URL;
- adopting, contributing, translating: `can_adopt`, `can_contribute`, `can_translate`.

`check_*` raise PermissionDenied with a translated reason, for the services.
"""

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from community.models import Membership, Space
from community.permissions import (
    is_cluster_animator,
    is_platform_staff,
)

EXPERT_GROUP = "Library experts"


def _signed_in(user) -> bool:
    return bool(user and user.is_authenticated and user.is_active)


def is_library_animator(user) -> bool:
    """Animates a cluster or a space: may review sheets that name no space."""
    if not _signed_in(user):
        return False
    cache = user.__dict__
    if "_library_animator" not in cache:
        cache["_library_animator"] = (
            user.animated_clusters.exists()
            or Membership.objects.filter(
                user=user, role=Membership.Role.ANIMATOR, state=Membership.State.ACTIVE
            ).exists()
        )
    return cache["_library_animator"]


def is_expert(user) -> bool:
    if not _signed_in(user):
        return False
    cache = user.__dict__
    if "_library_expert" not in cache:
        cache["_library_expert"] = user.groups.filter(name=EXPERT_GROUP).exists()
    return cache["_library_expert"]


def _animates(user, space: Space) -> bool:
    membership = Membership.objects.filter(space=space, user=user).first()
    if membership and membership.is_active and membership.role == Membership.Role.ANIMATOR:
        return True
    return is_cluster_animator(user, space.cluster)


def can_review(user, page) -> bool:
    """Approve, ask an expert or request changes on a submitted sheet.

    Staff; the animators of the sheet's spaces and of their clusters; any animator when the sheet
    names no space. Never the sheet's own author, staff included: nobody approves their own work.
    """
    if not _signed_in(user):
        return False
    if page.owner_id == user.pk:
        return False
    if is_platform_staff(user):
        return True
    # Every reviewer animates something: a cheap check spares plain members the spaces' lookups.
    if not is_library_animator(user):
        return False
    spaces = list(page.specific_deferred.spaces.select_related("cluster")) if page.pk else []
    if not spaces:
        return is_library_animator(user)
    return any(_animates(user, space) for space in spaces)


def can_view_draft(user, page) -> bool:
    """See an unpublished sheet, or the unpublished changes of a published one.

    Its author and staff always; its reviewers once it is submitted (in review, or sent back for
    changes), not a draft its author has kept to themselves; the expert group while asked.
    """
    if not _signed_in(user):
        return False
    if page.owner_id == user.pk or is_platform_staff(user):
        return True
    if _submitted(page) and can_review(user, page):
        return True
    return is_expert(user) and _expert_asked(page)


def _submitted(page) -> bool:
    from wagtail.models import WorkflowState

    state = page.current_workflow_state
    return bool(
        state
        and state.status in (WorkflowState.STATUS_IN_PROGRESS, WorkflowState.STATUS_NEEDS_CHANGES)
    )


def _expert_asked(page) -> bool:
    from wagtail.models import TaskState

    from community.library.models.workflows import ExpertReviewTask

    state = page.current_workflow_state
    return bool(
        state
        and state.current_task_state
        and state.current_task_state.status == TaskState.STATUS_IN_PROGRESS
        and isinstance(state.current_task_state.task.specific, ExpertReviewTask)
    )


def can_contribute(user) -> bool:
    return _signed_in(user)


def can_edit_contribution(user, page) -> bool:
    """The author edits their sheet on the site, except while reviewers are looking at it."""
    if not _signed_in(user) or page.owner_id != user.pk:
        return False
    state = page.current_workflow_state
    return not (state and state.status == state.STATUS_IN_PROGRESS)


def can_translate(user, page) -> bool:
    """Write the other language's version: the author, the sheet's reviewers, staff."""
    if not _signed_in(user):
        return False
    return page.owner_id == user.pk or can_review(user, page) or is_platform_staff(user)


def organisation_of(user):
    """The organisation a member acts for: the one on their profile."""
    profile = getattr(user, "profile", None)
    return profile.organisation if profile and profile.organisation_id else None


def can_adopt(user, page) -> bool:
    return _signed_in(user) and page.live and organisation_of(user) is not None


def private_space_of(document) -> Space | None:
    """The space whose members alone may open `document` (its collection or an ancestor's)."""
    from community.library.documents import DocumentAccess

    return DocumentAccess(None).private_space(document)


def can_view_document(user, document) -> bool:
    """Open a document's file. The rule, for one document or a list, is in
    `community.library.documents.DocumentAccess`:

    - a document awaiting review (uploaded with a contribution not yet published): its uploader,
      staff, and those who may read a sheet that attaches it (`can_view_draft`);
    - a document in a collection private to a space: that space's active members, the people
      who manage the space and staff;
    - any other document: everyone, like the published pages that show it.
    """
    from community.library.documents import DocumentAccess

    return DocumentAccess(user).may_open(document)


def check_review(user, page) -> None:
    if not can_review(user, page):
        raise PermissionDenied(_("You cannot review this practice sheet."))


def check_edit_contribution(user, page) -> None:
    if not can_edit_contribution(user, page):
        raise PermissionDenied(
            _("You cannot change this sheet now: it is yours only while it is not under review.")
        )


def check_contribute(user) -> None:
    if not can_contribute(user):
        raise PermissionDenied(_("Sign in to propose a practice."))


def check_translate(user, page) -> None:
    if not can_translate(user, page):
        raise PermissionDenied(_("You cannot translate this item."))


def check_adopt(user, page) -> None:
    if not can_adopt(user, page):
        raise PermissionDenied(
            _("Add your organisation to your profile to declare that it adopts a practice.")
        )
