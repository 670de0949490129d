"""Intervention pages: the needs of a programme, posting one, a need's page with its volunteers,
suggestions, confirmation and feedback.

Who sees what (services.interventions has the rules):
- the programme's needs: its marraines (the open needs to come, and their own), the people
  who may post needs (their own) and the coordinators (all, with the figures); 404 to anyone
  else;
- a need: its poster, the coordinators and the programme's marraines; 404 to anyone else. The
  practical details are shown to the poster, the coordinators and the confirmed marraines; the
  volunteers and the suggestions to the poster and the coordinators (suggestions: coordinators).
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from community.views._helpers import run_service
from events.timezones import utc_to_local
from mentorship.forms_interventions import (
    HostFeedbackForm,
    MarraineFeedbackForm,
    NeedForm,
    OfferForm,
)
from mentorship.models import InterventionNeed, MentorProfile, Programme, Volunteer
from mentorship.permissions import is_coordinator
from mentorship.services import interventions as services
from mentorship.services.cohorts import viewer_time_zone

NeedStatus = InterventionNeed.Status
VStatus = Volunteer.Status
PAST_SHOWN = 30


def _programme(slug: str) -> Programme:
    return get_object_or_404(
        Programme.objects.select_related("cluster"),
        slug=slug,
        kind=Programme.Kind.INTERVENTIONS,
    )


def _localise(needs, tz_name: str):
    for need in needs:
        need.local_start = utc_to_local(need.starts_at, tz_name)
        need.local_end = utc_to_local(need.ends_at, tz_name)
    return needs


def _with_counts(needs):
    return needs.annotate(
        confirmed_count=Count("volunteers", filter=Q(volunteers__status=VStatus.CONFIRMED)),
        offered_count=Count("volunteers", filter=Q(volunteers__status=VStatus.VOLUNTEERED)),
    )


@login_required
def needs(request, slug):
    programme = _programme(slug)
    user = request.user
    coordinating = is_coordinator(user, programme)
    marraine = services.marraine_of(user, programme)
    may_post = services.can_post_need(user, programme)
    if not (coordinating or marraine or may_post):
        raise Http404
    tz_name = viewer_time_zone(user)
    now = timezone.now()
    base = _with_counts(InterventionNeed.objects.filter(programme=programme)).order_by(
        "starts_at", "pk"
    )
    context = {
        "programme": programme,
        "coordinating": coordinating,
        "marraine": marraine,
        "may_post": may_post,
        "tz_name": tz_name,
    }
    if coordinating:
        context["upcoming"] = _localise(list(base.filter(ends_at__gt=now)), tz_name)
        context["past"] = _localise(
            list(base.filter(ends_at__lte=now).order_by("-starts_at", "-pk")[:PAST_SHOWN]),
            tz_name,
        )
        context["figures"] = services.intervention_figures(programme)
    else:
        if marraine is not None:
            mine = dict(
                Volunteer.objects.filter(mentor=marraine, need__programme=programme).values_list(
                    "need_id", "status"
                )
            )
            open_needs = _localise(
                list(base.filter(status=NeedStatus.OPEN, starts_at__gt=now)), tz_name
            )
            for need in open_needs:
                need.my_status = mine.get(need.pk)
            context["open_needs"] = open_needs
            context["my_needs"] = _localise(
                list(
                    base.filter(
                        volunteers__mentor=marraine,
                        volunteers__status__in=(VStatus.CONFIRMED, VStatus.VOLUNTEERED),
                    ).order_by("-starts_at", "-pk")[:PAST_SHOWN]
                ),
                tz_name,
            )
            for need in context["my_needs"]:
                need.my_status = mine.get(need.pk)
        if may_post:
            context["posted"] = _localise(
                list(base.filter(posted_by=user).order_by("-starts_at", "-pk")[:PAST_SHOWN]),
                tz_name,
            )
    return render(request, "mentorship/interventions/needs.html", context)


@login_required
def need_new(request, slug):
    programme = _programme(slug)
    if not services.can_post_need(request.user, programme):
        raise Http404
    form = NeedForm(request.POST or None)
    created = {}
    if request.method == "POST" and form.is_valid():

        def call():
            created["need"] = services.need_create(
                by=request.user, programme=programme, **form.cleaned_data
            )

        if run_service(request, call, form=form, success=_("The need is posted.")):
            return redirect(created["need"].get_absolute_url())
    return render(
        request, "mentorship/interventions/need_form.html", {"programme": programme, "form": form}
    )


def _access_need(user, need_id: int) -> InterventionNeed:
    need = (
        InterventionNeed.objects.select_related("programme", "posted_by__profile")
        .filter(pk=need_id)
        .first()
    )
    if need is None or not services.can_view_need(user, need):
        raise Http404
    return need


@login_required
def need(request, pk):
    user = request.user
    need = _access_need(user, pk)
    programme = need.programme
    coordinating = is_coordinator(user, programme)
    managing = coordinating or services.is_poster(user, need)
    marraine = services.marraine_of(user, programme)
    tz_name = viewer_time_zone(user)
    now = timezone.now()
    _localise([need], tz_name)
    mine = None
    if marraine is not None:
        mine = Volunteer.objects.filter(need=need, mentor=marraine).first()
    context = {
        "need": need,
        "programme": programme,
        "themes": list(need.themes.all()),
        "coordinating": coordinating,
        "managing": managing,
        "marraine": marraine,
        "mine": mine,
        "tz_name": tz_name,
        "is_past": need.ends_at <= now,
        "has_started": need.starts_at <= now,
        "shows_details": managing or (mine is not None and mine.status == VStatus.CONFIRMED),
    }
    if managing:
        context["volunteers"] = list(
            need.volunteers.select_related("mentor__user__profile").order_by("created_at", "pk")
        )
        context["host_form"] = HostFeedbackForm(
            initial={"pupils_reached": need.pupils_reached, "host_feedback": need.host_feedback}
        )
    if coordinating and need.status == NeedStatus.OPEN and not context["has_started"]:
        context["suggestions"] = services.suggest_marraines(need)
    if marraine is not None:
        context["offer_form"] = OfferForm()
        context["feedback_form"] = MarraineFeedbackForm(
            initial={"feedback": mine.feedback if mine else ""}
        )
    return render(request, "mentorship/interventions/need.html", context)


def _back(need: InterventionNeed):
    return redirect("mentorship:need", pk=need.pk)


@login_required
@require_POST
def volunteer(request, pk):
    need = _access_need(request.user, pk)
    form = OfferForm(request.POST)
    note = form.cleaned_data["note"] if form.is_valid() else ""
    run_service(
        request,
        lambda: services.volunteer_offer(by=request.user, need=need, note=note),
        success=_("Thank you: the coordinators will confirm."),
    )
    return _back(need)


@login_required
@require_POST
def suggest(request, pk):
    need = _access_need(request.user, pk)
    if not is_coordinator(request.user, need.programme):
        raise Http404
    mentor = MentorProfile.objects.filter(
        pk=request.POST.get("mentor") if str(request.POST.get("mentor", "")).isdigit() else None
    ).first()
    if mentor is None:
        raise Http404
    run_service(
        request,
        lambda: services.volunteer_suggest(by=request.user, need=need, mentor=mentor),
        success=_("The marraine is invited."),
    )
    return _back(need)


def _volunteer(request, need: InterventionNeed, volunteer_id: int) -> Volunteer:
    return get_object_or_404(
        Volunteer.objects.select_related("mentor__user", "need__programme"),
        pk=volunteer_id,
        need=need,
    )


@login_required
@require_POST
def confirm(request, pk, volunteer_id):
    need = _access_need(request.user, pk)
    item = _volunteer(request, need, volunteer_id)
    run_service(
        request,
        lambda: services.volunteer_confirm(by=request.user, volunteer=item),
        success=_("Confirmed: the practical details were sent to her."),
    )
    return _back(need)


@login_required
@require_POST
def decline(request, pk, volunteer_id):
    need = _access_need(request.user, pk)
    item = _volunteer(request, need, volunteer_id)
    run_service(
        request,
        lambda: services.volunteer_decline(by=request.user, volunteer=item),
        success=_("Declined."),
    )
    return _back(need)


@login_required
@require_POST
def withdraw(request, pk, volunteer_id):
    need = _access_need(request.user, pk)
    item = _volunteer(request, need, volunteer_id)
    run_service(
        request,
        lambda: services.volunteer_withdraw(by=request.user, volunteer=item),
        success=_("You withdrew: the coordinators are told."),
    )
    return _back(need)


@login_required
@require_POST
def marraine_feedback(request, pk, volunteer_id):
    need = _access_need(request.user, pk)
    item = _volunteer(request, need, volunteer_id)
    form = MarraineFeedbackForm(request.POST)
    text = form.cleaned_data["feedback"] if form.is_valid() else request.POST.get("feedback", "")
    run_service(
        request,
        lambda: services.volunteer_feedback(by=request.user, volunteer=item, feedback=text),
        success=_("Thank you for your feedback."),
    )
    return _back(need)


@login_required
@require_POST
def host_feedback(request, pk):
    need = _access_need(request.user, pk)
    form = HostFeedbackForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return _back(need)
    run_service(
        request,
        lambda: services.need_feedback(
            by=request.user,
            need=need,
            pupils_reached=form.cleaned_data["pupils_reached"],
            feedback=form.cleaned_data["host_feedback"],
        ),
        success=_("Thank you: the intervention is recorded as held."),
    )
    return _back(need)


@login_required
@require_POST
def cancel(request, pk):
    need = _access_need(request.user, pk)
    run_service(
        request,
        lambda: services.need_cancel(by=request.user, need=need),
        success=_("The need is cancelled; the marraines are told."),
    )
    return _back(need)


urlpatterns = [
    path("interventions/needs/<int:pk>/", need, name="need"),
    path("interventions/needs/<int:pk>/volunteer/", volunteer, name="need_volunteer"),
    path("interventions/needs/<int:pk>/suggest/", suggest, name="need_suggest"),
    path("interventions/needs/<int:pk>/feedback/", host_feedback, name="need_feedback"),
    path("interventions/needs/<int:pk>/cancel/", cancel, name="need_cancel"),
    path(
        "interventions/needs/<int:pk>/volunteers/<int:volunteer_id>/confirm/",
        confirm,
        name="volunteer_confirm",
    ),
    path(
        "interventions/needs/<int:pk>/volunteers/<int:volunteer_id>/decline/",
        decline,
        name="volunteer_decline",
    ),
    path(
        "interventions/needs/<int:pk>/volunteers/<int:volunteer_id>/withdraw/",
        withdraw,
        name="volunteer_withdraw",
    ),
    path(
        "interventions/needs/<int:pk>/volunteers/<int:volunteer_id>/feedback/",
        marraine_feedback,
        name="volunteer_feedback",
    ),
    path("interventions/<slug:slug>/", needs, name="interventions"),
    path("interventions/<slug:slug>/needs/new/", need_new, name="need_new"),
]
