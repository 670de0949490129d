"""Each kind of library item can be created under the index and only there."""

import pytest

from community.library.models import (
    InterviewPage,
    LibraryIndexPage,
    LibraryItem,
    PracticeSheetPage,
    ToolboxItemPage,
    VideoCapsulePage,
)
from community.models import HomePage


@pytest.mark.parametrize(
    "model", [PracticeSheetPage, InterviewPage, VideoCapsulePage, ToolboxItemPage]
)
def test_each_kind_is_created_under_the_index_with_its_kind_stored(make_item, model):
    page = make_item(model)
    assert page.live
    assert LibraryItem.objects.get(pk=page.pk).kind == model.KIND
    assert page.get_parent().specific_class is LibraryIndexPage


@pytest.mark.parametrize(
    "model", [PracticeSheetPage, InterviewPage, VideoCapsulePage, ToolboxItemPage]
)
@pytest.mark.django_db
def test_items_are_creatable_only_under_the_library_index(model):
    assert model.can_create_at(LibraryIndexPage())
    assert not model.can_create_at(HomePage())
    assert not LibraryItem.is_creatable


def test_the_index_exists_once_at_library(library_index):
    assert library_index.url_path.endswith("/library/")
    assert not LibraryIndexPage.can_create_at(HomePage())  # max_count reached
