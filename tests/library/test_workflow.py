"""The review of a submitted sheet: who decides, what each decision does, who is told.

The workflow (animator review, then an expert review only when asked) runs through Wagtail's
tasks; decisions taken on the site (`review_decide`) and in the Wagtail admin (the task's
`on_action`) notify the same people, after the commit, through the workflow signals.
"""

from pathlib import Path

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from notifications.models import Notification
from wagtail.models import TaskState, WorkflowState

from community.library import reviewing
from community.library.models import (
    AnimatorReviewTask,
    LibraryDocument,
    LibraryIndexPage,
    LibraryItem,
    PracticeDocument,
    PracticeSheetPage,
)
from community.library.permissions import EXPERT_GROUP, can_review
from community.library.selectors import published_items
from community.library.services.contributions import (
    review_decide,
    sheet_draft,
    sheet_save,
    sheet_submit,
)
from community.models import Membership, Theme
from tests.factories import MembershipFactory, SpaceFactory, UserFactory

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def verbs(user) -> list[str]:
    return list(
        Notification.objects.filter(recipient=user).order_by("pk").values_list("verb", flat=True)
    )


def notified(verb: str) -> set:
    return set(Notification.objects.filter(verb=verb).values_list("recipient_id", flat=True))


def workflow_state(page) -> WorkflowState:
    return (
        WorkflowState.objects.filter(object_id=str(page.pk))
        .order_by("-pk")
        .select_related("current_task_state__task")
    ).first()


def snapshot(page) -> dict:
    state = workflow_state(page)
    return {
        "status": state.status if state else None,
        "task_states": list(
            TaskState.objects.filter(workflow_state__object_id=str(page.pk))
            .order_by("pk")
            .values_list("pk", "status", "comment")
        ),
        "live": PracticeSheetPage.objects.get(pk=page.pk).live,
        "notifications": Notification.objects.count(),
    }


@pytest.fixture
def author(member, open_space):
    MembershipFactory(space=open_space, user=member)
    return member


@pytest.fixture
def space_animator(open_space):
    """Animates the sheet's space only (not its cluster)."""
    user = UserFactory(profile__display_name="Sam Space")
    MembershipFactory(space=open_space, user=user, role=Membership.Role.ANIMATOR)
    return user


@pytest.fixture
def expert(db):
    user = UserFactory(profile__display_name="Eva Experte")
    user.groups.add(Group.objects.get(name=EXPERT_GROUP))
    return user


@pytest.fixture
def submit(author, open_space, library_index, django_capture_on_commit_callbacks):
    def make(title="Des stages de découverte", spaces=None, **fields):
        page = sheet_save(
            by=author,
            fields={
                "title": title,
                "summary": "Des stages pour les collégiennes.",
                "observation": "Peu de filles en atelier.",
                "themes": [Theme.objects.first()],
                "spaces": [open_space] if spaces is None else spaces,
                **fields,
            },
            steps=[{"title": "Trouver des entreprises d'accueil"}],
        )
        with django_capture_on_commit_callbacks(execute=True):
            sheet_submit(by=author, page=page)
        return PracticeSheetPage.objects.get(pk=page.pk)

    return make


@pytest.fixture
def submitted(submit):
    return submit()


def decide(capture, **kwargs):
    with capture(execute=True):
        return review_decide(**kwargs)


# --- Submission ---------------------------------------------------------------------------------


def test_submission_notifies_the_animators_of_the_sheet_s_spaces_and_cluster_only(
    author, animator, space_animator, other_animator, expert, submitted
):
    assert notified("library.sheet_submitted") == {animator.pk, space_animator.pk}
    notification = Notification.objects.get(recipient=space_animator)
    assert notification.data["target"] == submitted.title
    assert notification.data["url"] == f"/library/review/{submitted.pk}/"
    assert verbs(author) == []


def test_a_sheet_in_no_space_goes_to_every_animator_who_may_review_it(
    author, animator, space_animator, other_animator, staff, submit
):
    page = submit(spaces=[])
    assert notified("library.sheet_submitted") == {
        animator.pk,
        space_animator.pk,
        other_animator.pk,
    }
    assert all(can_review(user, page) for user in (animator, space_animator, other_animator, staff))


