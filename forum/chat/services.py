"""Every write of the chat: rooms, messages, reactions, read markers, reports, moderation.

Each service checks permission itself, validates, owns its transaction and publishes after
commit. A message is stored first (with the next number of its room, the room row locked) and
broadcast only once the transaction has committed; the database stays the truth and the
socket only carries news. Events on `room:<id>` carry the message as the room's members see it;
only sockets allowed to read the room follow that stream.
"""

import functools
import re
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from community import realtime
from community.models import Space, User
from community.notifications import notification_send
from community.permissions import check_signed_in, forget_memberships
from community.services._common import refuse
from forum.markdown import mentioned_handles, render_chat

from . import permissions, selectors
from .models import (
    CLIENT_ID_MAX,
    REACTIONS,
    ChatPreferences,
    MemberMute,
    Message,
    MessageReport,
    ModerationAction,
    Reaction,
    Room,
    RoomMember,
)

CLIENT_ID = re.compile(rf"^[A-Za-z0-9_.:-]{{1,{CLIENT_ID_MAX}}}$")
TITLE_MAX = 120
REASON_MAX = 500


def chat_settings() -> dict:
    return settings.CHAT


def room_group(room_id: int) -> str:
    return f"chat.room.{room_id}"


def inbox_group(user_id: int) -> str:
    return f"chat.inbox.{user_id}"


def _fresh_rights(service):
    """Decide on fresh rights: a membership may have changed since the socket cached it."""

    @functools.wraps(service)
    def wrapper(*args, **kwargs):
        user = kwargs.get("by")
        if user is not None:
            forget_memberships(user)
        return service(*args, **kwargs)

    return wrapper


# --- Events --------------------------------------------------------------------------------------


def _publish(room: Room, event: str, data: dict) -> None:
    realtime.publish_event(group=room_group(room.pk), stream=room.stream, event=event, data=data)


def _publish_inbox(user_id: int, event: str, data: dict) -> None:
    realtime.publish_event(group=inbox_group(user_id), stream="chat", event=event, data=data)


def _publish_message(room: Room, message: Message, event: str, *, new: bool = False) -> None:
    """Serialised now, inside the transaction, so the event says what was written. A new
    message has no reaction yet and its sender is at hand: no need to read it back."""
    if new:
        message._prefetched_objects_cache = {"reactions": Reaction.objects.none()}
    else:
        message = selectors.messages_with_details(Message.objects.filter(pk=message.pk)).get()
    _publish(room, event, selectors.serialise_message(message))


def _access_lost(room: Room, users) -> None:
    for user in users:
        realtime.publish_access_changed(user_id=user.pk)
        _publish_inbox(user.pk, "rooms.changed", {"room": room.pk})


# --- Rooms ---------------------------------------------------------------------------------------


def space_room(space: Space) -> Room:
    """The space's room, made the first time it is asked for."""
    room, _created = Room.objects.get_or_create(space=space, defaults={"kind": Room.Kind.SPACE})
    return room


@_fresh_rights
def room_start_direct(*, by, other: User) -> Room:
    """The one direct conversation between `by` and `other`, started if it does not exist."""
    check_signed_in(by)
    permissions.check_start_conversation_with(by, other)
    low, high = sorted((by.pk, other.pk))
    with transaction.atomic():
        room, created = Room.objects.get_or_create(
            direct_key=f"{low}-{high}", defaults={"kind": Room.Kind.DIRECT, "created_by": by}
        )
        rows = {
            row.user_id: row for row in RoomMember.objects.filter(room=room, user__in=(by, other))
        }
        for user in (by, other):
            row = rows.get(user.pk)
            if row is None:
                RoomMember.objects.create(room=room, user=user, last_read_seq=room.last_seq)
            elif row.left_at is not None and user == by:
                RoomMember.objects.filter(pk=row.pk).update(left_at=None)
        for user in (by, other):
            _publish_inbox(user.pk, "rooms.changed", {"room": room.pk})
    return room


def _group_members(by, others) -> list[User]:
    members = {user.pk: user for user in others if user is not None and user.pk != by.pk}
    for user in members.values():
        permissions.check_start_conversation_with(by, user)
    return list(members.values())


