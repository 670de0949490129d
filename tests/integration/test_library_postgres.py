"""The practice library on PostgreSQL: the index's query count does not grow with the library,
the full-text search is served by the library's index on Wagtail's search entries, and
concurrent adoptions and reviews leave exactly one row, one publication.

The query count is measured on libraries written by the bench's bulk seeder
(`bench/_library_seed.py`: items of every kind, their facets, translations and search index), at
10 items and again after 90 more, for the plain index, combined facets, a search with a facet
and the htmx partial, each answered from scratch and from what the index keeps.

"At the same moment" means: each call runs in its own thread with its own database connection,
opened first; a barrier then releases the threads together, so their transactions overlap and
the services' row locks decide (as in `test_event_concurrency.py`). Several rounds each.
Transactional tests empty the database after each test, Wagtail's tree and what the library's
migrations made included: `library_index` makes them again, through the migrations' own
functions, when they are gone.
"""

import importlib
import re
import threading
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlencode

import pytest
from django.apps import apps
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, connections
from django.test import Client
from django.test.utils import CaptureQueriesContext
from wagtail.models import Collection, Locale, Page, PageLogEntry, TaskState, WorkflowState

from bench._library_seed import seed_library
from community.library.models import (
    Adoption,
    AnimatorReviewTask,
    LibraryIndexPage,
    PracticeSheetPage,
    PracticeStep,
)
from community.library.services.adoptions import adoption_declare
from community.library.services.contributions import review_decide, sheet_save, sheet_submit
from community.models import Theme
from tests.factories import ClusterFactory, OrganisationFactory, UserFactory

pytestmark = pytest.mark.services

ROUNDS = 5


@pytest.fixture(autouse=True)
def _postgresql_only():
    assert connection.vendor == "postgresql", "run with make test-services (PostgreSQL)"


def library_world() -> LibraryIndexPage:
    """The library index, its review workflow and the vocabularies, made again by the
    migrations' own functions when an earlier transactional test emptied the database."""
    index = LibraryIndexPage.objects.first()
    if index is not None:
        return index
    locale, _created = Locale.objects.get_or_create(language_code="fr")
    if Page.get_first_root_node() is None:
        Page.add_root(instance=Page(title="Root", locale=locale))
    if Collection.get_first_root_node() is None:
        Collection.add_root(name="Root")
    for module, function in (
        ("community.migrations.0003_vocabulary", "create_terms"),
        ("community.migrations.0004_home_page", "create_home_page"),
        ("community.library.migrations.0002_library_index_workflow_collections", "forwards"),
    ):
        getattr(importlib.import_module(module), function)(apps, None)
    return LibraryIndexPage.objects.get()


# --- The index's query count -------------------------------------------------------------------


def index_paths(seeded) -> dict[str, str]:
    """The index with the most used facets of a seeded library, and a word of one of its
    sheets: query strings that find items."""
    themes, country = seeded.themes[:2], seeded.countries[0]
    title = PracticeSheetPage.objects.live().order_by("pk").values_list("title", flat=True)[0]
    word = max(re.findall(r"\w{6,}", title), key=len)
    return {
        "plain": "/library/",
        "facets": "/library/?"
        + urlencode([("theme", t) for t in themes] + [("country", country), ("kind", "sheet")]),
        "search": "/library/?" + urlencode([("q", word), ("kind", "sheet")]),
        "partial": "/library/?" + urlencode([("theme", themes[0]), ("kind", "sheet")]),
    }


def index_queries(client, paths: dict[str, str]) -> dict[str, tuple[int, int]]:
    """Queries of each request answered from scratch, then answered from what the index keeps,
    the caches filled (site, content types) as on a live server. The bulk seeder publishes
    without Wagtail's signals: the index is told here that the library changed."""
    from community.library.selectors import library_changed

    counts = {}
    for name, path in paths.items():
        headers = {"HTTP_HX_REQUEST": "true"} if name == "partial" else {}
        client.get(path, **headers)
        library_changed()
        with CaptureQueriesContext(connection) as computed:
            response = client.get(path, **headers)
        assert response.status_code == 200, path
        # Every query string finds items, so each count includes the cards' queries.
        assert response.context["results"].total > 0, path
        with CaptureQueriesContext(connection) as kept:
            again = client.get(path, **headers)
        assert again.context["results"].total == response.context["results"].total
        counts[name] = (len(computed), len(kept))
    return counts


