"""Every existing space gets its room; its active members start with nothing unread."""

from django.db import migrations


def create_space_rooms(apps, schema_editor):
    Space = apps.get_model("community", "Space")
    Membership = apps.get_model("community", "Membership")
    Room = apps.get_model("chat", "Room")
    RoomMember = apps.get_model("chat", "RoomMember")
    for space in Space.objects.filter(chat_room__isnull=True):
        room = Room.objects.create(kind="space", space=space)
        RoomMember.objects.bulk_create(
            [
                RoomMember(room=room, user_id=user_id)
                for user_id in Membership.objects.filter(space=space, state="active").values_list(
                    "user_id", flat=True
                )
            ]
        )


class Migration(migrations.Migration):
    dependencies = [
        ("chat", "0001_rooms_and_messages"),
        ("community", "0007_fill_profile_handles"),
    ]

    operations = [migrations.RunPython(create_space_rooms, migrations.RunPython.noop)]
