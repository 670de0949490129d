"""A library item's page, its PDF, and "we adopt this practice".

Each item is a Wagtail page whose `serve()` (and `serve_preview()`) hands over to
`library_item`. A live item is public; a draft, or the preview of unpublished changes, is shown
only to those `permissions.can_view_draft` lets in (its author, its reviewers), and is a 404 for
anyone else, as if it did not exist. The contribution's review pages call
`library_item(..., preview=True)` with the submitted revision.

A page costs a fixed number of queries whatever its content: each list (steps, contacts,
documents...) is one query, the people and documents shown are checked in bulk
(`profiles_visible_to`, `documents.visible_documents`), and related items and citations are
one query per source (pinned in tests/library/test_items.py).
"""

from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.cache import patch_vary_headers
from django.utils.formats import date_format
from django.utils.translation import get_language_info, gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from community.library import citations, permissions, selectors
from community.library.documents import visible_documents
from community.library.embeds import parse_video_url
from community.library.forms_adoption import AdoptionForm
from community.library.models import Adoption, LibraryItem, PracticeSheetPage
from community.library.pdf import figure, item_pdf
from community.library.services.adoptions import (
    adoption_declare,
    adoption_withdraw,
    original_sheet,
)
from community.library.services.translations import other_locale
from community.models import Profile
from community.permissions import is_platform_staff
from community.selectors import profiles_visible_to, shares_a_space, visible_q
from community.views._helpers import run_service

RELATED_COUNT = 4
# A link to another language's version is written in that language, so that its readers
# recognise it whatever the interface's language (like the language menu's own names).
READ_IN = {"fr": "Lire en français", "en": "Read in English"}
# The same for the button that starts a translation: it speaks to whoever will write it.
TRANSLATE_INTO = {"fr": "Traduire en français", "en": "Translate into English"}
ADOPTERS_SHOWN = 30  # organisations named on the sheet; the counts cover them all

# --- The item page -----------------------------------------------------------------------------


def library_item(request, *, page, preview=False):
    """Render `page` with its kind's template (a 404 for a draft the user may not see)."""
    return _render_item(request, page, preview=preview)


def _render_item(request, page, *, preview=False, adoption_form=None, status=200):
    page = page.specific
    page.kind = page.KIND  # stored at the first save: the preview of a new item has none yet
    draft = preview or not page.live
    if draft and not permissions.can_view_draft(request.user, page):
        raise Http404
    context = item_context(request, page, preview=draft, adoption_form=adoption_form)
    response = TemplateResponse(request, page.get_template(request), context, status=status)
    if draft:
        response["X-Robots-Tag"] = "noindex"
        response["Cache-Control"] = "private, no-store"
    return response


def item_context(request, page, *, preview=False, adoption_form=None) -> dict:
    """Everything an item's template shows, for this reader."""
    user = request.user
    saved = page.pk is not None
    themes = list(page.themes.all())
    sectors = list(page.sectors.all())
    versions = _versions(page) if saved else []
    context = {
        "page": page,
        "self": page,
        "preview": preview,
        "index_url": _index_url(page),
        "content_language": page.locale.language_code,
        "themes": themes,
        "sectors": sectors,
        "citation_groups": citations.grouped(citations.citations_for(user=user, page=page)),
        "related": _related(page, themes=themes, sectors=sectors) if saved else [],
        **_translations(page, versions),
        "translate_into": _translate_into(user, page, preview=preview, versions=versions),
    }
    context.update(_KIND_CONTEXT[page.kind](request, page))
    if page.kind == LibraryItem.Kind.SHEET and saved and page.live and not preview:
        context.update(adoption_context(request, page, form=adoption_form))
    return context


def _index_url(page) -> str:
    # Items are always children of the index (`parent_page_types`): its address is theirs
    # without the last segment, which spares a query for the breadcrumb.
    url = page.url if page.pk else None
    if not url:
        return "/library/"
    return url[: url.rstrip("/").rfind("/") + 1]


