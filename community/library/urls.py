"""The library's own addresses under /library/, answered before Wagtail's pages (see
`RESERVED_SLUGS` in models/pages.py)."""

from community.library.views import browse, contribute, items, review

app_name = "library"

urlpatterns = [
    *browse.urlpatterns,
    *contribute.urlpatterns,
    *review.urlpatterns,
    *items.urlpatterns,
]
