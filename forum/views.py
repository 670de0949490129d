"""Forum pages. Each view parses, accesses (404 for what one may not see), calls one service and
renders or redirects. Action forms work without JavaScript (post, then redirect back); htmx
requests get the fragment they swap in."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from community.models import Space, Theme
from community.permissions import can_view_space
from community.selectors import access_space, spaces_visible_to
from community.views._helpers import paginate, run_service

from . import permissions, selectors, services
from .forms import (
    ImageForm,
    ModerationReasonForm,
    MoveForm,
    ReplyForm,
    ReportForm,
    TopicEditForm,
    TopicForm,
)
from .models import Image, Post, Topic

SORTS = ("date", "votes")


def _filters_from(request, **extra) -> selectors.TopicFilters:
    get = request.GET
    return selectors.TopicFilters(
        show=get.get("show", "")[:20],
        theme=get.get("theme", "")[:60],
        status=get.get("status", "")[:20],
        kind=get.get("kind", "")[:20],
        spaces=get.get("spaces", "")[:10],
        **extra,
    )


def _list_context(request, topics, filters) -> dict:
    page = paginate(request, topics, per_page=selectors.PAGE_SIZE)
    page.object_list = selectors.decorate_topics(page.object_list, user=request.user)
    return {
        "page": page,
        "filters": filters,
        "themes": Theme.objects.all(),
        "statuses": Topic.Status.choices,
        "kinds": Topic.Kind.choices,
    }


def topic_index(request):
    """Topics across every space I may read, or only my spaces, with filters."""
    filters = _filters_from(request)
    topics = selectors.topic_list(user=request.user, filters=filters)
    context = _list_context(request, topics, filters)
    template = "forum/partials/topic_rows.html" if request.htmx else "forum/topic_index.html"
    return render(request, template, context)


def space_forum(request, slug):
    space = access_space(user=request.user, slug=slug)
    filters = _filters_from(request, space=space)
    topics = selectors.topic_list(user=request.user, filters=filters)
    context = _list_context(request, topics, filters)
    roles = selectors.roles_of(request.user)
    context.update(
        space=space,
        can_post=permissions.can_post_in(request.user, space),
        can_moderate=roles.moderates(space.pk),
        following_space=request.user.is_authenticated
        and request.user.forum_follows.filter(space=space).exists(),
    )
    if context["can_moderate"]:
        context["open_reports"] = selectors.open_report_count(space=space)
    template = "forum/partials/topic_rows.html" if request.htmx else "forum/space_forum.html"
    return render(request, template, context)


@login_required
def waiting(request):
    roles = selectors.roles_of(request.user)
    if not (roles.staff or roles.moderated):
        raise PermissionDenied(_("This view is for the spaces' moderators and animators."))
    page = paginate(request, selectors.waiting_questions(user=request.user), per_page=50)
    page.object_list = selectors.decorate_topics(page.object_list, user=request.user)
    return render(request, "forum/waiting.html", {"page": page})


def search(request):
    get = request.GET
    query = get.get("q", "").strip()[:200]
    filters = selectors.SearchFilters(
        space=get.get("space", "")[:80],
        theme=get.get("theme", "")[:60],
        status=get.get("status", "")[:20],
        answered=get.get("answered", "")[:5],
    )
    hits = selectors.search(user=request.user, query=query, filters=filters) if query else []
    context = {
        "query": query,
        "filters": filters,
        "hits": hits,
        "spaces": spaces_visible_to(request.user).order_by("name"),
        "themes": Theme.objects.all(),
        "statuses": Topic.Status.choices,
    }
    template = "forum/partials/search_results.html" if request.htmx else "forum/search.html"
    return render(request, template, context)


def similar(request):
    """Suggestions while a new question's title is typed (htmx)."""
    title = request.GET.get("title", "")[:200]
    topics = selectors.similar_topics(user=request.user, title=title)
    return render(request, "forum/partials/similar.html", {"similar": topics})


@login_required
def topic_create(request, slug):
    space = access_space(user=request.user, slug=slug)
    if not permissions.can_post_in(request.user, space):
        raise PermissionDenied(_("Only the space's members can write in its forum."))
    can_announce = permissions.can_announce(request.user, space)
    form = TopicForm(request.POST or None, can_announce=can_announce)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        created = {}

        def call():
            created["topic"] = services.topic_create(
                author=request.user,
                space=space,
                title=data["title"],
                body=data["body"],
                kind=data["kind"],
                themes=data["themes"],
                tags=data["tags"],
                pseudonym=data["pseudonym"],
            )

        if run_service(request, call, form=form, success=_("Your topic is online.")):
            return redirect(created["topic"])
    return render(request, "forum/topic_form.html", {"form": form, "space": space})


