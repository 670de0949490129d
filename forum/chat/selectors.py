"""Reads of the chat: rooms a member is in, history pages, catching up, search.

Every read of a room's messages starts from `access_room`, which applies
`permissions.can_read_room`; `rooms_for` lists exactly the rooms that function allows, and
search looks only inside them.
"""

from dataclasses import dataclass

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.http import Http404
from django.urls import reverse
from django.utils.translation import gettext as _

from community.models import Membership, Profile, User
from community.selectors import profiles_visible_to

from .models import Message, MessageReport, Reaction, Room, RoomMember
from .permissions import can_read_room, room_member

SEARCH_MAX = 50


def access_room(*, user, room_id) -> Room:
    """The room if the user may read it; 404 otherwise (an id tells nothing)."""
    try:
        room_id = int(room_id)
    except (TypeError, ValueError):
        raise Http404 from None
    room = Room.objects.select_related("space__cluster").filter(pk=room_id).first()
    if not can_read_room(user, room):
        raise Http404
    return room


def room_or_none(room_id) -> Room | None:
    return Room.objects.select_related("space__cluster").filter(pk=room_id).first()


def public_name(user) -> str:
    """How the chat names a person: the profile's display name, never the e-mail address that
    `str(user)` falls back to for an account without a profile."""
    profile = getattr(user, "profile", None) if user is not None else None
    return profile.display_name if profile else _("Member")


def profile_url(profile_id: int) -> str:
    return reverse("community:profile_detail", kwargs={"profile_id": profile_id})


# --- Messages ------------------------------------------------------------------------------------


def messages_with_details(messages: QuerySet[Message]) -> QuerySet[Message]:
    return messages.select_related("sender__profile").prefetch_related(
        Prefetch("reactions", queryset=Reaction.objects.order_by("pk"))
    )


def reaction_users(message: Message) -> dict[str, list[int]]:
    """Reaction code -> ids of who reacted so (from the prefetched reactions; none once deleted)."""
    users: dict[str, list[int]] = {}
    if not message.is_deleted:
        for reaction in message.reactions.all():
            users.setdefault(reaction.emoji, []).append(reaction.user_id)
    return users


def serialise_message(message: Message) -> dict:
    """A message as every reader of its room sees it (the same for all: no per-reader field)."""
    sender = message.sender
    profile = getattr(sender, "profile", None) if sender else None
    reactions = reaction_users(message)
    return {
        "id": message.pk,
        "room": message.room_id,
        "seq": message.seq,
        "revision": message.revision,
        "client_id": message.client_id,
        "sender": {
            "id": sender.pk,
            "name": profile.display_name if profile else _("Former member"),
            "url": profile_url(profile.pk) if profile else "",
        }
        if sender
        else None,
        "html": message.html,
        "created_at": message.created_at.isoformat(),
        "edited": message.edited_at is not None,
        "deleted": message.is_deleted,
        "reactions": reactions,
    }


def history(room: Room, *, before: int | None = None, after: int | None = None, limit: int):
    """Up to `limit` messages before `before` (scrolling back) or after `after` (catching up),
    oldest first; and whether there are more on that side."""
    messages = messages_with_details(Message.objects.filter(room=room))
    if after is not None:
        page = list(messages.filter(seq__gt=after).order_by("seq")[: limit + 1])
        more = len(page) > limit
        return page[:limit], more
    if before is not None:
        messages = messages.filter(seq__lt=before)
    page = list(messages.order_by("-seq")[: limit + 1])
    more = len(page) > limit
    return list(reversed(page[:limit])), more


def changes_since(room: Room, *, revision: int, up_to_seq: int, limit: int):
    """Messages the client already holds (seq ≤ up_to_seq) changed after `revision`: edits,
    deletions, reactions it missed. Oldest change first."""
    page = list(
        messages_with_details(
            Message.objects.filter(room=room, revision__gt=revision, seq__lte=up_to_seq)
        ).order_by("revision")[: limit + 1]
    )
    return page[:limit], len(page) > limit


def room_readers_with_handles(room: Room, handles, *, writer) -> QuerySet[Profile]:
    """Profiles among the room's readers with these handles that the writer may find: who
    may be @mentioned. (A profile hidden from the writer stays plain text, so trying handles
    tells nothing about who is in the space.)"""
    profiles = Profile.objects.filter(
        handle__in=handles,
        user__is_active=True,
        pk__in=profiles_visible_to(writer).values("pk"),
    ).select_related("user")
    if room.kind == Room.Kind.SPACE:
        return profiles.filter(
            user__memberships__space_id=room.space_id,
            user__memberships__state=Membership.State.ACTIVE,
        )
    return profiles.filter(
        user__chat_memberships__room=room, user__chat_memberships__left_at__isnull=True
    )