def test_a_sheet_nobody_else_may_review_goes_to_staff(
    staff, library_index, django_capture_on_commit_callbacks
):
    author = UserFactory()
    lone_space = SpaceFactory(cluster=None)
    MembershipFactory(space=lone_space, user=author, role=Membership.Role.ANIMATOR)
    page = sheet_save(
        by=author,
        fields={
            "title": "Seule dans mon espace",
            "summary": "Résumé.",
            "observation": "Constat.",
            "themes": [Theme.objects.first()],
            "spaces": [lone_space],
        },
        steps=[{"title": "Étape"}],
    )
    with django_capture_on_commit_callbacks(execute=True):
        sheet_submit(by=author, page=page)
    assert notified("library.sheet_submitted") == {staff.pk}


# --- Who decides --------------------------------------------------------------------------------


def test_the_author_cannot_review_their_own_sheet(author, submitted, open_space):
    open_space.memberships.filter(user=author).update(role=Membership.Role.ANIMATOR)
    before = snapshot(submitted)
    with pytest.raises(PermissionDenied):
        review_decide(by=author, page=submitted, action="approve")
    assert snapshot(submitted) == before
    assert reviewing.review_actions(author, submitted) == []


def test_staff_do_not_review_their_own_sheet(
    staff, animator, open_space, library_index, django_capture_on_commit_callbacks
):
    MembershipFactory(space=open_space, user=staff)
    page = sheet_save(
        by=staff,
        fields={
            "title": "La fiche de l'équipe",
            "summary": "Résumé.",
            "observation": "Constat.",
            "themes": [Theme.objects.first()],
            "spaces": [open_space],
        },
        steps=[{"title": "Étape"}],
    )
    with django_capture_on_commit_callbacks(execute=True):
        sheet_submit(by=staff, page=page)
    before = snapshot(page)
    assert not can_review(staff, page)
    with pytest.raises(PermissionDenied):
        review_decide(by=staff, page=page, action="approve")
    assert snapshot(page) == before
    assert page.pk not in {row.page.pk for row in reviewing.review_queue(staff)}
    assert staff.pk not in notified("library.sheet_submitted")


def test_an_animator_of_another_cluster_cannot_review_the_sheet(
    other_animator, submitted, django_capture_on_commit_callbacks
):
    before = snapshot(submitted)
    for action in ("approve", "expert", "reject"):
        with pytest.raises(PermissionDenied):
            review_decide(by=other_animator, page=submitted, action=action, comment="Non.")
    assert snapshot(submitted) == before
    task = AnimatorReviewTask.objects.get()
    assert not reviewing.reviewable_task_states(other_animator, task).exists()


def test_an_expert_cannot_act_before_being_asked(expert, submitted):
    before = snapshot(submitted)
    with pytest.raises(PermissionDenied):
        review_decide(by=expert, page=submitted, action="approve")
    assert snapshot(submitted) == before


def test_requesting_changes_or_asking_an_expert_needs_a_comment(animator, submitted):
    before = snapshot(submitted)
    for action in ("reject", "expert"):
        with pytest.raises(ValidationError) as refused:
            review_decide(by=animator, page=submitted, action=action, comment="  ")
        assert refused.value.error_dict["comment"][0].code == "comment_required"
    with pytest.raises(ValidationError) as refused:
        review_decide(by=animator, page=submitted, action="publish")
    assert refused.value.error_dict["action"][0].code == "invalid_action"
    assert snapshot(submitted) == before


def test_reviewable_task_states_are_those_on_sheets_the_user_may_review(
    animator, space_animator, other_animator, submit, author
):
    mine = submit(title="Dans mon espace")
    nowhere = submit(title="Sans espace", spaces=[])
    task = AnimatorReviewTask.objects.get()

    def pages(user):
        states = reviewing.reviewable_task_states(user, task)
        return {int(state.workflow_state.object_id) for state in states}

    assert pages(animator) == {mine.pk, nowhere.pk}
    assert pages(space_animator) == {mine.pk, nowhere.pk}
    assert pages(other_animator) == {nowhere.pk}
    assert pages(author) == set()
    # Wagtail's dashboard ORs every task's queryset together.
    assert TaskState.objects.reviewable_by(animator).count() == 2


