"""Contributed practice sheets: drafts, submission to the review workflow, reviewers' decisions.

- A member's sheet is a Wagtail page owned by them, under the library index, never live until a
  reviewer approves it. Every save is a new revision: for a sheet already published, the live
  version stays as it is until the changes are approved.
- A draft may be incomplete (only its title is needed); submitting needs what a sheet needs to
  be read: a summary, the observation, at least one step and one theme.
- Submission starts the library index's workflow (`models/workflows.py`), or resumes it after
  the reviewers asked for changes. Reviewers decide through the task's own `on_action`, the same
  call the Wagtail admin makes, so `signals.py` notifies whichever way the decision came.
- Members write plain text: rich text fields are built here from paragraphs and "- " bullet
  lines, every character escaped, so no markup a member types ever reaches a page.
"""

import re
from html import unescape
from html.parser import HTMLParser

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import MaxLengthValidator
from django.db import transaction
from django.db.models import TextField
from django.utils.html import escape
from django.utils.text import slugify
from django.utils.translation import gettext as _
from wagtail.models import Collection, Locale, Page, TaskState

from community.library import permissions
from community.library.models import (
    LibraryDocument,
    LibraryIndexPage,
    LibraryItem,
    PracticeContact,
    PracticeDocument,
    PracticeIndicator,
    PracticeObstacle,
    PracticeSheetPage,
    PracticeStakeholder,
    PracticeStep,
    PracticeVideo,
)
from community.library.models.pages import RESERVED_SLUGS
from community.library.models.workflows import AnimatorReviewTask
from community.validators import validate_image_upload

# Fields a member fills as plain text and the page stores as rich text.
RICH_TEXT_FIELDS = ("observation", "objectives", "results", "lessons", "did_not_work")
PLAIN_FIELDS = ("title", "summary", "country", "region", "actor_type", "start_year", "end_year")
MANY_FIELDS = ("themes", "sectors", "spaces")
SHEET_FIELDS = (*PLAIN_FIELDS, *RICH_TEXT_FIELDS, *MANY_FIELDS, "cover_image")
# Fields a draft may leave empty although a published sheet needs them.
REQUIRED_LATER = ("summary", "observation")
# Set by the page tree when the sheet is added under the index, not by the author.
TREE_FIELDS = ("path", "depth", "numchild", "url_path", "slug")
MAX_TEXT = 10000
MAX_ROWS = 40

# Each list of rows: its model, and the fields a row is given.
ROWS = {
    "steps": (PracticeStep, ("title", "description")),
    "obstacles": (PracticeObstacle, ("obstacle", "response")),
    "stakeholders": (PracticeStakeholder, ("organisation", "name", "role")),
    "indicators": (PracticeIndicator, ("code", "label", "value", "unit")),
    "contacts": (PracticeContact, ("user", "role")),
    "videos": (PracticeVideo, ("title", "url")),
}


# --- Plain text in, safe rich text out ------------------------------------------------------


def text_to_html(text: str) -> str:
    """Paragraphs (separated by a blank line) as <p>, lines starting with "- " as a <ul>.

    Everything the member typed is escaped: this is the only way text enters a sheet's rich text
    fields from the site.
    """
    text = (text or "").replace("\r\n", "\n").replace("\r", "\n").strip()
    parts = []
    for block in re.split(r"\n\s*\n", text):
        lines = [line.strip() for line in block.split("\n") if line.strip()]
        paragraph: list[str] = []
        items: list[str] = []
        for line in lines:
            if line.startswith("- "):
                if paragraph:
                    parts.append("<p>" + "<br/>".join(paragraph) + "</p>")
                    paragraph = []
                items.append("<li>" + escape(line[2:].strip()) + "</li>")
            else:
                if items:
                    parts.append("<ul>" + "".join(items) + "</ul>")
                    items = []
                paragraph.append(escape(line))
        if paragraph:
            parts.append("<p>" + "<br/>".join(paragraph) + "</p>")
        if items:
            parts.append("<ul>" + "".join(items) + "</ul>")
    return "".join(parts)


