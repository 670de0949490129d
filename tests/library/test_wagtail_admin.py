"""The library in the Wagtail admin (/cms/): who adds, edits and publishes library items, which
documents each person sees there, and the snippet that reserves a collection to a space.

Page forms are posted as Wagtail's own tests post them (`wagtail.test.utils.form_data`).
"""

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse
from wagtail.models import Collection
from wagtail.test.utils.form_data import inline_formset, nested_form_data, rich_text, streamfield

from community.library.documents import openable_documents
from community.library.models import (
    InterviewPage,
    LibraryDocument,
    PracticeSheetPage,
    PrivateCollection,
)
from community.library.services.contributions import sheet_save, sheet_submit
from community.library.services.documents import document_upload
from community.models import HomePage, Membership, Theme
from tests.factories import MembershipFactory, UserFactory
from tests.library.test_uploads import HTML, PDF, documents_stored_in, upload

PRIVATE_COLLECTIONS = "wagtailsnippets_library_privatecollection"


@pytest.fixture
def document_storage(tmp_path):
    with documents_stored_in(tmp_path / "documents") as root:
        yield root


@pytest.fixture
def space_animator(open_space):
    """Animates `open_space` only, not its cluster."""
    user = UserFactory(profile__display_name="Sami Animateur")
    MembershipFactory(space=open_space, user=user, role=Membership.Role.ANIMATOR)
    return user


def add_url(index, model="interviewpage") -> str:
    return reverse("wagtailadmin_pages:add", args=["library", model, index.pk])


def edit_url(page) -> str:
    return reverse("wagtailadmin_pages:edit", args=[page.pk])


def interview_form_data(**fields) -> dict:
    values = {
        "title": "Nadia, cheffe d'atelier",
        "slug": "nadia-cheffe-d-atelier",
        "summary": "Comment une entreprise de mécanique a ouvert ses ateliers aux femmes.",
        "cover_image": "",
        "country": "FR",
        "region": "Bretagne",
        "actor_type": "sme",
        "person_name": "Nadia Benali",
        "person_role": "Cheffe d'atelier",
        "person": "",
        "organisation": "",
        "organisation_name": "Mécanique de l'Odet",
        "interview_date": "",
        "questions": streamfield(
            [
                (
                    "qa",
                    {
                        "question": "Comment avez-vous commencé ?",
                        "answer": rich_text("<p>Par un stage de troisième.</p>"),
                    },
                )
            ]
        ),
        "media_url": "",
        "media_document": "",
        "transcript": rich_text(""),
        "comments": inline_formset([]),
        "seo_title": "",
        "search_description": "",
    }
    values.update(fields)
    return nested_form_data(values)


# --- Library pages: who adds, edits, publishes ---------------------------------------------------


@pytest.mark.parametrize("who", ["animator", "space_animator"])
def test_an_animator_opens_the_add_view_under_the_library_index(
    client, request, library_index, who
):
    client.force_login(request.getfixturevalue(who))
    response = client.get(add_url(library_index))
    assert response.status_code == 200
    assert b'name="person_name"' in response.content


@pytest.mark.parametrize("who", ["animator", "space_animator"])
def test_an_animator_creates_and_publishes_an_interview_in_the_admin(
    client, request, library_index, who
):
    user = request.getfixturevalue(who)
    client.force_login(user)

    response = client.post(add_url(library_index), interview_form_data(**{"action-publish": "1"}))

    assert response.status_code == 302, response.context and response.context["form"].errors
    interview = InterviewPage.objects.get(slug="nadia-cheffe-d-atelier")
    assert interview.live
    assert interview.owner == user
    assert interview.get_parent().pk == library_index.pk
    assert interview.kind == "interview"
    assert interview.questions[0].value["question"] == "Comment avez-vous commencé ?"


def test_an_animator_previews_an_interview_being_written(client, animator, library_index):
    client.force_login(animator)
    preview = add_url(library_index) + "preview/"

    response = client.post(preview, interview_form_data())

    assert response.status_code == 200
    assert response.json()["is_valid"] is True


