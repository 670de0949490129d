"""The relationship page and "My mentoring".

Every view fetches through `permissions.access_relationship` (a 404 to anyone who may not see
the relationship), then makes one service call; a refusal shows on the form it came from, or as
a message. Notes, feedback and surveys are read through the services' `*_visible_to`.
"""

from collections.abc import Callable

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.forms import Form
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST, require_safe

from community.views._helpers import run_service
from events.timezones import DEFAULT_TIME_ZONE
from events.timezones import zone as tz
from forum.chat.selectors import public_name
from mentorship.forms_relationships import (
    CancelForm,
    EndSurveyForm,
    FeedbackForm,
    MilestoneForm,
    NoteForm,
)
from mentorship.models import Booking, Relationship
from mentorship.permissions import access_relationship, is_coordinator, mentee_of, mentor_of
from mentorship.services import booking as booking_services
from mentorship.services import relationships as services

State = Relationship.State


def _own_zone(user) -> str:
    """The viewer's own time zone: from their mentor or mentee profile, else the default."""
    profile = mentor_of(user) or mentee_of(user)
    return profile.time_zone if profile else DEFAULT_TIME_ZONE


def _programme_url(relationship: Relationship) -> str:
    try:
        return relationship.programme.get_absolute_url()
    except NoReverseMatch:
        return ""


def _run_on_form(call: Callable[[], object], form: Form) -> bool:
    """Call `call()`; put a service's refusal on the form (on its field when it names one)."""
    try:
        call()
    except ValidationError as error:
        if hasattr(error, "error_dict"):
            for field, errors in error.error_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            form.add_error(None, error)
        return False
    except PermissionDenied as error:
        form.add_error(None, str(error) or _("You are not allowed to do this."))
        return False
    return True


def _session_choices(bookings, zone: str) -> list[tuple[Booking, str]]:
    """The confirmed sessions a note may be about, labelled in the viewer's time zone."""
    return [
        (b, timezone.localtime(b.starts_at, tz(zone)).strftime("%d/%m/%Y %H:%M"))
        for b in bookings
        if b.status == Booking.Status.CONFIRMED
    ]


def _back(relationship: Relationship, anchor: str = ""):
    return redirect(relationship.get_absolute_url() + (f"#{anchor}" if anchor else ""))


def _page(request, relationship: Relationship, **forms):
    user = request.user
    now = timezone.now()
    # The booking area's rule, so that the sessions and the rest of the page agree: the
    # mentee reads in their zone, everyone else in the mentor's.
    zone = booking_services.viewer_zone(user, relationship)
    is_mentor = services.is_mentor(user, relationship)
    is_mentee = services.is_mentee(user, relationship)
    is_party = is_mentor or is_mentee

    sessions = booking_services.bookings_for(relationship, user=user, now=now)
    feedback = list(services.feedback_visible_to(user, relationship))
    my_feedback_ids = {f.booking_id for f in feedback if f.author_id == user.pk}
    feedback_forms = []
    if is_party:
        bound = forms.get("feedback_forms", {})
        for booking in sessions["past"]:
            if booking.pk not in my_feedback_ids:
                form = bound.get(booking.pk) or FeedbackForm(booking_id=booking.pk)
                feedback_forms.append((booking, form))

    surveys = list(services.surveys_visible_to(user, relationship))
    survey_form = None
    if (
        is_party
        and relationship.state == State.COMPLETED
        and not any(s.author_id == user.pk for s in surveys)
    ):
        survey_form = forms.get("survey_form") or EndSurveyForm()

    note_form = None
    if services.can_write_notes(user, relationship):
        note_form = forms.get("note_form") or NoteForm(
            sessions=_session_choices([*sessions["past"][::-1], *sessions["upcoming"]], zone)
        )

    can_keep_milestones = services.can_keep_milestones(user, relationship)
    can_cancel = services.can_cancel_relationship(user, relationship)
    context = {
        "relationship": relationship,
        "programme_url": _programme_url(relationship),
        "mentor_name": public_name(relationship.mentor.user),
        "mentee_name": public_name(relationship.mentee.user),
        "zone": zone,
        "is_mentor": is_mentor,
        "is_mentee": is_mentee,
        "is_coordinator": is_coordinator(user, relationship.programme),
        "room_url": relationship.room.get_absolute_url() if relationship.room_id else "",
        "milestones": list(relationship.milestones.all()),
        "can_keep_milestones": can_keep_milestones,
        "milestone_form": (forms.get("milestone_form") or MilestoneForm())
        if can_keep_milestones
        else None,
        "notes": list(services.notes_visible_to(user, relationship)),
        "note_form": note_form,
        "sessions": sessions,
        "can_book": booking_services.booking_refusal(user, relationship) is None,
        "feedback": feedback,
        "feedback_forms": feedback_forms,
        "surveys": surveys,
        "survey_form": survey_form,
        "can_pause": services.can_pause_relationship(user, relationship),
        "can_resume": services.can_resume_relationship(user, relationship),
        "can_complete": services.can_complete_relationship(user, relationship),
        "can_cancel": can_cancel,
        "cancel_form": (forms.get("cancel_form") or CancelForm()) if can_cancel else None,
        "confirm_cancel": "cancel" in request.GET or "cancel_form" in forms,
        "confirm_complete": "complete" in request.GET,
        "nudge_days": services.nudge_days(),
        "now": now,
    }
    _show_hidden_refusals(request, context, forms)
    return render(request, "mentorship/relationships/detail.html", context)


