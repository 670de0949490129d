"""Browsing the library: facets that combine with disjunctive counts, search, one version per
practice in the reader's language, drafts nowhere, a constant number of queries, answers kept
between requests until the library changes, htmx."""

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation
from wagtail.models import Locale

from community.library import selectors
from community.library.models import (
    InterviewPage,
    LibraryItem,
    PracticeStep,
    ToolboxItemPage,
    VideoCapsulePage,
)
from community.models import Sector, Theme

pytestmark = pytest.mark.django_db


class Query(dict):
    """A query string as `request.GET` gives it: `getlist` for the repeated parameters."""

    def getlist(self, name):
        value = self.get(name, [])
        return value if isinstance(value, list) else [value]


def browse(language="fr", **params):
    with translation.override(language):
        filters = selectors.LibraryFilters.from_query(Query(params))
        return selectors.browse(filters=filters, page_number=params.get("page", 1))


def titles(results) -> list[str]:
    return sorted(item.title for item in results.page.object_list)


def counts(results, name) -> dict[str, int]:
    facet = next((facet for facet in results.facets if facet.name == name), None)
    return {value.value: value.count for value in facet.values} if facet else {}


def translate(page, *, title, **fields):
    """The English version of `page`: a live copy in the `en` locale sharing its key."""
    copy = page.copy(
        to=page.get_parent(),
        update_attrs={
            "locale": Locale.objects.get(language_code="en"),
            "slug": f"{page.slug}-en",
            "title": title,
            "translation_source_published_at": page.last_published_at,
            **fields,
        },
        keep_live=True,
        reset_translation_key=False,
    )
    copy.save_revision().publish()
    return LibraryItem.objects.get(pk=copy.pk)


@pytest.fixture
def make_french_sheet(make_sheet):
    """An original written in French, as the clusters write them (tests run in English)."""

    def make(**fields):
        return make_sheet(locale=Locale.objects.get(language_code="fr"), **fields)

    return make


@pytest.fixture
def themes(db):
    return {theme.slug: theme for theme in Theme.objects.all()}


@pytest.fixture
def catalogue(make_sheet, make_item, themes):
    """Five items whose counts below are worked out by hand."""
    recruitment, digital = themes["recruitment"], themes["digital"]
    industry = Sector.objects.first()
    return {
        "A": make_sheet(
            title="A",
            themes=[recruitment],
            sectors=[industry],
            country="FR",
            region="Bretagne",
            actor_type="cluster",
        ),
        "B": make_sheet(
            title="B",
            themes=[recruitment, digital],
            country="FR",
            region="Hauts-de-France",
            actor_type="sme",
        ),
        "C": make_item(InterviewPage, title="C", themes=[digital], country="BE", actor_type="sme"),
        "D": make_item(
            VideoCapsulePage,
            title="D",
            themes=[recruitment],
            country="FR",
            region="Bretagne",
            actor_type="school",
        ),
        "E": make_item(ToolboxItemPage, title="E"),
    }


# --- Facets ------------------------------------------------------------------------------------


def test_without_filters_every_live_item_is_listed_with_every_count(catalogue):
    results = browse()
    assert titles(results) == ["A", "B", "C", "D", "E"]
    assert results.total == 5
    assert counts(results, "theme") == {"recruitment": 3, "digital": 2}
    assert counts(results, "country") == {"FR": 3, "BE": 1}
    assert counts(results, "kind") == {"sheet": 2, "interview": 1, "video": 1, "toolbox": 1}
    assert counts(results, "actor") == {"cluster": 1, "sme": 2, "school": 1}
    assert counts(results, "sector") == {Sector.objects.first().slug: 1}
    assert "region" not in {facet.name for facet in results.facets}  # no country chosen yet


def test_a_facet_counts_with_the_other_facets_filters_but_not_its_own(catalogue):
    results = browse(theme="recruitment")
    assert titles(results) == ["A", "B", "D"]
    # The theme facet ignores the theme filter: ticking "digital" too would add C.
    assert counts(results, "theme") == {"recruitment": 3, "digital": 2}
    # The others count within the chosen theme; values without items are hidden.
    assert counts(results, "kind") == {"sheet": 2, "video": 1}
    assert counts(results, "country") == {"FR": 3}
    assert counts(results, "actor") == {"cluster": 1, "sme": 1, "school": 1}


