"""The library in Wagtail: serving documents, the admin's documents, library pages, private
collections.

- **Serving.** Every document goes through Wagtail's view (`/documents/<id>/<name>`); its files
  are under PRIVATE_MEDIA_ROOT, which no web server serves. `before_serve_document` answers 404
  (never 403: a private document's existence is not confirmed) to whoever may not open the
  document (`documents.DocumentAccess`, the rule of `permissions.can_view_document`). Wagtail's
  view has no hook after the response: the file goes out through `documents.sendfile`
  (`SENDFILE_BACKEND`), which gives a document only some may open
  `Cache-Control: private, no-store`. Wagtail's view adds `X-Content-Type-Options: nosniff` and
  `Content-Security-Policy: default-src 'none'`, and serves as attachment everything but the
  inline types (`WAGTAILDOCS_INLINE_CONTENT_TYPES`, PDF by default).
- **The admin's documents.** `LibraryDocumentPermissionPolicy`: staff do everything; everyone
  else (groups and library animators, who attach documents to the items they write) sees,
  chooses and edits only documents they may open, and puts documents only in collections they
  may open. Admin uploads go through `LibraryDocument.clean()`, so through
  `uploads.validate_document_upload`.
- **Library pages.** `wagtail_permissions.LibraryPagePermissionPolicy` and a page viewset so the
  admin's views of library items ask it; a "Library" menu item for those who write there.
- **Private collections.** A snippet to reserve a collection to a space, for staff and the
  space's animators, saved through `services.documents`.
"""

from django import forms
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.forms.collections import CollectionChoiceField
from wagtail.admin.menu import MenuItem
from wagtail.admin.panels import FieldPanel, ObjectList
from wagtail.admin.ui.sidebar import LinkMenuItem
from wagtail.admin.viewsets.pages import PageViewSet
from wagtail.documents.api.admin.views import DocumentsAdminAPIViewSet
from wagtail.models import Collection
from wagtail.permission_policies.base import BasePermissionPolicy
from wagtail.permission_policies.collections import CollectionOwnershipPermissionPolicy
from wagtail.permissions import register_permission_policy
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import (
    CreateView,
    DeleteView,
    EditView,
    HistoryView,
    SnippetViewSet,
    UsageView,
)

from community.backends import is_animator
from community.library.documents import (
    DocumentAccess,
    can_make_private,
    can_manage_private_collection,
    collections_open_to,
    mark_restricted,
    openable_documents,
)
from community.library.models import (
    LibraryDocument,
    LibraryIndexPage,
    LibraryItem,
    PrivateCollection,
)
from community.library.services import documents as document_services
from community.library.wagtail_permissions import LibraryPagePermissionPolicy, edits_the_library
from community.permissions import is_platform_staff
from community.selectors import spaces_editable_by

# --- Serving documents --------------------------------------------------------------------------


@hooks.register("before_serve_document", order=-100)
def serve_documents_only_to_those_who_may_open_them(document, request):
    """Runs before Wagtail's own hooks (collection view restrictions), so a refusal is the same
    404 as for a document that does not exist. A document only some may open is marked for
    `documents.sendfile`, which sends it with `Cache-Control: private, no-store`."""
    access = DocumentAccess(request.user)
    if not access.may_open(document):
        raise Http404
    if document.pending_review or access.private_space(document) is not None:
        mark_restricted(request)


# --- Documents in the admin ---------------------------------------------------------------------


