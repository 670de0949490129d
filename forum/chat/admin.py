"""Read-only support views of the chat in the Django admin.

Reports and the moderation log only: a reported message is shown with its report. Messages
themselves are not listed here; direct and group conversations are private to their members,
staff included.
"""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext_lazy as _

from community.admin import ReadOnlyAdmin

from . import services
from .models import MessageReport, ModerationAction


@admin.register(MessageReport)
class MessageReportAdmin(ReadOnlyAdmin):
    """Reports of direct and group conversations are handled here by platform staff (a space
    room's moderators handle theirs on the site); the action goes through the service."""

    list_display = ["created_at", "reporter", "reason", "reported_body", "resolved_at"]
    list_filter = ["resolved_at"]
    list_select_related = ["reporter__profile", "message"]
    fields = ["message", "reporter", "reason", "reported_body", "created_at", "resolved_at"]
    actions = ["mark_handled"]

    @admin.action(description=_("Mark the selected reports as handled"))
    def mark_handled(self, request, queryset):
        handled = 0
        for report in queryset.select_related("message__room__space"):
            try:
                services.report_dismiss(by=request.user, report=report)
            except PermissionDenied as error:
                self.message_user(request, str(error), messages.ERROR)
                continue
            handled += 1
        self.message_user(request, _("%(count)d report(s) handled.") % {"count": handled})


@admin.register(ModerationAction)
class ModerationActionAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "room", "actor", "action", "target"]
    list_filter = ["action"]
    list_select_related = ["room__space", "actor__profile", "target__profile"]
