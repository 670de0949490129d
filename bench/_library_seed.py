"""A large practice library for the library bench and the PostgreSQL tests, written in bulk.

Wagtail's `add_child` and `save_revision().publish()` cost tens of milliseconds a page (tree
locks, revisions, log entries, reference index, search index one row at a time): 5,000 items
would take minutes. This module writes the same rows directly, in batches, and keeps by hand
what Wagtail would keep:

- the tree: each item is a child of the library index, with the next treebeard paths after the
  index's last child (`Page._get_path`), `depth` one below it, `numchild` 0, and the index's
  `numchild` raised by the number written; `url_path` is the index's plus the slug, so
  `page.url` and routing work; slugs are unique under the index;
- multi-table inheritance: one row in `wagtailcore_page` (with the specific content type), one
  in `library_libraryitem` (the facets, `kind` included) and one in the kind's own table,
  sharing one id; Django's `bulk_create` refuses such models, so each table gets its own
  `_insert` of the same instances;
- published: `live`, `first_published_at` <= `last_published_at`, no unpublished changes, in the
  French locale; about `translations` of them get an English translation (`en` locale, same
  `translation_key`, slug `<original>-en`, `translation_source_published_at` set, for some of
  them before the original's last publication, so "the original changed" shows);
- facets: 1 to 3 themes and 0 to 2 sectors (skewed, so that counts differ), a country and a
  region for most, a type of actor for most, the demo spaces when they exist, a few featured;
- the sheets' orderables (steps, obstacles, stakeholders, indicators), some stakeholders linked
  to organisations the seeder makes once per seed (`bibliotheque-<seed>-<n>`), and adoptions of
  some sheets by those organisations;
- every item in the search index, through the backend's `add_bulk`, model by model, with the
  steps held in memory so that indexing reads nothing back (on PostgreSQL, the library's own
  index on the entries built once after them);
- on PostgreSQL, fresh planner statistics (`ANALYZE`) at the end.

Not written: revisions (the pages have none, like pages made by a migration), log entries,
the reference index, cover images, documents and videos attached to sheets, contacts.

Text is French, from the forum bench's vocabulary of the clusters' themes with a skewed
frequency (so that searches have frequent and rare words), a few hundred words an item;
translations are written from a small English vocabulary.

Needs Django set up on the target database; `seed_library()` opens its own transaction.
"""

import importlib
import random
import sys
import time
import uuid
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, timedelta
from html import escape
from itertools import accumulate

from django.contrib.contenttypes.models import ContentType
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.text import slugify
from wagtail.models import Locale, Page
from wagtail.search.backends import get_search_backend

from bench._forum_seed import ADJECTIVES, COMPLEMENTS, NOUNS, VERBS
from community.library.models import (
    Adoption,
    InterviewPage,
    LibraryIndexPage,
    LibraryItem,
    PracticeIndicator,
    PracticeObstacle,
    PracticeSheetPage,
    PracticeStakeholder,
    PracticeStep,
    ToolboxItemPage,
    VideoCapsulePage,
)
from community.models import Organisation, Sector, Space, Theme

# --- Vocabulary ---------------------------------------------------------------------------------

KIND_WEIGHTS = {
    PracticeSheetPage: 0.82,
    InterviewPage: 0.07,
    VideoCapsulePage: 0.06,
    ToolboxItemPage: 0.05,
}

