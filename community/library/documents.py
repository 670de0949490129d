"""Which library documents a user may open: one rule, worked out for many documents at once.

`DocumentAccess(user).may_open(document)` is the rule behind
`permissions.can_view_document` (and so Wagtail's document view), the item pages
(`visible_documents`), the Wagtail admin's document lists and choosers and the events' closing
report (`openable_documents` and `DocumentAccess.openable_q`, its queryset twins):

- a document awaiting review (uploaded with a contribution not yet published): its uploader,
  staff, and those who may read a sheet that attaches it (`permissions.can_view_draft`: its
  reviewers while it is submitted, the experts asked). A sheet attaches a document by its own
  rows (a sheet never published) or by its latest revision (the changes to a published one);
  the admin's lists and choosers (`openable_q`) offer such a document only to its uploader and
  staff;
- a document in a collection private to a space, or below one (the deepest such collection
  decides): that space's active members, its cluster's animators and staff;
- any other document: everyone, like the published pages that show it.

The collections private to a space are few: they are read once per `DocumentAccess`, and each
document's collection is matched against them in Python by its tree path; the sheets that
attach the documents awaiting review are read together (`decide_pending`): a list of documents
costs the same few queries whatever its length.

Also here: who reserves a collection to a space (`can_make_private`), and the backend through
which Wagtail's document view sends files (`sendfile`, for `SENDFILE_BACKEND`).
"""

import operator
from functools import cached_property, reduce

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _
from wagtail.documents import get_document_model
from wagtail.models import Collection
from wagtail.utils import sendfile_streaming_backend

from community.models import Membership, Space
from community.permissions import can_edit_space, is_platform_staff


def _signed_in(user) -> bool:
    return bool(user and user.is_authenticated and user.is_active)


class DocumentAccess:
    """What one user may open among the library's documents."""

    def __init__(self, user):
        self.user = user

    @cached_property
    def private_collections(self) -> list[tuple[str, Space]]:
        """(collection path, space) of every private collection, the deepest first."""
        from community.library.models import PrivateCollection

        rows = PrivateCollection.objects.select_related("collection", "space__cluster").order_by(
            "-collection__depth", "collection__path"
        )
        return [(row.collection.path, row.space) for row in rows]

    @cached_property
    def open_space_ids(self) -> set[int]:
        """The spaces whose private documents the user may open."""
        spaces = {space.pk: space for _path, space in self.private_collections}
        if not spaces or not _signed_in(self.user):
            return set()
        if is_platform_staff(self.user):
            return set(spaces)
        member_of = set(
            Membership.objects.filter(
                user=self.user, state=Membership.State.ACTIVE, space_id__in=spaces
            ).values_list("space_id", flat=True)
        )
        animated = set(self.user.animated_clusters.values_list("pk", flat=True))
        return member_of | {pk for pk, space in spaces.items() if space.cluster_id in animated}

    @cached_property
    def is_staff(self) -> bool:
        return is_platform_staff(self.user)

    @cached_property
    def _pending_open(self) -> dict[int, bool]:
        """Decisions on documents awaiting review, by id (filled by `decide_pending`)."""
        return {}

    def decide_pending(self, documents) -> None:
        """Decide at once which of `documents` awaiting review the user may open.

        Their uploader and staff may; anyone else only through a sheet that attaches the
        document and that they may read (`permissions.can_view_draft`). Two queries find the
        sheets (those whose rows attach the documents, and their uploaders' own sheets, whose
        latest revision may attach them); each sheet is then asked once.
        """
        from community.library.models import PracticeDocument, PracticeSheetPage
        from community.library.permissions import can_view_draft

        undecided = {
            document.pk: document
            for document in documents
            if document.pending_review and document.pk not in self._pending_open
        }
        if not undecided:
            return
        if not _signed_in(self.user) or self.is_staff:
            self._pending_open.update(dict.fromkeys(undecided, self.is_staff))
            return
        others = {}
        for pk, document in undecided.items():
            if document.uploaded_by_user_id == self.user.pk:
                self._pending_open[pk] = True
            else:
                others[pk] = document
        if not others:
            return
        attached: dict[int, set[int]] = {}
        for page_id, document_id in PracticeDocument.objects.filter(
            document_id__in=others
        ).values_list("page_id", "document_id"):
            attached.setdefault(page_id, set()).add(document_id)
        uploaders = {d.uploaded_by_user_id for d in others.values() if d.uploaded_by_user_id}
        sheets = PracticeSheetPage.objects.filter(
            Q(pk__in=attached) | Q(owner_id__in=uploaders)
        ).select_related("latest_revision")
        opened: set[int] = set()
        for sheet in sheets:
            ids = set(attached.get(sheet.pk, ()))
            if sheet.latest_revision is not None:
                rows = sheet.latest_revision.content.get("documents") or []
                ids |= {row.get("document") for row in rows}
            ids &= set(others) - opened
            if ids and can_view_draft(self.user, sheet):
                opened |= ids
        self._pending_open.update({pk: pk in opened for pk in others})

    def private_space_at(self, collection_path: str) -> Space | None:
        for path, space in self.private_collections:
            if collection_path.startswith(path):
                return space
        return None

    def private_space(self, document, *, collection_path: str | None = None) -> Space | None:
        """The space whose members alone may open `document`, or None."""
        if collection_path is None:
            collection_path = document.collection.path
        return self.private_space_at(collection_path)

    def may_open(self, document, *, collection_path: str | None = None) -> bool:
        if document.pending_review:
            self.decide_pending([document])
            return self._pending_open[document.pk]
        if collection_path is None:
            collection_path = document.collection.path
        return self.may_open_at(collection_path)

    def may_open_at(self, collection_path: str) -> bool:
        """Opens what a collection holds (documents not awaiting review)."""
        space = self.private_space_at(collection_path)
        return space is None or space.pk in self.open_space_ids

    def may_open_collection(self, collection: Collection) -> bool:
        return self.may_open_at(collection.path)

    def may_see_space(self, space: Space) -> bool:
        """Whether the space's name may be shown: a private space is named only to those inside."""
        if space.visibility == Space.Visibility.PUBLIC:
            return True
        if space.visibility == Space.Visibility.MEMBERS:
            return _signed_in(self.user)
        return space.pk in self.open_space_ids

    def closed_q(self, path_field: str) -> Q | None:
        """Where the private collections the user may not open lie, as a filter on a tree path
        (`path_field`); None when nothing is closed to them."""
        areas = []
        for path, space in self.private_collections:
            if space.pk in self.open_space_ids:
                continue
            area = Q(**{f"{path_field}__startswith": path})
            # A deeper private collection decides alone for what lies below it.
            for other, _space in self.private_collections:
                if other != path and other.startswith(path):
                    area &= ~Q(**{f"{path_field}__startswith": other})
            areas.append(area)
        return reduce(operator.or_, areas) if areas else None

    def published_q(self) -> Q:
        """The documents not awaiting review that `may_open` accepts, as a queryset filter."""
        published = Q(pending_review=False)
        closed = self.closed_q("collection__path")
        return published if closed is None else published & ~closed

    def openable_q(self) -> Q:
        """The documents `may_open` accepts, as a queryset filter, except those awaiting review
        that the user reads through a sheet: the admin's lists and choosers offer a document
        awaiting review only to its uploader and staff, so nobody attaches another's upload."""
        published = self.published_q()
        if not _signed_in(self.user):
            return published
        if self.is_staff:
            return published | Q(pending_review=True)
        return published | Q(pending_review=True, uploaded_by_user=self.user)


