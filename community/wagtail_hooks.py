"""Spaces, clusters and organisations as Wagtail snippets, ruled by the community permissions.

Who may edit which row is decided by the same `can_edit_*` functions as on the site, through
permission policies, and every save from the admin goes through the same services.
"""

from django.core.exceptions import PermissionDenied
from wagtail.admin.panels import FieldPanel
from wagtail.permission_policies.base import BasePermissionPolicy
from wagtail.permissions import register_permission_policy
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.chooser import (
    ChooseResultsView,
    ChooseView,
    SnippetChooserViewSet,
    SnippetChosenView,
)
from wagtail.snippets.views.snippets import (
    CreateView,
    EditView,
    HistoryView,
    SnippetViewSet,
    UsageView,
)

from community import permissions, services
from community.backends import is_animator
from community.models import Cluster, Space
from community.selectors import spaces_editable_by, spaces_visible_to
from community.services.organisations import CLUSTER_FIELDS
from community.services.spaces import SPACE_FIELDS


class DomainPermissionPolicy(BasePermissionPolicy):
    """Model-level: staff and animators; instance-level: the `can_edit` rule of the model."""

    can_edit = None  # set by subclasses: (user, instance) -> bool

    def user_has_permission(self, user, action):
        if permissions.is_platform_staff(user):
            return True
        if action == "add":
            return self.can_add(user)
        return action in ("change", "view") and is_animator(user)

    def user_has_any_permission(self, user, actions):
        return any(self.user_has_permission(user, action) for action in actions)

    def user_has_permission_for_instance(self, user, action, instance):
        if permissions.is_platform_staff(user):
            return True
        return action in ("change", "view") and type(self).can_edit(user, instance)

    def user_has_any_permission_for_instance(self, user, actions, instance):
        return any(self.user_has_permission_for_instance(user, a, instance) for a in actions)

    def can_add(self, user):
        return False


class SpacePermissionPolicy(DomainPermissionPolicy):
    can_edit = staticmethod(permissions.can_edit_space)

    def can_add(self, user):
        return permissions.can_create_space(user)

    def instances_user_has_any_permission_for(self, user, actions):
        return spaces_editable_by(user)


class ClusterPermissionPolicy(DomainPermissionPolicy):
    can_edit = staticmethod(permissions.can_edit_cluster)

    def instances_user_has_any_permission_for(self, user, actions):
        if permissions.is_platform_staff(user):
            return Cluster.objects.all()
        return Cluster.objects.filter(animators=user)


class RowCheckedMixin:
    """Wagtail checks only the model-level permission on a row's views; we add the row's rule.

    Without it, an animator could open the edit, history or usage page of any space by its id
    and read the name of a private space.
    """

    def get_object(self, *args, **kwargs):
        instance = super().get_object(*args, **kwargs)
        if not self.permission_policy.user_has_permission_for_instance(
            self.request.user, "change", instance
        ):
            raise PermissionDenied
        return instance


class InstanceCheckedEditView(RowCheckedMixin, EditView):
    pass


class RowCheckedHistoryView(RowCheckedMixin, HistoryView):
    pass


class RowCheckedUsageView(RowCheckedMixin, UsageView):
    pass


class VisibleSpacesMixin:
    """Space choosers (e.g. the home page's featured spaces) offer only spaces the editor sees."""

    def get_object_list(self):
        return spaces_visible_to(self.request.user).select_related("cluster")


class SpaceChooseView(VisibleSpacesMixin, ChooseView):
    pass


class SpaceChooseResultsView(VisibleSpacesMixin, ChooseResultsView):
    pass


class SpaceChosenView(SnippetChosenView):
    def get_object(self, pk):
        space = super().get_object(pk)
        if not spaces_visible_to(self.request.user).filter(pk=space.pk).exists():
            raise PermissionDenied
        return space


class SpaceChooserViewSet(SnippetChooserViewSet):
    choose_view_class = SpaceChooseView
    choose_results_view_class = SpaceChooseResultsView
    chosen_view_class = SpaceChosenView


class SpaceEditView(InstanceCheckedEditView):
    def save_instance(self):
        fields = {k: v for k, v in self.form.cleaned_data.items() if k in SPACE_FIELDS}
        return services.space_update(by=self.request.user, space=self.object, **fields)


class SpaceCreateView(CreateView):
    def save_instance(self):
        fields = {k: v for k, v in self.form.cleaned_data.items() if k in SPACE_FIELDS}
        return services.space_create(by=self.request.user, **fields)


class ClusterEditView(InstanceCheckedEditView):
    def save_instance(self):
        fields = {k: v for k, v in self.form.cleaned_data.items() if k in CLUSTER_FIELDS}
        return services.cluster_update(by=self.request.user, cluster=self.object, **fields)


class SpaceViewSet(SnippetViewSet):
    model = Space
    icon = "group"
    menu_order = 200
    add_to_admin_menu = True
    list_display = ["name", "cluster", "visibility", "join_policy"]
    list_filter = ["visibility", "join_policy", "cluster"]
    search_fields = ["name"]
    edit_view_class = SpaceEditView
    add_view_class = SpaceCreateView
    history_view_class = RowCheckedHistoryView
    usage_view_class = RowCheckedUsageView
    chooser_viewset_class = SpaceChooserViewSet
    # A copy would be saved by Wagtail's own create view, past the services.
    copy_view_enabled = False

    def get_queryset(self, request):
        return spaces_editable_by(request.user).select_related("cluster")


class ClusterViewSet(SnippetViewSet):
    model = Cluster
    icon = "site"
    menu_order = 201
    add_to_admin_menu = True
    list_display = ["name", "country", "region"]
    search_fields = ["name"]
    edit_view_class = ClusterEditView
    history_view_class = RowCheckedHistoryView
    usage_view_class = RowCheckedUsageView
    copy_view_enabled = False
    panels = [
        FieldPanel("name"),
        FieldPanel("slug"),
        FieldPanel("country"),
        FieldPanel("region"),
        FieldPanel("description"),
        FieldPanel("logo"),
        FieldPanel("website"),
        # Who belongs to the cluster is for staff with the model permission only: the choices
        # list every account, and `cluster_update` refuses the change to anyone else.
        FieldPanel("organisations", permission="community.change_cluster"),
        FieldPanel("animators", permission="community.change_cluster"),
    ]

    def get_queryset(self, request):
        return ClusterPermissionPolicy(Cluster).instances_user_has_any_permission_for(
            request.user, ["change"]
        )


register_permission_policy(Space, SpacePermissionPolicy(Space))
register_permission_policy(Cluster, ClusterPermissionPolicy(Cluster))
register_snippet(SpaceViewSet)
register_snippet(ClusterViewSet)
