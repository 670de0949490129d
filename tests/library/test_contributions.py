"""Contributing a practice sheet: the draft and submission services, and the guided form.

A draft may be incomplete (a title is enough); submitting needs a summary, the observation,
a step and a theme. Only the author edits and submits, and never while reviewers look at it.
Members type plain text: what they type stays text on every page that shows it.
"""

from decimal import Decimal
from io import BytesIO

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image
from wagtail.models import Revision, WorkflowState

from community.library.models import LibraryIndexPage, PracticeSheetPage
from community.library.services.contributions import (
    html_to_text,
    sheet_draft,
    sheet_save,
    sheet_submit,
    text_to_html,
)
from community.models import Membership, Sector, Theme
from tests.factories import MembershipFactory, OrganisationFactory, SpaceFactory, UserFactory

XSS = '<script>alert("x")</script><img src=x onerror=alert(1)>'


def edit_url(page, step: int) -> str:
    return f"{reverse('library:contribution_edit', args=[page.pk])}?step={step}"


def complete_fields(**extra) -> dict:
    return {
        "title": "Des ateliers « Raconte-moi ton métier »",
        "summary": "Des professionnelles racontent leur métier à des collégiennes.",
        "observation": "Peu de filles choisissent l'industrie.\n\n- faute de modèles",
        "themes": [Theme.objects.first()],
        **extra,
    }


@pytest.fixture
def draft(member, library_index):
    return sheet_save(by=member, fields={"title": "Ma pratique"})


@pytest.fixture
def complete_draft(member, library_index):
    return sheet_save(
        by=member, fields=complete_fields(), steps=[{"title": "Réunir les entreprises"}]
    )


def sheet_state(page) -> dict:
    page = PracticeSheetPage.objects.get(pk=page.pk)
    return {
        "revisions": Revision.page_revisions.filter(object_id=str(page.pk)).count(),
        "title": sheet_draft(page).title,
        "live": page.live,
        "workflows": WorkflowState.objects.filter(object_id=str(page.pk)).count(),
    }


# --- Rich text from plain text ------------------------------------------------------------------


def test_plain_text_becomes_escaped_paragraphs_and_lists():
    html = text_to_html("Premier <b>paragraphe</b>\nsuite\n\n- un\n- deux & trois")
    assert html == (
        "<p>Premier &lt;b&gt;paragraphe&lt;/b&gt;<br/>suite</p>"
        "<ul><li>un</li><li>deux &amp; trois</li></ul>"
    )


def test_rich_text_gives_back_the_text_the_member_typed():
    text = "Premier <b>paragraphe</b>\nsuite\n\n- un\n- deux & trois"
    assert html_to_text(text_to_html(text)) == text


# --- Drafts -------------------------------------------------------------------------------------


def test_a_draft_needs_only_a_title_and_is_not_live(member, library_index):
    page = sheet_save(by=member, fields={"title": "Ma pratique"}, locale="en")

    assert page.owner == member
    assert not page.live
    assert page.get_parent().specific_class is LibraryIndexPage
    assert page.locale.language_code == "en"
    assert page.slug == "ma-pratique"
    assert page.latest_revision is not None
    assert page.summary == "" and page.observation == ""


def test_a_draft_without_a_title_is_refused(member, library_index):
    with pytest.raises(ValidationError) as refused:
        sheet_save(by=member, fields={"title": "  "})
    assert refused.value.error_dict["title"][0].code == "title_missing"
    assert not PracticeSheetPage.objects.exists()


def test_slugs_are_unique_and_avoid_the_library_s_own_addresses(member, library_index):
    first = sheet_save(by=member, fields={"title": "Contribute"})
    second = sheet_save(by=member, fields={"title": "Contribute"})
    assert first.slug == "contribute-fiche"
    assert second.slug == "contribute-fiche-2"