# Countries and regions the clusters work in, with their share of the items; "" is none given.
REGIONS = {
    "FR": (
        "Bretagne", "Hauts-de-France", "Normandie", "Pays de la Loire", "Occitanie",
        "Auvergne-Rhône-Alpes", "Grand Est", "Nouvelle-Aquitaine", "Île-de-France",
    ),
    "BE": ("Wallonie", "Bruxelles-Capitale", "Flandre"),
    "ES": ("Catalogne", "Andalousie", "Pays basque", "Galice"),
    "IT": ("Lombardie", "Piémont", "Émilie-Romagne"),
    "RO": ("Bucarest-Ilfov", "Nord-Est", "Centre"),
    "DE": ("Bavière", "Saxe", "Rhénanie-du-Nord-Westphalie"),
    "PT": ("Norte", "Centro"),
    "PL": ("Mazovie", "Silésie"),
    "GR": ("Attique",),
    "IE": ("Leinster",),
    "": ("",),
}  # fmt: skip
COUNTRY_WEIGHTS = {
    "FR": 0.46, "BE": 0.10, "ES": 0.09, "IT": 0.08, "RO": 0.07, "DE": 0.05, "PT": 0.04,
    "PL": 0.03, "GR": 0.02, "IE": 0.02, "": 0.04,
}  # fmt: skip
ACTOR_WEIGHTS = {
    LibraryItem.ActorType.CLUSTER: 0.30,
    LibraryItem.ActorType.SME: 0.32,
    LibraryItem.ActorType.SCHOOL: 0.14,
    LibraryItem.ActorType.PUBLIC_BODY: 0.10,
    LibraryItem.ActorType.ASSOCIATION: 0.10,
    "": 0.04,
}

SHEET_TITLES = (
    "{NP} {cp}", "Repenser {np} {cp}", "{NP} : une démarche {adj}",
    "Un réseau pour {np}", "Des ateliers sur {np} {cp}", "{NP} et {np}",
    "Former à {np} {cp}", "Mesurer {np} pour agir", "{NP}, pas à pas",
    "Ouvrir {np} aux femmes", "Une charte pour {np}", "{NP} en pratique",
)  # fmt: skip
INTERVIEW_TITLES = (
    "« {NP} a tout changé » : entretien avec {person}",
    "{person} raconte {np}",
    "Trois questions à {person} sur {np}",
)  # fmt: skip
VIDEO_TITLES = ("{NP} en quatre minutes", "Capsule : {np} {cp}", "Ce que change {np}")
TOOLBOX_TITLES = (
    "Guide : {np} {cp}", "Modèle de document pour {np}", "Kit de formation sur {np}",
    "Check-list : {np}", "Grille d'autodiagnostic sur {np}",
)  # fmt: skip

SUBJECTS = (
    "le cluster", "l'entreprise", "l'équipe RH", "le CSE", "la direction",
    "la référente égalité", "le lycée professionnel", "l'association", "la PME",
    "le réseau des adhérentes", "la collectivité", "l'animatrice du cluster", "la cheffe d'atelier",
)  # fmt: skip
OPENERS = (
    "", "", "", "Dès le départ,", "Au bout d'un an,", "Concrètement,", "Sur le terrain,",
    "Avec l'appui du cluster,", "En parallèle,", "Pour commencer,", "Ensuite,", "Enfin,",
)  # fmt: skip
OBSERVATIONS = (
    "Peu de femmes candidataient à {np}, et celles qui venaient repartaient vite.",
    "Les annonces sur {np} décourageaient les candidates sans que personne ne le voie.",
    "Personne ne mesurait {np}, si bien qu'aucun écart n'apparaissait.",
    "Les équipes jugeaient {np} {adj}, mais rien ne changeait {cp}.",
    "Les entretiens montraient que {np} pesait surtout sur les salariées.",
)  # fmt: skip
LESSONS = (
    "Il faut associer {np} dès le début, sinon la démarche reste {adj}.",
    "Ce qui a le moins marché : {np}, trop {adj} pour une petite équipe.",
    "Mesurer {np} avant et après a convaincu la direction.",
    "Le plus {adj} a été de tenir dans la durée {cp}.",
)  # fmt: skip
FIRST_NAMES = (
    "Nadia", "Claire", "Maëlle", "Sophie", "Lucia", "Ioana", "Hugo", "Yann", "Élodie",
    "Karim", "Anne", "Fatou", "Marta", "Giulia", "Ana", "Katarzyna", "Sarah", "Léa",
)  # fmt: skip
LAST_NAMES = (
    "Benali", "Morvan", "Le Goff", "Lemoine", "Kerbrat", "Ferrer", "Vasilescu", "Guillou",
    "Martin", "Rossi", "Nowak", "Silva", "Dubois", "Le Floch", "Moreau", "Garcia",
)  # fmt: skip
ROLES = (
    "cheffe d'atelier", "responsable des ressources humaines", "dirigeante de PME",
    "animatrice de cluster", "conseillère d'orientation", "soudeuse", "technicienne de maintenance",
    "référente égalité", "formatrice", "chargée de mission",
)  # fmt: skip
STAKEHOLDERS = (
    "Mission locale", "Lycée professionnel Jean-Moulin", "Chambre de commerce et d'industrie",
    "Pôle emploi", "Conseil régional", "Agence d'intérim", "Fédération professionnelle",
    "Organisme de formation", "Collège Anita-Conti", "Délégation aux droits des femmes",
)  # fmt: skip
INDICATORS = (
    (PracticeIndicator.Code.PEOPLE_SENSITISED, "Personnes sensibilisées", "personnes"),
    (PracticeIndicator.Code.COMPANIES, "Entreprises engagées", "entreprises"),
    (PracticeIndicator.Code.WOMEN_RECRUITED, "Femmes recrutées ou formées", "femmes"),
    (PracticeIndicator.Code.AGREEMENTS, "Accords signés", ""),
    (PracticeIndicator.Code.TRAININGS, "Sessions de formation", "sessions"),
)