@pytest.mark.django_db
def test_the_index_runs_the_same_queries_for_ten_items_and_for_a_hundred(client, member):
    library_world()
    client.force_login(member)
    seeded = seed_library(items=10, translations=0.2, organisations=5, progress=lambda _m: None)
    assert seeded.items + seeded.translations == 12
    paths = index_paths(seeded)
    at_ten = index_queries(client, paths)

    seed_library(items=90, translations=0.1, organisations=5, seed=7, progress=lambda _m: None)
    assert LibraryIndexPage.objects.get().get_children().live().count() == 12 + 99
    at_a_hundred = index_queries(client, paths)

    assert at_a_hundred == at_ten
    assert all(kept < computed for computed, kept in at_ten.values())


@pytest.mark.django_db
def test_the_search_matches_through_the_index_on_wagtails_own_expression():
    """Migration 0003 indexes `title || body` of the search entries: the index serves the
    search only while that is exactly the expression Wagtail's backend matches against."""
    from community.library import selectors

    found = selectors._full_text("tutorat", selectors.LibraryItem.objects.live())
    sql, _params = found[: selectors.SEARCH_WINDOW].get_queryset().query.sql_with_params()
    assert " @@ " in sql, sql
    # The match's left operand: the parenthesised expression just before the operator.
    head = sql[: sql.index(" @@ ")]
    depth, start = 0, len(head)
    while start:
        start -= 1
        depth += {")": 1, "(": -1}.get(head[start], 0)
        if depth == 0:
            break
    expression = head[start:]
    assert "wagtailsearch_indexentry" in expression, sql
    with connection.cursor() as cursor:
        # Neither reading every entry nor walking another index: only an index on that very
        # expression can serve the match.
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_indexscan = off")
        # The expression is Wagtail's own SQL.
        query = f"EXPLAIN SELECT id FROM wagtailsearch_indexentry WHERE {expression} @@ %s"  # noqa: S608
        cursor.execute(query, ["tutorat"])
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "Bitmap Index Scan on library_search_title_body_gin" in plan, plan


# --- Races -------------------------------------------------------------------------------------


def _run(barrier: threading.Barrier, call):
    try:
        connections["default"].ensure_connection()  # connecting is not part of the race
        barrier.wait(timeout=60)
        return "ok", call()
    except (ValidationError, PermissionDenied) as refusal:
        return "refused", refusal
    except Exception as error:  # Reported by race(): any other failure fails the test.
        return "error", error
    finally:
        connections.close_all()


def race(calls) -> list[tuple[str, object]]:
    """Run the calls at once, each in its own thread and connection; ("ok", result) or
    ("refused", error) for each, in the order of `calls`."""
    barrier = threading.Barrier(len(calls))
    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        futures = [pool.submit(_run, barrier, call) for call in calls]
        outcomes = [future.result(timeout=120) for future in futures]
    errors = [value for kind, value in outcomes if kind == "error"]
    assert not errors, f"unexpected failures: {errors!r}"
    return outcomes


@pytest.fixture
def library_index(transactional_db):
    return library_world()


def published_sheet(index, *, owner) -> PracticeSheetPage:
    page = PracticeSheetPage(
        title="Des binômes pour les nouvelles recrues",
        slug=f"binomes-{PracticeSheetPage.objects.count() + 1}",
        summary="Chaque nouvelle recrue a une marraine dans l'atelier.",
        observation="<p>Les nouvelles recrues partaient avant la fin de leur essai.</p>",
        owner=owner,
    )
    page.steps.add(PracticeStep(title="Former les marraines", sort_order=0))
    index.add_child(instance=page)
    page.save_revision(user=owner).publish()
    return PracticeSheetPage.objects.get(pk=page.pk)


