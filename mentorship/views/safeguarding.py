"""Safeguarding pages (docs/safeguarding.md): consent and concerns.

- `/mentorship/consent/`: a mentee's consent: its state, (re)send the request to the guardian,
  and, under 15, agree themselves.
- `/mentorship/consent/<token>/`: the guardian's page, no account needed: who, which programmes,
  the text, what coordinators read; give or refuse with their typed name; withdraw later.
- `/mentorship/consent/ask/<mentee id>/`: a coordinator sends the request (POST).
- `/mentorship/concerns/new/messages/<id>/`, `/mentorship/concerns/new/people/<profile id>/`:
  "Report a concern" on a message of a mentorship conversation or on a profile.
- `/mentorship/concerns/` and `/mentorship/concerns/<id>/`: the safeguarding lead's reports
  (their programmes'; staff see all). Anyone else: 404.

Plain forms, no JavaScript. Each view parses, accesses, calls one service, renders or redirects.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.cache import add_never_cache_headers
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from community.models import User
from community.permissions import is_platform_staff
from community.selectors import access_profile
from community.views._helpers import run_service
from forum.chat.models import Message
from forum.chat.permissions import can_read_room
from forum.chat.selectors import public_name

from .. import permissions
from ..forms_safeguarding import (
    ConcernForm,
    ConcernUpdateForm,
    GuardianAnswerForm,
    GuardianWithdrawForm,
)
from ..models import GuardianConsent, MenteeProfile, Programme
from ..services import safeguarding as services


def _back(request, fallback: str) -> str:
    target = request.POST.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return fallback


# --- Consent: the mentee ------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def consent_mentee(request):
    mentee = permissions.mentee_of(request.user)
    if mentee is None:
        raise Http404
    consent = permissions.current_consent(mentee) if mentee.is_minor else None
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "send":
            run_service(
                request,
                lambda: services.consent_request(by=request.user, mentee=mentee),
                success=_("The request is sent to %(email)s.") % {"email": mentee.guardian_email},
            )
        elif action == "agree" and consent is not None:
            run_service(
                request,
                lambda: services.consent_mentee_agree(by=request.user, consent=consent),
                success=_("Thank you: you have agreed too."),
            )
        else:
            messages.error(request, _("This action is not available."))
        return redirect("mentorship:consent")
    return render(
        request,
        "mentorship/safeguarding/consent_mentee.html",
        {
            "mentee": mentee,
            "consent": consent,
            "valid": permissions.consent_is_valid(mentee),
            "answerable": consent is not None and services.consent_is_answerable(consent),
            "needs_agreement": bool(
                consent
                and mentee.is_under_15
                and consent.state == GuardianConsent.State.GIVEN
                and consent.mentee_agreed_at is None
            ),
            "outdated": bool(consent and consent.text_version != services.CONSENT_TEXT_VERSION),
            "programmes": services._programmes_of(mentee) if mentee.is_minor else [],
        },
    )


@login_required
@require_POST
def consent_ask(request, mentee_id):
    """A coordinator of the mentee's programme sends the request to the guardian."""
    mentee = MenteeProfile.objects.select_related("user").filter(pk=mentee_id).first()
    if mentee is None or not (
        is_platform_staff(request.user)
        or Programme.objects.filter(enrolments__mentee=mentee, coordinators=request.user).exists()
        or Programme.objects.filter(
            relationships__mentee=mentee, coordinators=request.user
        ).exists()
    ):
        raise Http404
    run_service(
        request,
        lambda: services.consent_request(by=request.user, mentee=mentee),
        success=_("The request is sent to the guardian of %(name)s.")
        % {"name": public_name(mentee.user)},
    )
    return redirect(_back(request, reverse("mentorship:programme_list")))


# --- Consent: the guardian (no account) -----------------------------------------------------------


def _private(response):
    """The page's address is a secret: never cached, never sent on as a referrer."""
    add_never_cache_headers(response)
    response["Referrer-Policy"] = "no-referrer"
    return response