EN_NOUNS = (
    "job interviews", "the pay grid", "the equality index", "parental leave", "mentoring",
    "apprenticeships", "gender diversity in trades", "the workshop floor", "welding jobs",
    "maintenance technicians", "job adverts", "internal promotion", "the pay gap",
    "shift work", "childcare", "sexual harassment prevention", "career guidance for girls",
    "vocational schools", "open days", "the women's network", "management training",
    "working conditions", "ergonomics", "the diagnosis", "the action plan", "the cluster",
)  # fmt: skip
EN_SENTENCES = (
    "The {subject} reviewed {np} with the help of the cluster.",
    "Few women applied for {np}, and those who came left early.",
    "Measuring {np} before and after convinced the management.",
    "What worked least was {np}: too heavy for a small team.",
    "The {subject} now runs {np} every year, with {np} alongside.",
    "Start with {np}; the rest follows more easily.",
)  # fmt: skip
EN_SUBJECTS = ("company", "HR team", "works council", "cluster", "school", "association")

# Searches a visitor might type: frequent words, rarer ones, two-word queries. Each is a word
# of the vocabulary above, so every one matches some items.
QUERIES = (
    "tutorat", "marrainage", "soudure", "crèche", "recrutement", "alternance",
    "stéréotypes", "harcèlement", "télétravail", "parentalité", "chaudronnerie",
    "entretien embauche", "index égalité", "mixité métiers", "formation managers",
    "lycée professionnel", "job dating", "cybersécurité", "exosquelette", "reconversion",
)  # fmt: skip