def _related(page, *, themes, sectors) -> list:
    """Four published items sharing the most themes, then a sector (one query, plus the cards').

    Another version of the same item never counts; the reader gets each item in their
    language when it exists (`selectors.published_items`).
    """
    theme_ids = [theme.pk for theme in themes]
    sector_ids = [sector.pk for sector in sectors]
    if not theme_ids and not sector_ids:
        return []
    items = (
        selectors.published_items()
        .exclude(translation_key=page.translation_key)
        .filter(Q(themes__in=theme_ids) | Q(sectors__in=sector_ids))
        .annotate(
            shared_themes=Count("themes", filter=Q(themes__in=theme_ids), distinct=True),
            shared_sectors=Count("sectors", filter=Q(sectors__in=sector_ids), distinct=True),
        )
        .order_by("-shared_themes", "-shared_sectors", "-first_published_at", "-pk")
    )
    return selectors.decorate_cards(selectors.with_card_fields(items)[:RELATED_COUNT])


def _versions(page) -> list:
    """The item's other versions, published or not (they share its `translation_key`)."""
    return list(
        LibraryItem.objects.filter(translation_key=page.translation_key)
        .exclude(pk=page.pk)
        .select_related("locale")
        .order_by("locale__language_code")
    )


def _translations(page, versions) -> dict:
    """Links to the item's live versions in other languages, and what it translates.

    Both come from `versions`; the original found there fills `page.original`, so
    `original_changed_since_translation()` costs nothing more.
    """
    if page.pk is None:
        return {
            "translations": [],
            "original": None,
            "original_language": "",
            "original_changed": False,
        }
    links = []
    for version in versions:
        if not version.live:
            continue
        code = version.locale.language_code
        label = READ_IN.get(code) or get_language_info(code)["name_local"]
        links.append({"url": version.url, "language": code, "label": label})
    original = None
    if page.translation_source_published_at is not None:
        original = next((v for v in versions if v.translation_source_published_at is None), None)
        page.__dict__["original"] = original  # the cached property's value
    return {
        "translations": links,
        "original": original,
        "original_language": get_language_info(original.locale.language_code)["name_translated"]
        if original
        else "",
        "original_changed": page.original_changed_since_translation() if original else False,
    }


def _translate_into(user, page, *, preview, versions) -> dict | None:
    """The "Translate" button: the language to translate into and the button's label, or None.

    Offered on a published original (a translation is not translated again) with no version
    yet in the other language, published or not, to whom `permissions.can_translate` lets in
    (`services.translations.translation_create` checks all of it again). All but the permission
    is read from `versions`, so visitors cost no query.
    """
    if preview or page.pk is None or not page.live:
        return None
    if page.translation_source_published_at is not None:
        return None
    target = other_locale(page)
    if any(version.locale.language_code == target for version in versions):
        return None
    if not (user.is_authenticated and user.is_active):
        return None
    # `can_translate` reads the item's spaces and the reader's role in each. Only the author,
    # staff and animators can pass it (whoever reviews a sheet is an animator), so the other
    # members stop at `is_library_animator`: two queries, cached for the request.
    if not (
        page.owner_id == user.pk or is_platform_staff(user) or permissions.is_library_animator(user)
    ):
        return None
    if not permissions.can_translate(user, page):
        return None
    return {"language": target, "label": TRANSLATE_INTO[target]}


# --- Each kind's own parts ----------------------------------------------------------------------


def _documents(user, documents, notes=None) -> list[dict]:
    """The documents shown on an item: each with whether the reader may open it, and the
    space it is reserved to when the reader may know that space."""
    notes = notes or {}
    return [
        {
            "document": document,
            "may_open": may_open,
            "space": space,
            "restricted": not may_open or space is not None,
            "note": notes.get(document.pk, ""),
            "extension": (document.file_extension or "").upper(),
        }
        for document, may_open, space in visible_documents(user, documents)
    ]


