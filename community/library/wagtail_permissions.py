"""What the Wagtail admin lets each person do with the library index and library items.

Rights follow from roles, not from groups set by hand, as for events
(`events/wagtail_permissions.py`): staff keep Wagtail's own rules (groups, superusers); any
cluster animator or space animator (`permissions.is_library_animator`, who opens the admin
through `community.backends.AnimatorBackend`) adds interviews, video capsules, toolbox items
and practice sheets under the library index, and edits, publishes and unpublishes library
items. Members without a role get nothing here: they contribute through the site's form.

What the roles do not give: deleting an item (unpublish instead), moving or copying it, setting
view restrictions (library items are public once published; what is private is a document's
collection, see `documents.py`). These stay with Wagtail's group rules.
"""

from wagtail.models import PagePermissionTester
from wagtail.permission_policies.pages import PagePermissionPolicy

from community.library.permissions import is_library_animator


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
    def _edits(self) -> bool:
        return edits_the_library(self.user)

    def can_edit(self):
        return super().can_edit() or self._edits()

    def can_publish(self):
        return super().can_publish() or self._edits()

    def can_unpublish(self):
        if super().can_unpublish():
            return True
        return self.page.live and not self.page_locked() and self._edits()

    def can_lock(self):
        return super().can_lock() or self._edits()

    def can_unlock(self):
        return super().can_unlock() or self._edits()

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
