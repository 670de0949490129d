"""The review pages on the site: the queue of sheets awaiting the user's decision, and a
submitted sheet with its decision form. A sheet not yet published is seen only by its author
and its reviewers (and the experts once asked); anyone else gets a 404."""

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse
from notifications.models import Notification
from wagtail.models import WorkflowState

from community.library.models import PracticeSheetPage
from community.library.permissions import EXPERT_GROUP
from community.library.services.contributions import review_decide, sheet_save, sheet_submit
from community.models import Theme
from tests.factories import MembershipFactory, UserFactory

XSS = '<script>alert("x")</script>'


@pytest.fixture
def author(member, open_space):
    MembershipFactory(space=open_space, user=member)
    return member


@pytest.fixture
def expert(db):
    user = UserFactory(profile__display_name="Eva Experte")
    user.groups.add(Group.objects.get(name=EXPERT_GROUP))
    return user


@pytest.fixture
def submit(author, open_space, library_index):
    counter = {"n": 0}

    def make(title=None):
        counter["n"] += 1
        page = sheet_save(
            by=author,
            fields={
                "title": title or f"Pratique {counter['n']}",
                "summary": "Résumé.",
                "observation": "Constat.",
                "themes": [Theme.objects.first()],
                "spaces": [open_space],
            },
            steps=[{"title": "Une étape"}],
        )
        sheet_submit(by=author, page=page)
        return PracticeSheetPage.objects.get(pk=page.pk)

    return make


@pytest.fixture
def submitted(submit):
    return submit("Des marraines en atelier")


def detail_url(page) -> str:
    return reverse("library:review_detail", args=[page.pk])


def decide_on_site(client, page, **data):
    """Open the sheet's review page, then post a decision with the revision it showed."""
    shown = client.get(detail_url(page)).context["revision"]
    return client.post(detail_url(page), {"revision": shown.pk, **data})


def status_of(page) -> str:
    return WorkflowState.objects.filter(object_id=str(page.pk)).order_by("-pk").first().status


# --- The queue ----------------------------------------------------------------------------------


def test_the_queue_lists_the_sheets_awaiting_the_animator_with_author_spaces_and_step(
    client, animator, submitted, open_space
):
    client.force_login(animator)
    response = client.get(reverse("library:review_queue"))

    rows = response.context["rows"]
    assert [row.page.pk for row in rows] == [submitted.pk]
    assert rows[0].spaces == [open_space]
    html = response.content.decode()
    assert "Claire Martin" in html
    assert open_space.name in html
    assert "Animator review" in html
    assert detail_url(submitted) in html


def test_the_queue_of_an_animator_of_another_cluster_is_empty(client, other_animator, submitted):
    client.force_login(other_animator)
    response = client.get(reverse("library:review_queue"))
    assert response.context["rows"] == []


def test_the_queue_shows_experts_only_the_sheets_they_were_asked_about(
    client, animator, expert, submit
):
    asked = submit("Demande d'avis")
    submit("Sans avis")
    review_decide(by=animator, page=asked, action="expert", comment="Votre avis ?")
    client.force_login(expert)

    rows = client.get(reverse("library:review_queue")).context["rows"]
    assert [(row.page.pk, row.is_expert_step) for row in rows] == [(asked.pk, True)]


def test_the_queue_costs_the_same_queries_whatever_the_number_of_sheets(
    client, animator, submit, django_assert_max_num_queries
):
    submit()
    client.force_login(animator)
    with django_assert_max_num_queries(20) as few:
        client.get(reverse("library:review_queue"))
    for _ in range(5):
        submit()
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(reverse("library:review_queue"))
    assert len(response.context["rows"]) == 6


# --- Who sees a submitted sheet -----------------------------------------------------------------


@pytest.mark.parametrize("who", ["author", "animator"])
def test_the_author_and_the_reviewers_see_the_submitted_sheet(client, request, who, submitted):
    client.force_login(request.getfixturevalue(who))
    response = client.get(detail_url(submitted))
    assert response.status_code == 200
    assert "Des marraines en atelier" in response.content.decode()
    assert (response.context["form"] is not None) == (who == "animator")


@pytest.mark.parametrize("who", ["other_member", "other_animator", "expert"])
def test_anyone_else_does_not_find_the_submitted_sheet(client, request, who, submitted):
    client.force_login(request.getfixturevalue(who))
    assert client.get(detail_url(submitted)).status_code == 404
    response = client.post(detail_url(submitted), {"action": "approve"})
    assert response.status_code == 404
    assert not PracticeSheetPage.objects.get(pk=submitted.pk).live


