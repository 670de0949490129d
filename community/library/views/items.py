from django.urls import path  # noqa: F401

urlpatterns: list = []


def library_item(request, *, page, preview=False):
    raise NotImplementedError
