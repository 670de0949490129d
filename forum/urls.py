from django.urls import path

from . import views
from .feeds import SpaceTopicsFeed

app_name = "forum"

urlpatterns = [
    path("", views.topic_index, name="topic_index"),
    path("waiting/", views.waiting, name="waiting"),
    path("search/", views.search, name="search"),
    path("similar/", views.similar, name="similar"),
    path("s/<slug:slug>/", views.space_forum, name="space_forum"),
    path("s/<slug:slug>/new/", views.topic_create, name="topic_create"),
    path("s/<slug:slug>/follow/", views.space_follow, name="space_follow"),
    path("s/<slug:slug>/reports/", views.reports, name="reports"),
    path("s/<slug:slug>/log/", views.moderation_log, name="moderation_log"),
    path("s/<slug:slug>/mentions/", views.mentions, name="mentions"),
    path("s/<slug:slug>/images/", views.image_upload, name="image_upload"),
    path("s/<slug:slug>/feed/", SpaceTopicsFeed(), name="space_feed"),
    path("t/<int:topic_id>/", views.topic_detail, name="topic_detail"),
    path("t/<int:topic_id>/body/", views.topic_body, name="topic_body"),
    path("t/<int:topic_id>/reply/", views.reply, name="reply"),
    path("t/<int:topic_id>/status/", views.topic_status, name="topic_status"),
    path("t/<int:topic_id>/follow/", views.topic_follow, name="topic_follow"),
    path("t/<int:topic_id>/moderate/", views.topic_moderate, name="topic_moderate"),
    path("t/<int:topic_id>/move/", views.topic_move, name="topic_move"),
    path("p/<int:post_id>/", views.post_fragment, name="post_fragment"),
    path("p/<int:post_id>/edit/", views.post_edit, name="post_edit"),
    path("p/<int:post_id>/delete/", views.post_delete, name="post_delete"),
    path("p/<int:post_id>/vote/", views.post_vote, name="post_vote"),
    path("p/<int:post_id>/accept/", views.post_accept, name="post_accept"),
    path("p/<int:post_id>/validate/", views.post_validate, name="post_validate"),
    path("p/<int:post_id>/report/", views.post_report, name="post_report"),
    path("p/<int:post_id>/moderate/", views.post_moderate, name="post_moderate"),
    path("p/<int:post_id>/history/", views.post_history, name="post_history"),
    path("images/<uuid:key>/", views.image, name="image"),
]