def test_values_of_one_facet_add_up_and_facets_narrow_each_other(catalogue):
    assert titles(browse(theme=["recruitment", "digital"])) == ["A", "B", "C", "D"]
    results = browse(theme=["recruitment", "digital"], kind=["sheet", "interview"])
    assert titles(results) == ["A", "B", "C"]
    assert counts(results, "theme") == {"recruitment": 2, "digital": 2}
    assert counts(results, "kind") == {"sheet": 2, "interview": 1, "video": 1}
    results = browse(theme="digital", actor="sme", kind="interview")
    assert titles(results) == ["C"]
    assert counts(results, "actor") == {"sme": 1}
    assert counts(results, "theme") == {"digital": 1}


def test_a_region_narrows_its_own_country_and_the_region_facet_counts_within_the_country(
    catalogue,
):
    results = browse(country="FR", region="FR:Bretagne")
    assert titles(results) == ["A", "D"]
    assert counts(results, "region") == {"FR:Bretagne": 2, "FR:Hauts-de-France": 1}
    # France counts its chosen region; Belgium, not narrowed, would add C.
    assert counts(results, "country") == {"FR": 2, "BE": 1}
    assert counts(results, "kind") == {"sheet": 1, "video": 1}
    assert titles(browse(country=["FR", "BE"], region="FR:Bretagne")) == ["A", "C", "D"]


def test_a_selected_value_without_items_stays_shown_so_it_can_be_unticked(catalogue):
    results = browse(theme="digital", kind="video")
    assert results.total == 0
    theme_facet = next(facet for facet in results.facets if facet.name == "theme")
    digital = next(value for value in theme_facet.values if value.value == "digital")
    assert digital.selected and digital.count == 0
    assert counts(results, "kind") == {"sheet": 1, "interview": 1, "video": 0}


def test_unknown_values_are_ignored_and_never_an_error(client, catalogue):
    response = client.get(
        "/library/?theme=nope&kind=bogus&country=ZZ&region=Bretagne&region=FR:Bretagne"
        "&actor=king&sort=weird&page=abc&q=%22%27%29%3B--"
    )
    assert response.status_code == 200
    results = response.context["results"]
    assert results.filters == selectors.LibraryFilters(query="\"');--")
    assert not results.searching  # no word in it
    assert results.total == 5