class Writer:
    """French text over the vocabulary, the noun phrases drawn with a Zipf-like frequency."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        nouns = list(NOUNS)
        rng.shuffle(nouns)
        self.nouns = nouns
        self.cum_weights = list(accumulate(1 / (rank + 1) ** 0.9 for rank in range(len(nouns))))

    def np(self) -> str:
        return self.rng.choices(self.nouns, cum_weights=self.cum_weights)[0]

    def cp(self) -> str:
        return self.rng.choice(COMPLEMENTS).replace("{np}", self.np(), 1)

    def fill(self, template: str, **extra) -> str:
        first = self.np()
        text = template.format(
            NP=first[0].upper() + first[1:],
            np=self.np(),
            cp=self.cp(),
            adj=self.rng.choice(ADJECTIVES),
            **extra,
        )
        return text[0].upper() + text[1:]

    def sentence(self) -> str:
        rng = self.rng
        opener = rng.choice(OPENERS)
        subject, verb = rng.choice(SUBJECTS), rng.choice(VERBS)
        text = f"{opener} {subject} {verb} {self.np()} {self.cp()}.".strip()
        if rng.random() < 0.3:
            text = text[:-1] + f", en s'appuyant sur {self.np()}."
        return text[0].upper() + text[1:]

    def paragraph(self, sentences: tuple[int, int] = (2, 4), lead: tuple = ()) -> str:
        parts = [self.fill(self.rng.choice(lead))] if lead else []
        parts += [self.sentence() for _ in range(self.rng.randint(*sentences))]
        return " ".join(parts)

    def rich(self, paragraphs: int, **kwargs) -> str:
        return "".join(
            f"<p>{escape(self.paragraph(**kwargs), quote=False)}</p>" for _ in range(paragraphs)
        )

    def person(self) -> str:
        return f"{self.rng.choice(FIRST_NAMES)} {self.rng.choice(LAST_NAMES)}"

    def english(self, sentences: int) -> str:
        rng = self.rng
        return " ".join(
            rng.choice(EN_SENTENCES).format(
                subject=rng.choice(EN_SUBJECTS), np=rng.choice(EN_NOUNS)
            )
            for _ in range(sentences)
        )


# --- Seeding ------------------------------------------------------------------------------------

BATCH = 500  # rows a statement


@dataclass
class Seeded:
    items: int = 0  # originals, all published, French
    translations: int = 0  # English translations, published
    by_kind: dict[str, int] = field(default_factory=dict)
    adoptions: int = 0
    themes: list[str] = field(default_factory=list)  # theme slugs, most used first
    countries: list[str] = field(default_factory=list)  # most used first
    timings: dict[str, float] = field(default_factory=dict)  # seconds per step


def _weighted(rng: random.Random, weights: dict):
    return rng.choices(list(weights), list(weights.values()))[0]


def _skewed_sample(rng: random.Random, terms: list, weights: list, k: int) -> list:
    chosen: list = []
    while len(chosen) < min(k, len(terms)):
        term = rng.choices(terms, weights)[0]
        if term not in chosen:
            chosen.append(term)
    return chosen


class _Tree:
    """Hands out the next children of the library index: treebeard path and unique slug."""

    def __init__(self, index: Page):
        self.index = index
        last = (
            Page.objects.filter(path__startswith=index.path, depth=index.depth + 1)
            .order_by("-path")
            .values_list("path", flat=True)
            .first()
        )
        self.step = Page._str2int(last[-Page.steplen :]) if last else 0

    def place(self, page: Page, slug: str) -> None:
        self.step += 1
        page.path = Page._get_path(self.index.path, self.index.depth + 1, self.step)
        page.depth = self.index.depth + 1
        page.numchild = 0
        # The step makes the slug unique under the index, whatever ran before.
        page.slug = f"{slugify(slug)[:60].rstrip('-')}-{self.step}"
        page.url_path = f"{self.index.url_path}{page.slug}/"


def _insert_pages(pages: list[LibraryItem]) -> None:
    """One row per page in each table of its model's inheritance chain, in batches."""
    page_fields = [f for f in Page._meta.local_concrete_fields if not f.primary_key]
    item_fields = LibraryItem._meta.local_concrete_fields
    for start in range(0, len(pages), BATCH):
        batch = pages[start : start + BATCH]
        rows = Page._base_manager._insert(
            batch, fields=page_fields, returning_fields=Page._meta.db_returning_fields
        )
        for page, (pk, *_others) in zip(batch, rows, strict=True):
            page.id = page.page_ptr_id = page.libraryitem_ptr_id = pk
            page._state.adding = False
        LibraryItem._base_manager._insert(batch, fields=item_fields)
        by_model: dict[type, list] = {}
        for page in batch:
            by_model.setdefault(type(page), []).append(page)
        for model, objs in by_model.items():
            model._base_manager._insert(objs, fields=model._meta.local_concrete_fields)


