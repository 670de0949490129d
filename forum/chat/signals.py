"""Signal receivers, each one documented (the community app does not know the chat).

- `post_save` of `community.Space`: a new space gets its chat room at once; a changed one
  (moved to another cluster, whose animators moderated it) has the sockets following its room
  re-check their access.
- `pre_save` and `post_save` of `community.Membership`: a member who becomes active in a space
  (joins, or comes back after leaving) starts its room with nothing unread: the read marker
  is put at the room's last message, so what was said while they were away is not counted as
  theirs to read. Other saves of an active membership (a role change) leave it alone. Losing
  access needs nothing here: the community services send `access.changed` to the sockets.
"""

from django.db.models.signals import post_save, pre_save
from django.dispatch import receiver

from community import realtime
from community.models import Membership, Space

from .models import Room, RoomMember
from .services import room_group, space_room


@receiver(post_save, sender=Space, dispatch_uid="chat-space-room")
def create_space_room(sender, instance, created, raw=False, **kwargs):
    if raw:
        return
    if created:
        space_room(instance)
        return
    room_id = Room.objects.filter(space_id=instance.pk).values_list("pk", flat=True).first()
    if room_id is not None:
        realtime.publish_after_commit(room_group(room_id), {"type": "access.changed"})


@receiver(pre_save, sender=Membership, dispatch_uid="chat-membership-before")
def remember_whether_it_was_active(sender, instance, raw=False, **kwargs):
    if raw or instance.pk is None:
        instance._chat_was_active = False
        return
    instance._chat_was_active = Membership.objects.filter(
        pk=instance.pk, state=Membership.State.ACTIVE
    ).exists()


@receiver(post_save, sender=Membership, dispatch_uid="chat-space-room-member")
def start_reading_space_room(sender, instance, raw=False, **kwargs):
    if raw or instance.state != Membership.State.ACTIVE:
        return
    if getattr(instance, "_chat_was_active", False):
        return  # Already a member: a role change, not an arrival.
    room = Room.objects.filter(space_id=instance.space_id).only("pk", "last_seq").first()
    if room is None:
        room = space_room(instance.space)
    RoomMember.objects.update_or_create(
        room=room, user_id=instance.user_id, defaults={"last_read_seq": room.last_seq}
    )
