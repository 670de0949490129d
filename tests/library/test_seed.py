"""The demo library (`community/management/commands/_seed_library.py`), seeded once per module.

`seed_demo` runs on the empty test database, with the after-commit callbacks run as a real
commit would, and everything is rolled back at the end; the files it generated (documents under
PRIVATE_MEDIA_ROOT, covers under MEDIA_ROOT) are removed with it.
"""

import csv
import io
from io import StringIO

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.management import call_command
from django.db import transaction
from django.test import TestCase
from wagtail.images import get_image_model
from wagtail.models import Collection, TaskState, WorkflowState

from community.library.citations import citations_for
from community.library.embeds import parse_video_url
from community.library.models import (
    Adoption,
    InterviewPage,
    LibraryDocument,
    LibraryItem,
    PracticeSheetPage,
    PrivateCollection,
    ToolboxItemPage,
    VideoCapsulePage,
)
from community.library.models.workflows import AnimatorReviewTask
from community.library.permissions import can_review, can_view_document, can_view_draft
from community.models import User

pytestmark = pytest.mark.django_db


def seed() -> str:
    out = StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


def _remove_generated_files() -> None:
    for document in LibraryDocument.objects.all():
        document.file.delete(save=False)
    for image in get_image_model().objects.all():
        for rendition in image.renditions.all():
            rendition.file.delete(save=False)
        image.file.delete(save=False)


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    """The seeded demo for the whole module; everything is rolled back afterwards."""
    with django_db_blocker.unblock(), transaction.atomic():
        try:
            with TestCase.captureOnCommitCallbacks(execute=True):
                output = seed()
            yield output
        finally:
            _remove_generated_files()
            transaction.set_rollback(True)


def user(login: str) -> User:
    return User.objects.get(email=f"{login}@demo.egalite.example")


def originals(model=LibraryItem):
    """Published items in French, the demo's original language."""
    return model.objects.live().filter(locale__language_code="fr")


def counts() -> dict[str, int]:
    models = (
        LibraryItem,
        PracticeSheetPage,
        LibraryDocument,
        Adoption,
        PrivateCollection,
        WorkflowState,
        get_image_model(),
        Collection,
    )
    return {model.__name__: model.objects.count() for model in models}


def test_seeding_the_demo_a_second_time_creates_no_library_item(demo):
    before = counts()

    output = seed()

    assert counts() == before
    assert "Library: 22 new item(s)." in demo
    assert "Library:" not in output
    assert "Library item left out" not in demo + output


def test_the_demo_library_has_the_sheets_interviews_capsules_and_toolbox_items_asked_for(demo):
    assert originals(PracticeSheetPage).count() == 9
    assert originals(InterviewPage).count() == 2
    assert originals(VideoCapsulePage).count() == 2
    assert originals(ToolboxItemPage).count() == 4
    assert 2 <= originals().filter(featured=True).count() <= 3
    for item in originals():
        assert item.spaces.exists(), item.slug
        assert item.themes.exists() and item.sectors.exists(), item.slug
        assert item.country and item.actor_type and item.summary, item.slug
        assert item.cover_image.title, item.slug  # the cover's alt text


def test_every_demo_sheet_follows_the_clusters_structure(demo):
    for sheet in originals(PracticeSheetPage):
        assert sheet.observation and sheet.objectives and sheet.results, sheet.slug
        assert sheet.lessons and sheet.did_not_work, sheet.slug
        assert 2 <= sheet.steps.count() <= 5, sheet.slug
        assert sheet.obstacles.exists(), sheet.slug
        assert all(obstacle.response for obstacle in sheet.obstacles.all()), sheet.slug
        assert sheet.stakeholders.filter(organisation__isnull=False).exists(), sheet.slug
        assert all(row.display_name for row in sheet.stakeholders.all()), sheet.slug
        indicators = list(sheet.indicators.all())
        assert indicators and all(row.value > 0 and row.code for row in indicators), sheet.slug
        contacts = list(sheet.contacts.select_related("user"))
        assert contacts and all(
            row.user.email.endswith("@demo.egalite.example") for row in contacts
        )
        assert sheet.start_year and sheet.period_label, sheet.slug
    codes = set(originals(PracticeSheetPage).values_list("indicators__code", flat=True).distinct())
    assert {"people_sensitised", "companies", "agreements", "women_recruited"} <= codes