def test_a_reviewer_does_not_find_a_draft_never_submitted(
    client, author, animator, staff, open_space, library_index
):
    draft = sheet_save(
        by=author,
        fields={"title": "Brouillon gardé pour soi", "spaces": [open_space]},
    )
    client.force_login(animator)
    assert client.get(detail_url(draft)).status_code == 404
    for who in (author, staff):
        client.force_login(who)
        assert client.get(detail_url(draft)).status_code == 200


def test_a_reviewer_still_reads_a_sheet_sent_back_for_changes(client, animator, submitted):
    review_decide(by=animator, page=submitted, action="reject", comment="À préciser")
    client.force_login(animator)
    assert client.get(detail_url(submitted)).status_code == 200


def test_a_visitor_is_asked_to_sign_in(client, submitted):
    response = client.get(detail_url(submitted))
    assert response.status_code == 302
    assert "login" in response["Location"]


def test_an_expert_sees_the_sheet_and_decides_once_asked(client, animator, expert, submitted):
    review_decide(by=animator, page=submitted, action="expert", comment="Votre avis ?")
    client.force_login(expert)
    response = client.get(detail_url(submitted))
    assert response.status_code == 200
    assert [action for action, _label in response.context["form"].buttons()] == [
        "approve",
        "reject",
    ]
    assert "Votre avis ?" in response.content.decode()


# --- Deciding -----------------------------------------------------------------------------------


def test_requesting_changes_without_a_comment_is_refused_on_the_form(client, animator, submitted):
    client.force_login(animator)
    response = decide_on_site(client, submitted, action="reject", comment="")
    assert response.status_code == 400
    assert response.context["form"].errors["comment"]
    assert status_of(submitted) == WorkflowState.STATUS_IN_PROGRESS
    assert not Notification.objects.filter(verb="library.changes_requested").exists()


def test_requesting_changes_notifies_the_author_whose_page_shows_the_comment_as_text(
    client, author, animator, submitted, django_capture_on_commit_callbacks
):
    client.force_login(animator)
    with django_capture_on_commit_callbacks(execute=True):
        response = decide_on_site(client, submitted, action="reject", comment=f"À préciser {XSS}")
    assert response.status_code == 302
    assert response["Location"] == reverse("library:review_queue")
    assert status_of(submitted) == WorkflowState.STATUS_NEEDS_CHANGES
    assert Notification.objects.filter(recipient=author, verb="library.changes_requested")

    client.force_login(author)
    for url in (
        reverse("library:contribution_detail", args=[submitted.pk]),
        reverse("library:contributions"),
        f"{reverse('library:contribution_edit', args=[submitted.pk])}?step=8",
    ):
        html = client.get(url).content.decode()
        assert "À préciser &lt;script&gt;" in html
        assert XSS not in html


def test_approving_on_the_site_publishes_the_sheet(client, animator, submitted):
    client.force_login(animator)
    response = decide_on_site(client, submitted, action="approve", comment="")
    assert response.status_code == 302
    assert PracticeSheetPage.objects.get(pk=submitted.pk).live


def test_a_decision_the_user_is_not_offered_is_refused(client, expert, animator, submitted):
    review_decide(by=animator, page=submitted, action="expert", comment="Votre avis ?")
    client.force_login(expert)
    response = decide_on_site(client, submitted, action="expert", comment="Encore ?")
    assert response.status_code == 400
    assert response.context["form"].errors["action"]
    assert not PracticeSheetPage.objects.get(pk=submitted.pk).live


def test_the_page_shows_the_version_under_review_and_refuses_a_decision_on_an_older_one(
    client, author, animator, submitted
):
    client.force_login(animator)
    response = client.get(detail_url(submitted))
    shown = response.context["revision"]
    assert f'name="revision" value="{shown.pk}"' in response.content.decode()
    # Another reviewer sends it back; the author changes it and submits it again.
    review_decide(by=UserFactory(is_staff=True), page=submitted, action="reject", comment="+")
    sheet_save(by=author, page=submitted, fields={"title": "Des marraines, version 2"})
    sheet_submit(by=author, page=submitted)

    response = client.post(
        detail_url(submitted), {"revision": shown.pk, "action": "approve", "comment": ""}
    )

    assert response.status_code == 400
    assert "The sheet changed since you opened it" in response.content.decode()
    assert not PracticeSheetPage.objects.get(pk=submitted.pk).live
    assert status_of(submitted) == WorkflowState.STATUS_IN_PROGRESS
    assert "Des marraines, version 2" in response.content.decode()