def visible_documents(user, documents) -> list[tuple[object, bool, Space | None]]:
    """(document, may_open, private_space) for each document, in the order given.

    `private_space` is the space a private document is reserved to, or None when the document
    is not private, or when the user may not know that space (a private space is never named to
    outsiders). A constant number of queries whatever the number of documents.
    """
    documents = list(documents)
    if not documents:
        return []
    access = DocumentAccess(user)
    access.decide_pending(documents)
    paths = dict(
        Collection.objects.filter(
            pk__in={document.collection_id for document in documents}
        ).values_list("pk", "path")
    )
    result = []
    for document in documents:
        path = paths[document.collection_id]
        space = access.private_space_at(path)
        shown = space if space is not None and access.may_see_space(space) else None
        result.append((document, access.may_open(document, collection_path=path), shown))
    return result


def openable_documents(user, documents: QuerySet | None = None) -> QuerySet:
    """The documents of `documents` (all by default) the user may open, as a queryset."""
    if documents is None:
        documents = get_document_model().objects.all()
    return documents.filter(DocumentAccess(user).openable_q())


def collections_open_to(user) -> QuerySet:
    """The collections whose documents the user may open: where they may put documents."""
    closed = DocumentAccess(user).closed_q("path")
    collections = Collection.objects.all()
    return collections if closed is None else collections.exclude(closed)


# --- Who reserves a collection to a space ---------------------------------------------------------
#
# The top-level collections hold everyone's documents: only staff reserve them. A space's
# animators (and its cluster's) reserve a collection below them to their space, except inside
# another space's private collection they do not edit: nobody takes a space's private documents
# out of its reach, or into their own.


def can_make_private(user, collection: Collection, space: Space) -> bool:
    if is_platform_staff(user):
        return collection.depth > 1
    if collection.depth <= 2 or not can_edit_space(user, space):
        return False
    return all(
        can_edit_space(user, other)
        for path, other in DocumentAccess(user).private_collections
        if collection.path.startswith(path) and other.pk != space.pk
    )


def can_manage_private_collection(user, private_collection) -> bool:
    """Change or end a reservation: the reserved space's animators, staff."""
    return is_platform_staff(user) or can_edit_space(user, private_collection.space)


def check_make_private(user, collection: Collection, space: Space) -> None:
    if not can_make_private(user, collection, space):
        raise PermissionDenied(
            _(
                "You cannot reserve this collection to this space: only the space's animators "
                "can, and only staff for the library's main collections."
            )
        )


def check_manage_private_collection(user, private_collection) -> None:
    if not can_manage_private_collection(user, private_collection):
        raise PermissionDenied(_("Only the space's animators can change what is reserved to it."))


# --- Serving ------------------------------------------------------------------------------------

_RESTRICTED = "_library_document_restricted"


def mark_restricted(request) -> None:
    """The document this request is served is one only some may open (see `sendfile`)."""
    setattr(request, _RESTRICTED, True)


def sendfile(request, filename, **kwargs):
    """The backend through which Wagtail's document view sends a file (`SENDFILE_BACKEND`).

    It streams the file as Wagtail's default backend does; a document marked by the serving
    hook (`wagtail_hooks.serve_documents_only_to_those_who_may_open_them`) goes out with
    `Cache-Control: private, no-store`, so no shared cache keeps it for the next person.
    """
    response = sendfile_streaming_backend.sendfile(request, filename, **kwargs)
    if getattr(request, _RESTRICTED, False):
        patch_cache_control(response, private=True, no_store=True)
    return response