@pytest.mark.parametrize("model", ["practicesheetpage", "videocapsulepage", "toolboxitempage"])
def test_an_animator_may_add_every_kind_of_item(client, animator, library_index, model):
    client.force_login(animator)
    assert client.get(add_url(library_index, model)).status_code == 200


def test_an_animator_edits_publishes_and_unpublishes_an_editorial_item(
    client, space_animator, make_item
):
    interview = make_item(InterviewPage, owner=UserFactory())
    perms = interview.permissions_for_user(space_animator)
    assert perms.can_edit() and perms.can_publish() and perms.can_unpublish()
    client.force_login(space_animator)
    assert client.get(edit_url(interview)).status_code == 200

    response = client.post(
        reverse("wagtailadmin_pages:unpublish", args=[interview.pk]), {"include_descendants": ""}
    )

    assert response.status_code == 302
    assert not InterviewPage.objects.get(pk=interview.pk).live


# --- Practice sheets: published by their review only -------------------------------------------


def contributed_sheet(author, space, *, submit=False):
    if not space.memberships.filter(user=author).exists():
        MembershipFactory(space=space, user=author)
    page = sheet_save(
        by=author,
        fields={
            "title": "Un brouillon de fiche",
            "summary": "Résumé.",
            "observation": "Constat.",
            "themes": [Theme.objects.first()],
            "spaces": [space],
        },
        steps=[{"title": "Étape"}],
    )
    if submit:
        sheet_submit(by=author, page=page)
    return PracticeSheetPage.objects.get(pk=page.pk)


def post_publish(client, page):
    """What the edit view's "Publish" button sends (with the page's current values)."""
    return client.post(edit_url(page), {"action-publish": "action-publish", "title": page.title})


def test_an_animator_cannot_open_or_publish_a_member_s_draft(
    client, member, space_animator, animator, open_space, library_index
):
    draft = contributed_sheet(member, open_space)
    for reviewer in (space_animator, animator):
        perms = draft.permissions_for_user(reviewer)
        assert not perms.can_edit()
        assert not perms.can_publish()
        assert not perms.can_lock()
        client.force_login(reviewer)
        assert client.get(edit_url(draft)).status_code != 200
        post_publish(client, draft)
    draft = PracticeSheetPage.objects.get(pk=draft.pk)
    assert not draft.live
    assert draft.latest_revision.user_id == member.pk


def test_an_animator_of_another_cluster_cannot_edit_a_submitted_sheet(
    client, member, other_animator, open_space, library_index
):
    sheet = contributed_sheet(member, open_space, submit=True)
    perms = sheet.permissions_for_user(other_animator)
    assert not perms.can_edit() and not perms.can_publish()
    client.force_login(other_animator)
    assert client.get(edit_url(sheet)).status_code != 200


def test_a_reviewer_edits_a_submitted_sheet_but_publishes_it_only_by_approving(
    client, member, space_animator, open_space, library_index
):
    sheet = contributed_sheet(member, open_space, submit=True)
    perms = sheet.permissions_for_user(space_animator)
    assert perms.can_edit()
    assert not perms.can_publish()
    client.force_login(space_animator)
    assert client.get(edit_url(sheet)).status_code == 200
    post_publish(client, sheet)
    assert not PracticeSheetPage.objects.get(pk=sheet.pk).live


def test_nobody_publishes_their_own_sheet_in_the_admin(
    client, space_animator, staff, open_space, library_index
):
    for author in (space_animator, staff):
        own = contributed_sheet(author, open_space)
        assert own.permissions_for_user(author).can_edit()
        assert not own.permissions_for_user(author).can_publish()
        client.force_login(author)
        post_publish(client, own)
        assert not PracticeSheetPage.objects.get(pk=own.pk).live
        sheet_submit(by=author, page=own)
        own = PracticeSheetPage.objects.get(pk=own.pk)
        assert not own.permissions_for_user(author).can_publish()


