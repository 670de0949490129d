from django.urls import path

from community.views import notifications, people, spaces

app_name = "community"

urlpatterns = [
    path("me/", people.dashboard, name="dashboard"),
    path("me/profile/", people.profile_edit, name="profile_edit"),
    path("spaces/", spaces.space_list, name="space_list"),
    path("spaces/new/", spaces.space_create, name="space_create"),
    path("spaces/<slug:slug>/", spaces.space_detail, name="space_detail"),
    path("spaces/<slug:slug>/edit/", spaces.space_edit, name="space_edit"),
    path("spaces/<slug:slug>/members/", spaces.space_members, name="space_members"),
    path("spaces/<slug:slug>/join/", spaces.space_join, name="space_join"),
    path("spaces/<slug:slug>/leave/", spaces.space_leave, name="space_leave"),
    path("spaces/<slug:slug>/invite/", spaces.space_invite, name="space_invite"),
    path(
        "spaces/<slug:slug>/invitation/decline/",
        spaces.invitation_decline,
        name="invitation_decline",
    ),
    path(
        "spaces/<slug:slug>/members/<int:membership_id>/decide/",
        spaces.membership_decide,
        name="membership_decide",
    ),
    path(
        "spaces/<slug:slug>/members/<int:membership_id>/remove/",
        spaces.membership_remove,
        name="membership_remove",
    ),
    path(
        "spaces/<slug:slug>/members/<int:membership_id>/role/",
        spaces.membership_role,
        name="membership_role",
    ),
    path("invitations/<str:token>/", spaces.invitation_open, name="invitation_open"),
    path("members/", people.directory, name="directory"),
    path("members/<int:profile_id>/", people.profile_detail, name="profile_detail"),
    path("organisations/", people.organisation_list, name="organisation_list"),
    path("organisations/new/", people.organisation_create, name="organisation_create"),
    path("organisations/<slug:slug>/", people.organisation_detail, name="organisation_detail"),
    path("organisations/<slug:slug>/edit/", people.organisation_edit, name="organisation_edit"),
    path("clusters/", people.cluster_list, name="cluster_list"),
    path("clusters/<slug:slug>/", people.cluster_detail, name="cluster_detail"),
    path("clusters/<slug:slug>/edit/", people.cluster_edit, name="cluster_edit"),
    path("notifications/", notifications.notification_list, name="notification_list"),
    path(
        "notifications/<int:notification_id>/read/",
        notifications.notification_read,
        name="notification_read",
    ),
    path(
        "notifications/read-all/", notifications.notification_read_all, name="notification_read_all"
    ),
]