# --- Changes requested, resubmitted, approved ---------------------------------------------------


def test_changes_requested_then_resubmitted_then_approved_is_published_in_the_library(
    author,
    animator,
    space_animator,
    submitted,
    library_index,
    mailoutbox,
    django_capture_on_commit_callbacks,
):
    capture = django_capture_on_commit_callbacks
    decide(
        capture,
        by=space_animator,
        page=submitted,
        action="reject",
        comment="Précisez le nombre d'entreprises.",
    )

    state = workflow_state(submitted)
    assert state.status == WorkflowState.STATUS_NEEDS_CHANGES
    assert verbs(author) == ["library.changes_requested"]
    assert Notification.objects.get(recipient=author).data["url"] == (
        f"/library/contributions/{submitted.pk}/"
    )
    assert [mail.to for mail in mailoutbox] == [[author.email]]
    assert "Précisez le nombre d'entreprises." in mailoutbox[0].body
    status = reviewing.contribution_status(submitted)
    assert status.status == "changes_requested"
    assert status.comment == "Précisez le nombre d'entreprises."

    sheet_save(by=author, page=submitted, fields={"summary": "Douze entreprises accueillent."})
    with capture(execute=True):
        sheet_submit(by=author, page=submitted)
    assert workflow_state(submitted).status == WorkflowState.STATUS_IN_PROGRESS
    assert notified("library.sheet_resubmitted") == {animator.pk, space_animator.pk}

    decide(capture, by=animator, page=submitted, action="approve")

    page = PracticeSheetPage.objects.get(pk=submitted.pk)
    assert page.live
    assert page.summary == "Douze entreprises accueillent."
    index = LibraryIndexPage.objects.get()
    assert page in index.get_children().live().specific()
    assert page.pk in set(published_items().values_list("pk", flat=True))
    assert workflow_state(submitted).status == WorkflowState.STATUS_APPROVED
    assert verbs(author) == ["library.changes_requested", "library.sheet_published"]
    assert Notification.objects.filter(verb="library.sheet_published").get().data["url"] == (
        page.url
    )
    assert reviewing.contribution_status(page).status == "published"
    history = reviewing.review_history(page)
    assert [entry.decision for entry in history] == ["reject", "approve"]
    assert history[0].comment == "Précisez le nombre d'entreprises."


def test_a_decision_taken_in_the_wagtail_admin_notifies_the_author_too(
    author, animator, submitted, django_capture_on_commit_callbacks
):
    task_state = workflow_state(submitted).current_task_state
    with django_capture_on_commit_callbacks(execute=True):
        task_state.task.specific.on_action(task_state, animator, "reject", comment="À revoir.")
    assert verbs(author) == ["library.changes_requested"]


def test_changes_to_a_published_sheet_replace_it_only_once_approved(
    author, animator, make_sheet, open_space, django_capture_on_commit_callbacks
):
    published = make_sheet(
        owner=author, title="Publiée", themes=[Theme.objects.first()], spaces=[open_space]
    )
    sheet_save(by=author, page=published, fields={"title": "Publiée, revue"})
    with django_capture_on_commit_callbacks(execute=True):
        sheet_submit(by=author, page=published)
    assert PracticeSheetPage.objects.get(pk=published.pk).title == "Publiée"

    decide(django_capture_on_commit_callbacks, by=animator, page=published, action="approve")
    assert PracticeSheetPage.objects.get(pk=published.pk).title == "Publiée, revue"


# --- The expert step ----------------------------------------------------------------------------