@_fresh_rights
def room_create_group(*, by, title: str, members) -> Room:
    """A small group conversation of `by` and up to GROUP_MAX_MEMBERS - 1 others."""
    check_signed_in(by)
    title = (title or "").strip()
    if len(title) > TITLE_MAX:
        refuse(_("A title has at most %(max)d characters.") % {"max": TITLE_MAX}, "too_long")
    others = _group_members(by, members)
    if not others:
        refuse(_("Choose at least one person to talk with."), "no_members", "members")
    maximum = chat_settings()["GROUP_MAX_MEMBERS"]
    if len(others) + 1 > maximum:
        refuse(_("A group has at most %(max)d people.") % {"max": maximum}, "too_many", "members")
    with transaction.atomic():
        room = Room.objects.create(kind=Room.Kind.GROUP, title=title, created_by=by)
        RoomMember.objects.bulk_create([RoomMember(room=room, user=user) for user in [by, *others]])
        for user in [by, *others]:
            _publish_inbox(user.pk, "rooms.changed", {"room": room.pk})
    return room


@_fresh_rights
def room_add_members(*, by, room: Room, members) -> list[User]:
    """A member of a group brings others in; they read its history from now on."""
    if room.kind != Room.Kind.GROUP:
        raise PermissionDenied(_("Only group conversations take new members."))
    permissions.check_write_in_room(by, room)
    others = _group_members(by, members)
    with transaction.atomic():
        room = Room.objects.select_for_update().get(pk=room.pk)
        current = set(
            RoomMember.objects.filter(room=room, left_at__isnull=True).values_list(
                "user_id", flat=True
            )
        )
        new = [user for user in others if user.pk not in current]
        maximum = chat_settings()["GROUP_MAX_MEMBERS"]
        if len(current) + len(new) > maximum:
            refuse(_("A group has at most %(max)d people.") % {"max": maximum}, "too_many")
        for user in new:
            RoomMember.objects.update_or_create(
                room=room, user=user, defaults={"left_at": None, "last_read_seq": room.last_seq}
            )
            _publish_inbox(user.pk, "rooms.changed", {"room": room.pk})
        _publish(room, "room.changed", {"room": room.pk})
    return new


@_fresh_rights
def room_leave(*, by, room: Room) -> None:
    if room.kind != Room.Kind.GROUP:
        raise PermissionDenied(_("You can leave group conversations only; mute this one."))
    permissions.check_read_room(by, room)
    with transaction.atomic():
        RoomMember.objects.filter(room=room, user=by).update(left_at=timezone.now())
        _publish(room, "room.changed", {"room": room.pk})
        _access_lost(room, [by])


def _reader_row(room: Room, user, *, last_read_seq: int):
    """(the user's row in the room, created?). A space room makes the row of a reader on first
    use; any other room has rows for its members only: someone who may read it without being a
    member (a safeguarding lead reading a reported conversation) gets None, never a row that
    would make them a member who can write."""
    if room.kind == Room.Kind.SPACE:
        return RoomMember.objects.get_or_create(
            room=room, user=user, defaults={"last_read_seq": last_read_seq}
        )
    return RoomMember.objects.filter(room=room, user=user, left_at__isnull=True).first(), False


@_fresh_rights
def room_set_muted(*, by, room: Room, muted: bool) -> RoomMember:
    permissions.check_read_room(by, room)
    with transaction.atomic():
        row, _created = _reader_row(room, by, last_read_seq=room.last_seq)
        if row is None:
            raise PermissionDenied(_("Only the conversation's members can mute it."))
        row.muted = bool(muted)
        row.save(update_fields=["muted"])
        _publish_inbox(by.pk, "rooms.changed", {"room": room.pk})
    return row


@_fresh_rights
def room_mark_read(*, by, room: Room, seq: int) -> int:
    """Move the member's read marker forward to `seq` (never back, never past the last)."""
    permissions.check_read_room(by, room)
    seq = max(0, min(int(seq), room.last_seq))
    with transaction.atomic():
        row, created = _reader_row(room, by, last_read_seq=seq)
        if row is None:
            return seq
        if not created and row.last_read_seq < seq:
            RoomMember.objects.filter(pk=row.pk, last_read_seq__lt=seq).update(last_read_seq=seq)
        elif not created:
            return row.last_read_seq
        _publish_inbox(by.pk, "room.read", {"room": room.pk, "read": seq})
    return seq


# --- Messages ------------------------------------------------------------------------------------


@dataclass
class Sent:
    message: Message
    created: bool  # False: the client id was already stored (a retried send)