class LibraryDocumentPermissionPolicy(CollectionOwnershipPermissionPolicy):
    """Wagtail's collection rules, opened to library animators and narrowed to what one may open.

    Library animators add documents (to the items they write in the admin), choose among the
    documents they may open, and change or delete those they uploaded. Staff do everything.
    Nobody else sees, in a list, a chooser or an edit view, a document they may not open.
    """

    ROLE_ACTIONS = {"add", "choose", "change", "delete"}

    def __init__(self):
        # Group rights are Wagtail's document permissions, as for its own policy.
        super().__init__(
            LibraryDocument, auth_model="wagtaildocs.Document", owner_field_name="uploaded_by_user"
        )

    def user_has_permission(self, user, action):
        if is_platform_staff(user):
            return True
        if super().user_has_permission(user, action):
            return True
        return action in self.ROLE_ACTIONS and edits_the_library(user)

    def user_has_any_permission_for_instance(self, user, actions, instance):
        if is_platform_staff(user):
            return True
        if not DocumentAccess(user).may_open(instance):
            return False
        if super().user_has_any_permission_for_instance(user, actions, instance):
            return True
        if not edits_the_library(user):
            return False
        actions = set(actions)
        owns = instance.uploaded_by_user_id == user.pk
        return "choose" in actions or bool(owns and actions & {"change", "delete"})

    def instances_user_has_any_permission_for(self, user, actions):
        if is_platform_staff(user):
            return self.model._default_manager.all()
        documents = super().instances_user_has_any_permission_for(user, actions)
        actions = set(actions)
        if edits_the_library(user):
            if "choose" in actions:
                documents = self.model._default_manager.all()
            elif actions & {"change", "delete"}:
                documents = documents | self.model._default_manager.filter(uploaded_by_user=user)
        # The admin's search filters only on the model's declared filter fields: the rule of
        # who may open what reaches it as a list of ids. The chooser shows each collection.
        openable = openable_documents(user, documents).values("pk")
        return self.model._default_manager.filter(pk__in=openable).select_related("collection")

    def collections_user_has_any_permission_for(self, user, actions):
        if is_platform_staff(user):
            return Collection.objects.all()
        collections = super().collections_user_has_any_permission_for(user, actions)
        if edits_the_library(user) and set(actions) & self.ROLE_ACTIONS:
            # The library's collections, not the root of the tree.
            collections = collections | Collection.objects.filter(depth__gt=1)
        return collections.filter(pk__in=collections_open_to(user).values("pk"))


class LibraryDocumentsAdminAPIViewSet(DocumentsAdminAPIViewSet):
    """The admin API's documents (which the admin's scripts read, open to anyone in the admin),
    kept to those one may open: Wagtail's own keeps out only its password-restricted collections."""

    def get_queryset(self):
        return openable_documents(self.request.user, super().get_queryset())


@hooks.register("construct_admin_api", order=100)
def keep_the_admin_api_to_documents_one_may_open(router):
    # After Wagtail's own hook, which registers its endpoint under the same name.
    router.register_endpoint("documents", LibraryDocumentsAdminAPIViewSet)


# For this exact class: Wagtail's documents app registers its own policy for the document model
# when it is ready, which may come after this module is imported.
register_permission_policy(LibraryDocument, LibraryDocumentPermissionPolicy(), exact_class=True)


# --- Library pages ------------------------------------------------------------------------------

register_permission_policy(LibraryItem, LibraryPagePermissionPolicy(LibraryItem))


class LibraryItemViewSet(PageViewSet):
    """The admin views of library items, so that those asking a model-level question (the
    previews) ask `LibraryPagePermissionPolicy`, which knows animators."""

    model = LibraryItem
    name = "library_items"
    icon = "doc-full"
    add_to_admin_menu = False


@hooks.register("register_admin_viewset")
def register_library_item_viewset():
    return LibraryItemViewSet()


def library_admin_url(user) -> str:
    """Superusers explore the library index; animators, who have no explorable root, choose
    the kind of item to add there."""
    index_id = LibraryIndexPage.objects.values_list("pk", flat=True).first()
    if index_id is None:
        return reverse("wagtailadmin_home")
    if user.is_superuser:
        return reverse("wagtailadmin_explore", args=[index_id])
    return reverse("wagtailadmin_pages:add_subpage", args=[index_id])


class LibraryMenuItem(MenuItem):
    def is_shown(self, request):
        return request.user.is_superuser or edits_the_library(request.user)

    def render_component(self, request):
        # The instance is shared by every request: the address goes to the component only.
        return LinkMenuItem(
            self.name,
            self.label,
            library_admin_url(request.user),
            icon_name=self.icon_name,
            classname=self.classname,
            attrs=self.attrs,
        )


@hooks.register("register_admin_menu_item")
def register_library_menu_item():
    return LibraryMenuItem(_("Library"), "", name="library", icon_name="doc-full", order=220)


# --- Collections private to a space ------------------------------------------------------------


class PrivateCollectionPermissionPolicy(BasePermissionPolicy):
    """Staff, and animators for the spaces they edit (`documents.can_manage_private_collection`)."""

    ACTIONS = ("add", "change", "delete", "view")

    def user_has_permission(self, user, action):
        if is_platform_staff(user):
            return True
        return action in self.ACTIONS and is_animator(user)

    def user_has_any_permission(self, user, actions):
        return any(self.user_has_permission(user, action) for action in actions)

    def user_has_permission_for_instance(self, user, action, instance):
        return action in self.ACTIONS and can_manage_private_collection(user, instance)

    def user_has_any_permission_for_instance(self, user, actions, instance):
        return any(self.user_has_permission_for_instance(user, a, instance) for a in actions)

    def instances_user_has_any_permission_for(self, user, actions):
        if is_platform_staff(user):
            return PrivateCollection.objects.all()
        return PrivateCollection.objects.filter(space__in=spaces_editable_by(user).values("pk"))


