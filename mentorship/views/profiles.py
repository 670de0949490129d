"""Profiles pages: one's own mentor and mentee profiles, and a mentor's vetting (coordinators).

Each page parses a form, calls one service (`mentorship.services.profiles`) and redirects; a
refusal is shown on the form.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

from mentorship.forms_profiles import (
    PROFILE_EXCLUDE,
    MenteeProfileForm,
    MentorProfileForm,
    VettingForm,
)
from mentorship.models import MentorProfile
from mentorship.permissions import consent_is_valid, mentee_of, mentor_of
from mentorship.services import profiles as services


def run_on_form(call, form) -> bool:
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


def _next_or(request, name: str):
    """Back to the page that sent the member here (`?next=`, a local address only)."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(target)
    return redirect(name)


def _initial(profile) -> dict | None:
    """A saved profile's values, for a form that is not bound to its instance."""
    if profile is None:
        return None
    values = {
        field.name: getattr(profile, field.attname)
        for field in profile._meta.concrete_fields
        if field.name not in PROFILE_EXCLUDE
    }
    for name in ("themes", "sectors", "languages"):
        values[name] = list(getattr(profile, name).values_list("pk", flat=True))
    return values


@login_required
def mentor_profile(request):
    profile = mentor_of(request.user)
    if request.method == "POST":
        form = MentorProfileForm(request.POST)
        if form.is_valid() and run_on_form(
            lambda: services.mentor_profile_save(by=request.user, **form.cleaned_data), form
        ):
            messages.success(
                request,
                _("Your mentor profile is saved.")
                if profile
                else _("Welcome as a mentor: your profile is saved."),
            )
            return _next_or(request, "mentorship:mentor_profile")
    else:
        form = MentorProfileForm(initial=_initial(profile))
    context = {
        "form": form,
        "profile": profile,
        "next": request.POST.get("next") or request.GET.get("next", ""),
    }
    return TemplateResponse(request, "mentorship/profiles/mentor_form.html", context)


@login_required
def mentee_profile(request):
    profile = mentee_of(request.user)
    if request.method == "POST":
        form = MenteeProfileForm(request.POST)
        if form.is_valid() and run_on_form(
            lambda: services.mentee_profile_save(by=request.user, **form.cleaned_data), form
        ):
            messages.success(request, _("Your mentee profile is saved."))
            return _next_or(request, "mentorship:mentee_profile")
    else:
        form = MenteeProfileForm(initial=_initial(profile))
    context = {
        "form": form,
        "profile": profile,
        "consent_needed": bool(profile and profile.is_minor and not consent_is_valid(profile)),
        "next": request.POST.get("next") or request.GET.get("next", ""),
    }
    return TemplateResponse(request, "mentorship/profiles/mentee_form.html", context)


@login_required
def mentor_vetting(request, pk: int):
    mentor = (
        MentorProfile.objects.select_related("user__profile", "vetted_by__profile")
        .filter(pk=pk)
        .first()
    )
    # Anyone who may not vet this mentor learns nothing about them.
    if mentor is None or not services.can_vet(request.user, mentor):
        raise Http404
    if request.method == "POST":
        form = VettingForm(request.POST)
        if form.is_valid() and run_on_form(
            lambda: services.mentor_vetting_set(
                by=request.user, mentor=mentor, **form.cleaned_data
            ),
            form,
        ):
            messages.success(request, _("The vetting is recorded."))
            return redirect("mentorship:mentor_vetting", pk=mentor.pk)
    else:
        form = VettingForm(
            initial={
                "vetting": mentor.vetting,
                "identity_checked_on": mentor.identity_checked_on,
                "record_seen_on": mentor.record_seen_on,
            }
        )
    programmes = [link.programme for link in mentor.programme_links.select_related("programme")]
    context = {"form": form, "mentor": mentor, "programmes": programmes}
    return TemplateResponse(request, "mentorship/profiles/vetting.html", context)


urlpatterns = [
    path("mentor/profile/", mentor_profile, name="mentor_profile"),
    path("mentee/profile/", mentee_profile, name="mentee_profile"),
    path("mentors/<int:pk>/vetting/", mentor_vetting, name="mentor_vetting"),
]