def clean_body(body) -> str:
    if not isinstance(body, str):
        refuse(_("A message is text."), "bad_type", "body")
    body = body.strip()
    if not body:
        refuse(_("Write something before sending."), "empty", "body")
    maximum = chat_settings()["MESSAGE_MAX_CHARS"]
    if len(body) > maximum:
        refuse(
            _("A message has at most %(max)d characters (this one has %(count)d).")
            % {"max": maximum, "count": len(body)},
            "too_long",
            "body",
        )
    # JSON may carry lone surrogates and NUL, which no database stores as text.
    if "\x00" in body or any("\ud800" <= char <= "\udfff" for char in body):
        refuse(_("This message contains characters that cannot be stored."), "bad_text", "body")
    return body


def _check_client_id(client_id) -> str:
    if not isinstance(client_id, str) or not CLIENT_ID.match(client_id):
        refuse(
            _("A client id is 1 to %(max)d letters, digits, dots, colons, dashes or underscores.")
            % {"max": CLIENT_ID_MAX},
            "bad_client_id",
        )
    return client_id


def _existing(by, client_id: str, room: Room, body: str) -> Message | None:
    message = Message.objects.filter(sender=by, client_id=client_id).first()
    if message is not None and (message.room_id != room.pk or message.body != body):
        refuse(_("This client id was already used for another message."), "client_id_reused")
    return message


def _mentionable(by, room: Room, handles: set[str]) -> dict[str, tuple[str, str, User]]:
    if not handles:
        return {}
    found = {}
    for profile in selectors.room_readers_with_handles(room, handles, writer=by):
        found[profile.handle] = (
            selectors.profile_url(profile.pk),
            profile.display_name,
            profile.user,
        )
    return found


def _render(by, room: Room, body: str):
    mentionable = _mentionable(by, room, mentioned_handles(body))
    rendered = render_chat(body, mentionable={h: v[:2] for h, v in mentionable.items()})
    return rendered, [mentionable[handle][2] for handle in sorted(rendered.mentioned)]


def _notify_mentions(by, room: Room, message: Message, people) -> None:
    muted = set(
        RoomMember.objects.filter(room=room, user__in=people, muted=True).values_list(
            "user_id", flat=True
        )
    )
    recipients = [user for user in people if user.pk not in muted]
    if recipients:
        notification_send(
            recipients=recipients,
            actor=by,
            actor_label=selectors.public_name(by),
            verb="chat.mention",
            target=room,
            url=f"{room.get_absolute_url()}#m{message.seq}",
        )


@_fresh_rights
def message_send(*, by, room: Room, client_id: str, body: str) -> Sent:
    """Store a message with the room's next number, then broadcast it after commit.

    Idempotent: the same client id with the same body returns the stored message; with another
    body it is refused.
    """
    check_signed_in(by)
    client_id = _check_client_id(client_id)
    body = clean_body(body)
    # The room kind's policy may change what is stored (contact details masked in mentorship
    # rooms): done first, so that a retried send compares what was stored.
    body, after_store = permissions.room_policy(room).prepare_body(by=by, room=room, body=body)
    existing = _existing(by, client_id, room, body)
    if existing is not None:
        return Sent(existing, False)
    permissions.check_write_in_room(by, room)
    rendered, mentioned = _render(by, room, body)
    try:
        with transaction.atomic():
            locked = Room.objects.select_for_update(no_key=True).get(pk=room.pk)
            # Two tabs retrying the same send wait on the lock; the second finds the first.
            existing = _existing(by, client_id, room, body)
            if existing is not None:
                return Sent(existing, False)
            # Frozen meanwhile (a concern reported): the lock makes the freeze win.
            permissions.check_not_frozen(locked)
            now = timezone.now()
            locked.last_seq += 1
            locked.revision += 1
            Room.objects.filter(pk=room.pk).update(
                last_seq=locked.last_seq, revision=locked.revision, last_message_at=now
            )
            message = Message.objects.create(
                room=locked,
                seq=locked.last_seq,
                revision=locked.revision,
                sender=by,
                client_id=client_id,
                body=body,
                html=rendered.html,
            )
            # Writing in a room reads it up to there.
            RoomMember.objects.update_or_create(
                room=locked, user=by, defaults={"last_read_seq": locked.last_seq}
            )
            if after_store is not None:
                after_store(message)
            _publish_message(locked, message, "message", new=True)
            _notify_mentions(by, locked, message, mentioned)
    except IntegrityError:
        # The same client id sent at once to another room: the unique constraint decided.
        existing = _existing(by, client_id, room, body)
        if existing is None:
            raise
        return Sent(existing, False)
    room.last_seq, room.revision = locked.last_seq, locked.revision
    return Sent(message, True)


