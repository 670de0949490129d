"""Chat pages (docs/chat.md). Each view parses, accesses (404 for a room one may not read),
calls one service and renders or redirects with a message. Every action works without
JavaScript (post, then redirect back); `static/js/chat.js` does the same over the socket."""

import uuid
from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from community.models import User
from community.selectors import access_profile, access_space
from community.views._helpers import run_service

from . import permissions, presence, selectors, services
from .forms import AddMembersForm, GroupForm, MessageForm, MuteForm, PreferencesForm, ReportForm
from .models import REACTION_LABELS, REACTIONS, ChatPreferences, Message, MessageReport, Room


def _page_size() -> int:
    return settings.CHAT["PAGE_SIZE"]


def _int(value) -> int | None:
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    return number if 0 <= number < 2**62 else None


def _access_message(user, message_id) -> Message:
    """The message if its room may be read by the user; 404 otherwise."""
    message = (
        Message.objects.select_related("room__space__cluster", "sender__profile")
        .filter(pk=_int(message_id) or 0)
        .first()
    )
    if message is None or not permissions.can_read_room(user, message.room):
        raise Http404
    return message


def _next_or(request, fallback: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return fallback


def _message_url(message: Message) -> str:
    return f"{message.room.get_absolute_url()}#m{message.seq}"


# --- Messages as shown ---------------------------------------------------------------------------


@dataclass
class ReactionView:
    code: str
    emoji: str
    count: int
    pressed: bool

    @property
    def label(self) -> str:
        return str(REACTION_LABELS[self.code])


@dataclass
class MessageView:
    message: Message
    mine: bool
    can_edit: bool
    reactions: list[ReactionView] = field(default_factory=list)

    @property
    def pk(self) -> int:
        return self.message.pk


def decorate(messages_, user) -> list[MessageView]:
    """What each message shows this reader: own or not, editable, reactions pressed."""
    window = timedelta(minutes=settings.CHAT["EDIT_WINDOW_MINUTES"])
    now = timezone.now()
    shown = []
    for message in messages_:
        mine = message.sender_id == user.pk
        users_by_code = selectors.reaction_users(message)
        shown.append(
            MessageView(
                message=message,
                mine=mine,
                can_edit=mine and not message.is_deleted and now - message.created_at <= window,
                reactions=[
                    ReactionView(code, emoji, len(users_by_code.get(code, [])), user.pk in users)
                    for code, emoji in REACTIONS.items()
                    for users in [users_by_code.get(code, [])]
                ],
            )
        )
    return shown


def js_strings() -> dict:
    """The sentences chat.js shows, translated here (passed with json_script)."""
    return {
        "pending": _("Sending…"),
        "sent": _("Sent"),
        "failed": _("Not sent: %(reason)s"),
        "retry": _("Try again"),
        "discard": _("Discard"),
        "deleted": _("This message was deleted."),
        "formerMember": _("Former member"),
        "confirmDelete": _("Delete this message?"),
        "editLabel": _("Edit your message"),
        "save": _("Save"),
        "cancel": _("Cancel"),
        "typingOne": _("%(name)s is typing…"),
        "typingTwo": _("%(first)s and %(second)s are typing…"),
        "typingMany": _("Several people are typing…"),
        "nobody": _("Nobody else right now."),
        "offline": _("You are offline: this will be done when the connection is back."),
        "lost": _("You can no longer read this room."),
        "error": _("This did not work. Try again."),
        "tooLong": _("Too long: %(count)s characters of %(max)s."),
        "roomChanged": _(
            "This conversation has changed (its members, or it was frozen): reload the page."
        ),
    }


def _room_context(request, room: Room, *, before: int | None = None, form=None) -> dict:
    user = request.user
    page, more = selectors.history(room, before=before, limit=_page_size())
    row = permissions.room_member(user, room)
    read = row.last_read_seq if row is not None else room.last_seq
    first_seq = page[0].seq if page else (before or room.last_seq + 1)
    return {
        "room": room,
        "label": selectors.room_label(user, room),
        "messages_shown": decorate(page, user),
        "more_before": more,
        "first_seq": first_seq,
        "last_seq": page[-1].seq if page else (before - 1 if before else room.last_seq),
        "archive": before is not None,
        "read_before": read,
        "muted": bool(row and row.muted),
        "muted_until": permissions.muted_until(user, room),
        "can_moderate": permissions.can_moderate_room(user, room),
        # Who else reads the room (a supervised mentorship conversation), from its policy.
        "room_notice": permissions.room_policy(room).notice(room),
        "report_concern": room.kind == Room.Kind.MENTORSHIP,
        "frozen": room.is_frozen,
        "members": selectors.room_members(room) if room.kind != Room.Kind.SPACE else [],
        "present": presence.present(room.pk),
        "form": form or MessageForm(initial={"client_id": uuid.uuid4().hex}),
        "reactions": [(code, emoji, REACTION_LABELS[code]) for code, emoji in REACTIONS.items()],
        "chat_strings": js_strings(),
        "chat_settings": {
            "maxChars": settings.CHAT["MESSAGE_MAX_CHARS"],
            "editWindowMinutes": settings.CHAT["EDIT_WINDOW_MINUTES"],
        },
    }


# --- Pages ---------------------------------------------------------------------------------------


@login_required
def room_list(request):
    query = request.GET.get("q", "").strip()[:200]
    rooms = selectors.rooms_for(request.user)
    labels = {summary.pk: summary.label for summary in rooms}
    hits = []
    if query:
        hits = [
            {"message": message, "label": labels.get(message.room_id, str(message.room))}
            for message in selectors.search(request.user, query)
        ]
    if request.htmx and not query:
        return render(request, "chat/partials/room_rows.html", {"rooms": rooms})
    return render(
        request,
        "chat/room_list.html",
        {"rooms": rooms, "query": query, "hits": hits, "searched": bool(query)},
    )


@login_required
def room_detail(request, room_id):
    room = selectors.access_room(user=request.user, room_id=room_id)
    before = _int(request.GET.get("before"))
    context = _room_context(request, room, before=before)
    if before is None and context["last_seq"] > context["read_before"]:
        # What the page shows is read (the page works without JavaScript too).
        services.room_mark_read(by=request.user, room=room, seq=context["last_seq"])
    template = "chat/partials/messages.html" if request.htmx else "chat/room.html"
    return render(request, template, context)


@login_required
def room_history(request, room_id):
    """Older messages: the fragment for htmx, the room page at that point otherwise."""
    room = selectors.access_room(user=request.user, room_id=room_id)
    before = _int(request.GET.get("before"))
    if not request.htmx:
        url = room.get_absolute_url()
        return redirect(f"{url}?before={before}" if before is not None else url)
    return render(
        request, "chat/partials/messages.html", _room_context(request, room, before=before)
    )


@login_required
def space_room(request, slug):
    """The room of a space, from the space's page."""
    space = access_space(user=request.user, slug=slug)
    room = services.space_room(space)
    room = selectors.access_room(user=request.user, room_id=room.pk)
    return redirect(room)


@require_POST
@login_required
def message_send(request, room_id):
    room = selectors.access_room(user=request.user, room_id=room_id)
    form = MessageForm(request.POST)
    sent = {}
    if form.is_valid():

        def call():
            sent["result"] = services.message_send(
                by=request.user,
                room=room,
                client_id=form.cleaned_data["client_id"],
                body=form.cleaned_data["body"],
            )

        if run_service(request, call, form=form):
            return redirect(_message_url(sent["result"].message))
    context = _room_context(request, room, form=form)
    return render(request, "chat/room.html", context, status=400)


@login_required
def message_edit(request, message_id):
    message = _access_message(request.user, message_id)
    if message.sender_id != request.user.pk or message.is_deleted:
        raise PermissionDenied(_("You can only edit your own messages."))
    form = MessageForm(
        request.POST or None, initial={"client_id": message.client_id, "body": message.body}
    )
    if (
        request.method == "POST"
        and form.is_valid()
        and run_service(
            request,
            lambda: services.message_edit(
                by=request.user, message=message, body=form.cleaned_data["body"]
            ),
            form=form,
            success=_("Your message is updated."),
        )
    ):
        return redirect(_message_url(message))
    return render(request, "chat/message_edit.html", {"form": form, "message": message})


@require_POST
@login_required
def message_delete(request, message_id):
    message = _access_message(request.user, message_id)
    run_service(
        request,
        lambda: services.message_delete(by=request.user, message=message),
        success=_("The message was deleted."),
    )
    return redirect(_next_or(request, _message_url(message)))


@require_POST
@login_required
def message_react(request, message_id):
    message = _access_message(request.user, message_id)
    code, _sep, on = request.POST.get("toggle", "").partition(":")
    if code not in REACTIONS or on not in ("0", "1"):
        messages.error(request, _("This reaction is not available."))
    else:
        run_service(
            request,
            lambda: services.reaction_set(
                by=request.user, message=message, emoji=code, on=on == "1"
            ),
        )
    return redirect(_message_url(message))


@login_required
def message_report(request, message_id):
    message = _access_message(request.user, message_id)
    form = ReportForm(request.POST or None)
    if (
        request.method == "POST"
        and form.is_valid()
        and run_service(
            request,
            lambda: services.message_report(
                by=request.user, message=message, reason=form.cleaned_data["reason"]
            ),
            form=form,
            success=_("Thank you: the moderators will review this message."),
        )
    ):
        return redirect(_message_url(message))
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "chat/report_form.html",
        {
            "form": form,
            "message": message,
            "label": selectors.room_label(request.user, message.room),
        },
        status=status,
    )


