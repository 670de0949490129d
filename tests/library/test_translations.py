"""Translating a library item: an unpublished copy in the other language, edited in the same
contribution form, reviewed like a contribution, following the original's publication."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from wagtail.models import Locale

from community.library.models import InterviewPage, LibraryItem, PracticeSheetPage
from community.library.services.contributions import (
    review_decide,
    sheet_draft,
    sheet_save,
    sheet_submit,
)
from community.library.services.translations import other_locale, translation_create
from community.models import Theme


@pytest.fixture
def original(make_sheet, member, open_space):
    return make_sheet(
        owner=member,
        title="Des marraines en atelier",
        slug="des-marraines",
        themes=[Theme.objects.first()],
        spaces=[open_space],
    )


def item_count() -> int:
    return LibraryItem.objects.count()


def test_a_translation_is_an_unpublished_copy_in_the_other_language(
    member, animator, original, library_index
):
    target = other_locale(original)
    copy = translation_create(by=animator, page=original, locale=target)

    assert isinstance(copy, PracticeSheetPage)
    assert copy.translation_key == original.translation_key
    assert copy.locale == Locale.objects.get(language_code=target)
    assert copy.locale != original.locale
    assert not copy.live
    assert copy.owner == animator
    assert copy.slug == f"des-marraines-{target}"
    assert copy.get_parent().pk == library_index.pk
    assert copy.translation_source_published_at == original.last_published_at
    assert copy.original.pk == original.pk
    assert [step.title for step in copy.steps.all()] == ["Réunir les entreprises"]
    assert list(copy.spaces.all()) == list(original.spaces.all())


def test_only_the_author_its_reviewers_and_staff_translate(other_member, other_animator, original):
    before = item_count()
    for user in (other_member, other_animator):
        with pytest.raises(PermissionDenied):
            translation_create(by=user, page=original, locale=other_locale(original))
    assert item_count() == before


@pytest.mark.parametrize(
    "case, code",
    [
        ("second", "exists"),
        ("of_translation", "is_translation"),
        ("unpublished", "not_published"),
        ("same_language", "same_locale"),
    ],
)
def test_refused_translations_create_nothing(case, code, member, original, make_sheet):
    page, locale = original, other_locale(original)
    if case == "second":
        translation_create(by=member, page=original, locale=locale)
    elif case == "of_translation":
        page = translation_create(by=member, page=original, locale=locale)
        locale = original.locale.language_code
    elif case == "unpublished":
        page = make_sheet(owner=member, publish=False)
    elif case == "same_language":
        locale = original.locale.language_code
    before = item_count()
    with pytest.raises(ValidationError) as refused:
        translation_create(by=member, page=page, locale=locale)
    assert refused.value.code == code
    assert item_count() == before


def test_other_kinds_of_item_are_translated_too(staff, make_item):
    interview = make_item(InterviewPage, owner=staff)
    copy = translation_create(by=staff, page=interview, locale=other_locale(interview))
    assert isinstance(copy, InterviewPage)
    assert copy.person_name == interview.person_name


def test_the_translation_is_edited_reviewed_and_follows_the_original_s_latest_publication(
    member, animator, original, django_capture_on_commit_callbacks
):
    copy = translation_create(by=member, page=original, locale=other_locale(original))
    sheet_save(
        by=member,
        page=copy,
        fields={"title": "Mentors in the workshop", "summary": "Women mentors."},
        steps=[{"title": "Bring companies together"}],
    )
    assert sheet_draft(copy).title == "Mentors in the workshop"

    # The original changes while the translation is being written.
    PracticeSheetPage.objects.get(pk=original.pk).save_revision().publish()
    original = PracticeSheetPage.objects.get(pk=original.pk)
    assert copy.translation_source_published_at < original.last_published_at

    with django_capture_on_commit_callbacks(execute=True):
        sheet_submit(by=member, page=copy)
        review_decide(by=animator, page=copy, action="approve")

    published = PracticeSheetPage.objects.get(pk=copy.pk)
    assert published.live
    assert published.title == "Mentors in the workshop"
    assert published.translation_source_published_at == original.last_published_at
    assert not published.original_changed_since_translation()
    assert PracticeSheetPage.objects.get(pk=original.pk).live


def test_the_translate_button_opens_the_copy_in_the_contribution_form(client, member, original):
    client.force_login(member)
    assert client.get(reverse("library:translate", args=[original.pk])).status_code == 405

    response = client.post(reverse("library:translate", args=[original.pk]))

    copy = LibraryItem.objects.exclude(pk=original.pk).get(translation_key=original.translation_key)
    assert copy.locale.language_code == other_locale(original)
    assert response.status_code == 302
    assert response["Location"] == reverse("library:contribution_edit", args=[copy.pk])
    assert client.get(response["Location"]).status_code == 200


def test_the_translate_button_refuses_those_not_allowed(client, other_member, original):
    client.force_login(other_member)
    before = item_count()
    response = client.post(reverse("library:translate", args=[original.pk]), follow=True)
    assert response.status_code == 200
    assert "You cannot translate this item." in response.content.decode()
    assert item_count() == before


def test_an_unpublished_item_has_no_translate_address(client, member, make_sheet):
    draft = make_sheet(owner=member, publish=False)
    client.force_login(member)
    assert client.post(reverse("library:translate", args=[draft.pk])).status_code == 404