def _lock_message(message: Message) -> tuple[Message, Room]:
    """Lock the room first (the order every service takes), then the message."""
    room = (
        Room.objects.select_for_update(no_key=True, of=("self",))
        .select_related("space")
        .get(pk=message.room_id)
    )
    message = Message.objects.select_for_update().get(pk=message.pk)
    return message, room


def _bump(message: Message, room: Room) -> None:
    """A change to `message`: the room's next revision, kept on the message too."""
    room.revision += 1
    Room.objects.filter(pk=room.pk).update(revision=room.revision)
    message.revision = room.revision


@_fresh_rights
def message_edit(*, by, message: Message, body: str) -> Message:
    body = clean_body(body)
    permissions.check_write_in_room(by, message.room)
    body, after_store = permissions.room_policy(message.room).prepare_body(
        by=by, room=message.room, body=body
    )
    if message.sender_id != by.pk:
        raise PermissionDenied(_("You can only edit your own messages."))
    if message.is_deleted:
        refuse(_("This message was deleted."), "deleted")
    window = timedelta(minutes=chat_settings()["EDIT_WINDOW_MINUTES"])
    if timezone.now() - message.created_at > window:
        refuse(
            _("Messages can be edited for %(minutes)d minutes after sending.")
            % {"minutes": chat_settings()["EDIT_WINDOW_MINUTES"]},
            "edit_window",
        )
    if body == message.body:
        return message
    rendered, mentioned = _render(by, message.room, body)
    with transaction.atomic():
        message, room = _lock_message(message)
        permissions.check_not_frozen(room)
        if message.is_deleted:
            refuse(_("This message was deleted."), "deleted")
        _bump(message, room)
        already = set(mentioned_handles(message.body))
        message.body, message.html, message.edited_at = body, rendered.html, timezone.now()
        message.save(update_fields=["body", "html", "edited_at", "revision"])
        if after_store is not None:
            after_store(message)
        _publish_message(room, message, "message.changed")
        new = [user for user in mentioned if user.profile.handle not in already]
        _notify_mentions(by, room, message, new)
    return message


@_fresh_rights
def message_delete(*, by, message: Message) -> Message:
    """The sender deletes their own message; a space room's moderators delete any (logged).
    Nobody deletes anything in a frozen room (evidence of a reported concern)."""
    room = message.room
    own = message.sender_id == by.pk
    if own:
        permissions.check_read_room(by, room)
    else:
        permissions.check_moderate_room(by, room)
    permissions.check_not_frozen(room)
    if message.is_deleted:
        return message
    with transaction.atomic():
        message, room = _lock_message(message)
        permissions.check_not_frozen(room)
        if message.is_deleted:
            return message  # Deleted meanwhile by someone else.
        _bump(message, room)
        if not own:
            ModerationAction.objects.create(
                room=room,
                actor=by,
                action=ModerationAction.Action.MESSAGE_DELETED,
                message=message,
                target_id=message.sender_id,
                note=message.body,
            )
            MessageReport.objects.filter(message=message, resolved_at__isnull=True).update(
                resolved_at=timezone.now(), resolved_by=by
            )
        message.body, message.html = "", ""
        message.deleted_at, message.deleted_by = timezone.now(), by
        message.save(update_fields=["body", "html", "deleted_at", "deleted_by", "revision"])
        Reaction.objects.filter(message=message).delete()
        _publish_message(room, message, "message.changed")
    return message


@_fresh_rights
def reaction_set(*, by, message: Message, emoji: str, on: bool) -> Message:
    if emoji not in REACTIONS:
        refuse(_("This reaction is not available."), "bad_reaction")
    permissions.check_write_in_room(by, message.room)
    if message.is_deleted:
        refuse(_("This message was deleted."), "deleted")
    with transaction.atomic():
        message, room = _lock_message(message)
        permissions.check_not_frozen(room)
        if message.is_deleted:
            refuse(_("This message was deleted."), "deleted")
        if on:
            changed = Reaction.objects.get_or_create(message=message, user=by, emoji=emoji)[1]
        else:
            changed = bool(
                Reaction.objects.filter(message=message, user=by, emoji=emoji).delete()[0]
            )
        if not changed:
            return message
        _bump(message, room)
        message.save(update_fields=["revision"])
        _publish_message(room, message, "message.changed")
    return message