class PrivateCollectionForm(WagtailAdminModelForm):
    """The spaces offered are those the editor animates; the collections, those below the
    library's main ones (staff: any but the root). `documents.can_make_private` decides."""

    collection = CollectionChoiceField(
        label=_("Collection"), queryset=Collection.objects.none(), empty_label=None
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        user = self.for_user
        self.fields["space"].queryset = spaces_editable_by(user).order_by("name")
        depth = 1 if is_platform_staff(user) else 2
        self.fields["collection"].queryset = Collection.objects.filter(depth__gt=depth)

    def clean(self):
        data = super().clean()
        collection, space = data.get("collection"), data.get("space")
        if collection and space and not can_make_private(self.for_user, collection, space):
            self.add_error(
                "collection",
                forms.ValidationError(
                    _("You cannot reserve this collection to this space."), code="not_allowed"
                ),
            )
        return data


class RowCheckedMixin:
    """Wagtail checks only the model-level permission on a row's views; add the row's rule, so
    nobody opens another space's reservation by its id."""

    def get_object(self, *args, **kwargs):
        instance = super().get_object(*args, **kwargs)
        if not can_manage_private_collection(self.request.user, instance):
            raise PermissionDenied
        return instance


class PrivateCollectionCreateView(CreateView):
    def save_instance(self):
        return document_services.private_collection_create(
            by=self.request.user,
            collection=self.form.cleaned_data["collection"],
            space=self.form.cleaned_data["space"],
        )


class PrivateCollectionEditView(RowCheckedMixin, EditView):
    def save_instance(self):
        # The form has already set the new values on `self.object`; the service checks them.
        private_collection = PrivateCollection.objects.get(pk=self.object.pk)
        return document_services.private_collection_update(
            by=self.request.user,
            private_collection=private_collection,
            collection=self.form.cleaned_data["collection"],
            space=self.form.cleaned_data["space"],
        )


class PrivateCollectionDeleteView(RowCheckedMixin, DeleteView):
    def delete_action(self):
        document_services.private_collection_delete(
            by=self.request.user, private_collection=self.object
        )


class PrivateCollectionHistoryView(RowCheckedMixin, HistoryView):
    pass


class PrivateCollectionUsageView(RowCheckedMixin, UsageView):
    pass


class PrivateCollectionViewSet(SnippetViewSet):
    model = PrivateCollection
    icon = "lock"
    menu_label = _("Private collections")
    menu_order = 221
    add_to_admin_menu = True
    list_display = ["collection", "space"]
    add_view_class = PrivateCollectionCreateView
    edit_view_class = PrivateCollectionEditView
    delete_view_class = PrivateCollectionDeleteView
    history_view_class = PrivateCollectionHistoryView
    usage_view_class = PrivateCollectionUsageView
    # A copy would be saved by Wagtail's own create view, past the services.
    copy_view_enabled = False
    edit_handler = ObjectList(
        [FieldPanel("collection"), FieldPanel("space")], base_form_class=PrivateCollectionForm
    )

    def get_queryset(self, request):
        return (
            PrivateCollectionPermissionPolicy(PrivateCollection)
            .instances_user_has_any_permission_for(request.user, ["change"])
            .select_related("collection", "space")
        )


register_permission_policy(PrivateCollection, PrivateCollectionPermissionPolicy(PrivateCollection))
register_snippet(PrivateCollectionViewSet)


@hooks.register("before_publish_page")
def keep_unreviewed_sheets_unpublished(request, page):
    """A practice sheet goes live only through its review: creating one in the admin with
    "Publish" leaves it a draft for those who may not publish it (see wagtail_permissions.py)."""
    from django.contrib import messages
    from django.shortcuts import redirect

    from community.library.models import PracticeSheetPage

    specific = page.specific
    if (
        isinstance(specific, PracticeSheetPage)
        and not specific.permissions_for_user(request.user).can_publish()
    ):
        if page.live and page.live_revision_id is None:
            # Wagtail's add view has already stored the new page with the model's default
            # `live=True` before asking this hook: it was never published, so it is a draft.
            PracticeSheetPage.objects.filter(pk=page.pk).update(
                live=False, has_unpublished_changes=True
            )
            page.live = False
            page.has_unpublished_changes = True
        messages.warning(
            request,
            _("The sheet is saved as a draft: submit it for review to have it published."),
        )
        return redirect("wagtailadmin_pages:edit", page.pk)
    return None
