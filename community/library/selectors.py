"""Reads for the practice library: browsing with facets and counts, search, and the latest and
featured items other pages show.

Published items are public, so every read keeps to the live items: a draft, a submitted sheet or
an unpublished translation never shows in a list, a count or a feed.

One card per practice. An item and its translations share a `translation_key`; the reader gets
the version in their language when it is published, else the other one. Lists filter with that
rule in SQL (`for_reader`). The index, which counts every facet, first reads the few items the
reader is not shown (`_unseen_ids`: the drafts, and the other version of each translated
practice), so that its counts read the item table and its facet tables alone: joining the page
and locale tables into every count cost several times more.

Browsing costs a fixed number of queries whatever the data and the filters: the two
vocabularies, the unseen items, one query for every count (each facet's aggregate a part of a
UNION ALL), the page of results and what its cards show (themes, cover renditions). A search
reads, in place of the unseen items and the counts, its window of best matches and their facet
values (two queries), and counts them here. Counts are disjunctive: a facet counts with every
filter but its own, so each value's count is what the reader gets by ticking it too (values of
one facet combine with OR, facets with AND).

The index keeps the unseen items of each language, the counts of each combination of filters
and each search's window until the library changes (`_cached`, `library_changed`): a request
asked before costs the vocabularies, the page and its cards alone.
"""

import hashlib
import re
from collections import Counter
from dataclasses import dataclass, field, replace
from datetime import datetime
from uuid import UUID, uuid4

