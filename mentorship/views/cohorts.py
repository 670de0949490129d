"""Cohort pages: the schedule, a member's own attendance and certificate, the coordinators'
register and attendance, ambassadors of earlier cohorts.

Who sees what (services.cohorts has the rules):
- the cohort page: any signed-in member (the schedule's titles and dates, and the ambassadors
  who may be named to them); places only to the programme's members, mentors and coordinators;
- a member: her own attendance, progress and certificate; nobody else's;
- coordinators: the register (every member's progress), attendance, completion, any member's
  certificate. The attendance page and another member's certificate are 404 to anyone else.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from community.views._helpers import run_service
from events.timezones import utc_to_local
from mentorship.certificates import certificate_pdf
from mentorship.forms_cohorts import AttendanceForm, SessionForm
from mentorship.models import Attendance, CohortSession, Enrolment, Programme
from mentorship.permissions import is_coordinator, mentee_of, mentor_of
from mentorship.services import cohorts as services

Status = Enrolment.Status


def _cohort(slug: str) -> Programme:
    return get_object_or_404(
        Programme.objects.select_related("cluster"), slug=slug, kind=Programme.Kind.COHORT
    )


def _my_enrolment(user, programme: Programme) -> Enrolment | None:
    mentee = mentee_of(user)
    if mentee is None:
        return None
    return (
        Enrolment.objects.select_related("mentee__user__profile")
        .filter(programme=programme, mentee=mentee, status__in=(Status.ACTIVE, Status.COMPLETED))
        .first()
    )


def _localise(sessions, tz_name: str):
    for session in sessions:
        session.local_start = utc_to_local(session.starts_at, tz_name)
        session.local_end = utc_to_local(session.ends_at, tz_name)
    return sessions


def _check_coordinator(user, programme: Programme) -> None:
    if not is_coordinator(user, programme):
        raise PermissionDenied(_("Only the programme's coordinators can do this."))


@login_required
def cohort(request, slug):
    programme = _cohort(slug)
    user = request.user
    coordinating = is_coordinator(user, programme)
    enrolment = _my_enrolment(user, programme)
    mentor = mentor_of(user)
    is_mentor = mentor is not None and mentor.programme_links.filter(programme=programme).exists()
    tz_name = services.viewer_time_zone(user)
    now = timezone.now()
    sessions = list(
        CohortSession.objects.filter(programme=programme)
        .select_related("event")
        .order_by("starts_at", "pk")
    )
    _localise(sessions, tz_name)
    context = {
        "programme": programme,
        "sessions": sessions,
        "tz_name": tz_name,
        "now": now,
        "coordinating": coordinating,
        "enrolment": enrolment,
        "shows_places": coordinating or enrolment is not None or is_mentor,
    }
    if enrolment is not None:
        mine = dict(
            Attendance.objects.filter(enrolment=enrolment).values_list("session_id", "present")
        )
        for session in sessions:
            session.my_presence = mine.get(session.pk)
        context["attended"] = sum(1 for present in mine.values() if present)
    if coordinating:
        register = services.cohort_progress(programme)
        counts = {
            row["session_id"]: (row["recorded"], row["present"])
            for row in Attendance.objects.filter(session__programme=programme)
            .values("session_id")
            .annotate(recorded=Count("pk"), present=Count("pk", filter=Q(present=True)))
            .order_by()
        }
        for session in sessions:
            session.recorded, session.present_count = counts.get(session.pk, (0, 0))
        context["register"] = register
        context["figures"] = services.cohort_figures(programme)
    ambassadors, hidden = services.earlier_ambassadors(programme, viewer=user)
    context["ambassadors"], context["hidden_ambassadors"] = ambassadors, hidden
    return render(request, "mentorship/cohorts/cohort.html", context)


@login_required
def session_new(request, slug):
    programme = _cohort(slug)
    _check_coordinator(request.user, programme)
    form = SessionForm(request.POST or None, viewer=request.user)
    if (
        request.method == "POST"
        and form.is_valid()
        and run_service(
            request,
            lambda: services.session_create(
                by=request.user, programme=programme, **form.service_fields()
            ),
            form=form,
            success=_("The session was added to the schedule."),
        )
    ):
        return redirect("mentorship:cohort", slug=programme.slug)
    return render(
        request, "mentorship/cohorts/session_form.html", {"programme": programme, "form": form}
    )


def _session(programme: Programme, session_id: int) -> CohortSession:
    return get_object_or_404(
        CohortSession.objects.select_related("programme"), pk=session_id, programme=programme
    )


@login_required
def session_edit(request, slug, session_id):
    programme = _cohort(slug)
    _check_coordinator(request.user, programme)
    session = _session(programme, session_id)
    form = SessionForm(request.POST or None, viewer=request.user, session=session)
    if (
        request.method == "POST"
        and form.is_valid()
        and run_service(
            request,
            lambda: services.session_update(
                by=request.user, session=session, **form.service_fields()
            ),
            form=form,
            success=_("The session was changed."),
        )
    ):
        return redirect("mentorship:cohort", slug=programme.slug)
    return render(
        request,
        "mentorship/cohorts/session_form.html",
        {"programme": programme, "form": form, "session": session},
    )


@login_required
@require_POST
def session_delete(request, slug, session_id):
    programme = _cohort(slug)
    _check_coordinator(request.user, programme)
    session = _session(programme, session_id)
    run_service(
        request,
        lambda: services.session_delete(by=request.user, session=session),
        success=_("The session was removed from the schedule."),
    )
    return redirect("mentorship:cohort", slug=programme.slug)


@login_required
def attendance(request, slug, session_id):
    """The register of one session: coordinators only (it names the members, minors included);
    anyone else gets a 404."""
    programme = _cohort(slug)
    if not is_coordinator(request.user, programme):
        raise Http404
    session = _session(programme, session_id)
    members = list(
        Enrolment.objects.filter(programme=programme, status=Status.ACTIVE)
        .select_related("mentee__user__profile")
        .order_by("mentee__user__profile__display_name", "pk")
    )
    recorded = dict(
        Attendance.objects.filter(session=session).values_list("enrolment_id", "present")
    )
    rows = [(e, e.mentee.user.profile.display_name, recorded.get(e.pk)) for e in members]
    form = AttendanceForm(request.POST or None, rows=rows)
    started = session.starts_at <= timezone.now()
    if (
        request.method == "POST"
        and form.is_valid()
        and run_service(
            request,
            lambda: services.attendance_record(
                by=request.user, session=session, present=form.register()
            ),
            success=_("Attendance saved."),
        )
    ):
        return redirect("mentorship:cohort_attendance", slug=programme.slug, session_id=session.pk)
    tz_name = services.viewer_time_zone(request.user)
    _localise([session], tz_name)
    return render(
        request,
        "mentorship/cohorts/attendance.html",
        {
            "programme": programme,
            "session": session,
            "form": form,
            "started": started,
            "tz_name": tz_name,
        },
    )


@login_required
@require_POST
def complete(request, slug):
    programme = _cohort(slug)
    _check_coordinator(request.user, programme)
    outcome = {}

    def call():
        outcome["result"] = services.cohort_complete(by=request.user, programme=programme)

    if run_service(request, call):
        result = outcome["result"]
        messages.success(
            request,
            _("%(count)s member(s) completed the cohort.") % {"count": len(result.completed)},
        )
        if result.not_yet:
            names = ", ".join(
                _("%(name)s (%(missing)s session(s) missing)")
                % {"name": p.enrolment.mentee.user.profile.display_name, "missing": p.missing}
                for p in result.not_yet
            )
            messages.warning(request, _("Not yet meeting the rule: %(names)s.") % {"names": names})
    return redirect("mentorship:cohort", slug=programme.slug)


def _certificate_response(request, enrolment: Enrolment) -> HttpResponse:
    if enrolment.status != Status.COMPLETED:
        raise Http404
    sessions = list(
        CohortSession.objects.filter(
            attendance__enrolment=enrolment, attendance__present=True
        ).order_by("starts_at", "pk")
    )
    url = request.build_absolute_uri(
        reverse("mentorship:cohort", kwargs={"slug": enrolment.programme.slug})
    )
    content = certificate_pdf(
        enrolment=enrolment,
        name=enrolment.mentee.user.profile.display_name,
        sessions=sessions,
        url=url,
    )
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = (
        f'attachment; filename="certificate-{enrolment.programme.slug}.pdf"'
    )
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
def certificate(request, slug):
    """The signed-in member's own certificate (404 until she has completed)."""
    programme = _cohort(slug)
    enrolment = _my_enrolment(request.user, programme)
    if enrolment is None:
        raise Http404
    enrolment.programme = programme
    return _certificate_response(request, enrolment)