def test_staff_publish_and_unpublish_a_sheet_animators_only_review(
    space_animator, staff, make_sheet
):
    sheet = make_sheet(owner=UserFactory())
    staff_perms = sheet.permissions_for_user(staff)
    assert staff_perms.can_edit() and staff_perms.can_publish() and staff_perms.can_unpublish()
    animator_perms = sheet.permissions_for_user(space_animator)
    assert not animator_perms.can_publish() and not animator_perms.can_unpublish()


def test_an_animator_may_not_delete_move_copy_or_restrict_a_library_item(
    client, animator, make_sheet
):
    sheet = make_sheet()
    perms = sheet.permissions_for_user(animator)
    assert not perms.can_delete()
    assert not perms.can_move()
    assert not perms.can_copy()
    assert not perms.can_set_view_restrictions()
    client.force_login(animator)

    response = client.post(reverse("wagtailadmin_pages:delete", args=[sheet.pk]))

    assert response.status_code in (302, 403)
    assert PracticeSheetPage.objects.filter(pk=sheet.pk).exists()


def test_an_animator_cannot_edit_a_page_outside_the_library(client, animator, library_index):
    home = HomePage.objects.get()
    assert not home.permissions_for_user(animator).can_edit()
    assert not library_index.permissions_for_user(animator).can_edit()
    client.force_login(animator)

    assert client.get(edit_url(home)).status_code in (302, 403)
    response = client.post(edit_url(home), {"title": "Pris", "slug": home.slug})
    assert response.status_code in (302, 403)
    assert HomePage.objects.get().title == home.title


def test_staff_explore_the_library_index_and_animators_do_not(
    client, staff, animator, library_index, sheet
):
    explore = reverse("wagtailadmin_explore", args=[library_index.pk])
    client.force_login(staff)
    response = client.get(explore)
    assert response.status_code == 200
    assert sheet.title in response.content.decode()

    client.force_login(animator)
    assert client.get(explore).status_code in (302, 403)


def test_a_member_without_a_role_gets_no_admin_access(client, member, library_index, sheet):
    client.force_login(member)

    for address in (reverse("wagtailadmin_home"), add_url(library_index), edit_url(sheet)):
        response = client.get(address)
        assert response.status_code == 302, address
        assert "/cms/login/" in response["Location"]

    response = client.post(add_url(library_index), interview_form_data(**{"action-publish": "1"}))
    assert "/cms/login/" in response["Location"]
    assert not InterviewPage.objects.exists()
    assert not sheet.permissions_for_user(member).can_edit()
    assert not library_index.permissions_for_user(member).can_add_subpage()


def test_a_library_expert_reviews_but_does_not_write_in_the_admin(client, library_index, sheet):
    expert = UserFactory()
    expert.groups.add(Group.objects.get(name="Library experts"))
    assert not library_index.permissions_for_user(expert).can_add_subpage()
    assert not sheet.permissions_for_user(expert).can_edit()
    client.force_login(expert)
    assert client.get(add_url(library_index)).status_code in (302, 403)


def test_the_library_menu_item_leads_an_animator_to_the_kinds_of_item(
    client, animator, library_index
):
    client.force_login(animator)
    response = client.get(reverse("wagtailadmin_home"))
    assert reverse("wagtailadmin_pages:add_subpage", args=[library_index.pk]) in (
        response.content.decode()
    )
    assert (
        client.get(reverse("wagtailadmin_pages:add_subpage", args=[library_index.pk])).status_code
        == 200
    )


# --- Documents in the admin ---------------------------------------------------------------------


@pytest.fixture
def documents(document_storage, staff, uploader, private_space, other_space):
    """A public guide, the committee's private kit, another space's private kit, an upload
    awaiting review."""
    toolbox = Collection.objects.get(name="Boîte à outils", depth=2)
    committee = toolbox.add_child(name="Kit du comité")
    PrivateCollection.objects.create(collection=committee, space=private_space)
    building = toolbox.add_child(name="Outils du bâtiment")
    PrivateCollection.objects.create(collection=building, space=other_space)

    def make(title, collection=None, by=staff, pending=False):
        return document_upload(
            by=by,
            file=upload(f"{title}.pdf", PDF),
            title=title,
            collection=collection,
            pending_review=pending,
        )

    return {
        "public": make("Guide public"),
        "committee": make("Charte du comité", committee),
        "building": make("Charte du bâtiment", building),
        "pending": make("Annexe en attente", by=uploader, pending=True),
    }


