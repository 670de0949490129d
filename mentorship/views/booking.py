"""Availability, booking, a session's page, its calendar file, and a person's sessions.

Plain forms, no JavaScript needed. Times are shown in the viewer's zone
(`services.booking.viewer_zone`), and the page says which zone.
"""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from community.views._helpers import run_service
from events.timezones import zone

from .. import ics, permissions, slots
from ..forms_booking import BookForm, CancelForm, ExceptionForm, RescheduleForm, RuleForm
from ..models import AvailabilityException, AvailabilityRule
from ..services import booking as services


def _mentor_or_404(user):
    mentor = permissions.mentor_of(user)
    if mentor is None:
        raise Http404
    return mentor


# --- Availability -------------------------------------------------------------------------------


def _availability_page(request, mentor, *, rule_form=None, exception_form=None):
    today = timezone.now().astimezone(zone(mentor.time_zone)).date()
    return render(
        request,
        "mentorship/booking/availability.html",
        {
            "mentor": mentor,
            "rules": list(AvailabilityRule.objects.filter(mentor=mentor)),
            "exceptions": list(
                AvailabilityException.objects.filter(mentor=mentor, date__gte=today)
            ),
            "rule_form": rule_form or RuleForm(prefix="rule"),
            "exception_form": exception_form or ExceptionForm(prefix="exception"),
        },
        status=400 if (rule_form or exception_form) else 200,
    )


@login_required
@require_safe
def availability(request):
    return _availability_page(request, _mentor_or_404(request.user))


@login_required
@require_POST
def availability_rule_add(request):
    mentor = _mentor_or_404(request.user)
    form = RuleForm(request.POST, prefix="rule")
    if form.is_valid() and run_service(
        request,
        lambda: services.availability_rule_add(by=request.user, **form.cleaned_data),
        form=form,
        success=_("Your weekly availability was added."),
    ):
        return redirect("mentorship:availability")
    return _availability_page(request, mentor, rule_form=form)


@login_required
@require_POST
def availability_rule_remove(request, pk):
    mentor = _mentor_or_404(request.user)
    rule = get_object_or_404(AvailabilityRule, pk=pk, mentor=mentor)
    run_service(
        request,
        lambda: services.availability_rule_remove(by=request.user, rule=rule),
        success=_("Removed. Sessions already booked stay."),
    )
    return redirect("mentorship:availability")


@login_required
@require_POST
def availability_exception_add(request):
    mentor = _mentor_or_404(request.user)
    form = ExceptionForm(request.POST, prefix="exception")
    if form.is_valid() and run_service(
        request,
        lambda: services.availability_exception_add(by=request.user, **form.service_kwargs()),
        form=form,
        success=_("The change for that date was saved."),
    ):
        return redirect("mentorship:availability")
    return _availability_page(request, mentor, exception_form=form)


@login_required
@require_POST
def availability_exception_remove(request, pk):
    mentor = _mentor_or_404(request.user)
    exception = get_object_or_404(AvailabilityException, pk=pk, mentor=mentor)
    run_service(
        request,
        lambda: services.availability_exception_remove(by=request.user, exception=exception),
        success=_("The change for that date was removed."),
    )
    return redirect("mentorship:availability")


# --- Booking ------------------------------------------------------------------------------------


# Days with free slots shown at once (the horizon may hold weeks of them).
DAYS_PER_PAGE = 7


def _page(request) -> int:
    try:
        return max(int(request.GET.get("page", "0")), 0)
    except ValueError:
        return 0


def _slot_days(request, relationship, tz_name, *, now, ignore_booking=None) -> dict:
    """The free slots grouped by day in `tz_name`, a page of DAYS_PER_PAGE days at a time."""
    free = slots.next_free_slots(
        relationship.mentor, now=now, mentee=relationship.mentee, ignore_booking=ignore_booking
    )
    days = slots.group_by_day(free, tz_name)
    page = _page(request)
    start = page * DAYS_PER_PAGE
    return {
        "days": days[start : start + DAYS_PER_PAGE],
        "previous_page": page - 1 if page > 0 else None,
        "next_page": page + 1 if start + DAYS_PER_PAGE < len(days) else None,
    }


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def relationship_book(request, pk):
    relationship = permissions.access_relationship(user=request.user, relationship_id=pk)
    if not permissions.is_party(request.user, relationship):
        raise PermissionDenied(_("Only the mentee and the mentor book their sessions."))
    mentor = relationship.mentor
    form = BookForm(request.POST or None, mentor=mentor)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        booked = {}

        def call():
            booked["booking"] = services.booking_create(
                by=request.user,
                relationship=relationship,
                starts_at=data["starts_at"],
                format=data["format"],
                place=data.get("place", ""),
            )

        if run_service(request, call, form=form, success=_("The session is booked.")):
            return redirect("mentorship:booking", pk=booked["booking"].pk)
    tz_name = services.viewer_zone(request.user, relationship)
    refusal = services.booking_refusal(request.user, relationship)
    return render(
        request,
        "mentorship/booking/book.html",
        {
            "relationship": relationship,
            "form": form,
            "refusal": refusal,
            **(
                {"days": []}
                if refusal
                else _slot_days(request, relationship, tz_name, now=timezone.now())
            ),
            "zone": tz_name,
            "mentor_zone": mentor.time_zone,
            "session_minutes": mentor.session_minutes,
            "chosen": request.POST.get("starts_at", ""),
        },
        status=400 if form.is_bound else 200,
    )