def test_saving_keeps_what_other_steps_hold(member, draft):
    sheet_save(
        by=member,
        page=draft,
        fields={"summary": "Un résumé."},
        steps=[{"title": "Étape une", "description": "Ce qui a été fait."}],
        indicators=[{"code": "agreements", "label": "Accords signés", "value": Decimal("3")}],
    )
    sheet_save(by=member, page=draft, fields={"observation": "Un constat."})

    saved = sheet_draft(draft)
    assert saved.title == "Ma pratique"
    assert saved.summary == "Un résumé."
    assert saved.observation == "<p>Un constat.</p>"
    assert [step.title for step in saved.steps.all()] == ["Étape une"]
    assert [row.label for row in saved.indicators.all()] == ["Accords signés"]


def test_the_draft_s_lists_are_replaced_in_their_order(member, draft):
    sheet_save(
        by=member,
        page=draft,
        fields={},
        steps=[{"title": "A"}, {"title": "B"}, {"title": "C"}],
    )
    sheet_save(by=member, page=draft, fields={}, steps=[{"title": "C"}, {"title": "A"}])
    assert [step.title for step in sheet_draft(draft).steps.all()] == ["C", "A"]


def test_changes_to_a_published_sheet_wait_for_review_as_a_new_revision(member, make_sheet):
    published = make_sheet(owner=member, title="Version publiée")
    sheet_save(by=member, page=published, fields={"title": "Version modifiée"})

    live = PracticeSheetPage.objects.get(pk=published.pk)
    assert live.live
    assert live.title == "Version publiée"
    assert live.has_unpublished_changes
    assert sheet_draft(live).title == "Version modifiée"


def test_invalid_rows_are_refused_and_nothing_changes(member, draft):
    before = sheet_state(draft)
    with pytest.raises(ValidationError) as refused:
        sheet_save(
            by=member,
            page=draft,
            fields={"title": "Autre titre"},
            stakeholders=[{"role": "financeur"}],
            videos=[{"title": "Film", "url": "https://evil.example/video"}],
        )
    assert set(refused.value.error_dict) == {"stakeholders", "videos"}
    assert sheet_state(draft) == before


def test_a_sheet_is_placed_only_in_the_author_s_own_spaces(member, draft):
    mine = SpaceFactory()
    MembershipFactory(space=mine, user=member)
    foreign = SpaceFactory()

    with pytest.raises(ValidationError) as refused:
        sheet_save(by=member, page=draft, fields={"spaces": [foreign]})
    assert refused.value.error_dict["spaces"][0].code == "not_a_member"

    sheet_save(by=member, page=draft, fields={"spaces": [mine]})
    assert list(PracticeSheetPage.objects.get(pk=draft.pk).spaces.all()) == [mine]


def test_contacts_are_members_the_author_can_see(member, draft):
    space = SpaceFactory()
    MembershipFactory(space=space, user=member)
    colleague = MembershipFactory(space=space).user
    hidden = UserFactory(profile__profile_visibility="spaces")

    with pytest.raises(ValidationError) as refused:
        sheet_save(by=member, page=draft, fields={}, contacts=[{"user": hidden, "role": ""}])
    assert refused.value.error_dict["contacts"][0].code == "contact_hidden"

    sheet_save(by=member, page=draft, fields={}, contacts=[{"user": colleague, "role": "RH"}])
    assert [row.user for row in sheet_draft(draft).contacts.all()] == [colleague]


def test_a_cover_image_is_checked_by_its_content(member, draft):
    fake = SimpleUploadedFile("cover.png", b"<svg onload=alert(1)>", content_type="image/png")
    with pytest.raises(ValidationError) as refused:
        sheet_save(by=member, page=draft, fields={"cover_image": fake})
    assert "cover_image" in refused.value.error_dict

    buffer = BytesIO()
    Image.new("RGB", (40, 20), "purple").save(buffer, "PNG")
    real = SimpleUploadedFile("cover.png", buffer.getvalue(), content_type="image/png")
    sheet_save(by=member, page=draft, fields={"cover_image": real})
    image = sheet_draft(draft).cover_image
    assert image.width == 40 and image.uploaded_by_user == member


