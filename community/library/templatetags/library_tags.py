"""The library's address for the menu, its "practices" block on the home and space pages, and
the labels its cards show."""

from django import template
from django.urls import reverse

from community.countries import COUNTRIES
from community.library.models import LibraryItem

register = template.Library()

COUNTRY_NAMES = dict(COUNTRIES)
KIND_LABELS = dict(LibraryItem.Kind.choices)


@register.filter
def country_name(code: str) -> str:
    """A country's name from its code. Cards use this rather than `get_country_display`, which
    translates the whole list of countries on each call."""
    return COUNTRY_NAMES.get(code, "")


@register.filter
def kind_label(kind: str) -> str:
    return KIND_LABELS.get(kind, "")


@register.simple_tag
def library_url() -> str:
    """The library's address: its index sits where `library.urls` is mounted (/library/).

    Read from the URLconf rather than from the page tree, so the menu costs no query.
    """
    return reverse("library:feed").removesuffix("feed/")


@register.inclusion_tag("library/partials/browse_featured.html", takes_context=True)
def featured_library_items(context, space=None, count: int = 6, compact: bool = False):
    """Featured items first, then the newest, everywhere or placed in one space (one query,
    and the cards' themes)."""
    from community.library import selectors

    request = context["request"]
    return {
        "items": selectors.featured_items(user=request.user, limit=count, space=space),
        "space": space,
        "compact": compact,
        "library_url": library_url(),
        "request": request,
    }


@register.simple_tag
def is_library_reviewer(user) -> bool:
    """Whether to offer the review queue: staff, animators and the library's experts."""
    from community.library.permissions import is_expert, is_library_animator

    if not (user and user.is_authenticated):
        return False
    return user.is_staff or is_library_animator(user) or is_expert(user)
