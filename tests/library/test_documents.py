"""Who opens which document: Wagtail's document view, the raw media paths, the lists of the item
pages (`visible_documents`), the querysets of the admin (`openable_documents`), collections
private to a space and the events' closing report.

The collections: "Boîte à outils / Kit du comité" is private to `private_space` (whose animator is
`animator`, also its cluster's animator); the public documents are in "Bibliothèque des
pratiques"; a contribution's document waits for review in "Contributions".
"""

from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.models import AnonymousUser, Group
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.http import Http404
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.views.static import serve as static_serve
from wagtail.models import Collection, CollectionViewRestriction

from community.library.documents import (
    DocumentAccess,
    can_make_private,
    collections_open_to,
    openable_documents,
    visible_documents,
)
from community.library.models import LibraryDocument, PrivateCollection
from community.library.models.documents import PrivateDocumentStorage
from community.library.permissions import EXPERT_GROUP, can_view_document
from community.library.services.contributions import review_decide, sheet_save, sheet_submit
from community.library.services.documents import (
    document_upload,
    private_collection_create,
    private_collection_delete,
    private_collection_update,
)
from community.models import Membership, Organisation, Theme
from events.organiser_forms import ReportForm
from tests.factories import MembershipFactory, UserFactory
from tests.library.test_uploads import PDF, documents_stored_in, ooxml, upload

# --- Fixtures -----------------------------------------------------------------------------------


@pytest.fixture
def document_storage(tmp_path):
    with documents_stored_in(tmp_path / "documents") as root:
        yield root


@pytest.fixture
def library_collection(db):
    return Collection.objects.get(name="Bibliothèque des pratiques", depth=2)


@pytest.fixture
def toolbox(db):
    return Collection.objects.get(name="Boîte à outils", depth=2)


@pytest.fixture
def committee_kit(toolbox, private_space):
    collection = toolbox.add_child(name="Kit du comité")
    PrivateCollection.objects.create(collection=collection, space=private_space)
    return collection


@pytest.fixture
def space_member(private_space):
    user = UserFactory(profile__display_name="Maëlle Membre")
    MembershipFactory(space=private_space, user=user)
    return user


@pytest.fixture
def uploader(db):
    return UserFactory(profile__display_name="Hugo Contributeur")


@pytest.fixture
def non_staff_admin(db):
    """Staff without being a superuser."""
    return UserFactory(is_staff=True, profile__display_name="Sophie Équipe")


def make_document(by, *, collection=None, pending_review=False, name="guide.pdf", content=PDF):
    return document_upload(
        by=by,
        file=upload(name, content),
        title=Path(name).stem.capitalize(),
        collection=collection,
        pending_review=pending_review,
    )


@pytest.fixture
def public_doc(staff, library_collection, document_storage):
    return make_document(staff, collection=library_collection, name="guide-public.pdf")


@pytest.fixture
def private_doc(staff, committee_kit, document_storage):
    return make_document(staff, collection=committee_kit, name="kit-comite.pdf")


@pytest.fixture
def pending_doc(uploader, document_storage):
    return make_document(uploader, pending_review=True, name="annexe.docx", content=ooxml())


def get(client, document, user=None):
    if user is not None:
        client.force_login(user)
    return client.get(document.url)


# --- Wagtail's document view --------------------------------------------------------------------


def test_a_public_document_is_served_to_a_visitor_with_nosniff(client, public_doc):
    response = get(client, public_doc)

    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"] == "default-src 'none'"
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("inline")  # a PDF opens in the browser
    assert "no-store" not in response.get("Cache-Control", "")