def test_another_member_cannot_edit_or_submit_the_draft(other_member, complete_draft):
    before = sheet_state(complete_draft)
    with pytest.raises(PermissionDenied):
        sheet_save(by=other_member, page=complete_draft, fields={"title": "Pris"})
    with pytest.raises(PermissionDenied):
        sheet_submit(by=other_member, page=complete_draft)
    assert sheet_state(complete_draft) == before


def test_a_visitor_cannot_contribute(library_index):
    from django.contrib.auth.models import AnonymousUser

    with pytest.raises(PermissionDenied):
        sheet_save(by=AnonymousUser(), fields={"title": "Anonyme"})


# --- Submitting ---------------------------------------------------------------------------------


def test_an_incomplete_sheet_is_refused_with_what_it_lacks_and_nothing_changes(member, draft):
    before = sheet_state(draft)
    with pytest.raises(ValidationError) as refused:
        sheet_submit(by=member, page=draft)
    codes = {field: errors[0].code for field, errors in refused.value.error_dict.items()}
    assert codes == {
        "summary": "summary_missing",
        "observation": "observation_missing",
        "steps": "steps_missing",
        "themes": "themes_missing",
    }
    assert sheet_state(draft) == before


def test_a_complete_sheet_starts_the_library_s_review(member, complete_draft):
    state = sheet_submit(by=member, page=complete_draft)

    assert state.status == WorkflowState.STATUS_IN_PROGRESS
    assert state.workflow.name == "Practice sheet review"
    assert state.current_task_state.task.name == "Animator review"
    assert not PracticeSheetPage.objects.get(pk=complete_draft.pk).live


def test_a_sheet_under_review_cannot_be_changed_or_submitted_again(member, complete_draft):
    sheet_submit(by=member, page=complete_draft)
    before = sheet_state(complete_draft)
    with pytest.raises(PermissionDenied):
        sheet_save(by=member, page=complete_draft, fields={"title": "Changé"})
    with pytest.raises(PermissionDenied):
        sheet_submit(by=member, page=complete_draft)
    assert sheet_state(complete_draft) == before


# --- The guided form ----------------------------------------------------------------------------


def management(prefix: str, rows: list[dict]) -> dict:
    data = {
        f"{prefix}-TOTAL_FORMS": str(len(rows)),
        f"{prefix}-INITIAL_FORMS": str(len(rows)),
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "40",
    }
    for position, row in enumerate(rows):
        for name, value in row.items():
            data[f"{prefix}-{position}-{name}"] = value
    return data


def test_the_contribution_form_asks_visitors_to_sign_in(client, library_index):
    response = client.get(reverse("library:contribute"))
    assert response.status_code == 302
    assert "login" in response["Location"]