def _show_hidden_refusals(request, context: dict, forms: dict) -> None:
    """A refused form the page no longer shows (feedback already given, notes that the viewer
    may not write) says why in a message instead."""
    shown = {id(form) for form in context.values() if isinstance(form, Form)}
    shown |= {id(form) for _booking, form in context["feedback_forms"]}
    posted = [form for form in forms.values() if isinstance(form, Form)]
    posted += list(forms.get("feedback_forms", {}).values())
    for form in posted:
        if id(form) not in shown:
            for errors in form.errors.values():
                for error in errors:
                    messages.error(request, error)


# --- Pages ----------------------------------------------------------------------------------


@login_required
@require_safe
def relationship_detail(request, pk):
    relationship = access_relationship(user=request.user, relationship_id=pk)
    return _page(request, relationship)


@login_required
@require_safe
def my_mentoring(request):
    relationships = list(services.relationships_of(request.user))
    rows = []
    for relationship in relationships:
        as_mentor = relationship.mentor.user_id == request.user.pk
        other = relationship.mentee.user if as_mentor else relationship.mentor.user
        rows.append(
            {
                "relationship": relationship,
                "as_mentor": as_mentor,
                "other_name": public_name(other),
            }
        )
    context = {
        "current": [row for row in rows if row["relationship"].is_open],
        "ended": [row for row in rows if not row["relationship"].is_open],
        "zone": _own_zone(request.user),
    }
    return render(request, "mentorship/relationships/mine.html", context)


# --- States ---------------------------------------------------------------------------------


def _state_action(service, success: str):
    @login_required
    @require_POST
    def view(request, pk):
        relationship = access_relationship(user=request.user, relationship_id=pk)
        run_service(
            request,
            lambda: service(by=request.user, relationship=relationship),
            success=success,
        )
        return _back(relationship)

    return view


relationship_pause = _state_action(
    services.relationship_pause, gettext_lazy("The relationship is paused.")
)
relationship_resume = _state_action(
    services.relationship_resume, gettext_lazy("The relationship is active again.")
)
relationship_complete = _state_action(
    services.relationship_complete,
    gettext_lazy("The relationship is completed. Thank you! The end survey is open to you both."),
)


@login_required
@require_POST
def relationship_cancel(request, pk):
    relationship = access_relationship(user=request.user, relationship_id=pk)
    form = CancelForm(request.POST)
    if form.is_valid() and _run_on_form(
        lambda: services.relationship_cancel(
            by=request.user, relationship=relationship, reason=form.cleaned_data["reason"]
        ),
        form,
    ):
        messages.success(request, _("The relationship has ended."))
        return _back(relationship)
    return _page(request, relationship, cancel_form=form)


# --- Goals and milestones -------------------------------------------------------------------


def _milestone(relationship: Relationship, milestone_id: int):
    milestone = relationship.milestones.filter(pk=milestone_id).first()
    if milestone is None:
        raise Http404
    milestone.relationship = relationship
    return milestone


@login_required
@require_POST
def milestone_add(request, pk):
    relationship = access_relationship(user=request.user, relationship_id=pk)
    form = MilestoneForm(request.POST)
    if form.is_valid() and _run_on_form(
        lambda: services.milestone_add(
            by=request.user, relationship=relationship, **form.cleaned_data
        ),
        form,
    ):
        messages.success(request, _("Goal added."))
        return _back(relationship, "goals")
    return _page(request, relationship, milestone_form=form)


@login_required
@require_POST
def milestone_complete(request, pk, milestone_id):
    relationship = access_relationship(user=request.user, relationship_id=pk)
    milestone = _milestone(relationship, milestone_id)
    run_service(
        request,
        lambda: services.milestone_complete(by=request.user, milestone=milestone),
        success=_("Well done: the milestone is reached."),
    )
    return _back(relationship, "goals")