def test_the_index_page_renders_facets_as_fieldsets_with_counts_read_aloud(client, catalogue):
    content = client.get("/library/?theme=recruitment", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert '<fieldset class="facet facet-theme">' in content
    assert 'id="facet-theme-recruitment" name="theme" value="recruitment" checked' in content
    assert '<span class="visually-hidden">, 3 items</span>' in content
    assert (
        'id="library-count" class="meta library-count" role="status" aria-live="polite"' in content
    )
    assert '<details class="library-facets">' in content
    assert content.count('<article class="card library-card">') == 3


def test_cards_show_the_period_of_a_sheet_and_the_duration_of_a_video(
    client, make_sheet, make_item
):
    make_sheet(title="Fiche", start_year=2021, end_year=2023)
    make_item(VideoCapsulePage, title="Capsule")
    content = client.get("/library/").content.decode()
    assert "2021–2023" in content
    assert "3 min 20 s" in content


# --- Sorting and pages -------------------------------------------------------------------------


def test_results_are_newest_first_or_by_title(make_sheet):
    for title in ("Bravo", "Alpha", "Charlie"):
        make_sheet(title=title)
    assert [i.title for i in browse().page.object_list] == ["Charlie", "Alpha", "Bravo"]
    ordered = browse(sort="title").page.object_list
    assert [i.title for i in ordered] == ["Alpha", "Bravo", "Charlie"]


def test_results_come_24_to_a_page(client, make_sheet):
    for _ in range(25):
        make_sheet()
    response = client.get("/library/?page=2")
    assert len(response.context["results"].page.object_list) == 1
    assert 'rel="prev" href="?page=1"' in response.content.decode()


# --- Search ------------------------------------------------------------------------------------


def test_search_finds_words_in_a_sheets_body_and_in_its_steps(make_sheet, catalogue):
    make_sheet(title="Observation", observation="<p>Les techniciennes restent rares.</p>")
    make_sheet(
        title="Étapes",
        steps=[PracticeStep(title="Parrainage", description="Un binôme de marraines.")],
    )
    assert titles(browse(q="techniciennes")) == ["Observation"]
    assert titles(browse(q="marraines")) == ["Étapes"]
    results = browse(q="marraines", kind="interview")
    assert results.total == 0
    assert counts(results, "kind") == {"sheet": 1, "interview": 0}


def test_a_step_written_just_before_publishing_is_found_by_search(make_sheet, member):
    draft = make_sheet(title="Vestiaires", publish=False, owner=member)
    draft.steps.add(
        PracticeStep(title="Aménager", description="Des vestiaires pour chaudronnières.")
    )
    draft.save_revision(user=member).publish()
    assert titles(browse(q="chaudronnières")) == ["Vestiaires"]


def test_search_counts_facets_over_the_matches_only(make_sheet, themes):
    make_sheet(title="Un", summary="Mentorat des apprenties", themes=[themes["recruitment"]])
    make_sheet(title="Deux", summary="Mentorat en atelier", themes=[themes["digital"]])
    make_sheet(title="Trois", summary="Autre chose", themes=[themes["digital"]])
    results = browse(q="mentorat")
    assert titles(results) == ["Deux", "Un"]
    assert counts(results, "theme") == {"recruitment": 1, "digital": 1}
    assert results.sort == "relevance"


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"theme": "recruitment"},
        {"theme": ["recruitment", "digital"], "kind": ["sheet", "interview"]},
        {"theme": "digital", "actor": "sme", "kind": "interview"},
        {"country": "FR", "region": "FR:Bretagne"},
        {"country": ["FR", "BE"], "region": "FR:Bretagne", "actor": ["cluster", "sme"]},
        {"sector": "manufacturing", "theme": "recruitment"},
        {"theme": "digital", "kind": "video"},
    ],
)
def test_a_search_matching_every_item_counts_like_browsing_without_one(catalogue, params):
    # Browsing counts in SQL, a search counts its window in Python: the same rules.
    browsed = browse(**params)
    searched = browse(q="pratique", **params)  # every item's summary has the word
    assert searched.searching and searched.total == browsed.total
    assert titles(searched) == titles(browsed)
    for facet in browsed.facets:
        assert counts(searched, facet.name) == counts(browsed, facet.name), facet.name


def test_a_draft_is_not_found_by_search(make_sheet, member):
    make_sheet(title="Brouillon", summary="Parrainage secret", publish=False, owner=member)
    assert browse(q="parrainage").total == 0


def test_the_page_says_when_the_search_window_is_full(client, make_sheet, monkeypatch):
    monkeypatch.setattr(selectors, "SEARCH_WINDOW", 2)
    for n in range(3):
        make_sheet(title=f"Fiche {n}", summary="Mixité des métiers")
    response = client.get("/library/?q=mixité", HTTP_ACCEPT_LANGUAGE="en")
    assert response.context["results"].capped
    assert response.context["results"].total == 2
    assert "only the 2 best are listed" in response.content.decode()


# --- Languages ---------------------------------------------------------------------------------


def test_an_english_reader_gets_the_translation_instead_of_its_original(make_french_sheet, themes):
    original = make_french_sheet(title="Recruter autrement", themes=[themes["recruitment"]])
    translate(original, title="Recruiting differently")
    make_french_sheet(title="Seulement en français", themes=[themes["recruitment"]])
    english = browse("en")
    assert titles(english) == ["Recruiting differently", "Seulement en français"]
    assert counts(english, "theme") == {"recruitment": 2}
    french = browse("fr")
    assert titles(french) == ["Recruter autrement", "Seulement en français"]
    assert counts(french, "theme") == {"recruitment": 2}