def test_the_whole_form_posted_step_by_step_makes_a_submitted_sheet(
    client, member, library_index, django_capture_on_commit_callbacks
):
    theme = Theme.objects.first()
    sector = Sector.objects.first()
    space = SpaceFactory(name="Mixité des métiers")
    MembershipFactory(space=space, user=member)
    colleague = MembershipFactory(space=space).user
    organisation = OrganisationFactory(name="Lycée Curie")
    client.force_login(member)

    response = client.post(
        reverse("library:contribute"),
        {
            "title": "Raconte-moi ton métier",
            "summary": "Des ateliers dans les collèges.",
            "language": "fr",
            "themes": [theme.pk],
            "sectors": [sector.pk],
            "country": "FR",
            "region": "Bretagne",
            "actor_type": "cluster",
            "start_year": "2021",
            "end_year": "",
            "spaces": [space.pk],
            "action": "next",
        },
    )
    page = PracticeSheetPage.objects.get()
    assert response.status_code == 302
    assert response["Location"] == edit_url(page, 2)

    steps = [
        (2, {"observation": "Peu de filles.\n\n- pas de modèles", "objectives": "Ouvrir."}),
        (3, management("steps", [{"title": "Préparer", "description": "Avec les profs."}])),
        (4, management("obstacles", [{"obstacle": "Le temps", "response": "Des créneaux."}])),
        (
            5,
            {
                **management(
                    "stakeholders",
                    [
                        {"organisation": str(organisation.pk), "name": "", "role": "accueil"},
                        {"organisation": "", "name": "Rectorat", "role": "appui"},
                    ],
                ),
                **management(
                    "indicators",
                    [{"code": "people_sensitised", "label": "Élèves", "value": "120", "unit": ""}],
                ),
            },
        ),
        (6, {"results": "Des vocations.", "lessons": "Commencer tôt.", "did_not_work": "Rien."}),
        (
            7,
            {
                **management("contacts", [{"user": str(colleague.pk), "role": "Référente"}]),
                **management(
                    "videos",
                    [{"title": "Le film", "url": "https://www.youtube.com/watch?v=dQw4w9WgXcQ"}],
                ),
            },
        ),
    ]
    for number, data in steps:
        response = client.post(edit_url(page, number), {**data, "action": "next"})
        assert response.status_code == 302, response.context and response.context["errors"]
        assert response["Location"] == edit_url(page, number + 1)

    review = client.get(edit_url(page, 8))
    assert review.status_code == 200
    assert not review.context["missing"]
    assert "Rectorat" in review.content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(edit_url(page, 8), {"action": "submit"})
    assert response.status_code == 302
    assert response["Location"] == reverse("library:contribution_detail", args=[page.pk])

    saved = sheet_draft(page)
    assert saved.observation == "<p>Peu de filles.</p><ul><li>pas de modèles</li></ul>"
    assert [s.title for s in saved.steps.all()] == ["Préparer"]
    assert [s.display_name for s in saved.stakeholders.all()] == ["Lycée Curie", "Rectorat"]
    assert [i.value for i in saved.indicators.all()] == [Decimal("120")]
    assert [c.user for c in saved.contacts.all()] == [colleague]
    assert [v.title for v in saved.videos.all()] == ["Le film"]
    assert list(saved.spaces.all()) == [space]
    assert saved.start_year == 2021
    assert page.current_workflow_state.status == WorkflowState.STATUS_IN_PROGRESS


def test_add_a_row_saves_the_step_and_offers_an_empty_row(client, member, draft):
    client.force_login(member)
    data = management("steps", [{"title": "Première", "description": ""}])
    response = client.post(edit_url(draft, 3), {**data, "add": "steps"})

    assert response.status_code == 302
    assert response["Location"] == f"{edit_url(draft, 3)}&add=steps#steps-rows"
    assert [s.title for s in sheet_draft(draft).steps.all()] == ["Première"]

    page = client.get(response["Location"])
    assert page.content.decode().count('name="goto"') == 8
    formset = page.context["steps"]
    assert len(formset.forms) == 2
    assert formset.forms[1]["title"].value() in (None, "")

    # The empty row is left as it is: saving keeps one step.
    data = management("steps", [{"title": "Première", "description": ""}])
    data.update({"steps-TOTAL_FORMS": "2", "steps-1-title": "", "steps-1-description": ""})
    client.post(edit_url(draft, 3), {**data, "action": "save"})
    assert [s.title for s in sheet_draft(draft).steps.all()] == ["Première"]


def test_remove_a_row_drops_it_and_keeps_the_others(client, member, draft):
    sheet_save(by=member, page=draft, fields={}, steps=[{"title": "Un"}, {"title": "Deux"}])
    client.force_login(member)
    data = management(
        "steps", [{"title": "Un", "description": ""}, {"title": "Deux", "description": ""}]
    )
    response = client.post(edit_url(draft, 3), {**data, "remove": "steps-0"})

    assert response.status_code == 302
    assert [s.title for s in sheet_draft(draft).steps.all()] == ["Deux"]


def test_errors_are_summarised_at_the_top_and_nothing_is_saved(client, member, draft):
    client.force_login(member)
    before = sheet_state(draft)
    data = management(
        "videos", [{"title": "Film", "url": "https://evil.example/watch"}]
    ) | management("contacts", [])
    response = client.post(edit_url(draft, 7), {**data, "action": "next"})

    assert response.status_code == 400
    errors = response.context["errors"]
    assert len(errors) == 1 and errors[0].anchor == "id_videos-0-url"
    html = response.content.decode()
    assert 'id="error-summary"' in html and "autofocus" in html
    assert sheet_state(draft) == before


