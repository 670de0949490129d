"""The events in the Wagtail admin (/cms/): speakers as a snippet, an "Events" menu item, and page
lists that keep to the events one may see.

Rights follow from roles, as in `community/wagtail_hooks.py`: staff and animators (of a cluster
or a space) edit speakers; who adds, edits and publishes an event page is decided by the page
permission testers in `events/wagtail_permissions.py`.

Wagtail's page explorer only opens for superusers and for members of a group given page
permissions; animators have no group, so the explorer refuses them even though they may add and
edit events. The "Events" menu item therefore opens the explorer on the events index for
superusers, and the site's list of events one runs (`events:managed_events`) for everyone else;
an organiser who animates nothing reaches the admin too (`OrganiserBackend`) and gets the same.
"""

from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.menu import MenuItem
from wagtail.admin.panels import FieldPanel, ObjectList
from wagtail.admin.ui.sidebar import LinkMenuItem
from wagtail.admin.viewsets.pages import PageViewSet
from wagtail.permission_policies.base import BasePermissionPolicy
from wagtail.permissions import register_permission_policy
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet

from community.models import Profile
from community.permissions import is_platform_staff
from community.selectors import profiles_visible_to
from events.models import EventIndexPage, EventPage, Speaker
from events.permissions import can_create_events
from events.selectors import events_visible_to, managed_events
from events.wagtail_permissions import EventPagePermissionPolicy

# --- Speakers ---------------------------------------------------------------------------------


class SpeakerPermissionPolicy(BasePermissionPolicy):
    """Staff do everything; animators add, edit and view speakers.

    Speakers are shared by every programme, so there is no per-row rule. Deleting one takes it
    off every programme that names it, including other organisers' events: staff only.
    """

    def user_has_permission(self, user, action):
        if is_platform_staff(user):
            return True
        return action in ("add", "change", "view") and can_create_events(user)


class SpeakerForm(WagtailAdminModelForm):
    """The member profile a speaker links to is chosen among the profiles the editor may see,
    so the list never names a member whose profile is hidden from them."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields.get("profile")
        if field is None or self.for_user is None:
            return
        visible = profiles_visible_to(self.for_user).values("pk")
        current = Q(pk=self.instance.profile_id) if self.instance.profile_id else Q(pk__in=[])
        field.queryset = Profile.objects.filter(Q(pk__in=visible) | current).order_by(
            "display_name"
        )


class SpeakerViewSet(SnippetViewSet):
    model = Speaker
    icon = "user"
    menu_label = _("Speakers")
    menu_order = 211
    add_to_admin_menu = True
    list_display = ["name", "job_title", "organisation_name"]
    search_fields = ["name", "organisation_name"]
    edit_handler = ObjectList(
        [
            FieldPanel("name"),
            FieldPanel("job_title"),
            FieldPanel("organisation_name"),
            FieldPanel("profile"),
            FieldPanel("bio"),
        ],
        base_form_class=SpeakerForm,
    )


register_permission_policy(Speaker, SpeakerPermissionPolicy(Speaker))
# Event pages only: the events index keeps Wagtail's group rules, so its explorer stays closed to
# animators (the "Events" menu item takes them to the site's organisers' page instead).
register_permission_policy(EventPage, EventPagePermissionPolicy(EventPage))
register_snippet(SpeakerViewSet)


# --- The "Events" menu item -------------------------------------------------------------------


def events_admin_url(user) -> str:
    """Where the "Events" menu item leads this user (see the module's docstring)."""
    if user.is_superuser:
        index_id = EventIndexPage.objects.values_list("pk", flat=True).first()
        if index_id is not None:
            return reverse("wagtailadmin_explore", args=[index_id])
    return reverse("events:managed_events")


class EventsMenuItem(MenuItem):
    """Shown to those who may create events and to the organisers listed on an event (who open
    the admin through `events.wagtail_permissions.OrganiserBackend`); its address depends on
    who asks."""

    def is_shown(self, request):
        user = request.user
        return can_create_events(user) or user.organised_events.exists()

    def render_component(self, request):
        # The instance is shared by every request: the address goes to the component only.
        return LinkMenuItem(
            self.name,
            self.label,
            events_admin_url(request.user),
            icon_name=self.icon_name,
            classname=self.classname,
            attrs=self.attrs,
        )


@hooks.register("register_admin_menu_item")
def register_events_menu_item():
    return EventsMenuItem(_("Events"), "", name="events", icon_name="date", order=210)


# --- Page lists -------------------------------------------------------------------------------


def _events_not_run_by(user):
    return EventPage.objects.exclude(pk__in=managed_events(user).order_by().values("pk"))


@hooks.register("construct_explorer_page_queryset")
def keep_the_explorer_to_events_one_runs(parent_page, pages, request):
    """The explorer (and its search) lists only the events the user runs, staff excepted."""
    user = request.user
    if user.is_superuser or is_platform_staff(user):
        return pages
    return pages.exclude(pk__in=_events_not_run_by(user).values("pk"))


@hooks.register("construct_page_chooser_queryset")
def keep_the_page_chooser_to_events_one_sees(pages, request):
    """The page chooser (a link in rich text, for example) offers only events the user may see
    on the site or runs: an event of a private space is never named to an outsider."""
    user = request.user
    if user.is_superuser or is_platform_staff(user):
        return pages
    hidden = _events_not_run_by(user).exclude(pk__in=events_visible_to(user).values("pk"))
    return pages.exclude(pk__in=hidden.values("pk"))


class EventPageViewSet(PageViewSet):
    """The admin views of event pages, so that those asking a model-level question (preview)
    ask `EventPagePermissionPolicy`, which knows animators and organisers."""

    model = EventPage
    name = "event_pages"
    icon = "date"
    add_to_admin_menu = False


@hooks.register("register_admin_viewset")
def register_event_page_viewset():
    return EventPageViewSet()
