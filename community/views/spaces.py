from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from community import permissions, selectors, services
from community.forms import InviteForm, JoinRequestForm, SpaceForm
from community.models import Membership, Space, Theme

from ._helpers import paginate, partial_or_full, run_service


def space_list(request):
    query = request.GET.get("q", "").strip()[:100]
    theme = request.GET.get("theme", "")[:60]
    spaces = selectors.space_list(user=request.user, query=query, theme=theme)
    context = {
        "page": paginate(request, spaces),
        "query": query,
        "theme": theme,
        "themes": Theme.objects.all(),
        "can_create": permissions.can_create_space(request.user),
    }
    template = partial_or_full(
        request, "community/space_list.html", "community/partials/space_results.html"
    )
    return render(request, template, context)


def _space_context(request, space: Space) -> dict:
    user = request.user
    membership = selectors.membership_of(user, space)
    can_manage = permissions.can_manage_members(user, space)
    can_see_members = permissions.can_see_member_list(user, space)
    members = selectors.space_members(space=space, viewer=user) if can_see_members else None
    return {
        "space": space,
        "membership": membership,
        "can_manage": can_manage,
        "can_edit": permissions.can_edit_space(user, space),
        "can_see_members": can_see_members,
        "animators": list(
            selectors.space_members(space=space, viewer=user).exclude(role=Membership.Role.MEMBER)
        )
        if can_see_members
        else [],
        "members": members,
        "member_count": space.memberships.filter(state=Membership.State.ACTIVE).count(),
        "pending_count": selectors.pending_requests(space=space).count() if can_manage else 0,
        "join_form": JoinRequestForm(),
    }


def space_detail(request, slug):
    space = selectors.access_space(user=request.user, slug=slug)
    context = _space_context(request, space)
    context["themes"] = list(space.themes.all())
    context["members_preview"] = list(context["members"][:12]) if context["members"] else []
    return render(request, "community/space_detail.html", context)


@login_required
def space_members(request, slug):
    space = selectors.access_space(user=request.user, slug=slug)
    context = _space_context(request, space)
    if not context["can_see_members"]:
        raise Http404
    members = context["members"]
    if context["can_manage"]:
        # Managers act on every member, hidden profiles included.
        members = selectors.space_members(space=space, viewer=request.user, everyone=True)
    context["page"] = paginate(request, members, per_page=50)
    if context["can_manage"]:
        context["requests"] = selectors.pending_requests(space=space)
        context["invitations"] = selectors.pending_invitations(space=space)
        context["invite_form"] = InviteForm()
        context["roles"] = Membership.Role.choices
    return render(request, "community/space_members.html", context)


@login_required
def space_create(request):
    if not permissions.can_create_space(request.user):
        raise PermissionDenied(_("Only cluster animators can create spaces."))
    form = SpaceForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        created = {}

        def call():
            created["space"] = services.space_create(by=request.user, **form.cleaned_data)

        if run_service(request, call, form=form, success=_("The space is open.")):
            return redirect(created["space"])
    return render(request, "community/space_form.html", {"form": form})


@login_required
def space_edit(request, slug):
    space = selectors.access_space(user=request.user, slug=slug)
    if not permissions.can_edit_space(request.user, space):
        raise PermissionDenied(_("Only the space's animators can edit it."))
    form = SpaceForm(request.POST or None, request.FILES or None, instance=space)
    if request.method == "POST" and form.is_valid():
        # The form validated on `space` itself; the service re-reads and saves the row.
        fields = form.cleaned_data
        if run_service(
            request,
            lambda: services.space_update(by=request.user, space=space, **fields),
            form=form,
            success=_("The space was saved."),
        ):
            return redirect("community:space_detail", slug=fields["slug"])
    return render(request, "community/space_form.html", {"form": form, "space": space})


@require_POST
@login_required
def space_join(request, slug):
    space = selectors.access_space(user=request.user, slug=slug)
    form = JoinRequestForm(request.POST)
    if not form.is_valid():
        # Refuse the whole request rather than send it without its message.
        for errors in form.errors.values():
            for text in errors:
                messages.error(request, text)
        return redirect(space)
    message = form.cleaned_data["message"]
    result = {}

    def call():
        result["membership"] = services.space_join(space=space, user=request.user, message=message)

    if run_service(request, call):
        if result["membership"].is_active:
            messages.success(request, _("Welcome to %(space)s!") % {"space": space.name})
        else:
            messages.success(request, _("Your request was sent to the space's animators."))
    return redirect(space)


