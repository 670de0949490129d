"""The supervised conversation of a mentoring relationship (issue 7, item 7; docs/safeguarding.md).

A relationship that becomes active gets one chat room of kind `mentorship`
(`conversation_open`, idempotent, called by the matching services). Its members are the mentor,
the mentee and, when the mentee is a minor, the programme's coordinators, who read it; the room
page tells everyone so (`MentorshipRoomPolicy.notice`). When a programme's coordinators change,
`conversation_sync_coordinators` brings its minors' rooms in line.

The chat asks this module, through its room policy (`forum.chat.permissions.ROOM_POLICIES`):
- whether a message may be sent now: the relationship must be active and, for a minor, the
  guardian's consent valid (`MentorshipRoomPolicy.check_write`);
- what to store: e-mail addresses and phone numbers are masked (`mentorship.contacts`), and a
  `ContactFlag` is stored and notified to the coordinators (`prepare_body`);
- whether presence and typing are shown: never when the mentee is a minor (`live_activity`).
It also asks who is a minor (`is_minor`, `room_has_minor`; `forum.chat.permissions.MINORS`):
a minor starts no direct or group conversation and nobody starts one with them.
"""

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from community import realtime
from community.models import Membership, User
from community.notifications import notification_send
from forum.chat.models import Room, RoomMember
from forum.chat.permissions import RoomPolicy, is_current_member
from forum.chat.selectors import public_name
from forum.chat.services import inbox_group, room_group
from mentorship import permissions
from mentorship.contacts import mask_contacts
from mentorship.models import MINOR_BANDS, ConcernReport, ContactFlag, Programme, Relationship

# --- Who is a minor (asked by the chat) -------------------------------------------------------


def is_minor(user) -> bool:
    return permissions.is_minor(user)


def room_has_minor(room: Room) -> bool:
    """Whether a minor reads the room (one query): presence and typing are then off in it."""
    if room.kind == Room.Kind.MENTORSHIP:
        return Relationship.objects.filter(room=room, mentee__age_band__in=MINOR_BANDS).exists()
    if room.kind == Room.Kind.SPACE:
        return Membership.objects.filter(
            space_id=room.space_id,
            state=Membership.State.ACTIVE,
            user__mentee_profile__age_band__in=MINOR_BANDS,
        ).exists()
    return RoomMember.objects.filter(
        room=room, left_at__isnull=True, user__mentee_profile__age_band__in=MINOR_BANDS
    ).exists()


# --- The room and its members -----------------------------------------------------------------


def _expected_members(relationship: Relationship) -> list[User]:
    people = [relationship.mentor.user, relationship.mentee.user]
    if relationship.mentee.is_minor:
        people += list(relationship.programme.coordinators.filter(is_active=True))
    return people


def _sync_members(room: Room, relationship: Relationship) -> tuple[list[User], list[User]]:
    """Add who must be in the room, remove the coordinators who no longer must be. Returns
    (added, removed)."""
    expected = {user.pk: user for user in _expected_members(relationship)}
    rows = {row.user_id: row for row in RoomMember.objects.filter(room=room)}
    added, removed = [], []
    for user_id, user in expected.items():
        row = rows.get(user_id)
        if row is None:
            RoomMember.objects.create(room=room, user=user, last_read_seq=0)
            added.append(user)
        elif row.left_at is not None:
            RoomMember.objects.filter(pk=row.pk).update(left_at=None)
            added.append(user)
    for user_id, row in rows.items():
        if user_id not in expected and row.left_at is None:
            RoomMember.objects.filter(pk=row.pk).update(left_at=timezone.now())
            removed.append(row.user)
    for user in added:
        realtime.publish_event(
            group=inbox_group(user.pk), stream="chat", event="rooms.changed", data={"room": room.pk}
        )
    for user in removed:
        # Their open sockets re-check every subscription and drop this room.
        realtime.publish_access_changed(user_id=user.pk)
        realtime.publish_event(
            group=inbox_group(user.pk), stream="chat", event="rooms.changed", data={"room": room.pk}
        )
    if added or removed:
        realtime.publish_event(
            group=room_group(room.pk),
            stream=room.stream,
            event="room.changed",
            data={"room": room.pk},
        )
    return added, removed


def _title(relationship: Relationship) -> str:
    return (
        _("Mentoring: %(mentor)s and %(mentee)s")
        % {
            "mentor": public_name(relationship.mentor.user),
            "mentee": public_name(relationship.mentee.user),
        }
    )[:120]