def test_an_unpublished_translation_does_not_replace_its_original(make_french_sheet):
    original = make_french_sheet(title="Recruter autrement")
    translation_page = translate(original, title="Recruiting differently")
    translation_page.unpublish()
    assert titles(browse("en")) == ["Recruter autrement"]


def test_an_english_reader_finds_a_practice_by_its_french_words_and_reads_it_in_english(
    make_french_sheet,
):
    original = make_french_sheet(title="Recruter autrement", summary="Des marraines en atelier")
    translate(original, title="Recruiting differently", summary="Sponsors in the workshop")
    assert titles(browse("en", q="marraines")) == ["Recruiting differently"]
    assert titles(browse("fr", q="sponsors")) == ["Recruter autrement"]


def test_the_language_cookie_decides_which_version_the_index_shows(client, make_french_sheet):
    translate(make_french_sheet(title="Recruter autrement"), title="Recruiting differently")
    client.cookies["django_language"] = "en"
    content = client.get("/library/").content.decode()
    assert "Recruiting differently" in content and "Recruter autrement" not in content
    client.cookies["django_language"] = "fr"
    content = client.get("/library/").content.decode()
    assert "Recruter autrement" in content and "Recruiting differently" not in content


# --- Drafts ------------------------------------------------------------------------------------


def test_drafts_appear_in_no_list_and_no_count(client, make_sheet, member, themes):
    make_sheet(title="Publiée", themes=[themes["recruitment"]], country="FR")
    make_sheet(
        title="Brouillon", themes=[themes["digital"]], country="BE", publish=False, owner=member
    )
    client.force_login(member)  # even its author does not see it in the library's lists
    results = client.get("/library/").context["results"]
    assert titles(results) == ["Publiée"]
    assert counts(results, "theme") == {"recruitment": 1}
    assert counts(results, "country") == {"FR": 1}
    assert [i.title for i in selectors.latest_items(user=member, limit=5)] == ["Publiée"]
    assert [i.title for i in selectors.featured_items(user=member, limit=5)] == ["Publiée"]


# --- Latest and featured -----------------------------------------------------------------------


def test_featured_items_come_first_then_the_newest(make_sheet, open_space):
    make_sheet(title="Ancienne à la une", featured=True, spaces=[open_space])
    make_sheet(title="Récente", spaces=[open_space])
    make_sheet(title="Ailleurs")
    found = selectors.featured_items(user=None, limit=5)
    assert [i.title for i in found] == ["Ancienne à la une", "Ailleurs", "Récente"]
    in_space = selectors.featured_items(user=None, limit=5, space=open_space)
    assert [i.title for i in in_space] == ["Ancienne à la une", "Récente"]
    latest = selectors.latest_items(user=None, limit=2)
    assert [i.title for i in latest] == ["Ailleurs", "Récente"]


# --- Queries -----------------------------------------------------------------------------------


def grow(make_sheet, make_item, themes, n):
    for i in range(n):
        make_sheet(
            themes=[themes["recruitment"], themes["digital"]],
            sectors=list(Sector.objects.all()[:2]),
            country="FR" if i % 2 else "BE",
            region="Bretagne" if i % 3 else "Wallonie",
            actor_type="sme",
            start_year=2020,
            summary="Mixité des métiers",
        )
        make_item(VideoCapsulePage, themes=[themes["digital"]], summary="Mixité en vidéo")


def queries_of(client, url) -> tuple[int, int]:
    """Queries of a request the index answers from scratch, then of the same request answered
    from what it kept."""
    selectors.library_changed()
    with CaptureQueriesContext(connection) as computed:
        client.get(url)
    with CaptureQueriesContext(connection) as kept:
        client.get(url)
    return len(computed), len(kept)


