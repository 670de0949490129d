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


@admin.register(Profile)
class ProfileAdmin(admin.ModelAdmin):
    list_display = ["display_name", "organisation", "country", "profile_visibility"]
    search_fields = ["display_name", "user__email"]
    list_select_related = ["organisation"]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["space", "user", "role", "state", "updated_at"]
    list_filter = ["state", "role", "space"]
    list_select_related = ["space", "user__profile"]
    readonly_fields = ["space", "user", "role", "state", "decided_by", "message"]

    def has_add_permission(self, request):
        # Memberships change only through the services (join, invite, decide, remove).
        return False


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    list_display = ["email", "space", "role", "created_at", "expires_at", "accepted_at"]
    readonly_fields = [f.name for f in Invitation._meta.fields]

    def has_add_permission(self, request):
        return False


for model in (Theme, Sector, Role, Language):
    admin.site.register(model, list_display=["slug", "label_fr", "label_en", "position"])

admin.site.register(Organisation, search_fields=["name"], list_display=["name", "kind", "country"])
admin.site.register(Cluster, search_fields=["name"], list_display=["name", "country"])
admin.site.register(
    Space, search_fields=["name"], list_display=["name", "visibility", "join_policy"]
)