def conversation_open(*, relationship: Relationship) -> Room:
    """The relationship's supervised room, made the first time (idempotent: called again, it
    returns the same room with its members brought up to date). Only for a relationship that
    has started (active or paused)."""
    if relationship.state not in (Relationship.State.ACTIVE, Relationship.State.PAUSED):
        raise PermissionDenied(_("A conversation opens once the mentor has accepted."))
    with transaction.atomic():
        locked = (
            Relationship.objects.select_for_update(of=("self",))
            .select_related("mentor__user", "mentee__user", "programme")
            .get(pk=relationship.pk)
        )
        room = locked.room
        if room is None:
            room = Room.objects.create(
                kind=Room.Kind.MENTORSHIP, title=_title(locked), created_by=None
            )
            Relationship.objects.filter(pk=locked.pk).update(room=room)
        _sync_members(room, locked)
    relationship.room = room
    return room


def conversation_sync_coordinators(*, programme: Programme) -> int:
    """After the programme's coordinators changed: each minor's conversation in it has exactly
    the current coordinators (plus its mentor and mentee). Returns the rooms changed."""
    changed = 0
    with transaction.atomic():
        relationships = Relationship.objects.select_for_update(of=("self",)).filter(
            programme=programme, room__isnull=False
        )
        for relationship in relationships.select_related(
            "mentor__user", "mentee__user", "programme", "room"
        ):
            added, removed = _sync_members(relationship.room, relationship)
            changed += bool(added or removed)
    return changed


# --- The chat's policy for these rooms --------------------------------------------------------


def _relationship_of(room: Room) -> Relationship | None:
    cached = room.__dict__.get("_relationship", False)
    if cached is False:
        cached = (
            Relationship.objects.select_related("mentee__user", "mentor__user", "programme")
            .filter(room=room)
            .first()
        )
        room.__dict__["_relationship"] = cached
    return cached


def _flag_contacts(by, room: Room, kinds: list[str]):
    """What runs with the stored message (inside the send's or edit's transaction)."""

    def flag(message) -> None:
        ContactFlag.objects.update_or_create(
            message=message,
            defaults={"kinds": ",".join(kinds), "seen_by": None, "seen_at": None},
        )
        relationship = _relationship_of(room)
        if relationship is None:
            return
        notification_send(
            recipients=list(relationship.programme.coordinators.filter(is_active=True)),
            actor=by,
            actor_label=public_name(by),
            verb="mentorship.contact_flagged",
            target=relationship.programme,
            url=f"{room.get_absolute_url()}#m{message.seq}" if relationship.mentee.is_minor else "",
        )

    return flag


class MentorshipRoomPolicy(RoomPolicy):
    """Registered in `forum.chat.permissions.ROOM_POLICIES` for rooms of kind `mentorship`."""

    def extra_reader(self, user, room: Room) -> bool:
        """The safeguarding lead of the programme (and platform staff) read a conversation
        about which a concern was reported, to look into it; they do not write in it."""
        relationship = _relationship_of(room)
        if relationship is None or not ConcernReport.objects.filter(room=room).exists():
            return False
        return permissions.is_safeguarding_lead(user, relationship.programme)

    def check_write(self, user, room: Room) -> None:
        if not is_current_member(user, room):
            raise PermissionDenied(_("Only the people of this conversation write in it."))
        relationship = _relationship_of(room)
        if relationship is None:
            raise PermissionDenied(_("This conversation is closed."))
        if relationship.state != Relationship.State.ACTIVE:
            raise PermissionDenied(
                _(
                    "This mentoring relationship is %(state)s: messages can be sent only while "
                    "it is active."
                )
                % {"state": relationship.get_state_display().lower()}
            )
        permissions.check_minor_may_take_part(relationship.mentee, relationship.programme)

    def prepare_body(self, *, by, room: Room, body: str):
        masked, kinds = mask_contacts(body)
        if not kinds:
            return body, None
        return masked, _flag_contacts(by, room, kinds)

    def live_activity(self, room: Room) -> bool:
        relationship = _relationship_of(room)
        return relationship is not None and not relationship.mentee.is_minor

    def notice(self, room: Room) -> str:
        relationship = _relationship_of(room)
        if relationship is None:
            return ""
        if relationship.mentee.is_minor:
            return _(
                "This is a supervised mentoring conversation: the coordinators of "
                "“%(programme)s” are members of it and can read everything written here. "
                "E-mail addresses and phone numbers are hidden. If something worries you, use "
                "“Report a concern”."
            ) % {"programme": relationship.programme.title}
        return _(
            "Your mentoring conversation in “%(programme)s”. Please keep talking here: e-mail "
            "addresses and phone numbers are hidden and flagged to the coordinators."
        ) % {"programme": relationship.programme.title}