@require_http_methods(["GET", "POST"])
def consent_guardian(request, token):
    consent = services.access_consent_by_token(token=token)
    answer_form = withdraw_form = None
    answerable = services.consent_is_answerable(consent)
    if consent.state == GuardianConsent.State.PENDING and answerable:
        answer_form = GuardianAnswerForm(request.POST if request.method == "POST" else None)
    if consent.state == GuardianConsent.State.GIVEN:
        withdraw_form = GuardianWithdrawForm(
            request.POST if request.POST.get("action") == "withdraw" else None
        )
    status = 200
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "withdraw" and withdraw_form is not None:
            if withdraw_form.is_valid() and run_service(
                request,
                lambda: services.consent_withdraw(token=token),
                form=withdraw_form,
                success=_("Your consent is withdrawn: everything is paused."),
            ):
                return _private(redirect("mentorship:consent_guardian", token=token))
        elif action == "answer" and answer_form is not None:
            if answer_form.is_valid() and run_service(
                request,
                lambda: services.consent_answer(
                    token=token,
                    give=answer_form.cleaned_data["decision"] == "give",
                    signed_name=answer_form.cleaned_data["signed_name"],
                ),
                form=answer_form,
                success=_("Thank you: your answer is recorded."),
            ):
                return _private(redirect("mentorship:consent_guardian", token=token))
        else:
            messages.error(
                request,
                _("This link has expired. Ask the young person or their programme for a new one.")
                if consent.state == GuardianConsent.State.PENDING
                else _("This request has already been answered."),
            )
        status = 400
    elif consent.state == GuardianConsent.State.PENDING and not answerable:
        status = 410
    mentee = consent.mentee
    response = render(
        request,
        "mentorship/safeguarding/consent_guardian.html",
        {
            "consent": consent,
            "mentee_name": public_name(mentee.user),
            "under_15": mentee.is_under_15,
            "programmes": services._programmes_of(mentee),
            "text": services.consent_text(consent.text_version),
            "expired": consent.state == GuardianConsent.State.PENDING and not answerable,
            "answer_form": answer_form,
            "withdraw_form": withdraw_form,
        },
        status=status,
    )
    return _private(response)


# --- Concerns -----------------------------------------------------------------------------------


def _concern_form(request, *, about_label: str, quoted: str, back: str, report):
    form = ConcernForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        made = {}

        def call():
            made["concern"] = report(form.cleaned_data["text"])

        if run_service(
            request,
            call,
            form=form,
            success=_(
                "Thank you. The safeguarding lead is told, and the conversation is kept as it is "
                "while they look into it."
            ),
        ):
            return redirect(back)
    return render(
        request,
        "mentorship/safeguarding/concern_form.html",
        {"form": form, "about_label": about_label, "quoted": quoted, "back": back},
        status=400 if request.method == "POST" else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def concern_message(request, message_id):
    message = (
        Message.objects.select_related("room", "sender__profile").filter(pk=message_id).first()
    )
    if message is None or not can_read_room(request.user, message.room):
        raise Http404
    return _concern_form(
        request,
        about_label=_("A message from %(name)s")
        % {"name": public_name(message.sender) if message.sender else _("a former member")},
        quoted=message.body,
        back=f"{message.room.get_absolute_url()}#m{message.seq}",
        report=lambda text: services.concern_report(by=request.user, message=message, text=text),
    )


@login_required
@require_http_methods(["GET", "POST"])
def concern_person(request, profile_id):
    profile = access_profile(viewer=request.user, profile_id=profile_id)
    about = User.objects.filter(pk=profile.user_id).first()
    if about is None:
        raise Http404
    return _concern_form(
        request,
        about_label=public_name(about),
        quoted="",
        back=reverse("community:profile_detail", kwargs={"profile_id": profile_id}),
        report=lambda text: services.concern_report(by=request.user, about=about, text=text),
    )


@login_required
def concern_list(request):
    user = request.user
    if not (is_platform_staff(user) or Programme.objects.filter(safeguarding_lead=user).exists()):
        raise Http404
    status = request.GET.get("status", "")
    concerns = services.concerns_for(user)
    if status in ("open", "in_review", "closed"):
        concerns = concerns.filter(status=status)
    return render(
        request,
        "mentorship/safeguarding/concern_list.html",
        {"concerns": list(concerns[:200]), "status": status},
    )


@login_required
@require_http_methods(["GET", "POST"])
def concern_detail(request, pk):
    concern = services.access_concern(user=request.user, concern_id=pk)
    form = ConcernUpdateForm(
        request.POST or None, initial={"status": concern.status, "outcome": concern.outcome}
    )
    if (
        request.method == "POST"
        and form.is_valid()
        and run_service(
            request,
            lambda: services.concern_update(by=request.user, concern=concern, **form.cleaned_data),
            form=form,
            success=_("The report is updated."),
        )
    ):
        return redirect("mentorship:concern", pk=concern.pk)
    return render(
        request,
        "mentorship/safeguarding/concern_detail.html",
        {
            "concern": concern,
            "form": form,
            "room": concern.room,
            "frozen": bool(concern.room and concern.room.frozen_at),
        },
        status=400 if request.method == "POST" else 200,
    )


urlpatterns = [
    path("consent/", consent_mentee, name="consent"),
    path("consent/ask/<int:mentee_id>/", consent_ask, name="consent_ask"),
    path("consent/<str:token>/", consent_guardian, name="consent_guardian"),
    path("concerns/", concern_list, name="concerns"),
    path("concerns/<int:pk>/", concern_detail, name="concern"),
    path("concerns/new/messages/<int:message_id>/", concern_message, name="concern_message"),
    path("concerns/new/people/<int:profile_id>/", concern_person, name="concern_person"),
]
