"""The organisers' tools: their events, the attendee list and its export, adding someone by hand,
check-in at the door (by name or by the QR code of a ticket) and the closing report.

Every view fetches through `selectors.access_managed_event` or `access_registration` and
checks `permissions.check_manage_event`: someone who cannot see the event gets a 404, someone
who sees it without running it a 403, and neither ever learns who registered.
"""

import csv

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import (
    Avg,
    Case,
    Count,
    IntegerField,
    OuterRef,
    Q,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Lower
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.utils.http import content_disposition_header, url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from community.models import Organisation, Profile
from community.permissions import is_platform_staff
from community.selectors import ProfileView, shares_a_space, visible_q
from community.views._helpers import paginate, partial_or_full, run_service
from events import permissions, selectors, services
from events.models import ClosingReport, EventIndexPage, EventPage, Registration
from events.organiser_forms import AttendeeAddForm, ReportForm
from events.timezones import utc_to_local

Status = Registration.Status
Attendance = Registration.Attendance
CHECK_IN_RESULTS = 20
# A spreadsheet runs a cell that starts with one of these as a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _managed(request, event_id: int) -> EventPage:
    return selectors.access_managed_event(user=request.user, event_id=event_id)


def _back(request, event: EventPage):
    """Where an action returns: the page it was made from, or the attendee list."""
    target = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(target)
    return redirect("events:attendees", event_id=event.pk)


# --- Events I run ---------------------------------------------------------------------------


@login_required
def managed_events(request):
    user = request.user
    can_create = permissions.can_create_events(user)
    managed = selectors.managed_events(user)
    if not permissions.can_open_organiser_tools(user):
        raise PermissionDenied(_("Only the organisers and animators of events can see this page."))
    # Counted on the events themselves, not on `managed`: its joins (organisers, spaces) would
    # count a registration once per matching row.
    events = (
        EventPage.objects.filter(pk__in=managed.order_by().values("pk"))
        .select_related("space", "cluster")
        .annotate(
            confirmed_seats=Coalesce(
                Sum("registrations__seats", filter=Q(registrations__status=Status.CONFIRMED)),
                0,
            ),
            waiting_count=Count("registrations", filter=Q(registrations__status=Status.WAITLISTED)),
            pending_count=Count("registrations", filter=Q(registrations__status=Status.PENDING)),
        )
    )
    now = timezone.now()
    new_event_url = None
    if can_create:
        index = EventIndexPage.objects.only("pk").first()
        if index is not None:
            new_event_url = reverse(
                "wagtailadmin_pages:add", args=("events", "eventpage", index.pk)
            )
    context = {
        "upcoming": list(events.filter(end__gt=now).order_by("start", "pk")),
        "past": paginate(request, events.filter(end__lte=now).order_by("-start", "-pk"), 20),
        "new_event_url": new_event_url,
        "can_edit_pages": can_create,
        "now": now,
    }
    return render(request, "events/organiser/managed_events.html", context)


# --- The attendee list ----------------------------------------------------------------------


def _listed(viewer, registrations):
    """The organisers' order: approvals to give first, then seats, offers, the waiting list in
    its order; with each waitlisted row's position and what the viewer may know of a profile."""
    ahead = (
        Registration.objects.filter(event_id=OuterRef("event_id"), status=Status.WAITLISTED)
        .filter(
            Q(queued_at__lt=OuterRef("queued_at"))
            | Q(queued_at=OuterRef("queued_at"), pk__lt=OuterRef("pk"))
        )
        .order_by()
        .values("event_id")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return registrations.annotate(
        rank=Case(
            When(status=Status.PENDING, then=Value(0)),
            When(status=Status.CONFIRMED, then=Value(1)),
            When(status=Status.OFFERED, then=Value(2)),
            When(status=Status.WAITLISTED, then=Value(3)),
            default=Value(4),
            output_field=IntegerField(),
        ),
        waitlist_position=Case(
            When(
                status=Status.WAITLISTED,
                then=Coalesce(Subquery(ahead, output_field=IntegerField()), 0) + 1,
            ),
            default=None,
            output_field=IntegerField(),
        ),
        shares_space=shares_a_space(viewer),
    ).order_by("rank", "queued_at", "created_at", "pk")


def _with_details(viewer, registrations, questions) -> list[Registration]:
    """Attach `organisation` (as the viewer may see it), `email` and `answer_list`."""
    rows = list(registrations)
    for registration in rows:
        registration.organisation = None
        if registration.user_id:
            profile = registration.user.profile
            profile.shares_space = registration.shares_space
            registration.organisation = ProfileView(profile, viewer).organisation
            registration.email = registration.user.email
        else:
            registration.email = registration.guest_email
        registration.answer_list = [
            (question.label, registration.answers.get(str(question.pk), ""))
            for question in questions
        ]
    return rows


def _filters(request) -> tuple[str, str]:
    query = request.GET.get("q", "").strip()[:100]
    status = request.GET.get("status", "")
    return query, status if status in Status.values else ""


@login_required
def attendees(request, event_id):
    event = _managed(request, event_id)
    query, status = _filters(request)
    registrations = _listed(
        request.user, selectors.attendees(event=event, query=query, status=status)
    )
    page = paginate(request, registrations, per_page=100)
    questions = list(event.questions.all())
    context = {
        "event": event,
        "page": page,
        "rows": _with_details(request.user, page.object_list, questions),
        "questions": questions,
        "query": query,
        "status": status,
        "statuses": Status.choices,
        "figures": selectors.event_figures(event),
        "availability": selectors.availability(event),
        "started": event.start <= timezone.now(),
        "current": "attendees",
    }
    template = partial_or_full(
        request, "events/organiser/attendees.html", "events/partials/attendee_results.html"
    )
    response = render(request, template, context)
    patch_vary_headers(response, ("HX-Request",))
    return response


def _cell(value):
    """A value a spreadsheet shows as text, never runs as a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def _local(value, event: EventPage) -> str:
    return utc_to_local(value, event.time_zone).strftime("%Y-%m-%d %H:%M") if value else ""


@login_required
def attendees_csv(request, event_id):
    """The list for a spreadsheet: UTF-8 with a byte-order mark, so that Excel reads the accents,
    and semicolons, the list separator of Excel in French (its default here), where a comma
    separates decimals; LibreOffice and Google Sheets read either."""
    event = _managed(request, event_id)
    query, status = _filters(request)
    questions = list(event.questions.all())
    rows = _with_details(
        request.user,
        _listed(request.user, selectors.attendees(event=event, query=query, status=status)),
        questions,
    )
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = content_disposition_header(
        True, f"{event.slug or event.pk}-participants.csv"
    )
    # Personal data: kept by no shared cache and not on the browser's disk.
    patch_cache_control(response, private=True, no_store=True)
    response.write("\ufeff")
    writer = csv.writer(response, delimiter=";")
    zone = event.time_zone
    writer.writerow(
        [
            _("Name"),
            _("E-mail address"),
            _("Organisation"),
            _("Seats"),
            _("Status"),
            _("Registered at (%(zone)s)") % {"zone": zone},
            _("Attendance"),
            _("Checked in at (%(zone)s)") % {"zone": zone},
            *(_cell(question.label) for question in questions),
        ]
    )
    for registration in rows:
        writer.writerow(
            [
                _cell(registration.display_name),
                _cell(registration.email),
                _cell(registration.organisation.name if registration.organisation else ""),
                registration.seats,
                registration.get_status_display(),
                _local(registration.created_at, event),
                registration.get_attendance_display(),
                _local(registration.checked_in_at, event),
                *(_cell(answer) for _label, answer in registration.answer_list),
            ]
        )
    return response


@login_required
def attendee_add(request, event_id):
    event = _managed(request, event_id)
    form = AttendeeAddForm(request.POST or None, event=event, viewer=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        result = {}

        def call():
            result["registration"] = services.registration_add(
                by=request.user,
                event=event,
                user=data["user"],
                guest_name="" if data["user"] else data["guest_name"],
                guest_email="" if data["user"] else data["email"],
                seats=data["seats"],
            )

        if run_service(request, call, form=form):
            registration = result["registration"]
            name = registration.display_name
            if registration.status == Status.CONFIRMED:
                messages.success(request, _("%(name)s is registered.") % {"name": name})
            else:
                messages.warning(
                    request,
                    _("The event is full: %(name)s is on the waiting list, number %(position)s.")
                    % {"name": name, "position": selectors.waitlist_position(registration)},
                )
            return redirect("events:attendees", event_id=event.pk)
    context = {
        "event": event,
        "form": form,
        "availability": selectors.availability(event),
        "current": "add",
    }
    return render(request, "events/organiser/attendee_add.html", context)


# --- Decisions and attendance (POST only; from the attendee list or the door) ------------------


def _managed_registration(request, registration_id: int) -> Registration:
    registration = selectors.access_registration(user=request.user, registration_id=registration_id)
    permissions.check_manage_event(request.user, registration.event)
    return registration


@require_POST
@login_required
def decide(request, registration_id):
    registration = _managed_registration(request, registration_id)
    decision = request.POST.get("decision")
    if decision not in ("approve", "decline"):
        messages.error(request, _("Choose to accept or decline the registration."))
        return _back(request, registration.event)
    approve = decision == "approve"
    result = {}

    def call():
        result["registration"] = services.registration_decide(
            by=request.user, registration=registration, approve=approve
        )

    if run_service(request, call):
        name = registration.display_name
        status = result["registration"].status
        if status == Status.CONFIRMED:
            messages.success(request, _("%(name)s is registered.") % {"name": name})
        elif status == Status.WAITLISTED:
            messages.warning(
                request,
                _("The event is full: %(name)s is on the waiting list.") % {"name": name},
            )
        else:
            messages.success(
                request, _("The registration of %(name)s is declined.") % {"name": name}
            )
    return _back(request, registration.event)


def _attendance_done(value: str, name: str) -> str | None:
    done = {
        Attendance.PRESENT: _("%(name)s is checked in."),
        Attendance.ABSENT: _("%(name)s is marked as a no-show."),
        Attendance.UNKNOWN: _("The attendance of %(name)s is cleared."),
    }
    return done[value] % {"name": name} if value in done else None


@require_POST
@login_required
def attendance(request, registration_id):
    registration = _managed_registration(request, registration_id)
    value = request.POST.get("attendance", "")
    run_service(
        request,
        lambda: services.attendance_set(
            by=request.user, registration=registration, attendance=value
        ),
        success=_attendance_done(value, registration.display_name),
    )
    return _back(request, registration.event)


# --- At the door ----------------------------------------------------------------------------


@login_required
def check_in(request, event_id):
    event = _managed(request, event_id)
    query = request.GET.get("q", "").strip()[:100]
    results, more = [], False
    if query:
        found = selectors.attendees(event=event, query=query, status=Status.CONFIRMED).order_by(
            Lower(Coalesce("user__profile__display_name", "guest_name")), "pk"
        )
        results = list(found[: CHECK_IN_RESULTS + 1])
        more = len(results) > CHECK_IN_RESULTS
        results = results[:CHECK_IN_RESULTS]
    context = {
        "event": event,
        "query": query,
        "results": results,
        "more": more,
        "figures": selectors.event_figures(event),
        "current": "check_in",
    }
    template = partial_or_full(
        request, "events/organiser/check_in.html", "events/partials/checkin_results.html"
    )
    response = render(request, template, context)
    patch_vary_headers(response, ("HX-Request",))
    return response


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def check_in_ticket(request, event_id, code):
    """The address a ticket's QR code holds; the event is authorised before the code is read."""
    event = _managed(request, event_id)
    code = code[:64]
    registration = (
        Registration.objects.select_related("user__profile", "checked_in_by__profile")
        .filter(event=event, code=code)
        .first()
    )
    if registration is None:
        context = {
            "event": event,
            "other_event": Registration.objects.filter(code=code).exists(),
            "current": "check_in",
        }
        return render(request, "events/organiser/check_in_unknown.html", context, status=404)
    if request.method == "POST":
        run_service(
            request,
            lambda: services.check_in_by_code(by=request.user, event=event, code=code),
            success=_("%(name)s is checked in.") % {"name": registration.display_name},
        )
        return redirect("events:check_in_ticket", event_id=event.pk, code=code)
    context = {
        "event": event,
        "registration": registration,
        "figures": selectors.event_figures(event),
        "current": "check_in",
    }
    return render(request, "events/organiser/check_in_ticket.html", context)


# --- After the event ------------------------------------------------------------------------


def _present_organisations(viewer, event: EventPage, report: ClosingReport | None):
    """The organisations of the members checked in, as far as each lets the viewer see it,
    plus those the report already names."""
    present = Profile.objects.filter(
        user__event_registrations__event=event,
        user__event_registrations__status=Status.CONFIRMED,
        user__event_registrations__attendance=Attendance.PRESENT,
        organisation__isnull=False,
    )
    if not is_platform_staff(viewer):
        present = present.annotate(shares_space=shares_a_space(viewer)).filter(
            visible_q(viewer, "organisation_visibility")
        )
    chosen = Q(pk__in=present.values("organisation_id"))
    if report is not None:
        chosen |= Q(pk__in=report.organisations.values("pk"))
    return Organisation.objects.filter(chosen).order_by("name", "pk")


@login_required
def report(request, event_id):
    event = _managed(request, event_id)
    started = event.start <= timezone.now()
    closing = (
        ClosingReport.objects.filter(event=event)
        .prefetch_related("organisations", "documents")
        .first()
    )
    form = None
    if started:
        initial = {}
        if closing is not None:
            initial = {
                "organisations": list(closing.organisations.all()),
                "other_organisations": closing.other_organisations,
                "outcomes": closing.outcomes,
                "lessons": closing.lessons,
                "recording_url": closing.recording_url,
                "documents": list(closing.documents.all()),
            }
        form = ReportForm(
            request.POST or None,
            initial=initial,
            organisations=_present_organisations(request.user, event, closing),
            viewer=request.user,
        )
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            if run_service(
                request,
                lambda: services.report_update(
                    by=request.user,
                    event=event,
                    organisations=data.get("organisations"),
                    documents=data.get("documents"),
                    other_organisations=data["other_organisations"],
                    outcomes=data["outcomes"],
                    lessons=data["lessons"],
                    recording_url=data["recording_url"],
                ),
                form=form,
                success=_("The closing report is saved."),
            ):
                return redirect("events:report", event_id=event.pk)
    elif request.method == "POST":
        messages.error(request, _("The closing report is written once the event has started."))
    context = {
        "event": event,
        "started": started,
        "form": form,
        "closing": closing,
        "figures": selectors.event_figures(event),
        "feedback": event.feedback.aggregate(average=Avg("rating"), count=Count("pk")),
        "comments": list(event.feedback.exclude(comment="").order_by("-created_at")),
        "current": "report",
    }
    return render(request, "events/organiser/report.html", context)