# --- Reports and moderation ----------------------------------------------------------------------


@_fresh_rights
def message_report(*, by, message: Message, reason: str) -> MessageReport:
    permissions.check_read_room(by, message.room)
    reason = (reason or "").strip()
    if not reason:
        refuse(_("Say what is wrong with this message."), "empty", "reason")
    if len(reason) > REASON_MAX:
        refuse(_("A reason has at most %(max)d characters.") % {"max": REASON_MAX}, "too_long")
    if message.sender_id == by.pk:
        refuse(_("You cannot report your own message."), "own")
    if message.is_deleted:
        refuse(_("This message was deleted."), "deleted")
    with transaction.atomic():
        # The text as reported: the sender may delete the message, the evidence stays.
        report, created = MessageReport.objects.get_or_create(
            message=message,
            reporter=by,
            defaults={"reason": reason, "reported_body": message.body},
        )
        if not created:
            refuse(_("You have already reported this message."), "duplicate")
        # A space room's moderators handle its reports; platform staff those of conversations.
        room = message.room
        notification_send(
            recipients=selectors.room_moderators(room),
            actor=room.space if room.kind == Room.Kind.SPACE else by,
            verb="chat.reported",
            target=room.space if room.kind == Room.Kind.SPACE else room,
            url=selectors.reports_url(room),
        )
    return report


@_fresh_rights
def report_dismiss(*, by, report: MessageReport) -> None:
    """A space room's moderators close its reports; platform staff close those of direct and
    group conversations (they have no moderator), from the Django admin."""
    room = report.message.room
    permissions.check_handle_report(by, room)
    with transaction.atomic():
        updated = MessageReport.objects.filter(pk=report.pk, resolved_at__isnull=True).update(
            resolved_at=timezone.now(), resolved_by=by
        )
        if updated:
            ModerationAction.objects.create(
                room=room,
                actor=by,
                action=ModerationAction.Action.REPORT_DISMISSED,
                message=report.message,
                target_id=report.message.sender_id,
            )


@_fresh_rights
def member_mute(*, by, room: Room, user: User, minutes: int, reason: str = "") -> MemberMute:
    permissions.check_moderate_room(by, room)
    if user.pk == by.pk:
        refuse(_("You cannot mute yourself."), "own")
    if not isinstance(minutes, int) or not 1 <= minutes <= 60 * 24 * 30:
        refuse(_("Mute someone for 1 minute to 30 days."), "bad_duration", "minutes")
    reason = (reason or "").strip()[:REASON_MAX]
    with transaction.atomic():
        mute, _created = MemberMute.objects.update_or_create(
            room=room,
            user=user,
            defaults={
                "until": timezone.now() + timedelta(minutes=minutes),
                "muted_by": by,
                "reason": reason,
            },
        )
        ModerationAction.objects.create(
            room=room,
            actor=by,
            action=ModerationAction.Action.MEMBER_MUTED,
            target=user,
            note=reason,
        )
    return mute


@_fresh_rights
def member_unmute(*, by, room: Room, user: User) -> None:
    permissions.check_moderate_room(by, room)
    with transaction.atomic():
        if MemberMute.objects.filter(room=room, user=user).delete()[0]:
            ModerationAction.objects.create(
                room=room, actor=by, action=ModerationAction.Action.MEMBER_UNMUTED, target=user
            )


# --- Preferences ---------------------------------------------------------------------------------


def preferences_update(*, user, share_presence: bool, share_typing: bool) -> ChatPreferences:
    check_signed_in(user)
    prefs, _created = ChatPreferences.objects.update_or_create(
        user=user,
        defaults={"share_presence": bool(share_presence), "share_typing": bool(share_typing)},
    )
    return prefs


def refusal_text(error: PermissionDenied | ValidationError) -> str:
    """The first human sentence of a refusal, for error frames."""
    if isinstance(error, ValidationError):
        return error.messages[0] if error.messages else _("This was refused.")
    return str(error) or _("This was refused.")