@login_required
def member_certificate(request, slug, enrolment_id):
    """Any member's certificate, for the coordinators (and the member herself); 404 otherwise."""
    programme = _cohort(slug)
    enrolment = (
        Enrolment.objects.select_related("mentee__user__profile")
        .filter(pk=enrolment_id, programme=programme)
        .first()
    )
    if enrolment is None or not (
        enrolment.mentee.user_id == request.user.pk or is_coordinator(request.user, programme)
    ):
        raise Http404
    enrolment.programme = programme
    return _certificate_response(request, enrolment)


@login_required
@require_POST
def ambassador(request, slug):
    programme = _cohort(slug)
    enrolment = _my_enrolment(request.user, programme)
    if enrolment is None:
        raise Http404
    enrolment.programme = programme
    wanted = request.POST.get("ambassador") == "1"
    run_service(
        request,
        lambda: services.enrolment_set_ambassador(
            by=request.user, enrolment=enrolment, ambassador=wanted
        ),
        success=_("You are now an ambassador: thank you!")
        if wanted
        else _("You are no longer listed as an ambassador."),
    )
    return redirect("mentorship:cohort", slug=programme.slug)


urlpatterns = [
    path("cohorts/<slug:slug>/", cohort, name="cohort"),
    path("cohorts/<slug:slug>/sessions/new/", session_new, name="cohort_session_new"),
    path(
        "cohorts/<slug:slug>/sessions/<int:session_id>/edit/",
        session_edit,
        name="cohort_session_edit",
    ),
    path(
        "cohorts/<slug:slug>/sessions/<int:session_id>/delete/",
        session_delete,
        name="cohort_session_delete",
    ),
    path(
        "cohorts/<slug:slug>/sessions/<int:session_id>/attendance/",
        attendance,
        name="cohort_attendance",
    ),
    path("cohorts/<slug:slug>/complete/", complete, name="cohort_complete"),
    path("cohorts/<slug:slug>/certificate.pdf", certificate, name="cohort_certificate"),
    path(
        "cohorts/<slug:slug>/members/<int:enrolment_id>/certificate.pdf",
        member_certificate,
        name="cohort_member_certificate",
    ),
    path("cohorts/<slug:slug>/ambassador/", ambassador, name="cohort_ambassador"),
]
