"""Documents of the library (Wagtail's document model, stored out of the web server's reach).

Every document file lives under `PRIVATE_MEDIA_ROOT`, which no web server serves: the only way
to a file is Wagtail's document view (`/documents/<id>/<name>`), which asks
`community.library.permissions.can_view_document` first (`wagtail_hooks.before_serve_document`).
So a document in a collection private to a space is never served to a non-member, whatever URL
they try.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.storage import FileSystemStorage
from django.db import models
from django.utils.deconstruct import deconstructible
from django.utils.translation import gettext_lazy as _
from wagtail.documents.models import AbstractDocument, Document


@deconstructible
class PrivateDocumentStorage(FileSystemStorage):
    """Files under PRIVATE_MEDIA_ROOT/documents, with no public URL."""

    def __init__(self):
        super().__init__(location=settings.PRIVATE_MEDIA_ROOT / "documents", base_url=None)


def _document_storage():
    return PrivateDocumentStorage()


class LibraryDocument(AbstractDocument):
    file = models.FileField(
        upload_to="%Y/%m",
        storage=_document_storage,
        verbose_name=_("file"),
        validators=[],
    )
    description = models.CharField(_("description"), max_length=300, blank=True)
    pending_review = models.BooleanField(
        _("awaiting review"),
        default=False,
        help_text=_(
            "Uploaded with a contribution not yet published: only its uploader and the "
            "reviewers may open it."
        ),
    )

    admin_form_fields = (*Document.admin_form_fields, "description")

    class Meta(AbstractDocument.Meta):
        verbose_name = _("document")
        verbose_name_plural = _("documents")

    def clean(self):
        super().clean()
        from community.library.uploads import validate_document_upload

        if self.file and not getattr(self.file, "_committed", True):
            # On the file field, so that Wagtail's uploaders refuse the file itself.
            try:
                validate_document_upload(self.file)
            except ValidationError as error:
                raise ValidationError({"file": error.error_list}) from error


class PrivateCollection(models.Model):
    """A Wagtail collection whose documents only a space's members may open.

    It covers the collection and every collection below it.
    """

    collection = models.OneToOneField(
        "wagtailcore.Collection",
        on_delete=models.CASCADE,
        related_name="private_to",
        verbose_name=_("collection"),
    )
    space = models.ForeignKey(
        "community.Space",
        on_delete=models.CASCADE,
        related_name="private_collections",
        verbose_name=_("space"),
    )

    class Meta:
        verbose_name = _("collection private to a space")
        verbose_name_plural = _("collections private to a space")

    def __str__(self) -> str:
        return f"{self.collection} → {self.space}"