@pytest.fixture
def uploader(db):
    return UserFactory(profile__display_name="Hugo Contributeur")


def chooser_titles(client) -> str:
    response = client.get(reverse("wagtaildocs_chooser:choose"))
    assert response.status_code == 200
    return response.json()["html"]


@pytest.mark.parametrize("who", ["animator", "space_animator", "other_animator"])
def test_the_document_chooser_lists_only_documents_the_animator_may_open(
    client, request, documents, who
):
    user = request.getfixturevalue(who)
    client.force_login(user)

    html = chooser_titles(client)

    openable = set(openable_documents(user).values_list("pk", flat=True))
    for document in documents.values():
        assert (document.title in html) == (document.pk in openable), document.title
    # The animator of the committee's space sees its kit; nobody sees another space's kit.
    assert ("Charte du comité" in html) == (who == "animator")
    assert ("Charte du bâtiment" in html) == (who == "other_animator")


@pytest.mark.parametrize("who", ["space_animator", "member_expert"])
def test_the_admin_api_lists_only_documents_one_may_open(client, request, documents, who):
    if who == "member_expert":
        user = UserFactory()
        user.groups.add(Group.objects.get(name="Library experts"))  # opens the admin
    else:
        user = request.getfixturevalue(who)
    client.force_login(user)

    response = client.get("/cms/api/main/documents/")

    assert response.status_code == 200
    titles = {item["title"] for item in response.json()["items"]}
    assert titles == set(openable_documents(user).values_list("title", flat=True))
    assert "Charte du comité" not in titles
    private = documents["committee"]
    assert client.get(f"/cms/api/main/documents/{private.pk}/").status_code == 404


@pytest.mark.parametrize("count", [2, 12])
def test_the_document_chooser_reads_a_constant_number_of_queries(
    client, space_animator, document_storage, count, django_assert_max_num_queries
):
    for n in range(count):
        document_upload(by=space_animator, file=upload(f"d{n}.pdf", PDF), title=f"Trame {n}")
    client.force_login(space_animator)
    client.get(reverse("wagtaildocs_chooser:choose"))  # the session and menus warmed up

    with django_assert_max_num_queries(21):
        response = client.get(reverse("wagtaildocs_chooser:choose"))
    assert "Trame 1" in response.json()["html"]


def test_an_editor_group_member_sees_only_documents_they_may_open(client, documents):
    editor = UserFactory()
    editor.groups.add(Group.objects.get(name="Editors"))
    client.force_login(editor)

    listing = client.get(reverse("wagtaildocs:index")).content.decode()
    assert "Guide public" in listing
    # Neither the private documents nor the names of the collections they are in.
    for hidden in ("Charte du comité", "Charte du bâtiment", "Kit du comité", "Annexe en attente"):
        assert hidden not in listing
        assert hidden not in chooser_titles(client)

    private = documents["committee"]
    response = client.get(reverse("wagtaildocs:edit", args=[private.pk]))
    assert response.status_code in (302, 403)
    response = client.post(
        reverse("wagtaildocs:delete", args=[private.pk]),
    )
    assert LibraryDocument.objects.filter(pk=private.pk).exists()


def test_staff_see_every_document(client, staff, documents):
    client.force_login(staff)
    listing = client.get(reverse("wagtaildocs:index")).content.decode()
    for document in documents.values():
        assert document.title in listing


