"""Atom feeds of newly published practices: the whole library (`/library/feed/`) and one theme
(`/library/feed/<theme>/`).

Only live items, one version per practice in the reader's language (the same rule as the
library's index). Entries are signed with the site's name, never a member's name or address:
a feed is public and copied everywhere.
"""

from dataclasses import dataclass

from django.contrib.syndication.views import Feed
from django.shortcuts import get_object_or_404
from django.utils.feedgenerator import Atom1Feed
from django.utils.translation import gettext as _
from wagtail.models import Site

from community.library import selectors
from community.library.templatetags.library_tags import library_url
from community.models import Theme

FEED_SIZE = 30


@dataclass
class FeedSource:
    """What one request's feed is about. Feeds are shared instances: the request travels here,
    not on the feed object."""

    request: object
    theme: Theme | None
    site_name: str


class LibraryFeed(Feed):
    feed_type = Atom1Feed

    def get_object(self, request, theme_slug=None):
        theme = get_object_or_404(Theme, slug=theme_slug) if theme_slug is not None else None
        site = Site.find_for_request(request)
        site_name = (site.site_name if site else "") or _("Égalité Pro Clusters")
        return FeedSource(request=request, theme=theme, site_name=site_name)

    def title(self, source: FeedSource) -> str:
        if source.theme:
            return _("%(site)s: new practices on %(theme)s") % {
                "site": source.site_name,
                "theme": source.theme.label,
            }
        return _("%(site)s: new practices") % {"site": source.site_name}

    def subtitle(self, source: FeedSource) -> str:
        return _("Good practices, interviews, videos and tools shared by the clusters.")

    def link(self, source: FeedSource) -> str:
        index = library_url()
        if source.theme:
            index += f"?theme={source.theme.slug}"
        return source.request.build_absolute_uri(index)

    def feed_url(self, source: FeedSource) -> str:
        return source.request.build_absolute_uri()

    def author_name(self, source: FeedSource) -> str:
        return source.site_name

    def items(self, source: FeedSource):
        request = source.request
        items = selectors.latest_items(user=request.user, limit=FEED_SIZE, theme=source.theme)
        for item in items:
            item.feed_link = request.build_absolute_uri(item.get_url(request))
            item.feed_author = source.site_name
        return items

    def item_title(self, item) -> str:
        return item.title

    def item_description(self, item) -> str:
        return item.summary

    def item_link(self, item) -> str:
        return item.feed_link

    def item_pubdate(self, item):
        return item.first_published_at

    def item_updateddate(self, item):
        return item.last_published_at

    def item_author_name(self, item) -> str:
        return item.feed_author

    def item_categories(self, item) -> list[str]:
        return [theme.label for theme in item.themes.all()]
