from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from community.models import (
    Cluster,
    Invitation,
    Language,
    Membership,
    Organisation,
    Profile,
    Role,
    Sector,
    Space,
    Theme,
    User,
)


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    ordering = ["email"]
    list_display = ["email", "is_active", "is_staff", "date_joined"]
    search_fields = ["email", "profile__display_name"]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        (_("Permissions"), {"fields": ["is_active", "is_staff", "is_superuser", "groups"]}),
        (_("Dates"), {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [(None, {"classes": ["wide"], "fields": ["email", "password1", "password2"]})]


class ReadOnlyAdmin(admin.ModelAdmin):
    """Rows changed only through the services: on the site or in the Wagtail admin (/cms/).

    The Django admin shows them for support work; editing here would skip the permission
    checks, the invariants (at least one animator) and the real-time updates.
    """

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Profile)
class ProfileAdmin(ReadOnlyAdmin):
    list_display = ["display_name", "organisation", "country", "profile_visibility"]
    search_fields = ["display_name", "user__email"]
    list_select_related = ["organisation"]


@admin.register(Membership)
class MembershipAdmin(ReadOnlyAdmin):
    list_display = ["space", "user", "role", "state", "updated_at"]
    list_filter = ["state", "role", "space"]
    list_select_related = ["space", "user__profile"]


@admin.register(Invitation)
class InvitationAdmin(ReadOnlyAdmin):
    list_display = ["email", "space", "role", "created_at", "expires_at", "accepted_at"]


@admin.register(Organisation)
class OrganisationAdmin(ReadOnlyAdmin):
    list_display = ["name", "kind", "country"]
    search_fields = ["name"]


@admin.register(Cluster)
class ClusterAdmin(ReadOnlyAdmin):
    list_display = ["name", "country"]
    search_fields = ["name"]


@admin.register(Space)
class SpaceAdmin(ReadOnlyAdmin):
    list_display = ["name", "visibility", "join_policy"]
    search_fields = ["name"]


for model in (Theme, Sector, Role, Language):
    admin.site.register(model, list_display=["slug", "label_fr", "label_en", "position"])
