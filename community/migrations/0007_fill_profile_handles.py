from django.db import migrations
from django.utils.text import slugify


def fill_handles(apps, schema_editor):
    Profile = apps.get_model("community", "Profile")
    taken = set(Profile.objects.exclude(handle=None).values_list("handle", flat=True))
    for profile in Profile.objects.filter(handle=None).order_by("pk"):
        base = slugify(profile.display_name)[:34].strip("-") or "member"
        handle, n = base, 1
        while handle in taken:
            n += 1
            handle = f"{base}-{n}"
        taken.add(handle)
        profile.handle = handle
        profile.save(update_fields=["handle"])


class Migration(migrations.Migration):
    dependencies = [("community", "0006_profile_handle")]

    operations = [migrations.RunPython(fill_handles, migrations.RunPython.noop)]