# --- Rooms ---------------------------------------------------------------------------------------


@require_POST
@login_required
def direct_start(request, profile_id):
    profile = access_profile(viewer=request.user, profile_id=profile_id)
    other = User.objects.filter(pk=profile.user_id).first()
    started = {}

    def call():
        started["room"] = services.room_start_direct(by=request.user, other=other)

    if other is not None and run_service(request, call):
        return redirect(started["room"])
    return redirect("community:profile_detail", profile_id=profile.pk)


@login_required
def group_create(request):
    form = GroupForm(request.POST or None, user=request.user)
    made = {}
    if request.method == "POST" and form.is_valid():

        def call():
            made["room"] = services.room_create_group(
                by=request.user,
                title=form.cleaned_data["title"],
                members=form.cleaned_data["members"],
            )

        if run_service(request, call, form=form, success=_("Your group is ready.")):
            return redirect(made["room"])
    status = 400 if request.method == "POST" else 200
    return render(request, "chat/group_form.html", {"form": form}, status=status)


@login_required
def room_members(request, room_id):
    room = selectors.access_room(user=request.user, room_id=room_id)
    if room.kind == Room.Kind.SPACE:
        return redirect("community:space_members", slug=room.space.slug)
    members = selectors.room_members(room)
    form = None
    if room.kind == Room.Kind.GROUP:
        form = AddMembersForm(
            request.POST or None, user=request.user, current_users=[p.user_id for p in members]
        )
        if (
            request.method == "POST"
            and form.is_valid()
            and run_service(
                request,
                lambda: services.room_add_members(
                    by=request.user, room=room, members=form.cleaned_data["members"]
                ),
                form=form,
                success=_("They are in the group now."),
            )
        ):
            return redirect("chat:members", room_id=room.pk)
    elif request.method == "POST":
        messages.error(request, _("Only group conversations take new members."))
        return redirect("chat:members", room_id=room.pk)
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "chat/members.html",
        {
            "room": room,
            "label": selectors.room_label(request.user, room),
            "members": members,
            "form": form,
        },
        status=status,
    )


