"""Creates the events index under the home page, at /events/."""

from django.db import migrations


def create_index(apps, schema_editor):
    ContentType = apps.get_model("contenttypes.ContentType")
    Page = apps.get_model("wagtailcore.Page")
    EventIndexPage = apps.get_model("events.EventIndexPage")
    if EventIndexPage.objects.exists():
        return
    home = Page.objects.filter(depth=2, content_type__app_label="community").first()
    if home is None:
        return
    content_type, _created = ContentType.objects.get_or_create(
        model="eventindexpage", app_label="events"
    )
    # Treebeard's materialised path: the next free 4-character step under the home page.
    last = Page.objects.filter(path__startswith=home.path, depth=home.depth + 1).order_by("-path")
    step = int(last.first().path[-4:], 36) + 1 if last.exists() else 1
    alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    suffix = ""
    for _ in range(4):
        step, digit = divmod(step, 36)
        suffix = alphabet[digit] + suffix
    EventIndexPage.objects.create(
        title="Agenda",
        draft_title="Agenda",
        slug="events",
        content_type=content_type,
        path=home.path + suffix,
        depth=home.depth + 1,
        numchild=0,
        url_path=f"{home.url_path}events/",
        locale_id=home.locale_id,
        live=True,
        introduction=(
            "<p>Ateliers, webinaires, formations pilotes et séminaires de capitalisation des "
            "clusters.</p>"
        ),
    )
    home.numchild = Page.objects.filter(path__startswith=home.path, depth=home.depth + 1).count()
    home.save(update_fields=["numchild"])


def remove_index(apps, schema_editor):
    apps.get_model("events.EventIndexPage").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [
        ("events", "0001_event_pages_and_registrations"),
        ("community", "0004_home_page"),
    ]

    operations = [migrations.RunPython(create_index, remove_index)]
