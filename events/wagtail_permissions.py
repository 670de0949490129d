"""What the Wagtail admin lets each person do with the events index and event pages.

Rights follow from roles, not from groups set by hand: staff, cluster animators and space
animators add events under the index; an event is edited, published and unpublished by those
who run it (`events.permissions.can_manage_event`). Nobody but a superuser moves the index,
and an event that has registrations is unpublished, never deleted, except by a superuser.
"""

from django.contrib.auth.backends import BaseBackend
from wagtail.models import PagePermissionTester
from wagtail.permission_policies.pages import PagePermissionPolicy

from community.backends import ADMIN_ACCESS
from events import permissions


class OrganiserBackend(BaseBackend):
    """Members listed as organisers of an event open the Wagtail admin to edit their events.

    Like `community.backends.AnimatorBackend`, the right follows from the role and ends with it;
    what they may then do there is decided page by page by `EventPermissionTester`.
    """

    def authenticate(self, request, **credentials):
        return None

    def has_perm(self, user_obj, perm, obj=None):
        if perm != ADMIN_ACCESS or not (user_obj.is_active and user_obj.is_authenticated):
            return False
        cache_name = "_organises_events_cache"
        if not hasattr(user_obj, cache_name):
            setattr(user_obj, cache_name, user_obj.organised_events.exists())
        return getattr(user_obj, cache_name)


class EventIndexPermissionTester(PagePermissionTester):
    def _allowed(self) -> bool:
        return self.user.is_active and permissions.can_create_events(self.user)

    def can_add_subpage(self):
        return super().can_add_subpage() or (
            self._allowed() and bool(self.page.specific_class.creatable_subpage_models())
        )

    def can_publish_subpage(self):
        return super().can_publish_subpage() or self._allowed()


class EventPermissionTester(PagePermissionTester):
    def _manages(self) -> bool:
        return self.user.is_active and permissions.can_manage_event(self.user, self.page)

    def can_edit(self):
        return super().can_edit() or self._manages()

    def can_publish(self):
        return super().can_publish() or self._manages()

    def can_unpublish(self):
        if super().can_unpublish():
            return True
        return self.page.live and not self.page_locked() and self._manages()

    def can_delete(self, ignore_bulk=False):
        if self.user.is_superuser:
            return True
        return self._manages() and not self.page.registrations.exists()

    def can_move(self):
        return self.user.is_superuser

    def can_copy(self):
        return self._manages()

    def can_lock(self):
        return super().can_lock() or self._manages()

    def can_unlock(self):
        return super().can_unlock() or self._manages()

    def can_set_view_restrictions(self):
        return self.user.is_superuser


class EventPagePermissionPolicy(PagePermissionPolicy):
    """The model-level question some admin views ask before the page's own tester (the
    previews ask "may this person change / add event pages at all?"). Groups answer for
    editors; for animators and listed organisers, their role does. Each page is then decided by
    the testers above.

    Only the one-action question is widened: the explorer asks about any of several actions
    (`user_has_any_permission`) and stays closed to those without a group, as it needs an
    explorable root they do not have.
    """

    ROLE_ACTIONS = {"add", "change", "publish"}

    def user_has_permission(self, user, action):
        if super().user_has_permission(user, action):
            return True
        return action in self.ROLE_ACTIONS and permissions.can_open_organiser_tools(user)