def _people(viewer, users) -> dict[int, dict]:
    """How each of these members appears to the viewer, by user id.

    A profile the viewer may find shows its name, linked. A hidden one shows as "a member of
    <organisation>" when the viewer may see that member's organisation, and not at all
    otherwise; a visitor sees no one. Never an e-mail address. Two queries, none for visitors.
    """
    ids = {user.pk for user in users if user is not None}
    if not ids or not (viewer and viewer.is_authenticated and viewer.is_active):
        return {}
    findable = set(
        profiles_visible_to(viewer).filter(user_id__in=ids).values_list("user_id", flat=True)
    )
    organisations = Profile.objects.filter(user_id__in=ids, user__is_active=True).annotate(
        shares_space=shares_a_space(viewer)
    )
    if not is_platform_staff(viewer):
        organisations = organisations.filter(visible_q(viewer, "organisation_visibility"))
    organisation_of = {
        profile.user_id: profile.organisation
        for profile in organisations.filter(organisation__isnull=False).select_related(
            "organisation"
        )
    }
    shown = {}
    for user in users:
        if user is None or user.pk not in ids:
            continue
        profile = user.profile
        if user.pk in findable:
            shown[user.pk] = {
                "name": profile.display_name,
                "profile_id": profile.pk,
                "organisation": organisation_of.get(user.pk),
            }
        elif user.pk in organisation_of:
            shown[user.pk] = {
                "name": "",
                "profile_id": None,
                "organisation": organisation_of[user.pk],
            }
    return shown


def _sheet(request, page) -> dict:
    contacts = list(page.contacts.select_related("user__profile"))
    people = _people(request.user, [contact.user for contact in contacts])
    videos = [
        {"title": video.title, "url": video.url, "embed": parse_video_url(video.url)}
        for video in page.videos.all()
    ]
    return {
        "extra_facts": [(_("Period"), page.period_label)],
        "steps": list(page.steps.all()),
        "obstacles": list(page.obstacles.all()),
        "stakeholders": list(page.stakeholders.select_related("organisation")),
        "indicators": [
            {"label": indicator.label, "figure": figure(indicator.value), "unit": indicator.unit}
            for indicator in page.indicators.all()
        ],
        "contacts": [
            {"person": people[contact.user_id], "role": contact.role}
            for contact in contacts
            if contact.user_id in people
        ],
        "contacts_hidden": len(contacts) - sum(1 for c in contacts if c.user_id in people),
        "documents": _documents(
            request.user, [link.document for link in page.documents.select_related("document")]
        ),
        "videos": videos,
    }


def _interview(request, page) -> dict:
    people = _people(request.user, [page.person]) if page.person_id else {}
    files = _documents(request.user, [page.media_document] if page.media_document_id else [])
    return {
        "extra_facts": [
            (_("Date"), date_format(page.interview_date) if page.interview_date else "")
        ],
        "person": people.get(page.person_id),
        "embed": parse_video_url(page.media_url) if page.media_url else None,
        "recording": files[0] if files else None,
        "recording_files": files,
        "questions": [block.value for block in page.questions if block.block_type == "qa"],
    }


def _video(request, page) -> dict:
    # A foreign key left empty reads as None without a query.
    files = [document for document in (page.video_document, page.captions) if document]
    documents = {entry["document"].pk: entry for entry in _documents(request.user, files)}
    video_file = documents.get(page.video_document_id)
    return {
        "extra_facts": [(_("Duration"), page.duration_label)],
        "embed": parse_video_url(page.video_url) if page.video_url else None,
        "video_file": video_file,
        "video_files": [video_file] if video_file else [],
        "captions": documents.get(page.captions_id),
    }


def _toolbox(request, page) -> dict:
    links = list(page.tool_documents.select_related("document"))
    return {
        "extra_facts": [
            (_("Kind of tool"), page.get_tool_kind_display()),
            (_("For whom"), page.audience),
        ],
        "documents": _documents(
            request.user,
            [link.document for link in links],
            notes={link.document_id: link.note for link in links},
        ),
    }


