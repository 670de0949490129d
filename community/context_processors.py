from django.core.cache import cache

from community.notifications import unread_count

LEGAL_LINKS_KEY = "legal-links"
LEGAL_LINKS_SECONDS = 300


def legal_links() -> dict:
    """The footer's privacy and terms URLs, read from the site setting at most every five
    minutes (and at once after the setting is saved): every page shows them."""
    links = cache.get(LEGAL_LINKS_KEY)
    if links is None:
        from wagtail.models import Site

        from community.models import LegalPages

        links = {}
        site = Site.objects.filter(is_default_site=True).first()
        if site is not None:
            legal = LegalPages.for_site(site)
            for name in ("privacy_page", "terms_page"):
                page = getattr(legal, name)
                if page is not None and page.live:
                    links[name] = page.get_url()
        cache.set(LEGAL_LINKS_KEY, links, LEGAL_LINKS_SECONDS)
    return links


def forget_legal_links(**kwargs) -> None:
    cache.delete(LEGAL_LINKS_KEY)


def platform(request):
    """The header's unread badge (one query for a signed-in member) and the footer's links."""
    context = {"legal_links": legal_links()}
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        context["unread_notifications"] = 0
    else:
        context["unread_notifications"] = unread_count(user)
    return context
