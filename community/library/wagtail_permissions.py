"""What the Wagtail admin lets each person do with the library index and library items.

Rights follow from roles, not from groups set by hand, as for events
(`events/wagtail_permissions.py`): staff edit, publish and unpublish every library item, on top
of Wagtail's own rules (groups, superusers); any cluster animator or space animator
(`permissions.is_library_animator`, who opens the admin through
`community.backends.AnimatorBackend`) adds interviews, video capsules, toolbox items and
practice sheets under the library index, and edits, publishes and unpublishes the editorial
items (interviews, video capsules, toolbox items). Members without a role get nothing here: they
contribute through the site's form.

Practice sheets are members' contributions, published only by their review workflow: an
animator edits someone else's sheet only while it is in review and they may review it
(`permissions.can_review`), edits their own only while it is not in review
(`permissions.can_edit_contribution`), and never publishes a sheet; the workflow's approval
does (`apps.publish_approved_workflow`). Nobody publishes their own sheet, staff included.
A member's draft that was never submitted stays closed to animators.

What the roles do not give: deleting an item (unpublish instead), moving or copying it, setting
view restrictions (library items are public once published; what is private is a document's
collection, see `documents.py`). These stay with Wagtail's group rules.
"""

from functools import cached_property

from wagtail.models import PagePermissionTester, WorkflowState
from wagtail.permission_policies.pages import PagePermissionPolicy

from community.library.permissions import can_edit_contribution, can_review, is_library_animator
from community.permissions import is_platform_staff


def edits_the_library(user) -> bool:
    return bool(user.is_active and is_library_animator(user))


class LibraryIndexPermissionTester(PagePermissionTester):
    def can_add_subpage(self):
        return super().can_add_subpage() or (
            edits_the_library(self.user)
            and any(
                model.can_create_at(self.page)
                for model in self.page.specific_class.creatable_subpage_models()
            )
        )

    def can_publish_subpage(self):
        return super().can_publish_subpage() or edits_the_library(self.user)


class LibraryItemPermissionTester(PagePermissionTester):
    @cached_property
    def _is_sheet(self) -> bool:
        from community.library.models import PracticeSheetPage

        model = self.page.specific_class
        return bool(model and issubclass(model, PracticeSheetPage))

    @cached_property
    def _staff(self) -> bool:
        return is_platform_staff(self.user)

    @cached_property
    def _own(self) -> bool:
        return self.page.owner_id is not None and self.page.owner_id == self.user.pk

    @cached_property
    def _edits(self) -> bool:
        """Edits the item through a role: staff; animators for editorial items; for a sheet,
        its author while it is not in review and its reviewers while it is."""
        if self._staff:
            return True
        if not edits_the_library(self.user):
            return False
        if not self._is_sheet:
            return True
        if self._own:
            return can_edit_contribution(self.user, self.page)
        state = self.page.current_workflow_state
        in_review = state is not None and state.status == WorkflowState.STATUS_IN_PROGRESS
        return in_review and can_review(self.user, self.page)

    @cached_property
    def _publishes(self) -> bool:
        """Publishes through a role: a sheet only staff (never their own), otherwise editors."""
        if self._is_sheet:
            return self._staff and not self._own
        return self._edits

    def can_edit(self):
        return super().can_edit() or self._edits

    def can_publish(self):
        if self._is_sheet and self._own:
            return False
        return super().can_publish() or self._publishes

    def can_unpublish(self):
        if super().can_unpublish():
            return True
        return self.page.live and not self.page_locked() and self._publishes

    def can_lock(self):
        return super().can_lock() or self._edits

    def can_unlock(self):
        return super().can_unlock() or self._edits

    # Wagtail derives these from `can_edit` / `can_publish`; they stay with the group rules.

    def can_copy(self):
        return super().can_edit()

    def can_set_view_restrictions(self):
        return super().can_publish()


class LibraryPagePermissionPolicy(PagePermissionPolicy):
    """The model-level question some admin views ask before the page's own tester (the
    previews ask "may this person add or change library items at all?"). Groups answer for
    editors; for animators, their role does. Each page is then decided by the testers above.

    Only the one-action question is widened: the explorer asks about any of several actions
    (`user_has_any_permission`) and stays closed to those without a group, as it needs an
    explorable root they do not have.
    """

    ROLE_ACTIONS = {"add", "change", "publish"}

    def user_has_permission(self, user, action):
        if super().user_has_permission(user, action):
            return True
        return action in self.ROLE_ACTIONS and edits_the_library(user)
