from django.db import migrations

GROUP = "Vetted mentors"


def create_group(apps, schema_editor):
    """Mentors a coordinator has vetted may mark replies expert-validated; the mentorship
    vetting adds and removes them from this group."""
    ContentType = apps.get_model("contenttypes", "ContentType")
    Permission = apps.get_model("auth", "Permission")
    Group = apps.get_model("auth", "Group")
    content_type, _ = ContentType.objects.get_or_create(app_label="forum", model="post")
    permission, _ = Permission.objects.get_or_create(
        content_type=content_type,
        codename="validate_post",
        defaults={"name": "Can mark replies as expert-validated"},
    )
    group, _ = Group.objects.get_or_create(name=GROUP)
    group.permissions.add(permission)


def remove_group(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name=GROUP).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("forum", "0001_forum"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_group, remove_group)]