def test_an_animator_asks_an_expert_who_approves_and_the_sheet_is_published(
    author, animator, expert, submitted, django_capture_on_commit_callbacks
):
    capture = django_capture_on_commit_callbacks
    decide(
        capture,
        by=animator,
        page=submitted,
        action="expert",
        comment="Les chiffres tiennent-ils ?",
    )

    state = workflow_state(submitted)
    assert state.status == WorkflowState.STATUS_IN_PROGRESS
    assert state.current_task_state.task.name == "Expert review (when asked)"
    assert not PracticeSheetPage.objects.get(pk=submitted.pk).live
    assert notified("library.expert_asked") == {expert.pk}
    assert verbs(author) == ["library.sent_to_expert"]
    assert expert in reviewing.reviewers_for(submitted)
    assert reviewing.contribution_status(submitted).status == "expert_review"

    # The animator's part is done: now only the expert decides.
    with pytest.raises(PermissionDenied):
        review_decide(by=animator, page=submitted, action="approve")
    assert reviewing.review_actions(expert, submitted) == ["approve", "reject"]

    decide(capture, by=expert, page=submitted, action="approve")

    assert PracticeSheetPage.objects.get(pk=submitted.pk).live
    assert verbs(author) == ["library.sent_to_expert", "library.sheet_published"]
    assert [entry.decision for entry in reviewing.review_history(submitted)] == [
        "expert",
        "approve",
    ]


def test_an_expert_s_request_for_changes_returns_to_the_expert_after_resubmission(
    author, animator, expert, submitted, django_capture_on_commit_callbacks
):
    capture = django_capture_on_commit_callbacks
    decide(capture, by=animator, page=submitted, action="expert", comment="Vérifiez.")
    decide(capture, by=expert, page=submitted, action="reject", comment="Sources ?")
    assert verbs(author) == ["library.sent_to_expert", "library.changes_requested"]

    sheet_save(by=author, page=submitted, fields={"summary": "Avec sources."})
    with capture(execute=True):
        sheet_submit(by=author, page=submitted)
    assert Notification.objects.filter(recipient=expert).latest("pk").verb == (
        "library.sheet_resubmitted"
    )
    assert reviewing.review_actions(expert, submitted) == ["approve", "reject"]


def test_an_animator_who_approves_without_asking_skips_the_expert_step(
    animator, expert, submitted, django_capture_on_commit_callbacks
):
    decide(django_capture_on_commit_callbacks, by=animator, page=submitted, action="approve")
    assert PracticeSheetPage.objects.get(pk=submitted.pk).live
    assert verbs(expert) == []


def test_an_expert_never_decides_on_their_own_sheet(
    expert, animator, open_space, library_index, django_capture_on_commit_callbacks
):
    MembershipFactory(space=open_space, user=expert)
    page = sheet_save(
        by=expert,
        fields={
            "title": "La fiche de l'experte",
            "summary": "Résumé.",
            "observation": "Constat.",
            "themes": [Theme.objects.first()],
            "spaces": [open_space],
        },
        steps=[{"title": "Étape"}],
    )
    sheet_submit(by=expert, page=page)
    decide(django_capture_on_commit_callbacks, by=animator, page=page, action="expert", comment="?")
    with pytest.raises(PermissionDenied):
        review_decide(by=expert, page=page, action="approve")
    assert not PracticeSheetPage.objects.get(pk=page.pk).live


# --- What is published: the version reviewed ---------------------------------------------------


def edit_during_review(page, by, title):
    """An edit saved while the sheet is in review (as the Wagtail admin lets its reviewers)."""
    draft = sheet_draft(page)
    draft.title = title
    return draft.save_revision(user=by)


def test_an_approval_publishes_the_version_reviewed_not_a_later_edit(
    animator, space_animator, submitted, django_capture_on_commit_callbacks
):
    reviewed = workflow_state(submitted).current_task_state.revision_id
    edit_during_review(submitted, space_animator, "Changée pendant la relecture")

    decide(django_capture_on_commit_callbacks, by=animator, page=submitted, action="approve")

    page = PracticeSheetPage.objects.get(pk=submitted.pk)
    assert page.live and page.live_revision_id == reviewed
    assert page.title == "Des stages de découverte"
    assert page.has_unpublished_changes


def test_an_expert_s_approval_publishes_the_version_the_expert_read(
    animator, space_animator, expert, submitted, django_capture_on_commit_callbacks
):
    decide(
        django_capture_on_commit_callbacks,
        by=animator,
        page=submitted,
        action="expert",
        comment="?",
    )
    read_by_expert = workflow_state(submitted).current_task_state.revision_id
    edit_during_review(submitted, space_animator, "Changée pendant l'avis")

    decide(django_capture_on_commit_callbacks, by=expert, page=submitted, action="approve")

    page = PracticeSheetPage.objects.get(pk=submitted.pk)
    assert page.live_revision_id == read_by_expert
    assert page.title == "Des stages de découverte"