def test_an_office_document_is_served_as_an_attachment(client, staff, library_collection):
    document = make_document(
        staff, collection=library_collection, name="fiche.docx", content=ooxml()
    )

    response = get(client, document)

    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    assert response["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize("who", [None, "member", "other_animator"])
def test_a_private_document_is_not_found_for_a_visitor_and_for_outsiders(
    client, request, private_doc, who
):
    response = get(client, private_doc, request.getfixturevalue(who) if who else None)
    assert response.status_code == 404


@pytest.mark.parametrize("who", ["space_member", "animator", "staff", "non_staff_admin"])
def test_a_private_document_is_served_to_the_space_s_members_animators_and_staff(
    client, request, private_doc, who
):
    response = get(client, private_doc, request.getfixturevalue(who))

    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    cache_control = {part.strip() for part in response["Cache-Control"].split(",")}
    assert {"private", "no-store"} <= cache_control
    assert response["X-Content-Type-Options"] == "nosniff"


def test_a_member_who_left_the_space_no_longer_opens_its_documents(
    client, private_doc, space_member
):
    Membership.objects.filter(user=space_member).update(state=Membership.State.REMOVED)
    assert get(client, private_doc, space_member).status_code == 404


def test_a_document_below_a_private_collection_is_private_too(
    client, staff, committee_kit, member, space_member, document_storage
):
    minutes = committee_kit.add_child(name="Comptes rendus")
    document = make_document(staff, collection=minutes, name="compte-rendu.pdf")

    assert get(client, document, member).status_code == 404
    assert get(client, document, space_member).status_code == 200


@pytest.mark.parametrize(
    "who, status",
    [
        (None, 404),
        ("member", 404),
        ("uploader", 200),
        ("animator", 404),  # attached to no sheet they review
        ("staff", 200),
    ],
)
def test_a_document_awaiting_review_is_served_to_its_uploader_and_staff_only(
    client, request, pending_doc, who, status
):
    response = get(client, pending_doc, request.getfixturevalue(who) if who else None)

    assert response.status_code == status
    if status == 200:
        assert "no-store" in response["Cache-Control"]


@pytest.fixture
def contributor(member, open_space):
    MembershipFactory(space=open_space, user=member)
    return member


def sheet_with(author, space, document, page=None):
    fields = (
        {}
        if page is not None
        else {
            "title": "Une fiche et son annexe",
            "summary": "Résumé.",
            "observation": "Constat.",
            "themes": [Theme.objects.first()],
            "spaces": [space],
        }
    )
    return sheet_save(
        by=author, page=page, fields=fields, steps=[{"title": "Étape"}], documents=[document]
    )


def test_a_sheet_s_reviewers_open_its_document_awaiting_review_once_it_is_submitted(
    client, contributor, animator, other_animator, open_space, library_index, document_storage
):
    document = make_document(contributor, pending_review=True, name="annexe.pdf")
    page = sheet_with(contributor, open_space, document)

    # A draft kept by its author: its document stays theirs.
    assert get(client, document, animator).status_code == 404
    assert visible_documents(animator, [document]) == [(document, False, None)]

    sheet_submit(by=contributor, page=page)
    assert get(client, document, animator).status_code == 200
    assert visible_documents(animator, [document]) == [(document, True, None)]
    assert get(client, document, other_animator).status_code == 404
    # Reading it is not offering it to attach elsewhere.
    assert not openable_documents(animator).filter(pk=document.pk).exists()
    assert openable_documents(contributor).filter(pk=document.pk).exists()


def test_a_document_added_to_a_published_sheet_is_read_through_its_latest_revision(
    client, contributor, animator, make_sheet, open_space, document_storage
):
    page = make_sheet(owner=contributor, spaces=[open_space], themes=[Theme.objects.first()])
    document = make_document(contributor, pending_review=True, name="annexe.pdf")
    sheet_with(contributor, open_space, document, page=page)
    assert not page.documents.exists()  # only in the revision, the live page is unchanged

    assert get(client, document, animator).status_code == 404
    sheet_submit(by=contributor, page=page)
    assert get(client, document, animator).status_code == 200


def test_an_expert_opens_a_document_awaiting_review_only_once_asked(
    client, contributor, animator, open_space, library_index, document_storage
):
    expert = UserFactory()
    expert.groups.add(Group.objects.get(name=EXPERT_GROUP))
    document = make_document(contributor, pending_review=True, name="annexe.pdf")
    page = sheet_with(contributor, open_space, document)
    sheet_submit(by=contributor, page=page)
    assert get(client, document, expert).status_code == 404

    review_decide(by=animator, page=page, action="expert", comment="Votre avis ?")
    assert get(client, document, expert).status_code == 200


def test_a_wrong_file_name_or_an_unknown_id_is_not_found(client, staff, private_doc):
    client.force_login(staff)
    assert client.get(f"/documents/{private_doc.pk}/autre-nom.pdf").status_code == 404
    assert client.get(f"/documents/{private_doc.pk + 100}/kit-comite.pdf").status_code == 404


# --- The raw media paths ------------------------------------------------------------------------


def test_document_files_are_stored_under_the_private_media_root_with_no_url():
    storage = PrivateDocumentStorage()
    location = Path(storage.location)

    assert location.is_relative_to(Path(settings.PRIVATE_MEDIA_ROOT))
    assert not location.is_relative_to(Path(settings.MEDIA_ROOT))
    assert not Path(settings.MEDIA_ROOT).is_relative_to(location)


def test_the_raw_media_paths_of_a_private_document_answer_404(client, space_member, private_doc):
    relative = private_doc.file.name  # e.g. 2026/05/kit-comite.pdf
    assert Path(private_doc.file.path).is_file()
    client.force_login(space_member)

    for path in (
        f"/media/documents/{private_doc.filename}",
        f"/media/documents/{relative}",
        f"/media/{relative}",
        f"/private-media/documents/{relative}",
    ):
        assert client.get(path).status_code == 404, path


def test_the_media_files_view_of_development_does_not_reach_the_documents(private_doc):
    """With DEBUG, Django serves MEDIA_ROOT (config/urls.py): the documents are not in it."""
    request = RequestFactory().get("/media/")
    for path in (private_doc.file.name, f"documents/{private_doc.file.name}"):
        with pytest.raises(Http404):
            static_serve(request, path, document_root=settings.MEDIA_ROOT)


# --- Wagtail's password restrictions do not open a private document ----------------------------


def test_the_password_view_of_an_unknown_restriction_is_not_found(client, db):
    assert client.get("/documents/authenticate_with_password/999/").status_code == 404


def test_a_collection_password_never_opens_a_private_document_to_an_outsider(
    client, member, space_member, private_doc, committee_kit
):
    restriction = CollectionViewRestriction.objects.create(
        collection=committee_kit,
        restriction_type=CollectionViewRestriction.PASSWORD,
        password="kit-2026",
    )
    client.force_login(member)
    # No password form either: that would confirm the document exists.
    assert get(client, private_doc).status_code == 404

    response = client.post(
        f"/documents/authenticate_with_password/{restriction.pk}/",
        {"password": "kit-2026", "return_url": private_doc.url},
    )
    assert response.status_code == 302
    assert get(client, private_doc).status_code == 404

    # A member of the space still answers Wagtail's own restriction.
    client.force_login(space_member)
    assert b'name="password"' in get(client, private_doc).content


# --- visible_documents: the item pages' lists ---------------------------------------------------


USERS = ["visitor", "member", "space_member", "uploader", "animator", "other_animator", "staff"]


def as_user(request, name):
    return AnonymousUser() if name == "visitor" else request.getfixturevalue(name)


@pytest.fixture
def all_documents(public_doc, private_doc, pending_doc):
    return [public_doc, private_doc, pending_doc]


@pytest.mark.parametrize("who", USERS)
def test_visible_documents_follows_can_view_document_for_everyone(request, all_documents, who):
    user = as_user(request, who)
    listed = visible_documents(user, all_documents)

    assert [document for document, _may_open, _space in listed] == all_documents
    for document, may_open, _space in listed:
        assert may_open == can_view_document(user, document), (who, document.title)
        assert may_open == DocumentAccess(user).may_open(document)


def test_visible_documents_names_a_private_space_only_to_those_who_may_know_it(
    request, all_documents, private_space
):
    def spaces(user):
        return [space for _document, _may_open, space in visible_documents(user, all_documents)]

    assert spaces(request.getfixturevalue("space_member")) == [None, private_space, None]
    assert spaces(request.getfixturevalue("member")) == [None, None, None]
    assert spaces(AnonymousUser()) == [None, None, None]


def test_visible_documents_of_a_members_only_space_names_it_to_signed_in_members(
    staff, member, other_space, toolbox, document_storage
):
    collection = toolbox.add_child(name="Outils du bâtiment")
    PrivateCollection.objects.create(collection=collection, space=other_space)
    document = make_document(staff, collection=collection)

    assert visible_documents(member, [document]) == [(document, False, other_space)]
    assert visible_documents(AnonymousUser(), [document]) == [(document, False, None)]


def test_visible_documents_reads_a_constant_number_of_queries(
    space_member, staff, library_collection, committee_kit, uploader, document_storage
):
    def count(n):
        for i in range(n):
            make_document(staff, collection=(library_collection, committee_kit)[i % 2])
            make_document(uploader, pending_review=True)
        documents = list(LibraryDocument.objects.all())
        user = UserFactory()
        MembershipFactory(space=committee_kit.private_to.space, user=user)
        with CaptureQueriesContext(connection) as queries:
            visible_documents(user, documents)
        return len(queries)

    few = count(2)
    many = count(20)
    assert few == many
    assert many <= 6


def test_an_empty_list_costs_nothing(member, django_assert_num_queries):
    with django_assert_num_queries(0):
        assert visible_documents(member, []) == []


# --- openable_documents: the same rule as a queryset -------------------------------------------


@pytest.mark.parametrize("who", USERS)
def test_openable_documents_is_the_queryset_twin_of_the_rule(request, all_documents, who):
    user = as_user(request, who)
    expected = {document.pk for document in all_documents if can_view_document(user, document)}
    assert set(openable_documents(user).values_list("pk", flat=True)) == expected


def test_the_deepest_private_collection_decides(
    staff, committee_kit, space_member, other_space, other_animator, document_storage
):
    """A collection reserved to another space inside the committee's kit belongs to that space
    alone: the committee's members do not open it, the other space's animator does."""
    inner = committee_kit.add_child(name="Outils partagés")
    PrivateCollection.objects.create(collection=inner, space=other_space)
    outer_doc = make_document(staff, collection=committee_kit, name="outer.pdf")
    inner_doc = make_document(staff, collection=inner, name="inner.pdf")

    for user, expected in ((space_member, {outer_doc.pk}), (other_animator, {inner_doc.pk})):
        assert set(openable_documents(user).values_list("pk", flat=True)) == expected
        for document in (outer_doc, inner_doc):
            assert can_view_document(user, document) == (document.pk in expected)
            assert visible_documents(user, [document])[0][1] == (document.pk in expected)


def test_collections_open_to_leaves_out_the_private_ones_of_other_spaces(
    member, space_member, committee_kit, library_collection
):
    assert committee_kit not in collections_open_to(member)
    assert library_collection in collections_open_to(member)
    assert committee_kit in collections_open_to(space_member)


# --- Collections private to a space: who decides ------------------------------------------------


def test_a_space_animator_reserves_a_collection_below_the_main_ones_to_their_space(
    animator, open_space, toolbox
):
    collection = toolbox.add_child(name="Kit recrutement inclusif")

    reserved = private_collection_create(by=animator, collection=collection, space=open_space)

    assert reserved.space == open_space
    assert DocumentAccess(AnonymousUser()).private_space_at(collection.path) == open_space


def test_nobody_but_staff_reserves_one_of_the_main_collections(
    animator, staff, open_space, toolbox
):
    with pytest.raises(PermissionDenied):
        private_collection_create(by=animator, collection=toolbox, space=open_space)
    assert not PrivateCollection.objects.exists()

    private_collection_create(by=staff, collection=toolbox, space=open_space)
    assert PrivateCollection.objects.get().collection == toolbox


def test_a_member_or_another_space_s_animator_cannot_reserve_a_collection_to_a_space(
    member, other_animator, open_space, toolbox
):
    collection = toolbox.add_child(name="Kit")
    for user in (member, other_animator):
        with pytest.raises(PermissionDenied):
            private_collection_create(by=user, collection=collection, space=open_space)
    assert not PrivateCollection.objects.exists()


def test_nobody_takes_a_part_of_another_space_s_private_collection_for_their_own(
    other_animator, other_space, committee_kit
):
    inner = committee_kit.add_child(name="Comptes rendus")
    assert not can_make_private(other_animator, inner, other_space)

    with pytest.raises(PermissionDenied):
        private_collection_create(by=other_animator, collection=inner, space=other_space)
    assert PrivateCollection.objects.count() == 1


def test_the_same_collection_cannot_be_reserved_twice(
    animator, open_space, private_space, committee_kit
):
    with pytest.raises(ValidationError):
        private_collection_create(by=animator, collection=committee_kit, space=open_space)
    assert PrivateCollection.objects.get().space == private_space


def test_only_the_space_s_animators_move_or_end_a_reservation(
    animator, other_animator, other_space, open_space, committee_kit
):
    reserved = committee_kit.private_to
    with pytest.raises(PermissionDenied):
        private_collection_update(
            by=other_animator,
            private_collection=reserved,
            collection=committee_kit,
            space=other_space,
        )
    with pytest.raises(PermissionDenied):
        private_collection_delete(by=other_animator, private_collection=reserved)
    assert PrivateCollection.objects.get().space_id == reserved.space_id

    private_collection_update(
        by=animator, private_collection=reserved, collection=committee_kit, space=open_space
    )
    assert PrivateCollection.objects.get().space == open_space
    private_collection_delete(by=animator, private_collection=PrivateCollection.objects.get())
    assert not PrivateCollection.objects.exists()


# --- The events' closing report ----------------------------------------------------------------


def report_form(viewer, **kwargs):
    return ReportForm(organisations=Organisation.objects.none(), viewer=viewer, **kwargs)


def test_the_report_offers_only_documents_the_organiser_may_open_and_not_awaiting_review(
    member, space_member, all_documents, public_doc, private_doc, pending_doc
):
    assert list(report_form(member).fields["documents"].queryset) == [public_doc]
    offered = set(report_form(space_member).fields["documents"].queryset)
    assert offered == {public_doc, private_doc}

    # Even the uploader of a document awaiting review cannot attach it to a report.
    assert pending_doc not in report_form(pending_doc.uploaded_by_user).fields["documents"].queryset


def test_the_report_keeps_a_document_the_organiser_may_not_open_without_naming_it(
    member, public_doc, private_doc
):
    form = report_form(
        member,
        data={"documents": [public_doc.pk]},
        initial={"documents": [public_doc, private_doc]},
    )

    assert private_doc.title not in form.as_p()
    assert form.is_valid(), form.errors
    assert set(form.cleaned_data["documents"]) == {public_doc, private_doc}


def test_the_report_refuses_a_document_the_organiser_may_not_open(member, public_doc, private_doc):
    form = report_form(member, data={"documents": [private_doc.pk]})
    assert not form.is_valid()
    assert "documents" in form.errors
