"""An index for the library's full-text search on PostgreSQL.

Wagtail's PostgreSQL search backend matches a query against `title || body` of its index
entries (`modelsearch.backends.database.postgres`, `get_index_vectors` combined with `||`).
The GIN indexes Wagtail makes cover each column alone, which the planner cannot use for the
concatenation: it scanned every entry, and, having no statistics for the expression, guessed
a single match and nested-looped over the pages (over a second for a frequent two-word search
in 5,000 items). An index on the very expression serves the match and gives the planner its
statistics. The expression must stay identical to the backend's for the index to be used.

Without `fastupdate`: a GIN index otherwise gathers new entries in a pending list, up to 4 MB,
that every search reads through until a vacuum merges it; entries change only when an item is
published, and searches are many more.

SQLite's backend searches an FTS5 table instead: nothing to do there.
"""

from django.db import migrations

INDEX = "library_search_title_body_gin"


def create_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {INDEX} ON wagtailsearch_indexentry "
            'USING gin (("title" || "body")) WITH (fastupdate = off)'
        )


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    dependencies = [
        ("library", "0002_library_index_workflow_collections"),
        ("wagtailsearch", "0010_add_text_fields"),
    ]

    operations = [migrations.RunPython(create_index, drop_index, elidable=False)]