def test_submitting_an_incomplete_sheet_lists_what_is_missing_with_links(client, member, draft):
    client.force_login(member)
    response = client.post(edit_url(draft, 8), {"action": "submit"})

    assert response.status_code == 400
    anchors = {error.label: error.anchor for error in response.context["errors"]}
    assert anchors["Summary"] == edit_url(draft, 1)
    assert anchors["What was done"] == edit_url(draft, 3)
    assert draft.current_workflow_state is None


def test_markup_typed_in_every_text_field_stays_text(client, member, draft):
    space = SpaceFactory()
    MembershipFactory(space=space, user=member)
    client.force_login(member)
    posts = [
        (1, {"title": XSS, "summary": XSS, "region": XSS[:100]}),
        (2, {"observation": XSS, "objectives": XSS}),
        (3, management("steps", [{"title": XSS[:200], "description": XSS}])),
        (4, management("obstacles", [{"obstacle": XSS, "response": XSS}])),
        (
            5,
            management("stakeholders", [{"organisation": "", "name": XSS[:150], "role": XSS}])
            | management(
                "indicators", [{"code": "other", "label": XSS[:150], "value": "1", "unit": "u"}]
            ),
        ),
        (6, {"results": XSS, "lessons": XSS, "did_not_work": XSS}),
        (
            7,
            management("contacts", [{"user": str(member.pk), "role": XSS[:150]}])
            | management("videos", [{"title": XSS, "url": "https://vimeo.com/123456"}]),
        ),
    ]
    for number, data in posts:
        response = client.post(edit_url(draft, number), {**data, "action": "save"})
        assert response.status_code == 302, response.context["errors"]

    saved = sheet_draft(draft)
    for name in ("observation", "objectives", "results", "lessons", "did_not_work"):
        assert "<script" not in getattr(saved, name)
        assert "&lt;script&gt;" in getattr(saved, name)

    for url in (
        edit_url(draft, 8),
        reverse("library:contribution_detail", args=[draft.pk]),
        reverse("library:contributions"),
    ):
        html = client.get(url).content.decode()
        assert "<script>alert" not in html
        assert "<img src=x" not in html
        assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html


def test_another_member_does_not_find_the_draft(client, other_member, draft):
    client.force_login(other_member)
    for url in (
        edit_url(draft, 1),
        reverse("library:contribution_detail", args=[draft.pk]),
    ):
        assert client.get(url).status_code == 404
    response = client.post(edit_url(draft, 1), {"title": "Pris", "action": "save"})
    assert response.status_code == 404
    assert sheet_draft(draft).title == "Ma pratique"


def test_the_space_choices_are_the_author_s_active_spaces(client, member, draft):
    mine = SpaceFactory(name="La mienne")
    MembershipFactory(space=mine, user=member)
    left = SpaceFactory(name="Quittée")
    MembershipFactory(space=left, user=member, state=Membership.State.REMOVED)
    SpaceFactory(name="Une autre")
    client.force_login(member)

    form = client.get(edit_url(draft, 1)).context["form"]
    assert list(form.fields["spaces"].queryset) == [mine]


def test_my_contributions_list_the_author_s_sheets_with_their_status(
    client, member, draft, complete_draft, make_sheet
):
    published = make_sheet(owner=member, title="Publiée")
    sheet_submit(by=member, page=complete_draft)
    client.force_login(member)

    response = client.get(reverse("library:contributions"))
    statuses = {item.page.pk: item.status for item in response.context["contributions"]}
    assert statuses == {
        draft.pk: "draft",
        complete_draft.pk: "animator_review",
        published.pk: "published",
    }
    assert published.url in response.content.decode()


def test_a_sheet_under_review_opens_read_only(client, member, complete_draft):
    sheet_submit(by=member, page=complete_draft)
    client.force_login(member)
    response = client.get(edit_url(complete_draft, 2))
    assert response.status_code == 302
    assert response["Location"] == reverse("library:contribution_detail", args=[complete_draft.pk])