def _detail_context(request, booking, **extra) -> dict:
    relationship = booking.relationship
    now = timezone.now()
    is_party = permissions.is_party(request.user, relationship)
    changeable = is_party and booking.status == "confirmed" and booking.starts_at > now
    return {
        "booking": booking,
        "relationship": relationship,
        "zone": services.viewer_zone(request.user, relationship),
        "changeable": changeable,
        "late": changeable and booking.starts_at - now < services.cancel_notice(),
        "cancel_form": extra.pop("cancel_form", None) or CancelForm(),
        "other": relationship.mentee.user
        if request.user.pk == relationship.mentor.user_id
        else relationship.mentor.user,
        **extra,
    }


@login_required
@require_safe
def booking_detail(request, pk):
    booking = permissions.access_booking(user=request.user, booking_id=pk)
    return render(request, "mentorship/booking/detail.html", _detail_context(request, booking))


@login_required
@require_POST
def booking_cancel(request, pk):
    booking = permissions.access_booking(user=request.user, booking_id=pk)
    form = CancelForm(request.POST)
    if form.is_valid() and run_service(
        request,
        lambda: services.booking_cancel(
            by=request.user, booking=booking, reason=form.cleaned_data["reason"]
        ),
        form=form,
        success=_("The session is cancelled; the other side is told."),
    ):
        return redirect("mentorship:booking", pk=booking.pk)
    return render(
        request,
        "mentorship/booking/detail.html",
        _detail_context(request, booking, cancel_form=form),
        status=400,
    )


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def booking_reschedule(request, pk):
    booking = permissions.access_booking(user=request.user, booking_id=pk)
    relationship = booking.relationship
    if not permissions.is_party(request.user, relationship):
        raise PermissionDenied(_("Only the mentee and the mentor change their sessions."))
    form = RescheduleForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        moved = {}

        def call():
            moved["booking"] = services.booking_reschedule(
                by=request.user, booking=booking, starts_at=form.cleaned_data["starts_at"]
            )

        if run_service(request, call, form=form, success=_("The session is moved.")):
            return redirect("mentorship:booking", pk=moved["booking"].pk)
    tz_name = services.viewer_zone(request.user, relationship)
    refusal = services.booking_refusal(request.user, relationship)
    if booking.status != "confirmed":
        refusal = _("This session is already cancelled.")
    days = (
        {"days": []}
        if refusal
        else _slot_days(request, relationship, tz_name, now=timezone.now(), ignore_booking=booking)
    )
    return render(
        request,
        "mentorship/booking/reschedule.html",
        {
            "booking": booking,
            "relationship": relationship,
            "form": form,
            "refusal": refusal,
            **days,
            "zone": tz_name,
            "chosen": request.POST.get("starts_at", ""),
        },
        status=400 if form.is_bound else 200,
    )


@login_required
@require_safe
def booking_ics(request, pk):
    booking = permissions.access_booking(user=request.user, booking_id=pk)
    relationship = booking.relationship
    body = ics.booking_calendar(
        booking,
        tz_name=services.viewer_zone(request.user, relationship),
        url=reverse("mentorship:booking", kwargs={"pk": booking.pk}),
        title=_("Mentoring session: %(mentor)s and %(mentee)s")
        % {"mentor": relationship.mentor.user, "mentee": relationship.mentee.user},
    )
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = content_disposition_header(
        True, f"mentoring-session-{booking.pk}.ics"
    )
    # The file holds the video link: no shared cache keeps it.
    patch_cache_control(response, private=True, max_age=0)
    return response


@login_required
@require_safe
def sessions(request):
    mentor = permissions.mentor_of(request.user)
    mentee = permissions.mentee_of(request.user)
    if mentor is None and mentee is None:
        raise Http404
    tz_name = (mentor or mentee).time_zone
    upcoming = services.upcoming_sessions(request.user)
    return render(
        request,
        "mentorship/booking/sessions.html",
        {
            "sessions": upcoming,
            "zone": tz_name,
            "is_mentor": mentor is not None,
        },
    )


urlpatterns = [
    path("availability/", availability, name="availability"),
    path("availability/rules/add/", availability_rule_add, name="availability_rule_add"),
    path(
        "availability/rules/<int:pk>/remove/",
        availability_rule_remove,
        name="availability_rule_remove",
    ),
    path(
        "availability/exceptions/add/",
        availability_exception_add,
        name="availability_exception_add",
    ),
    path(
        "availability/exceptions/<int:pk>/remove/",
        availability_exception_remove,
        name="availability_exception_remove",
    ),
    path("relationships/<int:pk>/book/", relationship_book, name="relationship_book"),
    path("bookings/<int:pk>/", booking_detail, name="booking"),
    path("bookings/<int:pk>/cancel/", booking_cancel, name="booking_cancel"),
    path("bookings/<int:pk>/reschedule/", booking_reschedule, name="booking_reschedule"),
    path("bookings/<int:pk>/calendar.ics", booking_ics, name="booking_ics"),
    path("sessions/", sessions, name="sessions"),
]