def _topic_context(request, topic: Topic) -> dict:
    sort = request.GET.get("sort", "date")
    data = selectors.topic_page(
        user=request.user,
        topic=topic,
        sort=sort if sort in SORTS else "date",
        page_number=request.GET.get("page"),
    )
    user = request.user
    return {
        "topic": topic,
        "space": topic.space,
        "data": data,
        "opening": data.opening,
        "posts": data.posts,
        "page": data.page,
        "sort": data.sort,
        "themes": list(topic.themes.all()),
        "tags": list(topic.tags.all()),
        "can_reply": permissions.can_reply(user, topic),
        "can_post": permissions.can_post_in(user, topic.space),
        "can_moderate": data.roles.moderates(topic.space_id),
        "can_change_status": permissions.can_change_status(user, topic),
        "can_accept": permissions.can_accept_answer(user, topic),
        "reply_form": ReplyForm(),
    }


def topic_detail(request, topic_id):
    topic = selectors.access_topic(user=request.user, topic_id=topic_id)
    context = _topic_context(request, topic)
    # The "new since your last visit" line is drawn from the state before this visit; the
    # visit counts as read up to the last post the page shows.
    _mark_shown_read(request, context)
    return render(request, "forum/topic_detail.html", context)


def topic_body(request, topic_id):
    """The live part of a topic page, refetched after a missed event or a reconnect."""
    topic = selectors.access_topic(user=request.user, topic_id=topic_id)
    context = _topic_context(request, topic)
    _mark_shown_read(request, context)
    return render(request, "forum/partials/topic_body.html", context)


def _mark_shown_read(request, context) -> None:
    shown = [post.number for post in context["posts"]]
    if context["opening"] is not None:
        shown.append(1)
    if shown:
        services.topic_mark_read(user=request.user, topic=context["topic"], number=max(shown))


def post_fragment(request, post_id):
    """One post as the viewer may see it (the page fetches it when the socket says it changed)."""
    post = selectors.access_post(user=request.user, post_id=post_id)
    post = selectors.post_fragment(user=request.user, post=post)
    topic = post.topic
    return render(
        request,
        "forum/partials/post.html",
        {
            "post": post,
            "topic": topic,
            "can_moderate": selectors.roles_of(request.user).moderates(topic.space_id),
        },
    )


def _back(post_or_topic) -> str:
    return post_or_topic.get_absolute_url()


def _answer(request, post: Post):
    """After an action on a post: its fresh fragment for htmx, else back to the topic."""
    if request.htmx:
        post = selectors.access_post(user=request.user, post_id=post.pk)
        return post_fragment(request, post.pk)
    return redirect(_back(post))


@require_POST
@login_required
def reply(request, topic_id):
    topic = selectors.access_topic(user=request.user, topic_id=topic_id)
    form = ReplyForm(request.POST)
    created = {}
    if form.is_valid():

        def call():
            created["post"] = services.post_create(
                author=request.user, topic=topic, body=form.cleaned_data["body"]
            )

        if run_service(request, call, form=form, success=_("Your reply is online.")):
            return redirect(created["post"].get_absolute_url())
    context = _topic_context(request, topic)
    context["reply_form"] = form
    return render(request, "forum/topic_detail.html", context, status=400)