def seed_library(
    *,
    items: int = 5000,
    translations: float = 0.10,
    organisations: int = 60,
    seed: int = 2026,
    progress=print,
) -> Seeded:
    """Write `items` published library items under the index, plus their translations."""
    rng = random.Random(seed)
    result = Seeded()
    started = time.perf_counter()
    with transaction.atomic():
        index = LibraryIndexPage.objects.get()
        orgs = _organisations(rng, organisations, seed)
        pages, facets = _build(rng, index, items, translations, orgs)
        result.timings["text"] = time.perf_counter() - started

        t = time.perf_counter()
        _insert_pages(pages)
        Page.objects.filter(pk=index.pk).update(numchild=F("numchild") + len(pages))
        _insert_children(pages)
        _insert_facets(pages, facets)
        result.adoptions = _adoptions(rng, pages[:items], orgs)
        result.timings["rows"] = time.perf_counter() - t
        progress(f"  wrote {len(pages)} pages ({time.perf_counter() - started:.0f}s)")

        t = time.perf_counter()
        _index(pages)
        result.timings["index"] = time.perf_counter() - t

    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    elif connection.vendor == "postgresql":
        with connection.cursor() as cursor:  # fresh statistics for the planner
            cursor.execute("ANALYZE")
    result.items = items
    result.translations = len(pages) - items
    result.by_kind = dict(Counter(str(page.KIND) for page in pages[:items]))
    result.themes = _most_used(theme.slug for themes, _s, _sp in facets for theme in themes)
    result.countries = _most_used(page.country for page in pages[:items] if page.country)
    result.timings["total"] = time.perf_counter() - started
    return result


def _most_used(values) -> list:
    return [value for value, _count in Counter(values).most_common()]


def _build(rng: random.Random, index: Page, items: int, translations: float, orgs: list):
    """The pages in memory, originals first, then translations; and each page's themes,
    sectors and spaces, in the same order."""
    writer = Writer(rng)
    now = timezone.now()
    locales = {locale.language_code: locale for locale in Locale.objects.all()}
    if not {"fr", "en"} <= set(locales):
        raise RuntimeError("the fr and en locales are missing: migrate first")
    themes = list(Theme.objects.all())
    sectors = list(Sector.objects.all())
    spaces = list(Space.objects.exclude(visibility=Space.Visibility.PRIVATE))
    theme_weights = [1 / (rank + 1) ** 0.8 for rank in range(len(themes))]
    sector_weights = [1 / (rank + 1) ** 0.8 for rank in range(len(sectors))]
    content_types = ContentType.objects.get_for_models(*KIND_WEIGHTS)
    tree = _Tree(index)

    pages: list[LibraryItem] = []
    facets: list[tuple[list, list, list]] = []
    for model in rng.choices(list(KIND_WEIGHTS), list(KIND_WEIGHTS.values()), k=items):
        page = _new_item(model, writer, rng, now)
        page.content_type = content_types[model]
        page.locale = locales["fr"]
        page.translation_key = uuid.uuid4()
        country = _weighted(rng, COUNTRY_WEIGHTS)
        page.country, page.region = country, rng.choice(REGIONS[country])
        page.actor_type = _weighted(rng, ACTOR_WEIGHTS)
        page.featured = rng.random() < 0.01
        tree.place(page, page.title)
        if model is PracticeSheetPage:
            _sheet_children(page, writer, rng, orgs)
        pages.append(page)
        facets.append(
            (
                _skewed_sample(rng, themes, theme_weights, rng.choice((1, 1, 2, 2, 3))),
                _skewed_sample(rng, sectors, sector_weights, rng.choice((0, 1, 1, 2))),
                rng.sample(spaces, min(len(spaces), rng.choice((0, 0, 1, 2)))),
            )
        )
    for position in rng.sample(range(items), round(items * translations)):
        original = pages[position]
        page = _translation_of(original, writer, rng, content_types, locales["en"])
        tree.place(page, f"{original.slug.rsplit('-', 1)[0]}-en")
        if isinstance(page, PracticeSheetPage):
            _sheet_children(page, writer, rng, orgs)
        pages.append(page)
        facets.append(facets[position])
    return pages, facets


