"""Read-only support views of registrations, feedback and closing reports in the Django admin.

Registrations change only through `events.services` (on the site: tickets, the attendee list,
check-in), which keep the seats under the capacity and tell the people concerned.
"""

from django.contrib import admin

from community.admin import ReadOnlyAdmin
from events.models import ClosingReport, Feedback, Registration


@admin.register(Registration)
class RegistrationAdmin(ReadOnlyAdmin):
    list_display = ["event", "display_name", "seats", "status", "attendance", "created_at"]
    list_filter = ["status", "attendance"]
    list_select_related = ["event", "user__profile"]
    search_fields = ["user__email", "user__profile__display_name", "guest_name", "event__title"]
    exclude = ["code"]


@admin.register(Feedback)
class FeedbackAdmin(ReadOnlyAdmin):
    list_display = ["event", "user", "rating", "created_at"]
    list_select_related = ["event", "user"]


@admin.register(ClosingReport)
class ClosingReportAdmin(ReadOnlyAdmin):
    list_display = ["event", "updated_by", "updated_at"]
    list_select_related = ["event", "updated_by"]