@require_POST
@login_required
def space_leave(request, slug):
    space = selectors.access_space(user=request.user, slug=slug)
    left = run_service(
        request,
        lambda: services.space_leave(space=space, user=request.user),
        success=_("You left %(space)s.") % {"space": space.name},
    )
    if left and not permissions.can_view_space(request.user, space):
        return redirect("community:space_list")
    return redirect(space)


def _membership_in(space: Space, membership_id: int) -> Membership:
    """A membership of this space only: an id from another space is not found."""
    return get_object_or_404(
        Membership.objects.select_related("user__profile", "space"), pk=membership_id, space=space
    )


@require_POST
@login_required
def membership_decide(request, slug, membership_id):
    space = selectors.access_space(user=request.user, slug=slug)
    membership = _membership_in(space, membership_id)
    decision = request.POST.get("decision")
    if decision not in ("approve", "decline"):
        messages.error(request, _("Choose to accept or decline the request."))
        return redirect("community:space_members", slug=space.slug)
    approve = decision == "approve"
    run_service(
        request,
        lambda: services.membership_decide(membership=membership, by=request.user, approve=approve),
        success=_("Request accepted.") if approve else _("Request declined."),
    )
    return redirect("community:space_members", slug=space.slug)


@require_POST
@login_required
def membership_remove(request, slug, membership_id):
    space = selectors.access_space(user=request.user, slug=slug)
    membership = _membership_in(space, membership_id)
    run_service(
        request,
        lambda: services.membership_remove(membership=membership, by=request.user),
        success=_("%(name)s was removed from the space.") % {"name": membership.user},
    )
    return redirect("community:space_members", slug=space.slug)


@require_POST
@login_required
def membership_role(request, slug, membership_id):
    space = selectors.access_space(user=request.user, slug=slug)
    membership = _membership_in(space, membership_id)
    run_service(
        request,
        lambda: services.membership_set_role(
            membership=membership, by=request.user, role=request.POST.get("role", "")
        ),
        success=_("The role was changed."),
    )
    return redirect("community:space_members", slug=space.slug)


@require_POST
@login_required
def space_invite(request, slug):
    space = selectors.access_space(user=request.user, slug=slug)
    form = InviteForm(request.POST)
    if form.is_valid():
        run_service(
            request,
            lambda: services.space_invite(
                space=space,
                by=request.user,
                email=form.cleaned_data["email"],
                role=form.cleaned_data["role"],
            ),
            form=form,
            success=_("The invitation was sent to %(email)s.")
            % {"email": form.cleaned_data["email"]},
        )
    for error in form.errors.values():
        for text in error:
            messages.error(request, text)
    return redirect("community:space_members", slug=space.slug)


def invitation_open(request, token):
    """The link from an invitation e-mail: sign up or in, then accept."""
    invitation = selectors.invitation_by_token(token)
    if not request.user.is_authenticated:
        request.session["pending_invitation"] = token
        return render(
            request,
            "community/invitation.html",
            {"invitation": invitation if invitation and invitation.is_pending else None},
        )
    if request.method == "POST":
        request.session.pop("pending_invitation", None)
        result = {}

        def call():
            result["membership"] = services.invitation_accept(token=token, user=request.user)

        if run_service(request, call):
            space = result["membership"].space
            messages.success(request, _("Welcome to %(space)s!") % {"space": space.name})
            return redirect(space)
        return redirect("community:dashboard")
    valid = invitation is not None and invitation.is_pending
    return render(
        request, "community/invitation.html", {"invitation": invitation if valid else None}
    )


@require_POST
@login_required
def invitation_decline(request, slug):
    space = selectors.invited_membership(user=request.user, slug=slug).space
    run_service(
        request,
        lambda: services.invitation_decline(space=space, user=request.user),
        success=_("Invitation declined."),
    )
    return redirect("community:dashboard")
