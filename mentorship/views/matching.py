"""Matching pages: suggested mentors for an enrolled mentee, requests (the mentor's inbox and the
mentee's own) and a coordinator's pairing form.

Every write goes through `mentorship.services.matching`; a refusal is shown as a message or on
the form it came from. A request someone may not see answers 404.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Exists, OuterRef
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from community.views._helpers import run_service
from events.timezones import DEFAULT_TIME_ZONE
from mentorship.forms_profiles import AssignForm, DeclineForm, RequestForm
from mentorship.matching import MAX_SCORE, suggestions_for
from mentorship.models import OPEN_STATES, Enrolment, MentorProfile, Programme, Relationship
from mentorship.permissions import (
    access_relationship,
    consent_is_valid,
    is_coordinator,
    mentee_of,
    mentor_of,
)
from mentorship.services import matching as services
from mentorship.views.profiles import run_on_form

SUGGESTIONS = 10


def _viewer_zone(*profiles) -> str:
    """The viewer's time zone: that of their first profile given."""
    for profile in profiles:
        if profile is not None:
            return profile.time_zone
    return DEFAULT_TIME_ZONE


def _one_to_one(slug: str) -> Programme:
    return get_object_or_404(Programme, slug=slug, kind=Programme.Kind.ONE_TO_ONE)


@login_required
def programme_mentors(request, slug: str, form=None, asked=None):
    """The suggestions for the signed-in mentee, with their score and reasons, and a request
    form under each."""
    programme = _one_to_one(slug)
    mentee = mentee_of(request.user)
    enrolled = bool(
        mentee
        and Enrolment.objects.filter(
            programme=programme, mentee=mentee, status=Enrolment.Status.ACTIVE
        ).exists()
    )
    context = {
        "programme": programme,
        "mentee": mentee,
        "enrolled": enrolled,
        "max_score": MAX_SCORE,
        "tz": _viewer_zone(mentee),
        "form_mentor_id": asked,
    }
    if enrolled:
        open_requests = list(
            Relationship.objects.filter(
                programme=programme, mentee=mentee, state__in=OPEN_STATES
            ).select_related("mentor__user__profile")
        )
        context |= {
            "suggestions": suggestions_for(mentee, programme, limit=SUGGESTIONS),
            "open_requests": open_requests,
            "may_take_part": consent_is_valid(mentee, programme),
            "form": form or RequestForm(),
        }
    return TemplateResponse(request, "mentorship/matching/suggestions.html", context)


@login_required
@require_POST
def request_create(request, slug: str, mentor_id: int):
    programme = _one_to_one(slug)
    mentee = mentee_of(request.user)
    mentor = MentorProfile.objects.select_related("user").filter(pk=mentor_id).first()
    if mentee is None or mentor is None:
        raise Http404
    form = RequestForm(request.POST)
    if form.is_valid() and run_on_form(
        lambda: services.request_create(
            by=request.user,
            mentee=mentee,
            mentor=mentor,
            programme=programme,
            message=form.cleaned_data["message"],
        ),
        form,
    ):
        messages.success(
            request, _("Your request is sent. The mentor will answer in the coming days.")
        )
        return redirect("mentorship:requests")
    response = programme_mentors(request, slug, form=form, asked=mentor.pk)
    response.status_code = 400
    return response


@login_required
def requests_inbox(request):
    """Requests the mentor received, and the ones the mentee made."""
    mentor, mentee = mentor_of(request.user), mentee_of(request.user)
    incoming, active, mine = [], [], []
    if mentor is not None:
        received = list(
            Relationship.objects.filter(mentor=mentor, state__in=OPEN_STATES)
            .select_related("programme", "mentee__user__profile")
            .order_by("requested_at")
        )
        incoming = [r for r in received if r.state == Relationship.State.REQUESTED]
        active = [r for r in received if r.state != Relationship.State.REQUESTED]
    if mentee is not None:
        mine = list(
            Relationship.objects.filter(mentee=mentee)
            .select_related("programme", "mentor__user__profile")
            .order_by("-requested_at")[:50]
        )
    context = {
        "mentor": mentor,
        "mentee": mentee,
        "incoming": incoming,
        "active": active,
        "mine": mine,
        "decline_form": DeclineForm(),
        "tz": _viewer_zone(mentor, mentee),
    }
    return TemplateResponse(request, "mentorship/matching/requests.html", context)


@login_required
@require_POST
def request_accept(request, pk: int):
    relationship = access_relationship(user=request.user, relationship_id=pk)
    run_service(
        request,
        lambda: services.request_accept(by=request.user, relationship=relationship),
        success=_("You accepted the request: your mentoring can start."),
    )
    return redirect("mentorship:requests")


@login_required
@require_POST
def request_decline(request, pk: int):
    relationship = access_relationship(user=request.user, relationship_id=pk)
    form = DeclineForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    if form.is_valid():
        run_service(
            request,
            lambda: services.request_decline(
                by=request.user, relationship=relationship, reason=reason
            ),
            success=_("You declined the request; the mentee is told."),
        )
    else:
        messages.error(request, _("Keep the reason under 300 characters."))
    return redirect("mentorship:requests")


@login_required
@require_POST
def request_withdraw(request, pk: int):
    relationship = access_relationship(user=request.user, relationship_id=pk)
    run_service(
        request,
        lambda: services.request_withdraw(by=request.user, relationship=relationship),
        success=_("Your request is withdrawn."),
    )
    return redirect("mentorship:requests")


@login_required
def assign(request, slug: str):
    """A coordinator pairs an enrolled mentee with a mentor of the programme."""
    programme = _one_to_one(slug)
    if not is_coordinator(request.user, programme):
        raise Http404
    # The dashboard links here with `?mentee=<id>` to preselect a mentee.
    form = AssignForm(
        request.POST or None, programme=programme, initial={"mentee": request.GET.get("mentee")}
    )
    if (
        request.method == "POST"
        and form.is_valid()
        and run_on_form(
            lambda: services.relationship_assign(
                by=request.user,
                mentee=form.cleaned_data["mentee"],
                mentor=form.cleaned_data["mentor"],
                programme=programme,
            ),
            form,
        )
    ):
        messages.success(request, _("They are paired: both are told."))
        return redirect("mentorship:assign", slug=programme.slug)
    unmatched = (
        Enrolment.objects.filter(programme=programme, status=Enrolment.Status.ACTIVE)
        .exclude(
            Exists(
                Relationship.objects.filter(
                    programme=programme, mentee_id=OuterRef("mentee_id"), state__in=OPEN_STATES
                )
            )
        )
        .select_related("mentee__user__profile")
        .order_by("mentee__user__profile__display_name")
    )
    context = {"programme": programme, "form": form, "unmatched": list(unmatched)}
    return TemplateResponse(request, "mentorship/matching/assign.html", context)


urlpatterns = [
    path("programmes/<slug:slug>/mentors/", programme_mentors, name="programme_mentors"),
    path(
        "programmes/<slug:slug>/mentors/<int:mentor_id>/request/",
        request_create,
        name="request_create",
    ),
    path("programmes/<slug:slug>/assign/", assign, name="assign"),
    path("requests/", requests_inbox, name="requests"),
    path("requests/<int:pk>/accept/", request_accept, name="request_accept"),
    path("requests/<int:pk>/decline/", request_decline, name="request_decline"),
    path("requests/<int:pk>/withdraw/", request_withdraw, name="request_withdraw"),
]
