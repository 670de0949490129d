from django.urls import path  # noqa: F401

urlpatterns: list = []


def library_index(request, *, index_page):
    raise NotImplementedError
