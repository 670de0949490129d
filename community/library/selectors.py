"""Reads for the practice library: browsing with facets and counts, search, and the latest and
featured items other pages show.

Published items are public, so every read starts from `LibraryItem.objects.live()`: a draft, a
submitted sheet or an unpublished translation never shows in a list, a count or a feed.

One card per practice. An item and its translations share a `translation_key`; the reader gets
the version in their language when it is published, else the other one (`for_reader`). The rule
is a SQL filter, so results, counts and feeds agree.

Browsing costs a fixed number of queries whatever the data: the two vocabularies, one aggregate
per many-to-many facet (themes, sectors) and per filtered facet, one shared by the unfiltered
one-column facets (which also gives the total), the page of results and what its cards show
(themes, cover renditions); a search adds its ranked window. Counts are disjunctive: a facet
counts with every filter but its own, so each value's count is what the reader gets by ticking
it too (values of one facet combine with OR, facets with AND).
"""

import re
from dataclasses import dataclass, field, replace

from django.conf import settings
from django.core.paginator import Page as PaginatorPage
from django.core.paginator import Paginator
from django.db import connection
from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.functions import Lower
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from wagtail.coreutils import get_supported_content_language_variant
from wagtail.images import get_image_model
from wagtail.models import Page
from wagtail.search.backends import get_search_backend

from community.countries import COUNTRIES
from community.library.models import LibraryItem, PracticeSheetPage, VideoCapsulePage
from community.models import Sector, Space, Theme

PAGE_SIZE = 24
SEARCH_WINDOW = 1000  # best-ranked matches considered; facets and counts apply to this window
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
    has at most one page per locale).
    """
    language = reader_language()
    in_language = Page.objects.filter(
        live=True, translation_key=OuterRef("translation_key"), locale__language_code=language
    )
    return items.filter(Q(locale__language_code=language) | ~Exists(in_language))


def published_items() -> QuerySet[LibraryItem]:
    return for_reader(LibraryItem.objects.live())


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


def _search_window(words: str) -> tuple[list, bool]:
    """The translation keys of the best-ranked matches, best first, and whether the window
    was full. Every published version is searched, so an English reader finds a practice by
    the words of its French original, and is shown the English version."""
    found = _full_text(words, LibraryItem.objects.live())[:SEARCH_WINDOW]
    # The database backends answer with a queryset: read two columns of it rather than build a
    # thousand page objects, which takes several times longer than the search itself.
    matches = list(found.get_queryset().values_list("pk", "translation_key"))
    keys = list(dict.fromkeys(key for _pk, key in matches))
    return keys, len(matches) >= SEARCH_WINDOW


def _conditions(filters: LibraryFilters, theme_ids: dict, sector_ids: dict) -> dict[str, Q]:
    """One condition per facet in use; `browse` leaves each facet's own out of its counts."""
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


def _counts_by(items: QuerySet, *fields: str) -> dict:
    rows = items.order_by().values(*fields).annotate(n=Count("pk"))
    if len(fields) == 1:
        return {row[fields[0]]: row["n"] for row in rows}
    return {tuple(row[f] for f in fields): row["n"] for row in rows}


# The facets stored in one column of the item, by query parameter.
SCALAR_FACETS = {"country": "country", "actor": "actor_type", "kind": "kind"}


def _scalar_counts(matching, conditions: dict) -> tuple[dict[str, dict], int | None]:
    """Counts of the one-column facets, and the number of results when it comes for free.

    A facet the reader has not filtered on counts with every filter, like the results: all
    such facets share one aggregate grouped by their columns together (a few hundred rows at
    most), whose sum is the number of results. A filtered facet gets its own aggregate.
    """
    counts: dict[str, dict] = {name: {} for name in SCALAR_FACETS}
    shared = [name for name in SCALAR_FACETS if name not in conditions]
    total = None
    if shared:
        columns = [SCALAR_FACETS[name] for name in shared]
        rows = matching().order_by().values(*columns).annotate(n=Count("pk"))
        total = 0
        for row in rows:
            total += row["n"]
            for name, column in zip(shared, columns, strict=True):
                counts[name][row[column]] = counts[name].get(row[column], 0) + row["n"]
    for name, column in SCALAR_FACETS.items():
        if name not in shared:
            counts[name] = _counts_by(matching(but=(name,)), column)
    return counts, total


def _vocabulary_counts(items: QuerySet, relation: str) -> dict[int, int]:
    """Items per term of a many-to-many facet. The facets' own filters are subqueries, never
    joins, so each (item, term) pair is one row here and a plain count is exact."""
    rows = items.order_by().values(relation).annotate(n=Count("pk"))
    return {row[relation]: row["n"] for row in rows if row[relation] is not None}


def _shown(values: list[FacetValue]) -> list[FacetValue]:
    """Values without items are hidden, unless ticked: the reader must be able to untick them."""
    return [value for value in values if value.count or value.selected]


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

    items = published_items()
    words = filters.words
    rank: dict | None = None
    capped = False
    if words:
        keys, capped = _search_window(words)
        rank = {key: position for position, key in enumerate(keys)}
        items = items.filter(translation_key__in=keys)

    conditions = _conditions(filters, theme_ids, sector_ids)

    def matching(*, but: tuple[str, ...] = ()) -> QuerySet[LibraryItem]:
        condition = Q()
        for name, each in conditions.items():
            if name not in but:
                condition &= each
        return items.filter(condition)

    scalar, total = _scalar_counts(matching, conditions)
    facets = [
        _vocabulary_facet(
            "theme",
            _("Theme"),
            themes,
            filters.themes,
            _vocabulary_counts(matching(but=("theme",)), "themes"),
        ),
        _vocabulary_facet(
            "sector",
            _("Sector"),
            sectors,
            filters.sectors,
            _vocabulary_counts(matching(but=("sector",)), "sectors"),
        ),
        _country_facet(filters, scalar["country"]),
    ]
    if filters.countries:
        facets.append(
            _region_facet(filters, _counts_by(matching(but=("region",)), "country", "region"))
        )
    facets += [
        _choice_facet(
            "actor",
            _("Type of actor"),
            LibraryItem.ActorType.choices,
            filters.actor_types,
            scalar["actor"],
        ),
        _choice_facet(
            "kind", _("Content type"), LibraryItem.Kind.choices, filters.kinds, scalar["kind"]
        ),
    ]

    results = matching()
    order = ["-first_published_at", "-pk"] if filters.sort != "title" else [Lower("title"), "pk"]
    if rank is None:
        paginator = Paginator(with_card_fields(results.order_by(*order)), PAGE_SIZE)
        if total is not None:
            paginator.count = total  # known from the facets' aggregate: no COUNT query
        page = paginator.get_page(page_number)
        page.object_list = decorate_cards(page.object_list)
    else:
        if filters.sort:
            ids = list(results.order_by(*order).values_list("pk", flat=True))
        else:
            rows = list(results.order_by().values_list("pk", "translation_key"))
            rows.sort(key=lambda row: rank[row[1]])
            ids = [pk for pk, _key in rows]
        page = Paginator(ids, PAGE_SIZE).get_page(page_number)
        found = {
            item.pk: item
            for item in with_card_fields(LibraryItem.objects.filter(pk__in=page.object_list))
        }
        page.object_list = decorate_cards(found[pk] for pk in page.object_list)

    return LibraryResults(
        filters=filters,
        page=page,
        facets=facets,
        searching=rank is not None,
        capped=capped,
        selected_themes=[theme for theme in themes if theme.slug in filters.themes],
    )


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