def test_an_animator_uploads_a_checked_document_and_edits_only_their_own(
    client, space_animator, documents
):
    client.force_login(space_animator)
    library = Collection.objects.get(name="Bibliothèque des pratiques")
    form = client.get(reverse("wagtaildocs:add")).context["form"]
    offered = set(form.fields["collection"].queryset)
    assert library in offered
    assert Collection.get_first_root_node() not in offered
    assert documents["committee"].collection not in offered  # not their space

    refused = client.post(
        reverse("wagtaildocs:add"),
        {"title": "Piège", "file": upload("piege.pdf", HTML), "collection": library.pk},
    )
    assert refused.status_code == 200
    assert not LibraryDocument.objects.filter(title="Piège").exists()

    response = client.post(
        reverse("wagtaildocs:add"),
        {"title": "Trame d'entretien", "file": upload("trame.pdf", PDF), "collection": library.pk},
    )
    assert response.status_code == 302
    own = LibraryDocument.objects.get(title="Trame d'entretien")
    assert own.uploaded_by_user == space_animator
    assert client.get(reverse("wagtaildocs:edit", args=[own.pk])).status_code == 200
    others = documents["public"]
    assert client.get(reverse("wagtaildocs:edit", args=[others.pk])).status_code in (302, 403)


def test_a_member_without_a_role_has_no_document_admin(client, member, documents):
    client.force_login(member)
    response = client.get(reverse("wagtaildocs:index"))
    assert response.status_code == 302
    assert "/cms/login/" in response["Location"]


# --- Collections private to a space ---------------------------------------------------------------


@pytest.fixture
def kit(db):
    toolbox = Collection.objects.get(name="Boîte à outils", depth=2)
    return toolbox.add_child(name="Kit formateurs")


def test_an_animator_reserves_a_collection_to_their_space_in_the_admin(
    client, space_animator, open_space, other_space, kit
):
    client.force_login(space_animator)
    form = client.get(reverse(f"{PRIVATE_COLLECTIONS}:add")).context["form"]
    assert list(form.fields["space"].queryset) == [open_space]
    offered = set(form.fields["collection"].queryset)
    assert kit in offered
    assert not any(collection.depth <= 2 for collection in offered)

    response = client.post(
        reverse(f"{PRIVATE_COLLECTIONS}:add"), {"collection": kit.pk, "space": open_space.pk}
    )

    assert response.status_code == 302
    reserved = PrivateCollection.objects.get()
    assert (reserved.collection, reserved.space) == (kit, open_space)


def test_an_animator_cannot_reserve_a_collection_to_another_space_or_a_main_collection(
    client, space_animator, open_space, other_space, kit
):
    client.force_login(space_animator)
    toolbox = Collection.objects.get(name="Boîte à outils", depth=2)

    for data in (
        {"collection": kit.pk, "space": other_space.pk},
        {"collection": toolbox.pk, "space": open_space.pk},
    ):
        response = client.post(reverse(f"{PRIVATE_COLLECTIONS}:add"), data)
        assert response.status_code == 200
        assert response.context["form"].errors
    assert not PrivateCollection.objects.exists()


def test_an_animator_sees_and_changes_only_the_reservations_of_their_spaces(
    client, space_animator, other_space, kit
):
    reserved = PrivateCollection.objects.create(collection=kit, space=other_space)
    client.force_login(space_animator)

    listing = client.get(reverse(f"{PRIVATE_COLLECTIONS}:list")).content.decode()
    assert "Kit formateurs" not in listing
    assert client.get(reverse(f"{PRIVATE_COLLECTIONS}:edit", args=[reserved.pk])).status_code in (
        302,
        403,
    )
    response = client.post(reverse(f"{PRIVATE_COLLECTIONS}:delete", args=[reserved.pk]))
    assert response.status_code in (302, 403)
    assert PrivateCollection.objects.filter(pk=reserved.pk).exists()


def test_an_animator_ends_the_reservation_of_their_space(client, space_animator, open_space, kit):
    reserved = PrivateCollection.objects.create(collection=kit, space=open_space)
    client.force_login(space_animator)

    response = client.post(reverse(f"{PRIVATE_COLLECTIONS}:delete", args=[reserved.pk]))

    assert response.status_code == 302
    assert not PrivateCollection.objects.exists()


