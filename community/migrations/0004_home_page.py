"""Replaces Wagtail's welcome page with the platform's home page, served at /."""

from django.db import migrations


def create_home_page(apps, schema_editor):
    ContentType = apps.get_model("contenttypes.ContentType")
    Page = apps.get_model("wagtailcore.Page")
    Site = apps.get_model("wagtailcore.Site")
    Locale = apps.get_model("wagtailcore.Locale")
    HomePage = apps.get_model("community.HomePage")

    Page.objects.filter(depth=2, slug="home", content_type__app_label="wagtailcore").delete()
    if HomePage.objects.exists():
        return
    content_type, _created = ContentType.objects.get_or_create(
        model="homepage", app_label="community"
    )
    locale = Locale.objects.order_by("pk").first()
    home = HomePage.objects.create(
        title="Égalité Pro Clusters",
        draft_title="Égalité Pro Clusters",
        slug="home",
        content_type=content_type,
        path="00010001",
        depth=2,
        numchild=0,
        url_path="/home/",
        locale=locale,
        live=True,
        introduction=(
            "<p>La plateforme des clusters européens qui font avancer l'égalité entre les "
            "femmes et les hommes au travail.</p>"
        ),
    )
    Site.objects.filter(is_default_site=True).delete()
    Site.objects.create(hostname="localhost", root_page=home, is_default_site=True)
    root = Page.objects.get(depth=1)
    root.numchild = Page.objects.filter(depth=2).count()
    root.save(update_fields=["numchild"])


def remove_home_page(apps, schema_editor):
    apps.get_model("community.HomePage").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [
        ("community", "0003_vocabulary"),
        ("wagtailcore", "0098_apitoken"),
    ]

    operations = [migrations.RunPython(create_home_page, remove_home_page)]
