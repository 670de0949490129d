"""What cites a library item: the spaces it is placed in, and whatever other apps register.

The library belongs to `community`, which imports neither the forum nor the events (see
docs/architecture.md, "Dependencies point one way"). So each app that can cite an item
registers a source here from its `AppConfig.ready()`:

    register_citation_source("events", events.selectors.library_citations)

A source is `fn(user, page) -> list[Citation]`. It must return only what `user` may see
(a private space's topic never reaches a non-member) and cost a fixed number of queries,
since the item page calls every source on each view.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from community.selectors import spaces_visible_to


@dataclass(frozen=True)
class Citation:
    kind: str  # "space", "event", "topic", or another source's own kind
    title: str
    url: str
    detail: str = ""  # a date, a space's name: what helps the reader choose


# How the item page heads each kind; a kind not listed here is headed "Cited in".
KIND_LABELS = {
    "space": _("In the spaces"),
    "event": _("At events"),
    "topic": _("In the forum"),
}

_SOURCES: dict[str, Callable] = {}


def register_citation_source(name: str, fn: Callable) -> None:
    """Add (or replace, when `ready()` runs twice) the source called `name`."""
    _SOURCES[name] = fn


def citations_for(*, user, page) -> list[Citation]:
    """Everything that cites `page` and that `user` may see, source by source."""
    if page.pk is None:  # the preview of an item being created: nothing can cite it yet
        return []
    citations: list[Citation] = []
    for source in _SOURCES.values():
        citations.extend(source(user, page))
    return citations


def grouped(citations: list[Citation]) -> list[tuple[str, list[Citation]]]:
    """The citations by kind, each with its heading: spaces, events, topics, then the others.

    Within a kind, the order its source gave (e.g. upcoming events first) is kept.
    """
    groups: dict[str, list[Citation]] = {}
    for citation in citations:
        groups.setdefault(citation.kind, []).append(citation)
    known = list(KIND_LABELS)
    kinds = sorted(groups, key=lambda kind: known.index(kind) if kind in known else len(known))
    return [(str(KIND_LABELS.get(kind, _("Cited in"))), groups[kind]) for kind in kinds]


def _spaces(user, page) -> list[Citation]:
    """The spaces the item is placed in that the user may see (one query).

    Read from the saved relation, so the preview of a revision lists the spaces the item is
    in now.
    """
    spaces = spaces_visible_to(user).filter(library_items=page.pk).order_by("name")
    return [Citation("space", space.name, space.get_absolute_url()) for space in spaces]


register_citation_source("spaces", _spaces)