@login_required
def post_edit(request, post_id):
    post = selectors.access_post(user=request.user, post_id=post_id)
    if not permissions.can_edit_post(request.user, post):
        raise PermissionDenied(_("You cannot edit this message."))
    topic = post.topic
    opening = post.number == 1
    initial = {"body": post.body}
    form_class = TopicEditForm if opening else ReplyForm
    if opening:
        initial.update(
            title=topic.title,
            themes=list(topic.themes.all()),
            tags=", ".join(tag.name for tag in topic.tags.all()),
        )
    form = form_class(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        extra = (
            {"title": data["title"], "themes": data["themes"], "tags": data["tags"]}
            if opening
            else {}
        )
        if run_service(
            request,
            lambda: services.post_edit(by=request.user, post=post, body=data["body"], **extra),
            form=form,
            success=_("Your changes are saved."),
        ):
            return redirect(_back(post))
    return render(request, "forum/post_form.html", {"form": form, "post": post, "topic": topic})


@require_POST
@login_required
def post_delete(request, post_id):
    post = selectors.access_post(user=request.user, post_id=post_id)
    if (
        run_service(
            request,
            lambda: services.post_delete(by=request.user, post=post),
            success=_("The message was deleted."),
        )
        and post.number == 1
    ):
        return redirect("forum:space_forum", slug=post.topic.space.slug)
    return redirect(_back(post))


@require_POST
@login_required
def post_vote(request, post_id):
    post = selectors.access_post(user=request.user, post_id=post_id)
    if request.POST.get("action") == "withdraw":
        run_service(request, lambda: services.vote_withdraw(user=request.user, post=post))
    else:
        run_service(request, lambda: services.vote_cast(user=request.user, post=post))
    return _answer(request, post)


@require_POST
@login_required
def post_accept(request, post_id):
    post = selectors.access_post(user=request.user, post_id=post_id)
    if request.POST.get("action") == "unaccept":
        run_service(
            request,
            lambda: services.answer_unaccept(by=request.user, topic=post.topic),
            success=_("The answer is no longer marked accepted."),
        )
    else:
        run_service(
            request,
            lambda: services.answer_accept(by=request.user, post=post),
            success=_("The answer is marked accepted."),
        )
    return redirect(_back(post))


@require_POST
@login_required
def post_validate(request, post_id):
    post = selectors.access_post(user=request.user, post_id=post_id)
    validated = request.POST.get("action") != "unvalidate"
    run_service(
        request,
        lambda: services.post_validate(by=request.user, post=post, validated=validated),
        success=_("Saved."),
    )
    return redirect(_back(post))


@login_required
def post_report(request, post_id):
    post = selectors.access_post(user=request.user, post_id=post_id)
    if not permissions.can_report(request.user, post):
        raise PermissionDenied(_("You cannot report this message."))
    form = ReportForm(request.POST or None)
    if (
        request.method == "POST"
        and form.is_valid()
        and run_service(
            request,
            lambda: services.report_create(
                reporter=request.user,
                post=post,
                reason=form.cleaned_data["reason"],
                comment=form.cleaned_data["comment"],
            ),
            form=form,
            success=_("Thank you: the moderators will review this message."),
        )
    ):
        return redirect(_back(post))
    post = selectors.post_fragment(user=request.user, post=post)
    return render(request, "forum/report_form.html", {"form": form, "post": post})


@require_POST
@login_required
def post_moderate(request, post_id):
    post = selectors.access_post(user=request.user, post_id=post_id)
    form = ModerationReasonForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    action = request.POST.get("action")
    calls = {
        "hide": (
            lambda: services.post_hide(by=request.user, post=post, reason=reason),
            _("The message is hidden."),
        ),
        "unhide": (
            lambda: services.post_unhide(by=request.user, post=post, reason=reason),
            _("The message is shown again."),
        ),
        "dismiss": (
            lambda: services.report_dismiss(by=request.user, post=post),
            _("The reports are dismissed."),
        ),
    }
    if action not in calls:
        messages.error(request, _("Unknown action."))
    else:
        call, success = calls[action]
        run_service(request, call, success=success)
    return redirect(request.POST.get("next") if _safe_next(request) else _back(post))


def _safe_next(request) -> bool:
    from django.utils.http import url_has_allowed_host_and_scheme

    target = request.POST.get("next")
    return bool(target) and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )


@login_required
def post_history(request, post_id):
    post = selectors.access_post(user=request.user, post_id=post_id)
    if not permissions.can_moderate(request.user, post.topic.space):
        raise Http404
    post = selectors.post_fragment(user=request.user, post=post)
    return render(
        request,
        "forum/post_history.html",
        {"post": post, "topic": post.topic, "revisions": selectors.post_history(post=post)},
    )


@require_POST
@login_required
def topic_status(request, topic_id):
    topic = selectors.access_topic(user=request.user, topic_id=topic_id)
    status = request.POST.get("status", "")
    run_service(
        request,
        lambda: services.topic_set_status(by=request.user, topic=topic, status=status),
        success=_("The topic is closed.")
        if status == Topic.Status.CLOSED
        else _("The topic is open again."),
    )
    return redirect(topic)


@require_POST
@login_required
def topic_follow(request, topic_id):
    topic = selectors.access_topic(user=request.user, topic_id=topic_id)
    on = request.POST.get("on") == "1"
    run_service(
        request,
        lambda: services.follow_set(user=request.user, topic=topic, on=on),
        success=_("You follow this topic.") if on else _("You no longer follow this topic."),
    )
    return redirect(topic)