@pytest.mark.parametrize(
    ("url", "pin", "pin_kept"),
    [
        # Wagtail's routing (7), the vocabularies (2), the unseen items, every count in one
        # query, the page, its cards' themes; kept: neither the unseen items nor the counts.
        ("/library/", 13, 11),
        # Every facet filtered: the same queries.
        (
            "/library/?theme=recruitment&theme=digital&sector=manufacturing&country=FR"
            "&region=FR:Bretagne&actor=sme&kind=sheet&sort=title",
            13,
            11,
        ),
        # A search: the window of matches, their facets, their themes and sectors, in place of
        # the unseen items and the counts; kept: none of them.
        ("/library/?q=mixité&theme=digital", 14, 11),
    ],
)
def test_the_index_keeps_its_query_count_when_items_grow_tenfold(
    client, make_sheet, make_item, themes, django_assert_max_num_queries, url, pin, pin_kept
):
    grow(make_sheet, make_item, themes, 2)
    client.get(url)  # the search backend's one-off checks
    small, small_kept = queries_of(client, url)
    grow(make_sheet, make_item, themes, 18)
    client.get(url)  # warm the caches the growth emptied (site root paths)
    selectors.library_changed()
    with django_assert_max_num_queries(small):
        response = client.get(url)
    with django_assert_max_num_queries(small_kept):
        assert client.get(url).context["results"].total == response.context["results"].total
    assert response.context["results"].total > 0
    assert small <= pin and small_kept <= pin_kept


# --- What the index keeps between requests -----------------------------------------------------


def test_the_index_shows_a_publication_unpublication_or_deletion_at_once(make_sheet, themes):
    first = make_sheet(title="Première", themes=[themes["recruitment"]], summary="Mentorat")
    assert titles(browse()) == titles(browse(q="mentorat")) == ["Première"]
    assert counts(browse(), "theme") == {"recruitment": 1}

    second = make_sheet(title="Seconde", themes=[themes["digital"]], summary="Mentorat")
    assert titles(browse()) == titles(browse(q="mentorat")) == ["Première", "Seconde"]
    assert counts(browse(), "theme") == {"recruitment": 1, "digital": 1}

    second.unpublish()
    assert titles(browse()) == titles(browse(q="mentorat")) == ["Première"]
    assert counts(browse(), "theme") == {"recruitment": 1}

    first.delete()
    assert browse().total == browse(q="mentorat").total == 0
    assert counts(browse(), "theme") == {}


def test_the_index_forgets_what_it_kept_again_once_a_publication_is_committed(
    make_sheet, django_capture_on_commit_callbacks
):
    # A request between the publication and its commit may have kept the rows as they were.
    with django_capture_on_commit_callbacks(execute=True):
        make_sheet(title="Nouvelle")
        during = cache.get(selectors.GENERATION_KEY)
    assert cache.get(selectors.GENERATION_KEY) not in (None, during)


def test_an_answer_kept_is_the_answer_computed(catalogue):
    params = {"theme": "recruitment", "country": "FR", "region": "FR:Bretagne"}
    computed, kept = browse(**params), browse(**params)
    assert titles(kept) == titles(computed) and kept.total == computed.total
    assert kept.facets == computed.facets
    computed, kept = browse(q="pratique", kind="sheet"), browse(q="pratique", kind="sheet")
    assert titles(kept) == titles(computed) and kept.facets == computed.facets


# --- htmx --------------------------------------------------------------------------------------


def test_htmx_gets_the_results_with_the_facets_and_the_count_out_of_band(client, catalogue):
    response = client.get("/library/?theme=digital", HTTP_HX_REQUEST="true")
    content = response.content.decode()
    assert "<html" not in content
    assert '<div id="library-facets" hx-swap-oob="true">' in content
    assert '<p id="library-count" hx-swap-oob="innerHTML">' in content
    assert content.count('<article class="card library-card">') == 2
    assert "HX-Request" in response["Vary"]


def test_an_htmx_history_restore_gets_the_whole_page(client, catalogue):
    response = client.get(
        "/library/?theme=digital", HTTP_HX_REQUEST="true", HTTP_HX_HISTORY_RESTORE_REQUEST="true"
    )
    content = response.content.decode()
    assert "<html" in content
    assert "hx-swap-oob" not in content


def test_the_form_updates_in_place_and_still_submits_without_javascript(client, catalogue):
    content = client.get("/library/").content.decode()
    assert 'hx-get="/library/" hx-target="#library-results" hx-push-url="true"' in content
    assert 'method="get" action="/library/"' in content
    assert '<button type="submit"' in content
