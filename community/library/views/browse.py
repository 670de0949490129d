"""Browsing the library: the index page (served by `LibraryIndexPage`) and the Atom feeds.

The index answers htmx with the results, and the facets and the result count out of band, so a
ticked box or a typed word updates everything in place; without JavaScript the same form
submits and the whole page comes back.
"""

from django.template.response import TemplateResponse
from django.urls import path
from django.utils.cache import patch_vary_headers

from community.library import selectors
from community.library.feeds import LibraryFeed
from community.views._helpers import partial_or_full

urlpatterns = [
    path("feed/", LibraryFeed(), name="feed"),
    path("feed/<slug:theme_slug>/", LibraryFeed(), name="feed_theme"),
]


def library_index(request, *, index_page):
    filters = selectors.LibraryFilters.from_query(request.GET)
    results = selectors.browse(filters=filters, page_number=request.GET.get("page"))
    template = partial_or_full(request, "library/index.html", "library/partials/results.html")
    context = {
        "page": index_page,
        "self": index_page,
        "results": results,
        "filters": results.filters,
        "search_window": selectors.SEARCH_WINDOW,
        "out_of_band": template == "library/partials/results.html",
    }
    response = TemplateResponse(request, template, context)
    patch_vary_headers(response, ("HX-Request",))
    return response
