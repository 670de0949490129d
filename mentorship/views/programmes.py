"""The programmes: the list, a programme's page, creating and editing one, enrolling as a
mentee and joining as a mentor."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from community.views._helpers import run_service
from mentorship import permissions, selectors
from mentorship.forms_programmes import ProgrammeForm
from mentorship.models import Enrolment, Programme, ProgrammeMentor
from mentorship.services import programmes as services


def programme_list(request):
    user = request.user
    return render(
        request,
        "mentorship/programme_list.html",
        {
            "programmes": selectors.programmes_listed(),
            "mentor": permissions.mentor_of(user),
            "mentee": permissions.mentee_of(user),
            "can_create": services.can_create_programme(user)
            or (user.is_authenticated and user.animated_clusters.exists()),
        },
    )


def programme_detail(request, slug: str):
    programme = get_object_or_404(
        Programme.objects.select_related("cluster", "safeguarding_lead__profile"), slug=slug
    )
    user = request.user
    mentor = permissions.mentor_of(user)
    mentee = permissions.mentee_of(user)
    enrolment = (
        Enrolment.objects.filter(programme=programme, mentee=mentee).first() if mentee else None
    )
    joined = (
        ProgrammeMentor.objects.filter(programme=programme, mentor=mentor).exists()
        if mentor
        else False
    )
    return render(
        request,
        "mentorship/programme_detail.html",
        {
            "programme": programme,
            "coordinators": list(programme.coordinators.select_related("profile")),
            "is_coordinator": permissions.is_coordinator(user, programme),
            "mentor": mentor,
            "mentee": mentee,
            "enrolment": enrolment,
            "joined": joined,
            "places_left": max(
                programme.capacity
                - programme.enrolments.filter(status=Enrolment.Status.ACTIVE).count(),
                0,
            ),
        },
    )


@login_required
def programme_create(request):
    form = ProgrammeForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        result = {}

        def create():
            result["programme"] = services.programme_create(
                by=request.user,
                coordinators=form.cleaned_data["coordinator_emails"],
                **form.service_fields(),
            )

        if run_service(request, create, form=form, success=_("The programme is created.")):
            return redirect(result["programme"].get_absolute_url())
    return render(request, "mentorship/programme_form.html", {"form": form})


@login_required
def programme_edit(request, slug: str):
    programme = get_object_or_404(Programme, slug=slug)
    if not permissions.is_coordinator(request.user, programme):
        raise PermissionDenied(_("Only the programme's coordinators can do this."))
    form = ProgrammeForm(request.POST or None, instance=programme, user=request.user)
    if request.method == "POST" and form.is_valid():

        def update():
            services.programme_update(
                by=request.user,
                programme=Programme.objects.get(pk=programme.pk),
                coordinators=[request.user, *form.cleaned_data["coordinator_emails"]],
                **form.service_fields(),
            )

        if run_service(request, update, form=form, success=_("The programme is saved.")):
            return redirect(reverse("mentorship:programme", args=[form.instance.slug]))
    return render(request, "mentorship/programme_form.html", {"form": form, "programme": programme})


@login_required
@require_POST
def programme_enrol(request, slug: str):
    programme = get_object_or_404(Programme, slug=slug)
    mentee = permissions.mentee_of(request.user)
    if mentee is None:
        messages.info(request, _("Tell us about yourself first: your goals and your age."))
        return redirect(
            reverse("mentorship:mentee_profile") + f"?next={programme.get_absolute_url()}"
        )
    run_service(
        request,
        lambda: services.enrolment_create(by=request.user, programme=programme, mentee=mentee),
        success=_("You take part in %(programme)s.") % {"programme": programme},
    )
    return redirect(programme.get_absolute_url())


@login_required
@require_POST
def programme_leave(request, slug: str):
    programme = get_object_or_404(Programme, slug=slug)
    mentee = permissions.mentee_of(request.user)
    enrolment = get_object_or_404(Enrolment, programme=programme, mentee=mentee)
    run_service(
        request,
        lambda: services.enrolment_leave(by=request.user, enrolment=enrolment),
        success=_("You left the programme."),
    )
    return redirect(programme.get_absolute_url())


@login_required
@require_POST
def programme_mentor_join(request, slug: str):
    programme = get_object_or_404(Programme, slug=slug)
    mentor = permissions.mentor_of(request.user)
    if mentor is None:
        messages.info(request, _("Describe what you can offer as a mentor first."))
        return redirect(
            reverse("mentorship:mentor_profile") + f"?next={programme.get_absolute_url()}"
        )
    run_service(
        request,
        lambda: services.programme_mentor_join(by=request.user, programme=programme, mentor=mentor),
        success=_("You are a mentor of %(programme)s.") % {"programme": programme},
    )
    return redirect(programme.get_absolute_url())


urlpatterns = [
    path("", programme_list, name="programme_list"),
    path("programmes/new/", programme_create, name="programme_create"),
    path("programmes/<slug:slug>/", programme_detail, name="programme"),
    path("programmes/<slug:slug>/edit/", programme_edit, name="programme_edit"),
    path("programmes/<slug:slug>/enrol/", programme_enrol, name="programme_enrol"),
    path("programmes/<slug:slug>/leave/", programme_leave, name="programme_leave"),
    path("programmes/<slug:slug>/mentor/", programme_mentor_join, name="programme_mentor_join"),
]
