from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from community import notifications, permissions, selectors, services
from community.forms import ClusterForm, DirectoryFilterForm, OrganisationForm, ProfileForm
from community.models import Language, Organisation, Role, Sector, Theme
from community.selectors import DirectoryFilters, ProfileView

from ._helpers import paginate, partial_or_full, run_service


@login_required
def dashboard(request):
    user = request.user
    context = {
        "spaces": selectors.my_spaces(user),
        "invitations": selectors.invitations_for(user),
        "notifications": [
            (n, notifications.render(n)) for n in notifications.notifications_for(user)[:5]
        ],
    }
    return render(request, "community/dashboard.html", context)


@login_required
def directory(request):
    vocabularies = {
        "theme": list(Theme.objects.all()),
        "sector": list(Sector.objects.all()),
        "role": list(Role.objects.all()),
        "language": list(Language.objects.all()),
    }
    form = DirectoryFilterForm(request.GET or None, vocabularies=vocabularies)
    filters = DirectoryFilters()
    if form.is_valid():
        data = form.cleaned_data
        filters = DirectoryFilters(
            query=data["q"].strip(),
            theme=data["theme"],
            sector=data["sector"],
            region=data["region"].strip(),
            role=data["role"],
            language=data["language"],
        )
    profiles = selectors.directory(viewer=request.user, filters=filters)
    page = paginate(request, profiles)
    page.object_list = [ProfileView(profile, request.user) for profile in page.object_list]
    template = partial_or_full(
        request, "community/directory.html", "community/partials/directory_results.html"
    )
    return render(request, template, {"form": form, "page": page})


@login_required
def profile_detail(request, profile_id):
    profile = selectors.access_profile(viewer=request.user, profile_id=profile_id)
    return render(request, "community/profile_detail.html", {"profile": profile})


@login_required
def profile_edit(request):
    # Accounts made outside the sign-up form (createsuperuser) get their profile here.
    profile = getattr(request.user, "profile", None) or services.profile_create(
        user=request.user, display_name=request.user.email.split("@")[0]
    )
    form = ProfileForm(request.POST or None, request.FILES or None, instance=profile)
    if (
        request.method == "POST"
        and form.is_valid()
        and run_service(
            request,
            lambda: services.profile_update(by=request.user, profile=profile, **form.cleaned_data),
            form=form,
            success=_("Your profile was saved."),
        )
    ):
        return redirect("community:profile_detail", profile_id=profile.pk)
    return render(request, "community/profile_form.html", {"form": form})


def organisation_list(request):
    query = request.GET.get("q", "").strip()[:100]
    kind = request.GET.get("kind", "")[:20]
    organisations = selectors.organisation_list(query=query, kind=kind)
    context = {
        "page": paginate(request, organisations),
        "query": query,
        "kind": kind,
        "kinds": Organisation.Kind.choices,
    }
    return render(request, "community/organisation_list.html", context)


def organisation_detail(request, slug):
    organisation = selectors.access_organisation(slug=slug)
    members = selectors.organisation_members(organisation=organisation, viewer=request.user)
    context = {
        "organisation": organisation,
        # Named only to those the referent lets see their profile and their employer.
        "referent": members.filter(user_id=organisation.equality_referent_id).first()
        if organisation.equality_referent_id
        else None,
        "members": members[:60],
        "clusters": organisation.clusters.all(),
        "can_edit": permissions.can_edit_organisation(request.user, organisation),
    }
    return render(request, "community/organisation_detail.html", context)


@login_required
def organisation_create(request):
    form = OrganisationForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        created = {}

        def call():
            created["organisation"] = services.organisation_create(
                by=request.user, **form.cleaned_data
            )

        if run_service(request, call, form=form, success=_("The organisation was added.")):
            return redirect(created["organisation"])
    return render(request, "community/organisation_form.html", {"form": form})


@login_required
def organisation_edit(request, slug):
    organisation = selectors.access_organisation(slug=slug)
    if not permissions.can_edit_organisation(request.user, organisation):
        raise PermissionDenied
    form = OrganisationForm(request.POST or None, instance=organisation, user=request.user)
    if request.method == "POST" and form.is_valid():
        fields = form.cleaned_data
        if run_service(
            request,
            lambda: services.organisation_update(
                by=request.user, organisation=organisation, **fields
            ),
            form=form,
            success=_("The organisation was saved."),
        ):
            return redirect("community:organisation_detail", slug=fields["slug"])
    context = {"form": form, "organisation": organisation}
    return render(request, "community/organisation_form.html", context)


def cluster_list(request):
    return render(request, "community/cluster_list.html", {"clusters": selectors.cluster_list()})


def cluster_detail(request, slug):
    cluster = selectors.access_cluster(slug=slug)
    context = {
        "cluster": cluster,
        "animators": selectors.profiles_visible_to(request.user).filter(
            user__animated_clusters=cluster
        ),
        "spaces": selectors.spaces_visible_to(request.user).filter(cluster=cluster),
        "can_edit": permissions.can_edit_cluster(request.user, cluster),
    }
    return render(request, "community/cluster_detail.html", context)


@login_required
def cluster_edit(request, slug):
    cluster = selectors.access_cluster(slug=slug)
    if not permissions.can_edit_cluster(request.user, cluster):
        raise PermissionDenied
    form = ClusterForm(request.POST or None, request.FILES or None, instance=cluster)
    if request.method == "POST" and form.is_valid():
        fields = form.cleaned_data
        if run_service(
            request,
            lambda: services.cluster_update(by=request.user, cluster=cluster, **fields),
            form=form,
            success=_("The cluster was saved."),
        ):
            return redirect("community:cluster_detail", slug=fields["slug"])
    return render(request, "community/cluster_form.html", {"form": form, "cluster": cluster})