def room_moderators(room: Room) -> list[User]:
    if room.kind != Room.Kind.SPACE:
        return list(User.objects.filter(is_staff=True, is_active=True))
    managers = Membership.objects.filter(
        space_id=room.space_id,
        state=Membership.State.ACTIVE,
        role__in=(Membership.Role.MODERATOR, Membership.Role.ANIMATOR),
    ).values("user_id")
    cluster = room.space.cluster
    query = Q(pk__in=managers)
    if cluster is not None:
        query |= Q(animated_clusters=cluster)
    return list(User.objects.filter(query, is_active=True).distinct())


def reports_url(room: Room) -> str:
    if room.kind != Room.Kind.SPACE:
        return reverse("admin:chat_messagereport_changelist")
    return reverse("chat:reports", kwargs={"room_id": room.pk})


def open_reports(room: Room) -> QuerySet[MessageReport]:
    return (
        MessageReport.objects.filter(message__room=room, resolved_at__isnull=True)
        .select_related("message__sender__profile", "reporter__profile")
        .order_by("message__seq", "created_at")
    )


def room_members(room: Room) -> list[Profile]:
    """The people of a direct or group conversation (a space room's are the space's)."""
    return list(
        Profile.objects.filter(
            user__chat_memberships__room=room, user__chat_memberships__left_at__isnull=True
        ).order_by("display_name")
    )


# --- Rooms of a member ---------------------------------------------------------------------------


@dataclass
class RoomSummary:
    room: Room
    label: str
    last_read_seq: int
    muted: bool

    @property
    def unread(self) -> int:
        return max(0, self.room.last_seq - self.last_read_seq)

    @property
    def pk(self) -> int:
        return self.room.pk


def _readable_rooms_q(user) -> Q:
    spaces = Membership.objects.filter(user=user, state=Membership.State.ACTIVE).values("space_id")
    # A space room's rows only hold read markers: reading it is the space membership's call.
    joined = (
        RoomMember.objects.filter(user=user, left_at__isnull=True)
        .exclude(room__kind=Room.Kind.SPACE)
        .values("room_id")
    )
    return Q(kind=Room.Kind.SPACE, space_id__in=spaces) | Q(pk__in=joined)


def readable_room_ids(user) -> QuerySet:
    """Ids of the rooms the member reads as a member (moderators' extra rooms not included)."""
    return Room.objects.filter(_readable_rooms_q(user)).values("pk")


def rooms_for(user) -> list[RoomSummary]:
    """The member's rooms, most recent activity first, with read markers: two queries."""
    if not (user and user.is_authenticated):
        return []
    mine = RoomMember.objects.filter(room=OuterRef("pk"), user=user)
    rooms = list(
        Room.objects.filter(_readable_rooms_q(user))
        .select_related("space")
        .annotate(
            read_seq=Subquery(mine.values("last_read_seq")[:1]),
            is_muted=Exists(mine.filter(muted=True)),
        )
        .order_by("-last_message_at", "-created_at")
    )
    names = _conversation_names(user, [room for room in rooms if room.kind != Room.Kind.SPACE])
    return [
        RoomSummary(
            room=room,
            label=_label(room, names.get(room.pk, [])),
            last_read_seq=room.read_seq if room.read_seq is not None else room.last_seq,
            muted=room.is_muted,
        )
        for room in rooms
    ]


def _conversation_names(user, rooms) -> dict[int, list[str]]:
    """For each direct or group room, the names of the other people in it."""
    names: dict[int, list[str]] = {}
    if not rooms:
        return names
    rows = (
        RoomMember.objects.filter(room__in=rooms, left_at__isnull=True)
        .exclude(user=user)
        .select_related("user__profile")
        .order_by("user__profile__display_name")
    )
    for row in rows:
        names.setdefault(row.room_id, []).append(public_name(row.user))
    return names


def _label(room: Room, others: list[str]) -> str:
    if room.kind == Room.Kind.SPACE:
        return room.space.name
    if room.title:
        return room.title
    if not others:
        return _("Just you")
    return ", ".join(others)


def room_label(user, room: Room) -> str:
    others = []
    if room.kind != Room.Kind.SPACE:
        others = _conversation_names(user, [room]).get(room.pk, [])
    return _label(room, others)


def read_marker(user, room: Room) -> int:
    row = room_member(user, room)
    return row.last_read_seq if row is not None else room.last_seq


def inbox_state(user) -> dict:
    """For the navigation: each room's last number, read marker and mute, in one query."""
    rooms = rooms_for(user)
    return {
        "rooms": {
            str(summary.pk): {
                "seq": summary.room.last_seq,
                "read": summary.last_read_seq,
                "muted": summary.muted,
            }
            for summary in rooms
        }
    }


def search(user, query: str, *, limit: int = SEARCH_MAX) -> list[Message]:
    """Messages containing `query` in the rooms the member belongs to, newest first."""
    query = (query or "").strip()
    if len(query) < 2:
        return []
    return list(
        messages_with_details(
            Message.objects.filter(
                room__in=readable_room_ids(user), deleted_at__isnull=True, body__icontains=query
            )
        )
        .select_related("room__space")
        .order_by("-created_at", "-pk")[:limit]
    )
