"""Placeholder views: replaced by the chat pages."""

from django.http import Http404


def _missing(request, *args, **kwargs):
    raise Http404


room_list = preferences = group_create = direct_start = room_detail = message_send = _missing
room_history = room_members = room_leave = room_mute = room_reports = member_mute = _missing
message_report = message_delete = report_dismiss = _missing