_KIND_CONTEXT = {
    LibraryItem.Kind.SHEET: _sheet,
    LibraryItem.Kind.INTERVIEW: _interview,
    LibraryItem.Kind.VIDEO: _video,
    LibraryItem.Kind.TOOLBOX: _toolbox,
}


# --- Adoptions ---------------------------------------------------------------------------------


def adoption_context(request, page, *, form=None) -> dict:
    """The "adopted by" figures of the original sheet, and the reader's own declaration."""
    user = request.user
    sheet = original_sheet(page)
    adoptions = Adoption.objects.filter(practice=sheet)
    counts = adoptions.aggregate(
        adopting=Count("pk", filter=Q(status=Adoption.Status.ADOPTING)),
        adopted=Count("pk", filter=Q(status=Adoption.Status.ADOPTED)),
    )
    named = list(
        adoptions.filter(show_publicly=True)
        .select_related("organisation")
        .order_by("organisation__name")[:ADOPTERS_SHOWN]
    )
    signed_in = user.is_authenticated and user.is_active
    organisation = permissions.organisation_of(user) if signed_in else None
    mine = adoptions.filter(organisation=organisation).first() if organisation is not None else None
    if form is None and organisation is not None:
        form = AdoptionForm.for_adoption(mine)
    return {
        "adoption_page": page,
        "adoption_counts": counts,
        "adoption_total": counts["adopting"] + counts["adopted"],
        "adopters": named,
        "adoption_organisation": organisation,
        "my_adoption": mine,
        "adoption_form": form,
        "signed_in": signed_in,
    }


def _live_sheet(page_id: int) -> PracticeSheetPage:
    if not 0 < page_id < 2**63:
        raise Http404
    page = PracticeSheetPage.objects.live().filter(pk=page_id).select_related("owner").first()
    if page is None:
        raise Http404
    return page


def _adoption_response(request, page, *, form=None, ok: bool):
    """htmx gets the refreshed block; a plain form post goes back to the sheet (or shows it
    again with the form's errors).

    htmx swaps only successful answers, so the block answers 200 even when it carries a
    refusal: the message or the form's errors are in it.
    """
    if request.htmx:
        context = adoption_context(request, page, form=form)
        response = TemplateResponse(request, "library/partials/item_adoption.html", context)
        patch_vary_headers(response, ("HX-Request",))
        return response
    if ok or form is None or not form.errors:
        return redirect(page.url + "#adoption")
    return _render_item(request, page, adoption_form=form, status=400)


@require_POST
@login_required
def adopt(request, page_id):
    page = _live_sheet(page_id)
    form = AdoptionForm(request.POST, prefix="adoption")
    ok = False
    if form.is_valid():
        ok = run_service(
            request,
            lambda: adoption_declare(by=request.user, practice=page, **form.cleaned_data),
            success=gettext("Your organisation's declaration is saved."),
            form=form,
        )
    return _adoption_response(request, page, form=None if ok else form, ok=ok)


@require_POST
@login_required
def adopt_withdraw(request, page_id):
    page = _live_sheet(page_id)
    ok = run_service(
        request,
        lambda: adoption_withdraw(by=request.user, practice=page),
        success=gettext("Your organisation's declaration is withdrawn."),
    )
    return _adoption_response(request, page, ok=ok)


# --- PDF ---------------------------------------------------------------------------------------


def item_pdf_download(request, slug):
    """The item as a PDF to download: live items only, the same for every reader."""
    page = LibraryItem.objects.live().filter(slug=slug).first()
    if page is None:
        raise Http404
    page = page.specific
    content = item_pdf(page, url=request.build_absolute_uri(page.url))
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{page.slug}.pdf"'
    return response


urlpatterns = [
    path("adopt/<int:page_id>/", adopt, name="adopt"),
    path("adopt/<int:page_id>/withdraw/", adopt_withdraw, name="adopt_withdraw"),
    path("<slug:slug>/pdf/", item_pdf_download, name="pdf"),
]