def test_two_sheets_have_an_english_version_and_one_is_behind_its_original(demo):
    english = list(PracticeSheetPage.objects.live().filter(locale__language_code="en"))

    assert len(english) == 2
    behind = []
    for page in english:
        original = page.original
        assert original is not None and original.locale.language_code == "fr"
        assert page.translation_key == original.translation_key
        assert page.slug == f"{original.slug}-en"
        assert page.first_published_at > page.translation_source_published_at
        if page.original_changed_since_translation():
            behind.append(page)
        else:
            assert page.translation_source_published_at == original.last_published_at
    assert [page.slug for page in behind] == ["clusters-egalite-bretagne-en"]


def test_maelles_sheet_waits_for_claires_review_with_its_document_held_back(demo):
    sheet = PracticeSheetPage.objects.get(owner=user("maelle.legoff"))
    state = sheet.current_workflow_state

    assert not sheet.live
    assert state.status == WorkflowState.STATUS_IN_PROGRESS
    assert isinstance(state.current_task_state.task.specific, AnimatorReviewTask)
    assert can_review(user("claire.morvan"), sheet)
    assert not can_view_draft(user("hugo.kerbrat"), sheet)
    document = sheet.get_latest_revision_as_object().documents.get().document
    assert document.pending_review
    assert can_view_document(user("maelle.legoff"), document)
    assert not can_view_document(AnonymousUser(), document)


def test_hugos_sheet_is_a_draft_and_thomass_came_back_with_changes_requested(demo):
    draft = PracticeSheetPage.objects.get(owner=user("hugo.kerbrat"))
    assert not draft.live and draft.current_workflow_state is None

    sheet = PracticeSheetPage.objects.get(owner=user("thomas.lebihan"))
    state = sheet.current_workflow_state
    assert not sheet.live
    assert state.status == WorkflowState.STATUS_NEEDS_CHANGES
    decision = TaskState.objects.filter(workflow_state=state).latest("pk")
    assert decision.status == TaskState.STATUS_REJECTED
    assert decision.finished_by == user("claire.morvan")
    assert "ce qui n'a pas fonctionné" in decision.comment


def test_the_toolbox_documents_are_generated_files_and_the_trainer_kit_is_private(demo):
    toolbox = Collection.objects.get(name="Boîte à outils", depth=2)
    for item in originals(ToolboxItemPage):
        documents = [row.document for row in item.tool_documents.all()]
        assert documents, item.slug
        for document in documents:
            assert document.collection.path.startswith(toolbox.path), document.title
            with document.open_file() as file:
                content = file.read()
            if document.file_extension == "pdf":
                assert content.startswith(b"%PDF-")
            elif document.file_extension == "csv":
                rows = list(csv.reader(io.StringIO(content.decode("utf-8"))))
                assert len(rows) > 2 and len(set(map(len, rows))) == 1
            else:
                assert document.file_extension == "txt" and content.decode("utf-8").strip()

    kit = ToolboxItemPage.objects.get(slug="kit-formateur-session-pilote")
    private = PrivateCollection.objects.get()
    assert private.space.slug == "comite-de-pilotage"
    for row in kit.tool_documents.all():
        assert row.document.collection == private.collection
        assert can_view_document(user("lucia.ferrer"), row.document)  # in the committee
        assert not can_view_document(user("maelle.legoff"), row.document)
        assert not can_view_document(AnonymousUser(), row.document)


def test_organisations_have_declared_adoptions_some_without_their_name(demo):
    adoptions = Adoption.objects.select_related("practice", "organisation")

    assert adoptions.values("organisation").distinct().count() == 4
    assert adoptions.filter(show_publicly=False).count() == 2
    assert {a.status for a in adoptions} == {Adoption.Status.ADOPTING, Adoption.Status.ADOPTED}
    for adoption in adoptions:
        assert adoption.practice.live
        assert adoption.declared_by.profile.organisation == adoption.organisation


def test_the_demo_videos_and_interviews_have_a_player_and_a_transcript(demo):
    for capsule in originals(VideoCapsulePage):
        assert parse_video_url(capsule.video_url) is not None
        assert capsule.duration.total_seconds() > 60 and capsule.transcript
    providers = {parse_video_url(c.video_url).provider for c in originals(VideoCapsulePage)}
    assert providers == {"YouTube", "PeerTube"}
    for interview in originals(InterviewPage):
        assert len(interview.questions) >= 3
        assert parse_video_url(interview.media_url) is not None
        assert interview.person and interview.organisation_id
        assert interview.person.profile.display_name in interview.transcript


def test_demo_events_and_forum_topics_cite_library_items(demo):
    sheet = PracticeSheetPage.objects.get(
        slug="ateliers-raconte-moi-ton-metier", locale__language_code="fr"
    )

    cited_in = citations_for(user=user("maelle.legoff"), page=sheet)

    assert {"space", "event", "topic"} <= {citation.kind for citation in cited_in}