def test_a_member_without_a_role_cannot_reserve_collections(client, member, open_space, kit):
    client.force_login(member)
    response = client.post(
        reverse(f"{PRIVATE_COLLECTIONS}:add"), {"collection": kit.pk, "space": open_space.pk}
    )
    assert response.status_code == 302
    assert "/cms/login/" in response["Location"]
    assert not PrivateCollection.objects.exists()


def test_staff_reserve_a_main_collection(client, staff, open_space):
    toolbox = Collection.objects.get(name="Boîte à outils", depth=2)
    client.force_login(staff)

    response = client.post(
        reverse(f"{PRIVATE_COLLECTIONS}:add"), {"collection": toolbox.pk, "space": open_space.pk}
    )

    assert response.status_code == 302
    assert PrivateCollection.objects.get().collection == toolbox


def test_the_index_page_is_not_deleted_or_moved_by_an_animator(animator, library_index):
    perms = library_index.permissions_for_user(animator)
    assert perms.can_add_subpage()
    assert not perms.can_delete()
    assert not perms.can_move()


def test_a_sheet_published_from_the_admin_add_form_stays_a_draft_for_an_animator(
    rf, animator, staff, make_sheet
):
    from django.contrib.messages.storage.fallback import FallbackStorage

    from community.library.wagtail_hooks import keep_unreviewed_sheets_unpublished

    sheet = make_sheet(publish=False, owner=animator)

    def request_as(user):
        request = rf.post("/cms/")
        request.user = user
        request.session = {}
        request._messages = FallbackStorage(request)
        return request

    response = keep_unreviewed_sheets_unpublished(request_as(animator), sheet)
    assert response.status_code == 302
    assert response.url.endswith(f"/pages/{sheet.pk}/edit/")
    assert keep_unreviewed_sheets_unpublished(request_as(staff), sheet) is None


def sheet_form_data(**fields) -> dict:
    values = {
        "title": "Des marraines dans les ateliers",
        "slug": "des-marraines-dans-les-ateliers",
        "summary": "Des ingénieures racontent leur métier aux collégiennes.",
        "cover_image": "",
        "themes": [Theme.objects.first().pk],
        "country": "FR",
        "region": "Bretagne",
        "actor_type": "cluster",
        "observation": rich_text("<p>Peu de filles choisissent l'industrie.</p>"),
        "steps": inline_formset([{"title": "Une première rencontre", "description": ""}]),
        "objectives": rich_text(""),
        "obstacles": inline_formset([]),
        "stakeholders": inline_formset([]),
        "indicators": inline_formset([]),
        "results": rich_text(""),
        "lessons": rich_text(""),
        "did_not_work": rich_text(""),
        "contacts": inline_formset([]),
        "start_year": "",
        "end_year": "",
        "documents": inline_formset([]),
        "videos": inline_formset([]),
        "comments": inline_formset([]),
        "seo_title": "",
        "search_description": "",
    }
    values.update(fields)
    return nested_form_data(values)


@pytest.mark.parametrize("who", ["animator", "staff"])
def test_publishing_a_new_sheet_from_the_admin_form_leaves_it_a_draft(
    client, request, library_index, who
):
    """The whole add form, posted with "Publish": the new sheet stays a draft that goes live
    only through its review, also for staff (nobody publishes their own sheet)."""
    client.force_login(request.getfixturevalue(who))

    response = client.post(
        add_url(library_index, "practicesheetpage"), sheet_form_data(**{"action-publish": "1"})
    )

    assert response.status_code == 302, response.context and response.context["form"].errors
    sheet = PracticeSheetPage.objects.get(slug="des-marraines-dans-les-ateliers")
    assert response.url == edit_url(sheet)
    assert not sheet.live and sheet.has_unpublished_changes
    assert sheet.live_revision is None and sheet.first_published_at is None
    assert client.get(f"/library/{sheet.slug}/").status_code == 404