def test_two_members_of_one_organisation_adopting_at_once_make_one_adoption(library_index):
    author = UserFactory()
    for _round in range(ROUNDS):
        sheet = published_sheet(library_index, owner=author)
        organisation = OrganisationFactory()
        first = UserFactory(profile__organisation=organisation)
        second = UserFactory(profile__organisation=organisation)

        outcomes = race(
            [
                lambda member=first, sheet=sheet: adoption_declare(
                    by=member, practice=sheet, status=Adoption.Status.ADOPTING, note="Lancé."
                ),
                lambda member=second, sheet=sheet: adoption_declare(
                    by=member, practice=sheet, status=Adoption.Status.ADOPTED
                ),
            ]
        )

        assert [kind for kind, _value in outcomes] == ["ok", "ok"]
        rows = list(Adoption.objects.filter(practice=sheet))
        assert len(rows) == 1
        adoption = rows[0]
        assert adoption.organisation == organisation
        # The second to get the organisation's lock updated the first one's row in place.
        assert {adoption.pk} == {value.pk for _kind, value in outcomes}
        assert (adoption.declared_by, adoption.status) in {
            (first, Adoption.Status.ADOPTING),
            (second, Adoption.Status.ADOPTED),
        }


def test_two_members_posting_the_adoption_form_at_once_both_get_the_sheet_back(library_index):
    author = UserFactory()
    for _round in range(ROUNDS):
        sheet = published_sheet(library_index, owner=author)
        organisation = OrganisationFactory()
        members = [UserFactory(profile__organisation=organisation) for _ in range(2)]
        clients = []
        for member in members:
            client = Client()
            client.force_login(member)
            clients.append(client)

        outcomes = race(
            [
                lambda client=client, sheet=sheet: client.post(
                    f"/library/adopt/{sheet.pk}/",
                    {"adoption-status": Adoption.Status.ADOPTED, "adoption-show_publicly": "on"},
                )
                for client in clients
            ]
        )

        # No error page: both are sent back to the sheet, where the declaration shows.
        assert [(kind, response.status_code) for kind, response in outcomes] == [
            ("ok", 302),
            ("ok", 302),
        ]
        assert {response["Location"] for _kind, response in outcomes} == {f"{sheet.url}#adoption"}
        assert Adoption.objects.filter(practice=sheet, organisation=organisation).count() == 1


def submitted_sheet(author) -> PracticeSheetPage:
    theme = Theme.objects.get(slug="recruitment")
    draft = sheet_save(
        by=author,
        fields={
            "title": "Un tutorat pour les soudeuses",
            "summary": "Chaque soudeuse débutante a une tutrice pendant six mois.",
            "observation": "Les débutantes quittaient l'atelier avant la fin de leur essai.",
            "themes": [theme],
        },
        steps=[{"title": "Former les tutrices"}],
    )
    sheet_submit(by=author, page=draft)
    return PracticeSheetPage.objects.get(pk=draft.pk)


def test_two_reviewers_approving_at_once_publish_the_sheet_once(library_index):
    cluster = ClusterFactory()
    first, second = UserFactory(), UserFactory()
    cluster.animators.add(first, second)
    for _round in range(ROUNDS):
        author = UserFactory()
        sheet = submitted_sheet(author)
        assert not sheet.live

        outcomes = race(
            [
                lambda reviewer=reviewer, sheet=sheet: review_decide(
                    by=reviewer, page=sheet, action=AnimatorReviewTask.APPROVE
                )
                for reviewer in (first, second)
            ]
        )

        kinds = sorted(kind for kind, _value in outcomes)
        assert kinds == ["ok", "refused"]
        refusal = next(value for kind, value in outcomes if kind == "refused")
        assert isinstance(refusal, ValidationError)
        assert refusal.code == "not_in_review"
        assert refusal.messages == ["This sheet is not awaiting review."]

        sheet = PracticeSheetPage.objects.get(pk=sheet.pk)
        assert sheet.live
        assert PageLogEntry.objects.filter(page=sheet, action="wagtail.publish").count() == 1
        workflow = WorkflowState.objects.for_instance(sheet).get()
        assert workflow.status == WorkflowState.STATUS_APPROVED
        approvals = TaskState.objects.filter(
            workflow_state=workflow, task__in=AnimatorReviewTask.objects.all()
        )
        assert [state.status for state in approvals] == [TaskState.STATUS_APPROVED]