def test_a_skipped_expert_step_publishes_the_animator_s_version(
    animator, space_animator, submitted, django_capture_on_commit_callbacks
):
    from community.library.apps import reviewed_revision

    approved_by_animator = workflow_state(submitted).current_task_state.revision_id
    edit_during_review(submitted, space_animator, "Changée juste avant")
    decide(django_capture_on_commit_callbacks, by=animator, page=submitted, action="approve")

    state = workflow_state(submitted)
    assert state.current_task_state.status == TaskState.STATUS_SKIPPED
    assert reviewed_revision(state).pk == approved_by_animator
    assert PracticeSheetPage.objects.get(pk=submitted.pk).live_revision_id == approved_by_animator


def test_a_decision_on_a_version_no_longer_under_review_is_refused(
    author, animator, space_animator, submitted, django_capture_on_commit_callbacks
):
    shown = workflow_state(submitted).current_task_state.revision_id
    decide(
        django_capture_on_commit_callbacks,
        by=space_animator,
        page=submitted,
        action="reject",
        comment="+",
    )
    sheet_save(by=author, page=submitted, fields={"summary": "Un autre résumé."})
    sheet_submit(by=author, page=submitted)
    before = snapshot(submitted)

    with pytest.raises(ValidationError) as refused:
        review_decide(by=animator, page=submitted, action="approve", revision_id=shown)

    assert refused.value.code == "stale"
    assert snapshot(submitted) == before
    current = workflow_state(submitted).current_task_state.revision_id
    decide(
        django_capture_on_commit_callbacks,
        by=animator,
        page=submitted,
        action="approve",
        revision_id=current,
    )
    assert PracticeSheetPage.objects.get(pk=submitted.pk).live


# --- Documents held back until publication ------------------------------------------------------


@pytest.fixture
def document_storage(tmp_path):
    """The documents' storage (built once, at import) pointed at a temporary directory."""
    storage = LibraryDocument._meta.get_field("file").storage
    saved = storage._location
    storage._location = str(tmp_path / "documents")
    storage.__dict__.pop("base_location", None)
    storage.__dict__.pop("location", None)
    yield Path(storage.location)
    storage._location = saved
    storage.__dict__.pop("base_location", None)
    storage.__dict__.pop("location", None)


def test_documents_uploaded_with_the_sheet_are_released_when_it_is_published(
    author, animator, submit, document_storage, django_capture_on_commit_callbacks
):
    page = submit()
    # Back to the author to add a document: a request for changes, then an upload.
    decide(django_capture_on_commit_callbacks, by=animator, page=page, action="reject", comment="+")
    sheet_save(
        by=author,
        page=page,
        fields={},
        documents=[{"file": SimpleUploadedFile("bilan.pdf", PDF), "title": "Bilan"}],
    )
    document = sheet_draft(page).documents.all()[0].document
    assert document.pending_review and document.uploaded_by_user == author
    assert document.collection.name == "Contributions"

    sheet_submit(by=author, page=page)
    decide(django_capture_on_commit_callbacks, by=animator, page=page, action="approve")

    document.refresh_from_db()
    assert not document.pending_review
    assert LibraryItem.objects.get(pk=page.pk).live


def test_a_document_someone_else_uploaded_stays_held_back_when_the_sheet_is_published(
    author, animator, make_sheet, document_storage
):
    from community.library.services.documents import document_upload

    def pending(by, name):
        return document_upload(
            by=by, file=SimpleUploadedFile(name, PDF), title=name, pending_review=True
        )

    own, foreign = pending(author, "bilan.pdf"), pending(animator, "autre.pdf")
    make_sheet(
        owner=author,
        documents=[
            PracticeDocument(document=own, sort_order=0),
            PracticeDocument(document=foreign, sort_order=1),
        ],
    )

    own.refresh_from_db()
    foreign.refresh_from_db()
    assert not own.pending_review
    assert foreign.pending_review