@require_POST
@login_required
def space_follow(request, slug):
    space = access_space(user=request.user, slug=slug)
    on = request.POST.get("on") == "1"
    run_service(
        request,
        lambda: services.follow_set(user=request.user, space=space, on=on),
        success=_("You follow this space's forum.")
        if on
        else _("You no longer follow this space's forum."),
    )
    return redirect("forum:space_forum", slug=space.slug)


@require_POST
@login_required
def topic_moderate(request, topic_id):
    topic = selectors.access_topic(user=request.user, topic_id=topic_id)
    form = ModerationReasonForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    action = request.POST.get("action")
    calls = {
        "lock": lambda: services.topic_lock(
            by=request.user, topic=topic, locked=True, reason=reason
        ),
        "unlock": lambda: services.topic_lock(
            by=request.user, topic=topic, locked=False, reason=reason
        ),
        "pin": lambda: services.topic_pin(by=request.user, topic=topic, pinned=True),
        "unpin": lambda: services.topic_pin(by=request.user, topic=topic, pinned=False),
    }
    if action not in calls:
        messages.error(request, _("Unknown action."))
    else:
        run_service(request, calls[action], success=_("Saved."))
    return redirect(topic)


@login_required
def topic_move(request, topic_id):
    topic = selectors.access_topic(user=request.user, topic_id=topic_id)
    if not permissions.can_moderate(request.user, topic.space):
        raise PermissionDenied(_("Only the space's moderators and animators can do this."))
    roles = selectors.roles_of(request.user)
    spaces = Space.objects.exclude(pk=topic.space_id).order_by("name")
    # Offered: the spaces one moderates. Any other space posted by hand reaches the service,
    # which refuses it with its reason.
    offered = spaces if roles.staff else spaces.filter(pk__in=roles.moderated)
    form = MoveForm(request.POST or None, spaces=spaces if request.method == "POST" else offered)
    if request.method == "POST" and form.is_valid():
        if run_service(
            request,
            lambda: services.topic_move(
                by=request.user,
                topic=topic,
                to_space=form.cleaned_data["to_space"],
                reason=form.cleaned_data["reason"],
            ),
            form=form,
            success=_("The topic was moved."),
        ):
            return redirect(topic)
        form.fields["to_space"].queryset = offered
    return render(request, "forum/topic_move.html", {"form": form, "topic": topic})


@login_required
def reports(request, slug):
    space = access_space(user=request.user, slug=slug)
    if not permissions.can_moderate(request.user, space):
        raise Http404
    page = paginate(request, selectors.reports_queue(space=space), per_page=30)
    roles = selectors.roles_of(request.user)
    for post in page.object_list:
        selectors.decorate_post(post, topic=post.topic, user=request.user, roles=roles, voted=set())
    return render(request, "forum/reports.html", {"space": space, "page": page})


@login_required
def moderation_log(request, slug):
    space = access_space(user=request.user, slug=slug)
    if not permissions.can_moderate(request.user, space):
        raise Http404
    page = paginate(request, selectors.moderation_log(space=space), per_page=50)
    return render(request, "forum/moderation_log.html", {"space": space, "page": page})


@login_required
def mentions(request, slug):
    """Autocomplete for @mentions: the space's members only, for those who may write there."""
    space = access_space(user=request.user, slug=slug)
    if not permissions.can_post_in(request.user, space):
        return JsonResponse({"results": []})
    people = selectors.mention_candidates(space=space, prefix=request.GET.get("q", ""))
    return JsonResponse({"results": [{"handle": p.handle, "name": p.display_name} for p in people]})


@require_POST
@login_required
def image_upload(request, slug):
    space = access_space(user=request.user, slug=slug)
    form = ImageForm(request.POST, request.FILES)
    if not form.is_valid():
        return JsonResponse({"error": " ".join(form.errors.get("file", []))}, status=400)
    try:
        image = services.image_upload(by=request.user, space=space, file=form.cleaned_data["file"])
    except services.ValidationError as error:
        return JsonResponse({"error": " ".join(error.messages)}, status=400)
    except PermissionDenied as error:
        return JsonResponse({"error": str(error)}, status=403)
    return JsonResponse(
        {"url": image.get_absolute_url(), "markdown": f"![]({image.get_absolute_url()})"}
    )


def image(request, key):
    """An uploaded image, for those who may read its space (a private space's stay private)."""
    image = get_object_or_404(Image.objects.select_related("space__cluster"), key=key)
    if not can_view_space(request.user, image.space):
        raise Http404
    response = FileResponse(image.file.open("rb"))
    response["Cache-Control"] = "private, max-age=3600"
    response["X-Content-Type-Options"] = "nosniff"
    return response