@require_POST
@login_required
def room_leave(request, room_id):
    room = selectors.access_room(user=request.user, room_id=room_id)
    if run_service(
        request,
        lambda: services.room_leave(by=request.user, room=room),
        success=_("You left the group."),
    ):
        return redirect("chat:room_list")
    return redirect(room)


@require_POST
@login_required
def room_mute(request, room_id):
    room = selectors.access_room(user=request.user, room_id=room_id)
    muted = request.POST.get("muted") == "1"
    run_service(
        request,
        lambda: services.room_set_muted(by=request.user, room=room, muted=muted),
        success=_("This room is muted.") if muted else _("This room is no longer muted."),
    )
    return redirect(_next_or(request, room.get_absolute_url()))


# --- Moderation ----------------------------------------------------------------------------------


@login_required
def room_reports(request, room_id):
    room = selectors.access_room(user=request.user, room_id=room_id)
    permissions.check_moderate_room(request.user, room)
    return render(
        request,
        "chat/reports.html",
        {
            "room": room,
            "label": selectors.room_label(request.user, room),
            "reports": list(selectors.open_reports(room)),
            "mute_form": MuteForm(),
        },
    )


@require_POST
@login_required
def member_mute(request, room_id):
    room = selectors.access_room(user=request.user, room_id=room_id)
    form = MuteForm(request.POST)
    back = _next_or(request, room.get_absolute_url())
    target = None
    if form.is_valid():
        target = User.objects.filter(pk=form.cleaned_data["user"]).first()
    if target is None:
        messages.error(request, _("Choose whom to mute and for how long."))
        return redirect(back)
    run_service(
        request,
        lambda: services.member_mute(
            by=request.user,
            room=room,
            user=target,
            minutes=form.cleaned_data["minutes"],
            reason=form.cleaned_data["reason"],
        ),
        success=_("%(name)s is muted in this room.") % {"name": selectors.public_name(target)},
    )
    return redirect(back)


@require_POST
@login_required
def report_dismiss(request, report_id):
    report = (
        MessageReport.objects.select_related("message__room__space__cluster")
        .filter(pk=_int(report_id) or 0)
        .first()
    )
    if report is None or not permissions.can_read_room(request.user, report.message.room):
        raise Http404
    room = report.message.room
    run_service(
        request,
        lambda: services.report_dismiss(by=request.user, report=report),
        success=_("The report is dismissed."),
    )
    return redirect(_next_or(request, reverse("chat:reports", kwargs={"room_id": room.pk})))


# --- Preferences ---------------------------------------------------------------------------------


@login_required
def preferences(request):
    current = ChatPreferences.objects.filter(user=request.user).first()
    initial = {
        "share_presence": current.share_presence if current else True,
        "share_typing": current.share_typing if current else True,
    }
    form = PreferencesForm(request.POST or None, initial=initial)
    if (
        request.method == "POST"
        and form.is_valid()
        and run_service(
            request,
            lambda: services.preferences_update(user=request.user, **form.cleaned_data),
            success=_("Your chat preferences are saved."),
        )
    ):
        return redirect("chat:preferences")
    return render(request, "chat/preferences.html", {"form": form})