def _index(pages: list) -> None:
    """Every page in the search index, model by model, in batches."""
    backend = get_search_backend()
    by_model: dict[type, list] = {}
    for page in pages:
        by_model.setdefault(type(page), []).append(page)
    with _each_field_extracted_once(backend), _library_search_index_built_after():
        for model, objs in by_model.items():
            for start in range(0, len(objs), BATCH):
                backend.add_bulk(model, objs[start : start + BATCH])


@contextmanager
def _library_search_index_built_after():
    """On PostgreSQL, the library's index on the search entries (migration 0003) is dropped
    while the entries are written, then built again by the migration's own function: it takes
    each entry as it comes (no pending list), a third of the indexing time for 5,000 items,
    where building it once over them all takes a second."""
    if connection.vendor != "postgresql":
        yield
        return
    migration = importlib.import_module("community.library.migrations.0003_search_index_title_body")
    with connection.schema_editor(atomic=False) as editor:
        migration.drop_index(None, editor)
    yield
    # PostgreSQL builds no index on a table with deferred foreign-key checks pending.
    connection.check_constraints()
    with connection.schema_editor(atomic=False) as editor:
        migration.create_index(None, editor)


@contextmanager
def _each_field_extracted_once(backend):
    """Let the database backend's indexer extract each search field of an item once.

    Its `ObjectIndexer` builds the title, the body, the autocomplete text and their plain
    copies in five passes over the search fields, extracting every field's text (rich text
    parsed) in each: four fifths of the indexing time for 5,000 items. While seeding, a subclass
    keeps what the first pass extracted from the item itself; the rows it writes are the same.
    """
    module = sys.modules[type(backend).__module__]
    indexer = getattr(module, "ObjectIndexer", None)
    if indexer is None:
        yield
        return

    class Once(indexer):
        def prepare_field(self, obj, field):
            if obj is not self.obj:  # a related object's field: no memo, ids may be reused
                return super().prepare_field(obj, field)
            memo = self.__dict__.setdefault("_prepared", {})
            if id(field) not in memo:
                memo[id(field)] = list(super().prepare_field(obj, field))
            return memo[id(field)]

    module.ObjectIndexer = Once
    try:
        yield
    finally:
        module.ObjectIndexer = indexer


def _organisations(rng: random.Random, count: int, seed: int) -> list[Organisation]:
    """`count` organisations of the seeder's own (made once per seed), for stakeholders and
    adoptions."""
    prefix = f"bibliotheque-{seed}-"
    have = set(Organisation.objects.filter(slug__startswith=prefix).values_list("slug", flat=True))
    kinds = list(Organisation.Kind.values)
    Organisation.objects.bulk_create(
        [
            Organisation(
                name=f"{rng.choice(STAKEHOLDERS)} {rng.choice(LAST_NAMES)} {i}",
                slug=f"{prefix}{i}",
                kind=rng.choice(kinds),
                country=rng.choice(("FR", "FR", "BE", "ES", "IT", "RO")),
            )
            for i in range(count)
            if f"{prefix}{i}" not in have
        ]
    )
    return list(Organisation.objects.filter(slug__startswith=prefix))


def _published(page: LibraryItem, rng: random.Random, now) -> None:
    first = now - timedelta(days=rng.uniform(1, 1100), seconds=rng.randint(0, 86399))
    page.first_published_at = first
    page.last_published_at = first if rng.random() < 0.6 else first + (now - first) * rng.random()
    page.live = True
    page.has_unpublished_changes = False
    page.draft_title = page.title


