"""Creates what the library needs to work: the index at /library/, the English locale, the
collections for library documents, toolbox and contributions, the "Library experts" group and
the "Practice sheet review" workflow (animator review, then an optional expert review) on the
library index."""

from django.db import migrations

ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def _next_child_path(model, parent) -> str:
    """Treebeard's materialised path: the next free 4-character step under `parent`."""
    last = (
        model.objects.filter(path__startswith=parent.path, depth=parent.depth + 1)
        .order_by("-path")
        .first()
    )
    step = int(last.path[-4:], 36) + 1 if last else 1
    suffix = ""
    for _ in range(4):
        step, digit = divmod(step, 36)
        suffix = ALPHABET[digit] + suffix
    return parent.path + suffix


def _add_child(model, parent, *, tree_model=None, **fields):
    """Creates a `model` row under `parent`; `tree_model` holds the tree (Page for a page)."""
    child = model.objects.create(
        path=_next_child_path(tree_model or model, parent),
        depth=parent.depth + 1,
        numchild=0,
        **fields,
    )
    parent.numchild += 1
    parent.save(update_fields=["numchild"])
    return child


def forwards(apps, schema_editor):
    ContentType = apps.get_model("contenttypes.ContentType")
    Locale = apps.get_model("wagtailcore.Locale")
    Page = apps.get_model("wagtailcore.Page")
    Collection = apps.get_model("wagtailcore.Collection")
    Group = apps.get_model("auth.Group")
    Permission = apps.get_model("auth.Permission")
    Workflow = apps.get_model("wagtailcore.Workflow")
    WorkflowTask = apps.get_model("wagtailcore.WorkflowTask")
    WorkflowPage = apps.get_model("wagtailcore.WorkflowPage")
    LibraryIndexPage = apps.get_model("library.LibraryIndexPage")
    AnimatorReviewTask = apps.get_model("library.AnimatorReviewTask")
    ExpertReviewTask = apps.get_model("library.ExpertReviewTask")

    for code in ("fr", "en"):
        Locale.objects.get_or_create(language_code=code)

    root_collection = Collection.objects.filter(depth=1).first()
    if root_collection is not None:
        for name in ("Bibliothèque des pratiques", "Boîte à outils", "Contributions"):
            if not Collection.objects.filter(name=name, depth=2).exists():
                root_collection.refresh_from_db()
                _add_child(Collection, root_collection, name=name)

    experts, _created = Group.objects.get_or_create(name="Library experts")
    admin_access = Permission.objects.filter(
        content_type__app_label="wagtailadmin", codename="access_admin"
    ).first()
    if admin_access:
        experts.permissions.add(admin_access)

    index = LibraryIndexPage.objects.first()
    home = Page.objects.filter(depth=2, content_type__app_label="community").first()
    if index is None and home is not None:
        content_type, _created = ContentType.objects.get_or_create(
            model="libraryindexpage", app_label="library"
        )
        index = _add_child(
            LibraryIndexPage,
            home,
            tree_model=Page,
            title="Bibliothèque des pratiques",
            draft_title="Bibliothèque des pratiques",
            slug="library",
            content_type=content_type,
            url_path=f"{home.url_path}library/",
            locale_id=home.locale_id,
            live=True,
            introduction=(
                "<p>Fiches de bonnes pratiques, entretiens, capsules vidéo et boîte à outils "
                "des clusters pour l'égalité professionnelle.</p>"
            ),
        )

    if not Workflow.objects.filter(name="Practice sheet review").exists():
        workflow = Workflow.objects.create(name="Practice sheet review", active=True)
        animator_task = AnimatorReviewTask.objects.create(
            name="Animator review",
            content_type=ContentType.objects.get_or_create(
                app_label="library", model="animatorreviewtask"
            )[0],
        )
        expert_task = ExpertReviewTask.objects.create(
            name="Expert review (when asked)",
            content_type=ContentType.objects.get_or_create(
                app_label="library", model="expertreviewtask"
            )[0],
        )
        expert_task.groups.add(experts)
        WorkflowTask.objects.create(workflow=workflow, task=animator_task, sort_order=0)
        WorkflowTask.objects.create(workflow=workflow, task=expert_task, sort_order=1)
        if index is not None:
            WorkflowPage.objects.update_or_create(page_id=index.pk, defaults={"workflow": workflow})


def backwards(apps, schema_editor):
    apps.get_model("wagtailcore.Workflow").objects.filter(name="Practice sheet review").delete()
    apps.get_model("library.LibraryIndexPage").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [
        ("library", "0001_library_pages_documents_adoptions"),
        ("community", "0004_home_page"),
        ("wagtailcore", "0098_apitoken"),
        ("wagtailadmin", "0001_create_admin_access_permissions"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
