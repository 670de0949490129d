"""Documents of the library: uploads checked by content, and collections made private to a space.

- `document_upload` stores a member's file only once `uploads.validate_document_upload` has
  recognised it by its content; a refusal stores nothing (no row, no file).
- `private_collection_create` / `_update` / `_delete`: a collection (and what lies below it)
  reserved to a space's members. The animators of the space decide, and staff. The top-level
  collections hold everyone's documents: only staff may reserve them. A collection already
  inside another space's private collection can only be given to a space by someone who also
  edits that other space, so nobody takes a space's private documents out of it.
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from wagtail.models import Collection

from community.library.documents import (
    DocumentAccess,
    check_make_private,
    check_manage_private_collection,
)
from community.library.models import LibraryDocument, PrivateCollection
from community.models import Space
from community.permissions import check_signed_in
from community.services._common import refuse

LIBRARY_COLLECTION = "Bibliothèque des pratiques"
CONTRIBUTIONS_COLLECTION = "Contributions"


def _default_collection(*, pending_review: bool) -> Collection:
    name = CONTRIBUTIONS_COLLECTION if pending_review else LIBRARY_COLLECTION
    collection = Collection.objects.filter(name=name, depth=2).first()
    return collection or Collection.get_first_root_node()


def _as_list(error: ValidationError) -> ValidationError:
    """The messages of a model's field errors as one list: they all concern the upload."""
    if not hasattr(error, "error_dict"):
        return error
    return ValidationError([item for items in error.error_dict.values() for item in items])


def document_upload(
    *, by, file, title: str, collection: Collection | None = None, pending_review: bool = False
) -> LibraryDocument:
    """Store a member's document after checking its content.

    `pending_review`: uploaded with a contribution not yet published; only its uploader and the
    reviewers may open it (`documents.DocumentAccess`). The default collection is
    "Contributions" for those, "Bibliothèque des pratiques" otherwise. File size and hash are
    filled as Wagtail's own forms fill them. Refusals are one ValidationError listing what is
    wrong (never a dict, so callers attach them to their own upload field).
    """
    check_signed_in(by)
    title = (title or "").strip()
    if not title:
        refuse(_("Give the document a title."), "no_title")
    if collection is None:
        collection = _default_collection(pending_review=pending_review)
    elif not DocumentAccess(by).may_open_collection(collection):
        raise PermissionDenied(_("You cannot put documents in this collection."))
    document = LibraryDocument(
        title=title,
        file=file,
        collection=collection,
        uploaded_by_user=by,
        pending_review=pending_review,
    )
    try:
        # `LibraryDocument.clean()` runs `validate_document_upload` on the new file.
        document.full_clean()
    except ValidationError as error:
        raise _as_list(error) from error
    document._set_document_file_metadata()
    with transaction.atomic():
        document.save()
    return document


# --- Collections private to a space -------------------------------------------------------------


def _save(private_collection: PrivateCollection) -> PrivateCollection:
    private_collection.full_clean()
    with transaction.atomic():
        private_collection.save()
    return private_collection


def private_collection_create(*, by, collection: Collection, space: Space) -> PrivateCollection:
    check_signed_in(by)
    check_make_private(by, collection, space)
    return _save(PrivateCollection(collection=collection, space=space))


def private_collection_update(
    *, by, private_collection: PrivateCollection, collection: Collection, space: Space
) -> PrivateCollection:
    """Move the reservation to another collection or space; both old and new must be the
    editor's to decide."""
    check_signed_in(by)
    check_manage_private_collection(by, private_collection)
    check_make_private(by, collection, space)
    private_collection.collection = collection
    private_collection.space = space
    return _save(private_collection)


def private_collection_delete(*, by, private_collection: PrivateCollection) -> None:
    """The collection's documents become readable by whoever may read the collection above."""
    check_signed_in(by)
    check_manage_private_collection(by, private_collection)
    with transaction.atomic():
        private_collection.delete()
