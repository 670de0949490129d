"""Read-only support views of the chat in the Django admin.

Reports and the moderation log only: a reported message is shown with its report. Messages
themselves are not listed here; direct and group conversations are private to their members,
staff included.
"""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from community.admin import ReadOnlyAdmin

from .models import MessageReport, ModerationAction


@admin.register(MessageReport)
class MessageReportAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "reporter", "reason", "reported_text", "resolved_at"]
    list_filter = ["resolved_at"]
    list_select_related = ["reporter__profile", "message"]
    fields = ["message", "reporter", "reason", "reported_text", "created_at", "resolved_at"]

    @admin.display(description=_("reported message"))
    def reported_text(self, report):
        return report.message.body


@admin.register(ModerationAction)
class ModerationActionAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "room", "actor", "action", "target"]
    list_filter = ["action"]
    list_select_related = ["room__space", "actor__profile", "target__profile"]
