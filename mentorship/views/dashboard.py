"""The coordinators' dashboard of a programme: pending requests, unmatched mentees, sessions
held and hours, feedback, consents missing, contact details flagged and open safeguarding
reports. Only the programme's coordinators (and staff); anyone else gets a 404."""

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.urls import path

from mentorship import permissions, selectors
from mentorship.models import Programme


@login_required
def dashboard(request, slug: str):
    programme = get_object_or_404(Programme, slug=slug)
    if not permissions.is_coordinator(request.user, programme):
        raise Http404
    context = {"board": selectors.dashboard_for(programme), "programme": programme}
    if programme.kind == Programme.Kind.COHORT:
        from mentorship.services.cohorts import cohort_figures

        context["cohort_figures"] = cohort_figures(programme)
    elif programme.kind == Programme.Kind.INTERVENTIONS:
        from mentorship.services.interventions import intervention_figures

        context["intervention_figures"] = intervention_figures(programme)
    return render(request, "mentorship/dashboard.html", context)


urlpatterns = [
    path("programmes/<slug:slug>/dashboard/", dashboard, name="dashboard"),
]