def _new_item(model, writer: Writer, rng: random.Random, now) -> LibraryItem:
    person = writer.person()
    title_templates = {
        PracticeSheetPage: SHEET_TITLES,
        InterviewPage: INTERVIEW_TITLES,
        VideoCapsulePage: VIDEO_TITLES,
        ToolboxItemPage: TOOLBOX_TITLES,
    }[model]
    title = writer.fill(rng.choice(title_templates), person=person)[:255]
    page = model(title=title, kind=model.KIND, summary=writer.paragraph((1, 2))[:400])
    if model is PracticeSheetPage:
        start = rng.randint(2012, 2025)
        page.observation = writer.rich(2, lead=OBSERVATIONS)
        page.objectives = writer.rich(1)
        page.results = writer.rich(rng.randint(1, 2))
        page.lessons = writer.rich(1, lead=LESSONS)
        page.did_not_work = writer.rich(1, sentences=(1, 2)) if rng.random() < 0.4 else ""
        page.start_year = start
        page.end_year = rng.choice((None, min(start + rng.randint(0, 3), 2026)))
    elif model is InterviewPage:
        page.person_name = person
        page.person_role = rng.choice(ROLES)
        page.organisation_name = f"{rng.choice(STAKEHOLDERS)} {rng.choice(LAST_NAMES)}"
        page.interview_date = date(2026, 1, 1) - timedelta(days=rng.randint(10, 1500))
        page.questions = [
            {
                "type": "qa",
                "id": str(uuid.UUID(int=rng.getrandbits(128))),
                "value": {
                    "question": writer.fill("Comment avez-vous abordé {np} ?"),
                    "answer": writer.rich(rng.randint(1, 2)),
                },
            }
            for _ in range(rng.randint(3, 5))
        ]
        page.transcript = writer.rich(2) if rng.random() < 0.5 else ""
    elif model is VideoCapsulePage:
        video_id = "".join(rng.choices("abcdefghijklmnopqrstuvwxyzABCDEFGHIJ0123456789_-", k=11))
        page.video_url = f"https://www.youtube.com/watch?v={video_id}"
        page.duration = timedelta(seconds=rng.randint(90, 600))
        page.transcript = writer.rich(rng.randint(3, 5))
    else:
        page.tool_kind = rng.choice(ToolboxItemPage.ToolKind.values)
        page.audience = rng.choice(("PME", "Formatrices et formateurs", "Animatrices de cluster"))
        page.description = writer.rich(rng.randint(2, 3))
    _published(page, rng, now)
    return page


def _translation_of(original, writer: Writer, rng: random.Random, content_types, locale):
    """An English translation of `original`: its facets, English text, published after it."""
    model = type(original)
    page = model(
        title=f"{rng.choice(EN_NOUNS).capitalize()}: {writer.english(1)[:-1].lower()}"[:255],
        kind=model.KIND,
        summary=writer.english(2)[:400],
        content_type=content_types[model],
        locale=locale,
        translation_key=original.translation_key,
        country=original.country,
        region=original.region,
        actor_type=original.actor_type,
        featured=original.featured,
    )
    english = "".join(f"<p>{writer.english(rng.randint(2, 4))}</p>" for _ in range(3))
    if model is PracticeSheetPage:
        page.observation, page.results, page.lessons = english, english, english
        page.start_year, page.end_year = original.start_year, original.end_year
    elif model is InterviewPage:
        page.person_name = original.person_name
        page.organisation_name = original.organisation_name
        page.questions = [
            {
                "type": "qa",
                "id": str(uuid.UUID(int=rng.getrandbits(128))),
                "value": {"question": "How did you start?", "answer": english},
            }
        ]
    elif model is VideoCapsulePage:
        page.video_url, page.duration = original.video_url, original.duration
        page.transcript = english
    else:
        page.tool_kind, page.description = original.tool_kind, english
    _published(page, rng, timezone.now())
    page.first_published_at = max(page.first_published_at, original.first_published_at)
    page.last_published_at = max(page.last_published_at, page.first_published_at)
    # One in five follows an earlier publication of its original: "the original changed".
    stale = rng.random() < 0.2 and original.last_published_at > original.first_published_at
    page.translation_source_published_at = (
        original.first_published_at if stale else original.last_published_at
    )
    return page