@login_required
@require_POST
def milestone_remove(request, pk, milestone_id):
    relationship = access_relationship(user=request.user, relationship_id=pk)
    milestone = _milestone(relationship, milestone_id)
    run_service(
        request,
        lambda: services.milestone_remove(by=request.user, milestone=milestone),
        success=_("Goal removed."),
    )
    return _back(relationship, "goals")


# --- Notes ----------------------------------------------------------------------------------


@login_required
@require_POST
def note_add(request, pk):
    relationship = access_relationship(user=request.user, relationship_id=pk)
    bookings = Booking.objects.filter(relationship=relationship).order_by("starts_at", "pk")
    zone = booking_services.viewer_zone(request.user, relationship)
    form = NoteForm(request.POST, sessions=_session_choices(bookings, zone))
    if form.is_valid():
        data = form.cleaned_data
        booking_id = data["booking"]
        booking = relationship.bookings.filter(pk=booking_id).first() if booking_id else None
        if _run_on_form(
            lambda: services.note_add(
                by=request.user,
                relationship=relationship,
                body=data["body"],
                shared=data["shared"],
                booking=booking,
            ),
            form,
        ):
            messages.success(
                request,
                _("Note shared with the mentee.") if data["shared"] else _("Private note saved."),
            )
            return _back(relationship, "notes")
    return _page(request, relationship, note_form=form)


@login_required
@require_POST
def note_remove(request, pk, note_id):
    relationship = access_relationship(user=request.user, relationship_id=pk)
    # Only notes the viewer may read can be found: another's private note is a 404.
    note = services.notes_visible_to(request.user, relationship).filter(pk=note_id).first()
    if note is None:
        raise Http404
    run_service(
        request,
        lambda: services.note_remove(by=request.user, note=note),
        success=_("Note removed."),
    )
    return _back(relationship, "notes")


# --- Feedback and the end survey ------------------------------------------------------------


@login_required
@require_POST
def feedback_give(request, pk, booking_id):
    relationship = access_relationship(user=request.user, relationship_id=pk)
    booking = relationship.bookings.filter(pk=booking_id).first()
    if booking is None:
        raise Http404
    booking.relationship = relationship
    form = FeedbackForm(request.POST, booking_id=booking.pk)
    if form.is_valid() and _run_on_form(
        lambda: services.feedback_give(by=request.user, booking=booking, **form.cleaned_data),
        form,
    ):
        messages.success(request, _("Thank you for your feedback."))
        return _back(relationship, "feedback")
    return _page(request, relationship, feedback_forms={booking.pk: form})


@login_required
@require_POST
def end_survey_give(request, pk):
    relationship = access_relationship(user=request.user, relationship_id=pk)
    form = EndSurveyForm(request.POST)
    if form.is_valid() and _run_on_form(
        lambda: services.end_survey_give(
            by=request.user, relationship=relationship, **form.cleaned_data
        ),
        form,
    ):
        messages.success(request, _("Thank you: your answers help the next mentees."))
        return _back(relationship, "survey")
    return _page(request, relationship, survey_form=form)


urlpatterns = [
    path("mine/", my_mentoring, name="mine"),
    path("relationships/<int:pk>/", relationship_detail, name="relationship"),
    path("relationships/<int:pk>/pause/", relationship_pause, name="relationship_pause"),
    path("relationships/<int:pk>/resume/", relationship_resume, name="relationship_resume"),
    path("relationships/<int:pk>/complete/", relationship_complete, name="relationship_complete"),
    path("relationships/<int:pk>/cancel/", relationship_cancel, name="relationship_cancel"),
    path("relationships/<int:pk>/goals/", milestone_add, name="milestone_add"),
    path(
        "relationships/<int:pk>/goals/<int:milestone_id>/done/",
        milestone_complete,
        name="milestone_complete",
    ),
    path(
        "relationships/<int:pk>/goals/<int:milestone_id>/remove/",
        milestone_remove,
        name="milestone_remove",
    ),
    path("relationships/<int:pk>/notes/", note_add, name="note_add"),
    path("relationships/<int:pk>/notes/<int:note_id>/remove/", note_remove, name="note_remove"),
    path(
        "relationships/<int:pk>/sessions/<int:booking_id>/feedback/",
        feedback_give,
        name="feedback_give",
    ),
    path("relationships/<int:pk>/survey/", end_survey_give, name="end_survey_give"),
]
