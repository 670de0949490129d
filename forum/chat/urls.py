from django.urls import path

from . import views

app_name = "chat"

urlpatterns = [
    path("", views.room_list, name="room_list"),
    path("preferences/", views.preferences, name="preferences"),
    path("groups/new/", views.group_create, name="group_create"),
    path("with/<int:profile_id>/", views.direct_start, name="direct_start"),
    path("space/<slug:slug>/", views.space_room, name="space_room"),
    path("<int:room_id>/", views.room_detail, name="room"),
    path("<int:room_id>/send/", views.message_send, name="send"),
    path("<int:room_id>/history/", views.room_history, name="history"),
    path("<int:room_id>/members/", views.room_members, name="members"),
    path("<int:room_id>/leave/", views.room_leave, name="leave"),
    path("<int:room_id>/mute/", views.room_mute, name="mute"),
    path("<int:room_id>/reports/", views.room_reports, name="reports"),
    path("<int:room_id>/mute-member/", views.member_mute, name="member_mute"),
    path("messages/<int:message_id>/report/", views.message_report, name="report"),
    path("messages/<int:message_id>/delete/", views.message_delete, name="delete"),
    path("messages/<int:message_id>/edit/", views.message_edit, name="edit"),
    path("messages/<int:message_id>/react/", views.message_react, name="react"),
    path("reports/<int:report_id>/dismiss/", views.report_dismiss, name="report_dismiss"),
]