from django.conf import settings
from django.core.cache import cache
from django.core.paginator import Page as PaginatorPage
from django.core.paginator import Paginator
from django.db import connection, transaction
from django.db.models import (
    BooleanField,
    CharField,
    Count,
    Exists,
    F,
    Func,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Lower
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from wagtail.coreutils import get_supported_content_language_variant
from wagtail.images import get_image_model
from wagtail.models import Locale, Page
from wagtail.search.backends import get_search_backend

from community.countries import COUNTRIES
from community.library.models import LibraryItem, PracticeSheetPage, VideoCapsulePage
from community.models import Sector, Space, Theme

PAGE_SIZE = 24
# The best-ranked matches a search lists and counts; the page says when more matched. Ranking
# reads the index entry of every match whatever the window, but each item in the window costs
# its facet values and its share of the counts.
SEARCH_WINDOW = 200
MAX_VALUES = 40  # values of one facet read from a query string; more is not a reader's choice
CARD_RENDITION = "fill-480x270"  # the cover size `includes/library_card.html` asks for

COUNTRY_NAMES = dict(COUNTRIES)
SORTS = ("newest", "title")

ItemTheme = LibraryItem.themes.through
ItemSector = LibraryItem.sectors.through


# --- Whose version -----------------------------------------------------------------------------


def reader_language() -> str:
    """The content language of the request being served ("fr" or "en")."""
    try:
        return get_supported_content_language_variant(get_language() or settings.LANGUAGE_CODE)
    except LookupError:
        return settings.LANGUAGE_CODE


def for_reader(items: QuerySet[LibraryItem]) -> QuerySet[LibraryItem]:
    """One version of each practice: the reader's language when published, else the other.

    The platform has two content languages, so "the other" is a single page (a translation key
    has at most one page per locale). A correlated EXISTS suits the lists, which stop after a
    few rows; `_unseen_ids` states the same rule for a whole scan.
    """
    language = reader_language()
    in_language = Page.objects.filter(
        live=True, translation_key=OuterRef("translation_key"), locale__language_code=language
    )
    return items.filter(Q(locale__language_code=language) | ~Exists(in_language))


def published_items() -> QuerySet[LibraryItem]:
    return for_reader(LibraryItem.objects.live())


def _unseen_ids(language: str) -> list[int]:
    """The library items a reader of `language` is never shown: the unpublished ones, and the
    version in the other language of a practice published in theirs (what `for_reader` leaves
    out of the live items). Their number grows with the drafts and the translations, not with
    the published originals.

    Over the whole table, matching the keys against one hashed set of the keys published in
    the reader's language is cheaper than `for_reader`'s EXISTS, and the locale's id is read
    once by a subquery rather than joined into the conditions.
    """
    locale = Subquery(Locale.objects.filter(language_code=language).values("pk")[:1])
    published_keys = Page.objects.filter(live=True, locale_id=locale).values("translation_key")
    other_version = ~Q(locale_id=locale) & Q(translation_key__in=published_keys)
    return list(
        LibraryItem.objects.filter(Q(live=False) | other_version)
        .order_by()
        .values_list("pk", flat=True)
    )


def with_card_fields(items: QuerySet[LibraryItem]) -> QuerySet[LibraryItem]:
    """What `includes/library_card.html` shows, without a query per card: the period of a
    sheet and the duration of a video (read from their tables), the themes and the cover's
    rendition (prefetched). Call `decorate_cards` on the rows."""
    covers = get_image_model().objects.prefetch_renditions(CARD_RENDITION)
    sheet = PracticeSheetPage.objects.filter(pk=OuterRef("pk"))
    video = VideoCapsulePage.objects.filter(pk=OuterRef("pk"))
    # Subqueries rather than joins: the paginator's count drops them, and only the page's own
    # rows pay for them.
    return items.annotate(
        start_year=Subquery(sheet.values("start_year")[:1]),
        end_year=Subquery(sheet.values("end_year")[:1]),
        duration=Subquery(video.values("duration")[:1]),
    ).prefetch_related("themes", Prefetch("cover_image", queryset=covers))


def decorate_cards(items) -> list[LibraryItem]:
    """Give rows of `with_card_fields` the labels the kinds' own pages have."""
    rows = list(items)
    for item in rows:
        # The kinds' properties read only the annotated columns, so they serve these rows too.
        # Every row gets both labels: a template looking up a missing attribute is slow.
        item.period_label = item.duration_label = ""
        if item.kind == LibraryItem.Kind.SHEET:
            item.period_label = PracticeSheetPage.period_label.fget(item)
        elif item.kind == LibraryItem.Kind.VIDEO and item.duration:
            item.duration_label = VideoCapsulePage.duration_label.fget(item)
    return rows


# --- Home and space pages, feeds ---------------------------------------------------------------


def _placed(space: Space | None, theme: Theme | None = None) -> QuerySet[LibraryItem]:
    items = published_items()
    if space is not None:
        items = items.filter(spaces=space)
    if theme is not None:
        items = items.filter(themes=theme)
    return with_card_fields(items)


def latest_items(
    *, user, limit: int, space: Space | None = None, theme: Theme | None = None
) -> list[LibraryItem]:
    """The newest published items, everywhere, in one space or on one theme (feeds).

    Published items are public, so `user` changes nothing today; callers name the reader so
    that a later rule on who reads what has one place to go.
    """
    items = _placed(space, theme).order_by("-first_published_at", "-pk")[:limit]
    return decorate_cards(items)


def featured_items(*, user, limit: int, space: Space | None = None) -> list[LibraryItem]:
    """Featured items first, then the newest, up to `limit` (one query and the cards' own)."""
    items = _placed(space).order_by("-featured", "-first_published_at", "-pk")[:limit]
    return decorate_cards(items)


# --- Browsing ----------------------------------------------------------------------------------


def search_words(text: str) -> list[str]:
    return re.findall(r"\w+", text or "")


def _values(query, name: str, max_length: int = 60) -> list[str]:
    seen: list[str] = []
    for value in query.getlist(name)[:MAX_VALUES]:
        value = value.strip()[:max_length]
        if value and value not in seen:
            seen.append(value)
    return seen


def _choices(query, name: str, allowed) -> tuple[str, ...]:
    return tuple(value for value in _values(query, name) if value in allowed)


@dataclass(frozen=True)
class LibraryFilters:
    """What the reader asked for, from the query string. Unknown values are dropped, never an
    error; theme and sector slugs are checked against the vocabularies by `browse`."""

    query: str = ""
    themes: tuple[str, ...] = ()
    sectors: tuple[str, ...] = ()
    countries: tuple[str, ...] = ()
    # "FR:Bretagne": a region inside one of the chosen countries (a region alone means nothing).
    regions: tuple[str, ...] = ()
    actor_types: tuple[str, ...] = ()
    kinds: tuple[str, ...] = ()
    sort: str = ""  # "": by relevance when searching, else newest; or one of SORTS

    @classmethod
    def from_query(cls, query) -> "LibraryFilters":
        countries = _choices(query, "country", COUNTRY_NAMES)
        regions = tuple(
            value
            for value in _values(query, "region", max_length=110)
            if value[:2] in countries and value[2:3] == ":" and value[3:].strip()
        )
        sort = query.get("sort", "")
        return cls(
            query=(query.get("q") or "").strip()[:200],
            themes=tuple(_values(query, "theme")),
            sectors=tuple(_values(query, "sector")),
            countries=countries,
            regions=regions,
            actor_types=_choices(query, "actor", LibraryItem.ActorType.values),
            kinds=_choices(query, "kind", LibraryItem.Kind.values),
            sort=sort if sort in SORTS else "",
        )

    @property
    def words(self) -> str:
        """The search as words only: the SQLite full-text syntax would choke on a stray quote
        or operator."""
        return " ".join(search_words(self.query))[:200]

    @property
    def facets_key(self) -> tuple:
        """What the counts depend on: the values of each facet, in any order."""
        return tuple(
            tuple(sorted(values))
            for values in (
                self.themes,
                self.sectors,
                self.countries,
                self.regions,
                self.actor_types,
                self.kinds,
            )
        )

    def regions_by_country(self) -> dict[str, list[str]]:
        chosen: dict[str, list[str]] = {}
        for value in self.regions:
            chosen.setdefault(value[:2], []).append(value[3:])
        return chosen


@dataclass(frozen=True)
class FacetValue:
    value: str
    label: str
    count: int
    selected: bool


@dataclass(frozen=True)
class Facet:
    name: str  # the query parameter
    legend: str
    values: list[FacetValue]


@dataclass
class LibraryResults:
    filters: LibraryFilters
    page: PaginatorPage  # of LibraryItem rows ready for `includes/library_card.html`
    facets: list[Facet]
    searching: bool = False
    capped: bool = False  # the search filled its window: more may match than are listed
    selected_themes: list[Theme] = field(default_factory=list)

    @property
    def total(self) -> int:
        return self.page.paginator.count

    @property
    def sort(self) -> str:
        if self.filters.sort:
            return self.filters.sort
        return "relevance" if self.searching else "newest"


# --- What the index keeps between requests ----------------------------------------------------

# Each entry names the library's generation, which changes whenever an item is published,
# unpublished or deleted (`library_changed`, from the library's receivers): an entry is never
# read after a change. The timeout bounds what no signal announces: rows written in bulk, or,
# in the embedded mode, a publication by another process (a management command), whose memory
# cache is its own.
CACHE_SECONDS = 300
GENERATION_KEY = "library:generation"


def library_changed() -> None:
    """Forget what the index keeps: an item was published, unpublished or deleted.

    The generation changes at once, so that the writer's next reads miss, and again after
    the commit: a request that read the new generation before the commit, and the rows as
    they were, may have kept them under it.
    """

    def renew():
        cache.set(GENERATION_KEY, uuid4().hex, None)

    renew()
    transaction.on_commit(renew)


def _generation() -> str:
    """The library's generation. A request reads it once, so that all it keeps belongs to the
    one it started under, even if a publication comes in between."""
    generation = cache.get(GENERATION_KEY)
    if generation is None:
        cache.add(GENERATION_KEY, uuid4().hex, None)
        generation = cache.get(GENERATION_KEY)
    return generation


def _cached(generation: str, key: tuple, compute):
    """`compute()`, kept for the library's `generation` under `key` (a tuple of plain values)."""
    digest = hashlib.sha256(repr((generation, *key)).encode()).hexdigest()[:32]
    name = f"library:browse:{digest}"
    found = cache.get(name)
    if found is None:
        found = compute()
        cache.set(name, found, CACHE_SECONDS)
    return found


def _full_text(words: str, candidates: QuerySet):
    """Wagtail's full-text search over `candidates`, ranked by relevance on PostgreSQL.

    SQLite's backend scores relevance with a subquery per match, whose cost grows with the square
    of the matches; there, the embedded mode lists the newest matches first instead.
    """
    backend = get_search_backend()
    if connection.vendor == "postgresql":
        return backend.search(words, candidates)
    return backend.search(
        words, candidates.order_by("-first_published_at"), order_by_relevance=False
    )


def browse(*, filters: LibraryFilters, page_number=1) -> LibraryResults:
    """The library's index: one page of items and every facet with its counts."""
    themes = list(Theme.objects.all())
    sectors = list(Sector.objects.all())
    theme_ids = {theme.slug: theme.pk for theme in themes}
    sector_ids = {sector.slug: sector.pk for sector in sectors}
    filters = replace(
        filters,
        themes=tuple(slug for slug in filters.themes if slug in theme_ids),
        sectors=tuple(slug for slug in filters.sectors if slug in sector_ids),
    )
    capped = False
    if filters.words:
        page, counts, capped = _search(filters, theme_ids, sector_ids, page_number)
    else:
        page, counts = _browse(filters, theme_ids, sector_ids, page_number)
    facets = [
        _vocabulary_facet("theme", _("Theme"), themes, filters.themes, counts["theme"]),
        _vocabulary_facet("sector", _("Sector"), sectors, filters.sectors, counts["sector"]),
        _country_facet(filters, counts["country"]),
    ]
    if filters.countries:
        facets.append(_region_facet(filters, counts["region"]))
    facets += [
        _choice_facet(
            "actor",
            _("Type of actor"),
            LibraryItem.ActorType.choices,
            filters.actor_types,
            counts["actor"],
        ),
        _choice_facet(
            "kind", _("Content type"), LibraryItem.Kind.choices, filters.kinds, counts["kind"]
        ),
    ]
    return LibraryResults(
        filters=filters,
        page=page,
        facets=facets,
        searching=bool(filters.words),
        capped=capped,
        selected_themes=[theme for theme in themes if theme.slug in filters.themes],
    )


# The facets stored in one column of the item, by query parameter.
SCALAR_FACETS = {"country": "country", "actor": "actor_type", "kind": "kind"}
FACETS = ("theme", "sector", *SCALAR_FACETS, "region")


def _no_counts() -> dict[str, Counter]:
    """Counts by facet: term ids for themes and sectors, (country, region) pairs for regions,
    the stored value for the others."""
    return {name: Counter() for name in FACETS}


# --- Browsing without a search: counted in SQL -------------------------------------------------


def _browse(filters: LibraryFilters, theme_ids: dict, sector_ids: dict, page_number):
    language = reader_language()
    conditions = _conditions(filters, theme_ids, sector_ids)
    generation = _generation()
    unseen = _cached(generation, ("unseen", language), lambda: _unseen_ids(language))
    items = _excluding(LibraryItem.objects.all(), unseen)
    counts, total = _cached(
        generation,
        ("counts", language, filters.facets_key),
        lambda: _counts(items, conditions, regions=bool(filters.countries)),
    )
    results = _matching(items, conditions)
    order = [Lower("title"), "pk"] if filters.sort == "title" else ["-first_published_at", "-pk"]
    paginator = Paginator(with_card_fields(results.order_by(*order)), PAGE_SIZE)
    paginator.count = total  # known from the counts: no COUNT query
    page = paginator.get_page(page_number)
    page.object_list = decorate_cards(page.object_list)
    return page, counts


def _matching(items: QuerySet, conditions: dict[str, Q], *, but: str = "") -> QuerySet:
    """`items` under every condition but the one of facet `but`."""
    return items.filter(*(each for name, each in conditions.items() if name != but))


class _ArrayTest(Func):
    """`column = ANY('{...}'::type[])` or `column <> ALL(...)`: PostgreSQL's IN and NOT IN
    over one array literal."""

    output_field = BooleanField()
    template = "%(expressions)s %(test)s('{%(values)s}'::%(type)s[])"


def _among(column: str, values, *, negated: bool = False):
    """`column IN values` (NOT IN when `negated`), for the hundreds of ids or translation keys
    the index carries from one query to the next. Django and psycopg handle each value of a
    list as a parameter, which adds up to milliseconds a query; on PostgreSQL the values go as
    one array literal, written out here from the database's own integers and UUIDs (each made
    an `int` or a `UUID` again on the way)."""
    values = list(values)
    if connection.vendor != "postgresql" or not values:
        among = Q(**{f"{column}__in": values})
        return ~among if negated else among
    if isinstance(values[0], UUID):
        written, kind = ",".join(str(UUID(str(value))) for value in values), "uuid"
    else:
        written, kind = ",".join(str(int(value)) for value in values), "integer"
    test = "<> ALL" if negated else "= ANY"
    return _ArrayTest(F(column), test=test, values=written, type=kind)


def _excluding(items: QuerySet, ids: list[int]) -> QuerySet:
    """`items` but those of `ids` (`_counts` repeats the condition in each of its parts)."""
    return items.filter(_among("pk", ids, negated=True))


def _conditions(filters: LibraryFilters, theme_ids: dict, sector_ids: dict) -> dict[str, Q]:
    """One condition per facet in use, on the item table and its facet tables alone; `_counts`
    leaves each facet's own out of its counts. `_tests` is the same for a search's window."""
    conditions: dict[str, Q] = {}
    if filters.themes:
        chosen = ItemTheme.objects.filter(theme_id__in=[theme_ids[s] for s in filters.themes])
        conditions["theme"] = Q(pk__in=chosen.values("libraryitem_id"))
    if filters.sectors:
        chosen = ItemSector.objects.filter(sector_id__in=[sector_ids[s] for s in filters.sectors])
        conditions["sector"] = Q(pk__in=chosen.values("libraryitem_id"))
    if filters.countries:
        conditions["country"] = Q(country__in=filters.countries)
    regions = filters.regions_by_country()
    if regions:
        # A country with chosen regions narrows to them; the other chosen countries stay whole.
        within = Q()
        for country, names in regions.items():
            within |= Q(country=country, region__in=names)
        conditions["region"] = ~Q(country__in=list(regions)) | within
    if filters.actor_types:
        conditions["actor"] = Q(actor_type__in=filters.actor_types)
    if filters.kinds:
        conditions["kind"] = Q(kind__in=filters.kinds)
    return conditions


_BLANK = Value("", output_field=CharField())
_NO_TERM = Value(None, output_field=IntegerField())


def _aggregate(facet: str, items: QuerySet, *keys, term=_NO_TERM) -> QuerySet:
    """One part of `_counts`: items grouped by a term of a many-to-many facet, or by up to
    three of their columns."""
    keys = (*keys, _BLANK, _BLANK, _BLANK)[:3]
    return (
        items.order_by()
        .values(facet=Value(facet), term=term, a=keys[0], b=keys[1], c=keys[2])
        .annotate(n=Count("pk"))
        .values_list("facet", "term", "a", "b", "c", "n")
    )


def _counts(items: QuerySet, conditions: dict, *, regions: bool) -> tuple[dict[str, Counter], int]:
    """Every facet's counts and the number of results, in one query: each aggregate is a part of
    a UNION ALL with the same columns (a name, a term's id, three columns' values, a count).

    A one-column facet the reader has not filtered on counts with every filter, like the
    results: all such facets share one aggregate grouped by their columns together (a few
    hundred rows at most), whose sum is the number of results. A filtered facet gets its own
    aggregate, and when every one-column facet is filtered a last part counts the results.
    The many-to-many facets' own filters are subqueries, never joins, so each (item, term) pair
    is one row of their aggregate and a plain count is exact.
    """
    shared = [name for name in SCALAR_FACETS if name not in conditions]

    def matching(*, but: str = "") -> QuerySet:
        return _matching(items, conditions, but=but)

    parts = [
        _aggregate("theme", matching(but="theme"), term=F("themes")),
        _aggregate("sector", matching(but="sector"), term=F("sectors")),
    ]
    if shared:
        columns = [F(SCALAR_FACETS[name]) if name in shared else _BLANK for name in SCALAR_FACETS]
        parts.append(_aggregate("shared", matching(), *columns))
    else:
        parts.append(_aggregate("total", matching()))
    for name, column in SCALAR_FACETS.items():
        if name not in shared:
            parts.append(_aggregate(name, matching(but=name), F(column)))
    if regions:
        parts.append(_aggregate("region", matching(but="region"), F("country"), F("region")))

    counts, total = _no_counts(), 0
    for facet, term, a, b, c, n in parts[0].union(*parts[1:], all=True):
        if facet in ("theme", "sector"):
            if term is not None:  # an item without any term
                counts[facet][term] = n
        elif facet == "shared":
            total += n
            for name, value in zip(SCALAR_FACETS, (a, b, c), strict=True):
                if name in shared:
                    counts[name][value] += n
        elif facet == "total":
            total = n
        elif facet == "region":
            counts["region"][(a, b)] = n
        else:
            counts[facet][a] = n
    return counts, total


# --- Searching: the window counted here --------------------------------------------------------


@dataclass
class _Match:
    """A search window's item, with what its facets filter and count on."""

    pk: int
    key: UUID
    language: str
    country: str
    region: str
    actor_type: str
    kind: str
    published_at: datetime | None
    themes: set[int] = field(default_factory=set)
    sectors: set[int] = field(default_factory=set)


def _search(filters: LibraryFilters, theme_ids: dict, sector_ids: dict, page_number):
    """The search's window of best matches, filtered and counted here: its facet values take
    two queries whatever the filters, no list of ids goes into a count, and the index keeps the
    window for the next reader of the same words."""
    language = reader_language()

    def searched() -> tuple[list, list[_Match], bool]:
        keys, capped = _search_window(filters.words)
        return keys, _window_items(keys, language), capped

    keys, matches, capped = _cached(_generation(), ("search", language, filters.words), searched)
    tests = _tests(filters, theme_ids, sector_ids)
    counts, results = _no_counts(), []
    for match in matches:
        failed = [name for name, test in tests.items() if not test(match)]
        if not failed:
            results.append(match)
        elif len(failed) > 1:
            continue
        # A facet counts the items that pass every filter but its own.
        for name in ("theme", "sector"):
            if not failed or failed == [name]:
                counts[name].update(getattr(match, f"{name}s"))
        for name, column in SCALAR_FACETS.items():
            if not failed or failed == [name]:
                counts[name][getattr(match, column)] += 1
        if filters.countries and (not failed or failed == ["region"]):
            counts["region"][(match.country, match.region)] += 1

    if not filters.sort:
        rank = {key: position for position, key in enumerate(keys)}
        results.sort(key=lambda match: rank[match.key])
    elif filters.sort == "newest":
        # As the database orders "-first_published_at", "-pk": a missing date first.
        results.sort(
            key=lambda match: (match.published_at is None, match.published_at, match.pk),
            reverse=True,
        )
    # By title, they stay in the order `_window_items` read them, the database's collation.
    page = Paginator([match.pk for match in results], PAGE_SIZE).get_page(page_number)
    found = {
        item.pk: item
        for item in with_card_fields(LibraryItem.objects.filter(pk__in=page.object_list))
    }
    page.object_list = decorate_cards(found[pk] for pk in page.object_list)
    return page, counts, capped


def _search_window(words: str) -> tuple[list, bool]:
    """The translation keys of the best-ranked matches, best first, and whether the window
    was full. Every published version is searched, so an English reader finds a practice by
    the words of its French original, and is shown the English version."""
    found = _full_text(words, LibraryItem.objects.live())[:SEARCH_WINDOW]
    # The database backends answer with a queryset: read two columns of it rather than build
    # page objects, which takes longer than the search itself.
    matches = list(found.get_queryset().values_list("pk", "translation_key"))
    keys = list(dict.fromkeys(key for _pk, key in matches))
    return keys, len(matches) >= SEARCH_WINDOW


def _window_items(keys: list, language: str) -> list[_Match]:
    """The reader's version of each practice in the window, with its facet values, by title.

    The version rule is `for_reader`'s, applied to the window's rows: the reader's language
    when published, else the others.
    """
    rows = (
        LibraryItem.objects.live()
        .filter(_among("translation_key", keys))
        .order_by(Lower("title"), "pk")
        .values_list(
            "pk",
            "translation_key",
            "locale__language_code",
            "country",
            "region",
            "actor_type",
            "kind",
            "first_published_at",
        )
    )
    versions = [_Match(*row) for row in rows]
    in_language = {match.key for match in versions if match.language == language}
    matches = [m for m in versions if m.language == language or m.key not in in_language]
    by_pk = {match.pk: match for match in matches}
    themes = ItemTheme.objects.filter(_among("libraryitem_id", by_pk)).values_list(
        Value("theme"), "libraryitem_id", "theme_id"
    )
    sectors = ItemSector.objects.filter(_among("libraryitem_id", by_pk)).values_list(
        Value("sector"), "libraryitem_id", "sector_id"
    )
    if by_pk:
        for facet, pk, term in themes.union(sectors, all=True):
            getattr(by_pk[pk], f"{facet}s").add(term)
    return matches


def _tests(filters: LibraryFilters, theme_ids: dict, sector_ids: dict) -> dict:
    """`_conditions` as tests of a `_Match`, for a search's window: the same rules."""
    tests = {}
    if filters.themes:
        themes = {theme_ids[slug] for slug in filters.themes}
        tests["theme"] = lambda match: not themes.isdisjoint(match.themes)
    if filters.sectors:
        sectors = {sector_ids[slug] for slug in filters.sectors}
        tests["sector"] = lambda match: not sectors.isdisjoint(match.sectors)
    if filters.countries:
        tests["country"] = lambda match: match.country in filters.countries
    regions = filters.regions_by_country()
    if regions:
        tests["region"] = lambda match: (
            match.country not in regions or match.region in regions[match.country]
        )
    if filters.actor_types:
        tests["actor"] = lambda match: match.actor_type in filters.actor_types
    if filters.kinds:
        tests["kind"] = lambda match: match.kind in filters.kinds
    return tests


# --- Facets ------------------------------------------------------------------------------------


def _shown(values: list[FacetValue]) -> list[FacetValue]:
    """Values without items are hidden, unless ticked: the reader must be able to untick them."""
    return [value for value in values if value.count or value.selected]


def _vocabulary_facet(name, legend, terms, selected, counts) -> Facet:
    values = [
        FacetValue(
            value=term.slug,
            label=term.label,
            count=counts.get(term.pk, 0),
            selected=term.slug in selected,
        )
        for term in terms
    ]
    return Facet(name=name, legend=legend, values=_shown(values))


def _choice_facet(name, legend, choices, selected, counts) -> Facet:
    values = [
        FacetValue(value=value, label=label, count=counts.get(value, 0), selected=value in selected)
        for value, label in choices
    ]
    return Facet(name=name, legend=legend, values=_shown(values))


def _country_facet(filters: LibraryFilters, counts: dict) -> Facet:
    values = [
        FacetValue(
            value=code,
            label=str(COUNTRY_NAMES[code]),
            count=counts.get(code, 0),
            selected=code in filters.countries,
        )
        for code in COUNTRY_NAMES
    ]
    values.sort(key=lambda value: value.label)
    return Facet(name="country", legend=_("Country"), values=_shown(values))


def _region_facet(filters: LibraryFilters, counts: dict) -> Facet:
    """The regions of the chosen countries; with several countries, each names its country."""
    several = len(filters.countries) > 1
    pairs = {pair for pair in counts if pair[1]}
    pairs |= {(value[:2], value[3:]) for value in filters.regions}
    values = [
        FacetValue(
            value=f"{country}:{region}",
            label=f"{region} ({COUNTRY_NAMES[country]})" if several else region,
            count=counts.get((country, region), 0),
            selected=f"{country}:{region}" in filters.regions,
        )
        for country, region in pairs
    ]
    values.sort(key=lambda value: value.label.casefold())
    return Facet(name="region", legend=_("Region"), values=_shown(values))
