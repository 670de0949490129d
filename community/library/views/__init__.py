"""The library's site views: browsing (`browse`), item pages (`items`), contributing
(`contribute`), reviewing (`review`) and adoptions. Wagtail pages call `library_index` and
`library_item` from their `serve`."""

from community.library.views.browse import library_index
from community.library.views.items import library_item

__all__ = ["library_index", "library_item"]