def _sheet_children(page, writer: Writer, rng: random.Random, orgs: list) -> None:
    """The sheet's orderables, held in memory (the search index reads the steps from there)."""
    page.steps = [
        PracticeStep(
            title=writer.fill("{NP}")[:200],
            description=writer.paragraph((1, 3))[:3000],
            sort_order=n,
        )
        for n in range(rng.randint(2, 5))
    ]
    page.obstacles = [
        PracticeObstacle(
            obstacle=writer.fill("{NP} jugé {adj}")[:300],
            response=writer.paragraph((1, 2))[:2000],
            sort_order=n,
        )
        for n in range(rng.choice((0, 1, 1, 2)))
    ]
    page.stakeholders = [
        PracticeStakeholder(
            organisation=rng.choice(orgs) if orgs and rng.random() < 0.4 else None,
            name=rng.choice(STAKEHOLDERS),
            role=writer.fill("{NP}")[:200],
            sort_order=n,
        )
        for n in range(rng.randint(1, 3))
    ]
    page.indicators = [
        PracticeIndicator(
            code=code, label=label, value=rng.randint(1, 400), unit=unit, sort_order=n
        )
        for n, (code, label, unit) in enumerate(rng.sample(INDICATORS, rng.randint(1, 3)))
    ]


def _insert_children(pages: list) -> None:
    for relation, model in (
        ("steps", PracticeStep),
        ("obstacles", PracticeObstacle),
        ("stakeholders", PracticeStakeholder),
        ("indicators", PracticeIndicator),
    ):
        rows = []
        for page in pages:
            if isinstance(page, PracticeSheetPage):
                for child in getattr(page, relation).all():
                    child.page_id = page.pk
                    rows.append(child)
        model.objects.bulk_create(rows, batch_size=2000)


def _insert_facets(pages: list, facets: list) -> None:
    for position, name in enumerate(("themes", "sectors", "spaces")):
        field_ = LibraryItem._meta.get_field(name)
        through = field_.remote_field.through
        target = f"{field_.related_model._meta.model_name}_id"
        through.objects.bulk_create(
            [
                through(libraryitem_id=page.pk, **{target: term.pk})
                for page, terms in zip(pages, facets, strict=True)
                for term in terms[position]
            ],
            batch_size=2000,
        )


def _adoptions(rng: random.Random, originals: list, orgs: list) -> int:
    """Some sheets adopted by 1 to 4 of the organisations (always the original, as the
    service records them)."""
    if not orgs:
        return 0
    rows = [
        Adoption(
            practice_id=page.pk,
            organisation=organisation,
            status=rng.choice(Adoption.Status.values),
            show_publicly=rng.random() < 0.8,
        )
        for page in originals
        if isinstance(page, PracticeSheetPage) and rng.random() < 0.15
        for organisation in rng.sample(orgs, min(len(orgs), rng.randint(1, 4)))
    ]
    Adoption.objects.bulk_create(rows, batch_size=2000)
    return len(rows)


def check_seeded(seeded: Seeded, query: str = "tutorat") -> dict:
    """What proves the rows make real Wagtail pages: counts by the page API, a specific page
    loaded and routed, the search backend finding a seeded word. Raises if one fails."""
    from django.test import RequestFactory

    live = LibraryItem.objects.live()
    expected = seeded.items + seeded.translations
    counted = live.count()
    if counted < expected:
        raise RuntimeError(f"{counted} live items, {expected} written")
    page = live.filter(kind=LibraryItem.Kind.SHEET).order_by("-pk").first()
    specific = page.specific
    if not isinstance(specific, PracticeSheetPage) or not specific.steps.exists():
        raise RuntimeError("a seeded sheet does not load as a practice sheet with its steps")
    index = LibraryIndexPage.objects.get()
    if index.get_children().count() != index.numchild:
        raise RuntimeError("the index's numchild does not match its children")
    if not page.url or not page.url.startswith(index.url):
        raise RuntimeError(f"a seeded sheet has no address under the index: {page.url!r}")
    request = RequestFactory().get(page.url)
    found = index.route(request, page.url[len(index.url) :].strip("/").split("/"))
    if found.page.pk != page.pk:
        raise RuntimeError("Wagtail's routing does not find a seeded sheet")
    hits = len(live.search(query)[:50])
    if not hits:
        raise RuntimeError(f"searching {query!r} finds no seeded item")
    return {"live": counted, "url": page.url, "search_hits": hits}