class _TextExtractor(HTMLParser):
    """Rich text back to the plain text a member edits: paragraphs, line breaks, bullets."""

    BLOCKS = {"p", "h2", "h3", "h4", "ul", "ol", "blockquote"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.blocks: list[str] = []
        self.current: list[str] = []

    def _close(self):
        text = "".join(self.current).strip()
        if text:
            self.blocks.append(text)
        self.current = []

    def handle_starttag(self, tag, attrs):
        if tag in self.BLOCKS:
            self._close()
        elif tag == "br":
            self.current.append("\n")
        elif tag == "li":
            if self.current and "".join(self.current).strip():
                self.current.append("\n")
            self.current.append("- ")

    def handle_endtag(self, tag):
        if tag in self.BLOCKS:
            self._close()

    def handle_data(self, data):
        self.current.append(re.sub(r"\s*\n\s*", " ", data))

    def text(self) -> str:
        self._close()
        return "\n\n".join(self.blocks)


def html_to_text(html: str) -> str:
    """The plain text of a rich text field, as the contribution form shows it."""
    parser = _TextExtractor()
    parser.feed(html or "")
    parser.close()
    return unescape(parser.text())


# --- Reading a draft ------------------------------------------------------------------------


def sheet_draft(page: PracticeSheetPage) -> PracticeSheetPage:
    """The sheet as its author last saved it (the latest revision), not the live version.

    Read afresh: the object passed may predate the latest save.
    """
    return type(page.specific).objects.get(pk=page.pk).get_latest_revision_as_object()


def sheet_rows(draft: PracticeSheetPage) -> dict[str, list]:
    """The draft's lists, in the shape `sheet_save` takes them."""
    rows = {
        name: [
            {field: getattr(row, field) for field in fields} for row in getattr(draft, name).all()
        ]
        for name, (_model, fields) in ROWS.items()
    }
    rows["documents"] = [row.document for row in draft.documents.all()]
    return rows


def missing_for_submission(draft: PracticeSheetPage) -> ValidationError | None:
    """What a sheet still lacks before reviewers can read it, one error per missing part."""
    errors = {}
    if not (draft.summary or "").strip():
        errors["summary"] = ValidationError(_("Write a short summary."), code="summary_missing")
    if not html_to_text(draft.observation).strip():
        errors["observation"] = ValidationError(
            _("Describe the observation: the problem you saw."), code="observation_missing"
        )
    if not draft.steps.all():
        errors["steps"] = ValidationError(
            _("Describe at least one step of what was done."), code="steps_missing"
        )
    if not draft.themes.all():
        errors["themes"] = ValidationError(_("Choose at least one theme."), code="themes_missing")
    return ValidationError(errors) if errors else None


# --- Saving a draft -------------------------------------------------------------------------


def _lock(page) -> None:
    """The page's row, locked until the end of the transaction: saves, submissions and
    decisions on one sheet follow one another."""
    Page.objects.select_for_update().get(pk=page.pk)


def _unique_slug(index: Page, title: str, page=None) -> str:
    base = slugify(title)[:70].strip("-") or "fiche"
    if base in RESERVED_SLUGS:
        base = f"{base}-fiche"
    siblings = index.get_children()
    if page is not None and page.pk:
        siblings = siblings.exclude(pk=page.pk)
    taken = set(siblings.filter(slug__startswith=base).values_list("slug", flat=True))
    slug, n = base, 1
    while slug in taken:
        n += 1
        slug = f"{base}-{n}"
    return slug


def _check_text_lengths(instance, errors: dict, prefix: str = "") -> None:
    """A TextField's max_length is not checked by full_clean: check it for every caller."""
    for field in instance._meta.concrete_fields:
        if isinstance(field, TextField) and field.max_length:
            try:
                MaxLengthValidator(field.max_length)(getattr(instance, field.attname) or "")
            except ValidationError as error:
                errors.setdefault(prefix or field.name, []).extend(error.error_list)


def _build_rows(name: str, rows: list[dict], errors: dict) -> list:
    model, fields = ROWS[name]
    if len(rows) > MAX_ROWS:
        errors.setdefault(name, []).append(
            ValidationError(
                _("At most %(max)s rows."), code="too_many_rows", params={"max": MAX_ROWS}
            )
        )
        return []
    built = []
    for position, values in enumerate(rows):
        unknown = set(values) - set(fields)
        if unknown:
            raise ValueError(f"Unexpected fields in {name}: {sorted(unknown)}")
        row = model(sort_order=position, **values)
        try:
            row.full_clean(exclude=["page", "sort_order"])
        except ValidationError as error:
            for message in error.messages:
                errors.setdefault(name, []).append(
                    ValidationError(
                        _("Row %(n)s: %(message)s"),
                        code="invalid_row",
                        params={"n": position + 1, "message": message},
                    )
                )
        _check_text_lengths(row, errors, prefix=name)
        built.append(row)
    return built


def _documents(*, by, page, documents: list, errors: dict) -> list:
    """Documents kept (already on the sheet, or the author's own) and new uploads.

    New uploads wait for review (`pending_review`): only their uploader and the reviewers may
    open them until the sheet is published (`signals.py` then releases them).
    """
    current = set()
    if page is not None and page.pk:
        current = {row.document_id for row in sheet_draft(page).documents.all()} | set(
            PracticeDocument.objects.filter(page=page).values_list("document_id", flat=True)
        )
    kept, uploads = [], []
    for item in documents:
        if isinstance(item, LibraryDocument):
            if item.pk not in current and item.uploaded_by_user_id != by.pk:
                raise PermissionDenied(_("You cannot attach this document."))
            kept.append(item)
        else:
            uploads.append(item)
    if not uploads or errors:
        # Nothing is stored while the rest of the sheet is refused.
        return kept
    from community.library.services.documents import document_upload

    for upload in uploads:
        title = (upload.get("title") or "").strip() or upload["file"].name
        try:
            kept.append(
                document_upload(
                    by=by,
                    file=upload["file"],
                    title=title[:255],
                    pending_review=True,
                )
            )
        except ValidationError as error:
            errors.setdefault("documents", []).extend(error.error_list)
    return kept


def _cover_image(*, by, upload):
    from wagtail.images import get_image_model

    image = get_image_model()(
        title=(upload.name or "cover")[:255],
        file=upload,
        uploaded_by_user=by,
        collection=Collection.get_first_root_node(),
    )
    image._set_image_file_metadata()
    image.save()
    return image


def _apply_fields(draft: PracticeSheetPage, fields: dict, *, by, errors: dict) -> None:
    unknown = set(fields) - set(SHEET_FIELDS)
    if unknown:
        raise ValueError(f"Unexpected fields: {sorted(unknown)}")
    for name in PLAIN_FIELDS:
        if name in fields:
            value = fields[name]
            setattr(draft, name, value.strip() if isinstance(value, str) else value)
    for name in RICH_TEXT_FIELDS:
        if name in fields:
            text = fields[name] or ""
            if len(text) > MAX_TEXT:
                errors.setdefault(name, []).append(
                    ValidationError(
                        _("At most %(max)s characters."), code="too_long", params={"max": MAX_TEXT}
                    )
                )
            setattr(draft, name, text_to_html(text))
    if "cover_image" in fields and fields["cover_image"]:
        try:
            validate_image_upload(fields["cover_image"])
        except ValidationError as error:
            errors.setdefault("cover_image", []).extend(error.error_list)
    if "spaces" in fields:
        from community.library.reviewing import contribution_spaces

        current = draft if draft.pk else None
        allowed = set(contribution_spaces(by, page=current).values_list("pk", flat=True))
        if any(space.pk not in allowed for space in fields["spaces"]):
            errors.setdefault("spaces", []).append(
                ValidationError(
                    _("Place the sheet only in spaces you are an active member of."),
                    code="not_a_member",
                )
            )
    for name in ("themes", "sectors", "spaces"):
        if name in fields:
            getattr(draft, name).set(list(fields[name]))


def _check_contacts(by, draft, contacts: list[dict], errors: dict) -> None:
    from community.library.reviewing import contact_candidates

    current = {row.user_id for row in draft.contacts.all()} if draft.pk else set()
    wanted = {row["user"].pk for row in contacts if row.get("user") is not None} - current
    if wanted:
        allowed = set(contact_candidates(by).filter(pk__in=wanted).values_list("pk", flat=True))
        if wanted - allowed:
            errors.setdefault("contacts", []).append(
                ValidationError(
                    _("Choose contacts among the members you can see."), code="contact_hidden"
                )
            )


def sheet_save(
    *,
    by,
    page: PracticeSheetPage | None = None,
    fields: dict,
    steps: list[dict] | None = None,
    obstacles: list[dict] | None = None,
    stakeholders: list[dict] | None = None,
    indicators: list[dict] | None = None,
    contacts: list[dict] | None = None,
    documents: list | None = None,
    videos: list[dict] | None = None,
    locale: str = "fr",
) -> PracticeSheetPage:
    """Create the author's draft sheet, or save their changes to it as a new revision.

    `fields` holds the page's own fields (rich text ones as plain text; a cover image as an
    uploaded file, or None to remove it); those left out keep their value. Each list replaces
    the sheet's rows of that kind; None keeps them. `documents` lists the documents to keep
    (`LibraryDocument`s) and new uploads (`{"file": ..., "title": ...}`). Never publishes: a
    sheet already live keeps its live version until reviewers approve the changes.
    """
    if page is None:
        permissions.check_contribute(by)
    else:
        page = PracticeSheetPage.objects.get(pk=page.pk)
        permissions.check_edit_contribution(by, page)
    title = fields.get("title", None if page is not None else "")
    if title is not None and not title.strip():
        raise ValidationError(
            {"title": ValidationError(_("Give the sheet a title."), code="title_missing")}
        )

    with transaction.atomic():
        if page is None:
            index = LibraryIndexPage.objects.get()
            target_locale = Locale.objects.filter(language_code=locale).first()
            if target_locale is None:
                raise ValidationError(_("Unknown language."), code="locale")
            draft = PracticeSheetPage(owner=by, live=False, locale=target_locale)
        else:
            _lock(page)
            page.refresh_from_db()
            permissions.check_edit_contribution(by, page)
            index = page.get_parent()
            draft = sheet_draft(page)

        errors: dict = {}
        _apply_fields(draft, fields, by=by, errors=errors)
        lists = {
            "steps": steps,
            "obstacles": obstacles,
            "stakeholders": stakeholders,
            "indicators": indicators,
            "contacts": contacts,
            "videos": videos,
        }
        if contacts is not None:
            _check_contacts(by, draft, contacts, errors)
        built = {
            name: _build_rows(name, rows, errors)
            for name, rows in lists.items()
            if rows is not None
        }
        empty_required = [name for name in REQUIRED_LATER if not getattr(draft, name)]
        try:
            draft.full_clean(exclude=[*empty_required, *TREE_FIELDS, "cover_image"])
        except ValidationError as error:
            error.update_error_dict(errors)
        _check_text_lengths(draft, errors)
        if documents is not None:
            kept_documents = _documents(by=by, page=page, documents=documents, errors=errors)
        if errors:
            raise ValidationError(errors)

        if "cover_image" in fields:
            upload = fields["cover_image"]
            draft.cover_image = _cover_image(by=by, upload=upload) if upload else None
        for name, rows in built.items():
            setattr(draft, name, rows)
        if documents is not None:
            draft.documents = [
                PracticeDocument(document=document, sort_order=position)
                for position, document in enumerate(kept_documents)
            ]

        if page is None:
            draft.slug = _unique_slug(index, draft.title)
            index.add_child(instance=draft)
        elif not draft.live:
            # Never published: the row is the draft, and a new title gives a new address.
            if not draft.first_published_at and "title" in fields:
                draft.slug = _unique_slug(index, draft.title, page=draft)
            draft.save()
        draft.save_revision(user=by, clean=False)
    return PracticeSheetPage.objects.get(pk=draft.pk)


# --- Submitting -----------------------------------------------------------------------------


def sheet_submit(*, by, page: PracticeSheetPage):
    """Send the author's sheet to review: start the workflow, or resume it after changes."""
    page = PracticeSheetPage.objects.get(pk=page.pk)
    permissions.check_edit_contribution(by, page)
    with transaction.atomic():
        _lock(page)
        page.refresh_from_db()
        permissions.check_edit_contribution(by, page)
        missing = missing_for_submission(sheet_draft(page))
        if missing is not None:
            raise missing
        state = page.current_workflow_state
        if state is not None and state.status == state.STATUS_NEEDS_CHANGES:
            state.resume(by)
            return state
        workflow = page.get_workflow()
        if workflow is None:
            raise ValidationError(
                _("The library has no review workflow: ask the platform's staff."),
                code="no_workflow",
            )
        return workflow.start(page, by)


# --- Reviewing ------------------------------------------------------------------------------


def review_decide(
    *, by, page, action: str, comment: str = "", revision_id: int | None = None
) -> TaskState:
    """A reviewer's decision on a submitted sheet, through the current task's own action.

    Animators approve (and publish), ask an expert, or request changes; once asked, the expert
    group's members approve or request changes. Asking an expert or requesting changes needs a
    comment: it is what the expert or the author reads. `revision_id` is the revision the
    reviewer read (the site's review page sends it): a decision on a version that is no longer
    the one under review is refused, as approving would publish what the reviewer did not read.
    """
    from community.library.reviewing import review_actions

    comment = (comment or "").strip()
    with transaction.atomic():
        _lock(page)
        page = LibraryItem.objects.get(pk=page.pk).specific
        state = page.current_workflow_state
        task_state = state.current_task_state if state else None
        if (
            state is None
            or state.status != state.STATUS_IN_PROGRESS
            or task_state is None
            or task_state.status != TaskState.STATUS_IN_PROGRESS
        ):
            permissions.check_review(by, page)
            raise ValidationError(_("This sheet is not awaiting review."), code="not_in_review")
        allowed = review_actions(by, page, task_state=task_state)
        if not allowed:
            raise PermissionDenied(_("You cannot review this practice sheet."))
        if action not in allowed:
            raise ValidationError(
                {"action": ValidationError(_("Choose a decision."), code="invalid_action")}
            )
        if action in (AnimatorReviewTask.REJECT, AnimatorReviewTask.EXPERT) and not comment:
            raise ValidationError(
                {
                    "comment": ValidationError(
                        _("Say what should change, or what the expert should look at."),
                        code="comment_required",
                    )
                }
            )
        if len(comment) > 3000:
            raise ValidationError(
                {"comment": ValidationError(_("At most 3000 characters."), code="too_long")}
            )
        if revision_id is not None and task_state.revision_id != revision_id:
            raise ValidationError(
                _("The sheet changed since you opened it: read it again before deciding."),
                code="stale",
            )
        task_state.task.specific.on_action(task_state, by, action, comment=comment)
    return task_state


# --- Publication ----------------------------------------------------------------------------


def sheet_documents_release(*, page) -> int:
    """Once a sheet is published, the documents its author uploaded with it are read like any
    other. Those someone else uploaded stay held back: attaching another person's upload to a
    sheet, in the admin, does not publish it."""
    if page.owner_id is None:
        return 0
    ids = PracticeDocument.objects.filter(page_id=page.pk).values("document_id")
    return LibraryDocument.objects.filter(
        pk__in=ids, pending_review=True, uploaded_by_user_id=page.owner_id
    ).update(pending_review=False)