# --- The sheet as written, on the contribution's page -------------------------------------------


def sheet_with_people(member, rows: int, *, title: str, complete: bool = False):
    """A draft with `rows` stakeholders (organisations) and `rows` contacts sharing a space;
    `complete` fills what submitting asks for."""
    space = SpaceFactory()
    MembershipFactory(space=space, user=member)
    contacts = [MembershipFactory(space=space).user for _ in range(rows)]
    return sheet_save(
        by=member,
        fields=complete_fields(title=title) if complete else {"title": title},
        steps=[{"title": "Une étape"}] if complete else None,
        stakeholders=[
            {
                "organisation": OrganisationFactory(name=f"Entreprise {title} {i}"),
                "name": "",
                "role": "",
            }
            for i in range(rows)
        ],
        contacts=[{"user": user, "role": f"Rôle {i}"} for i, user in enumerate(contacts)],
    ), contacts


@pytest.mark.parametrize("rows", [1, 10])
def test_the_sheet_as_written_shows_its_people_in_two_queries(
    member, library_index, rows, django_assert_num_queries
):
    from django.template.loader import render_to_string

    from community.library.views.contribute import preview_context

    page, _contacts = sheet_with_people(member, rows, title=f"Pratique {rows}")
    draft = page.get_latest_revision_as_object()
    assert draft.locale.language_code  # read by the page around the preview

    with django_assert_num_queries(2):
        content = render_to_string(
            "library/contribute/_sheet_preview.html",
            {"sheet": draft, "preview": preview_context(draft, member)},
        )

    for i in range(rows):
        assert f"Entreprise Pratique {rows} {i}" in content and f"Rôle {i}" in content


def test_a_contact_whose_profile_is_now_hidden_shows_as_a_member(client, member, library_index):
    page, (contact,) = sheet_with_people(member, 1, title="Pratique")
    name = contact.profile.display_name
    client.force_login(member)
    url = reverse("library:contribution_detail", args=[page.pk])
    assert name in client.get(url).content.decode()

    contact.profile.profile_visibility = "private"
    contact.profile.save()
    content = client.get(url).content.decode()

    assert name not in content and contact.email not in content
    assert "a member — Rôle 0" in content


def queries_of(client, url) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured.captured_queries)


def test_the_contribution_and_review_pages_cost_the_same_queries_whatever_the_rows(
    client, member, animator, library_index
):
    """Opening a draft rebuilds it from its revision: its rows' references are checked in one
    query per referenced model (revisions.py), not one per row."""
    pages = {}
    for rows in (1, 10):
        page, _contacts = sheet_with_people(member, rows, title=f"Pratique {rows}", complete=True)
        sheet_submit(by=member, page=page)
        pages[rows] = page

    client.force_login(member)
    for rows in (1, 10):  # the first request warms the caches every page shares
        queries_of(client, reverse("library:contribution_detail", args=[pages[rows].pk]))
    own = [
        queries_of(client, reverse("library:contribution_detail", args=[pages[rows].pk]))
        for rows in (1, 10)
    ]
    client.force_login(animator)
    for rows in (1, 10):
        queries_of(client, reverse("library:review_detail", args=[pages[rows].pk]))
    review = [
        queries_of(client, reverse("library:review_detail", args=[pages[rows].pk]))
        for rows in (1, 10)
    ]

    assert own[0] == own[1] and review[0] == review[1], (own, review)
    assert (own[0], review[0]) == (19, 27), (own, review)


def test_a_draft_drops_the_rows_whose_reference_was_deleted(member, library_index):
    page, (kept, gone) = sheet_with_people(member, 2, title="Pratique")
    stakeholder = page.get_latest_revision_as_object().stakeholders.all()[0].organisation
    gone.delete()
    stakeholder.delete()

    draft = PracticeSheetPage.objects.get(pk=page.pk).get_latest_revision_as_object()

    assert [contact.user_id for contact in draft.contacts.all()] == [kept.pk]
    organisations = [row.organisation_id for row in draft.stakeholders.all()]
    assert organisations[0] is None and organisations[1] is not None
