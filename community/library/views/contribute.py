"""Proposing a practice sheet on the site: the guided form, the author's contributions, and
translating an item.

The form is cut into the clusters' sections (`STEPS`). Every button saves what the step holds
(`services.contributions.sheet_save`), so nothing typed is lost when moving between steps:
"Save draft", "Save and continue", "Previous step", the steps' names in the stepper, "Add a
row" and each row's "Remove". It works without JavaScript. The last step shows the sheet as
reviewers will read it, and submits it (`sheet_submit`); what is missing is listed at the top
with a link to the step that holds it.
"""

from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import Http404
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from community.library import forms, permissions, reviewing
from community.library.models import LibraryItem, PracticeSheetPage
from community.library.services.contributions import (
    sheet_draft,
    sheet_rows,
    sheet_save,
    sheet_submit,
)
from community.library.services.translations import other_locale, translation_create
from community.models import Organisation
from community.selectors import profiles_visible_to


@dataclass(frozen=True)
class Step:
    number: int
    key: str
    title: str
    template: str


STEPS = [
    Step(1, "essentials", gettext_lazy("The essentials"), "library/contribute/_essentials.html"),
    Step(
        2,
        "observation",
        gettext_lazy("Observation and objectives"),
        "library/contribute/_observation.html",
    ),
    Step(3, "steps", gettext_lazy("What was done"), "library/contribute/_steps.html"),
    Step(4, "obstacles", gettext_lazy("Obstacles"), "library/contribute/_obstacles.html"),
    Step(
        5,
        "people",
        gettext_lazy("Stakeholders and indicators"),
        "library/contribute/_people.html",
    ),
    Step(6, "results", gettext_lazy("Results and lessons"), "library/contribute/_results.html"),
    Step(
        7,
        "contacts",
        gettext_lazy("Contacts, documents and videos"),
        "library/contribute/_contacts.html",
    ),
    Step(8, "review", gettext_lazy("Review and submit"), "library/contribute/_review.html"),
]
LAST = len(STEPS)

# Where each part of a sheet is typed, to link an error to its step.
FIELD_STEPS = {
    "title": 1,
    "summary": 1,
    "themes": 1,
    "sectors": 1,
    "country": 1,
    "region": 1,
    "actor_type": 1,
    "start_year": 1,
    "end_year": 1,
    "spaces": 1,
    "cover_image": 1,
    "observation": 2,
    "objectives": 2,
    "steps": 3,
    "obstacles": 4,
    "stakeholders": 5,
    "indicators": 5,
    "results": 6,
    "lessons": 6,
    "did_not_work": 6,
    "contacts": 7,
    "documents": 7,
    "videos": 7,
}
FIELD_LABELS = {
    "title": gettext_lazy("Title"),
    "summary": gettext_lazy("Summary"),
    "themes": gettext_lazy("Themes"),
    "observation": gettext_lazy("Observation"),
    "steps": gettext_lazy("What was done"),
}
FORMSETS = {
    "steps": forms.StepFormSet,
    "obstacles": forms.ObstacleFormSet,
    "stakeholders": forms.StakeholderFormSet,
    "indicators": forms.IndicatorFormSet,
    "contacts": forms.ContactFormSet,
    "videos": forms.VideoFormSet,
}
STEP_FORMSETS = {
    "steps": ("steps",),
    "obstacles": ("obstacles",),
    "people": ("stakeholders", "indicators"),
    "contacts": ("contacts", "videos"),
}


@dataclass
class ErrorItem:
    label: str
    message: str
    anchor: str


def _step(request) -> Step:
    try:
        number = int(request.GET.get("step", 1))
    except ValueError:
        number = 1
    return STEPS[min(max(number, 1), LAST) - 1]


def _contact_choices(user, draft):
    current = [row.user_id for row in draft.contacts.all()] if draft is not None else []
    return (
        get_user_model()
        .objects.filter(
            Q(pk__in=reviewing.contact_candidates(user).values("pk")) | Q(pk__in=current)
        )
        .select_related("profile")
        .order_by("profile__display_name")
    )


def _initial_rows(name: str, draft) -> list[dict]:
    if draft is None:
        return []
    rows = sheet_rows(draft)[name]
    if name == "contacts":
        return [{"user": row["user"], "role": row["role"]} for row in rows]
    return rows


def _build_forms(step: Step, *, user, draft, data=None, files=None, add: str = "") -> dict:
    """The forms of one step, bound to what was posted or filled from the draft."""
    built: dict = {}
    if step.key == "essentials":
        built["form"] = forms.EssentialsForm(
            data,
            files,
            draft=draft,
            spaces=reviewing.contribution_spaces(user, page=draft),
        )
    elif step.key == "observation":
        built["form"] = forms.ObservationForm(data, draft=draft)
    elif step.key == "results":
        built["form"] = forms.ResultsForm(data, draft=draft)
    for name in STEP_FORMSETS.get(step.key, ()):
        kwargs = {"prefix": name}
        if name == "contacts":
            kwargs["form_kwargs"] = {"candidates": _contact_choices(user, draft)}
        if data is None:
            kwargs["initial"] = _initial_rows(name, draft)
        formset = FORMSETS[name](data, **kwargs)
        if data is None and (add == name or not kwargs["initial"]):
            # One empty row to fill: after "Add a row", and in a list that has none yet.
            formset.extra = 1
            if add == name:
                new_row = formset.forms[-1]
                first_field = next(iter(new_row.fields))
                new_row.fields[first_field].widget.attrs["autofocus"] = True
        built[name] = formset
    if step.key == "contacts":
        built["upload"] = forms.DocumentUploadForm(data, files, prefix="upload")
    return built


def _all_valid(built: dict) -> bool:
    # Every form is validated, so that every error shows at once.
    return all([form.is_valid() for form in built.values()])


def _payload(step: Step, built: dict, *, draft, removed_documents: set) -> dict:
    payload: dict = {"fields": {}}
    if "form" in built:
        payload["fields"] = built["form"].payload()
    for name in STEP_FORMSETS.get(step.key, ()):
        payload[name] = built[name].rows()
    if step.key == "contacts":
        documents = sheet_rows(draft)["documents"] if draft is not None else []
        documents = [doc for doc in documents if doc.pk not in removed_documents]
        upload = built["upload"].upload()
        if upload:
            documents.append(upload)
        payload["documents"] = documents
    return payload


def _errors(built: dict, step: Step, extra: list[ErrorItem]) -> list[ErrorItem]:
    """Every error of the step, for the summary at the top, each linked to its field."""
    items = list(extra)
    for name, form in built.items():
        if name in FORMSETS:
            for message in form.non_form_errors():
                items.append(ErrorItem(str(step.title), message, f"{name}-rows"))
            for position, row in enumerate(form.forms, start=1):
                for field, errors in row.errors.items():
                    anchor = row[field].id_for_label if field in row.fields else f"{name}-rows"
                    for message in errors:
                        label = (
                            f"{_('Row %(n)s') % {'n': position}} · {row.fields[field].label}"
                            if field in row.fields
                            else _("Row %(n)s") % {"n": position}
                        )
                        items.append(ErrorItem(label, message, anchor))
            continue
        for message in form.non_field_errors():
            items.append(ErrorItem(str(step.title), message, "step-fields"))
        for field, errors in form.errors.items():
            if field in form.fields:
                for message in errors:
                    items.append(
                        ErrorItem(str(form.fields[field].label), message, form[field].id_for_label)
                    )
    return items


def _service_errors(error: ValidationError, built: dict, page_id) -> list[ErrorItem]:
    """A service's refusal: on the field of this step when there is one, else in the summary."""
    items = []
    form = built.get("form")
    upload = built.get("upload")
    if not hasattr(error, "error_dict"):
        return [ErrorItem(_("The sheet"), message, "step-fields") for message in error.messages]
    for field, errors in error.error_dict.items():
        if form is not None and field in form.fields:
            form.add_error(field, errors)
            continue
        if field == "documents" and upload is not None:
            upload.add_error("file", errors)
            continue
        step_number = FIELD_STEPS.get(field)
        anchor = (
            f"{_step_url(page_id, step_number)}" if step_number and page_id else f"{field}-rows"
        )
        label = str(FIELD_LABELS.get(field, STEPS[(step_number or 1) - 1].title))
        for item in errors:
            for message in item.messages if hasattr(item, "messages") else [str(item)]:
                items.append(ErrorItem(label, message, anchor))
    return items


def _step_url(page_id, number: int) -> str:
    return f"{reverse('library:contribution_edit', args=[page_id])}?step={number}"


def _apply_remove(request, step: Step) -> tuple[dict, set]:
    """A row's "Remove" button: the row is dropped from what is saved."""
    data = request.POST.copy()
    removed_documents: set = set()
    target = request.POST.get("remove", "")
    name, _sep, position = target.rpartition("-")
    if name == "documents" and position.isdigit():
        removed_documents.add(int(position))
    elif name in STEP_FORMSETS.get(step.key, ()) and position.isdigit():
        data[f"{name}-{position}-DELETE"] = "on"
    return data, removed_documents


def _next_url(request, page_id: int, step: Step) -> str:
    post = request.POST
    if post.get("goto", "").isdigit():
        return _step_url(page_id, min(max(int(post["goto"]), 1), LAST))
    action = post.get("action", "save")
    if action == "next":
        return _step_url(page_id, min(step.number + 1, LAST))
    if action == "previous":
        return _step_url(page_id, max(step.number - 1, 1))
    if post.get("add") in STEP_FORMSETS.get(step.key, ()):
        name = post["add"]
        return f"{_step_url(page_id, step.number)}&add={name}#{name}-rows"
    return _step_url(page_id, step.number)


def _render(request, *, step: Step, built: dict, page=None, draft=None, errors=(), status=200):
    context = {
        "all_steps": STEPS,
        "step": step,
        "is_last": step.number == LAST,
        "page": page,
        "draft": draft,
        "errors": list(errors),
        "status": reviewing.contribution_status(page) if page is not None else None,
        **built,
    }
    if step.key == "contacts":
        context["documents"] = sheet_rows(draft)["documents"] if draft is not None else []
    if step.key == "review" and draft is not None:
        context["missing"] = _missing(draft, page.pk)
        context["preview"] = preview_context(draft, request.user)
    return TemplateResponse(request, "library/contribute/form.html", context, status=status)


def preview_context(sheet, viewer) -> dict:
    """The people of a sheet as `_sheet_preview.html` shows them, in two queries in all.

    A revision's rows carry only the ids of their organisation and member, so reading them one
    by one costs a query per row. A contact shows by name only when the viewer may find their
    profile (`profiles_visible_to`), and as "a member" otherwise, never by e-mail address.
    """
    if not isinstance(sheet, PracticeSheetPage):
        return {"stakeholders": [], "contacts": []}
    stakeholders = list(sheet.stakeholders.all())
    organisation_ids = {row.organisation_id for row in stakeholders if row.organisation_id}
    organisations = Organisation.objects.in_bulk(organisation_ids) if organisation_ids else {}
    for row in stakeholders:
        if row.organisation_id in organisations:
            row.organisation = organisations[row.organisation_id]
    contacts = list(sheet.contacts.all())
    user_ids = {row.user_id for row in contacts}
    names = (
        dict(
            profiles_visible_to(viewer)
            .filter(user_id__in=user_ids)
            .values_list("user_id", "display_name")
        )
        if user_ids
        else {}
    )
    for row in contacts:
        row.shown_name = names.get(row.user_id, "")
    return {"stakeholders": stakeholders, "contacts": contacts}


def _missing(draft, page_id) -> list[ErrorItem]:
    from community.library.services.contributions import missing_for_submission

    missing = missing_for_submission(draft)
    return _service_errors(missing, {}, page_id) if missing else []


# --- The form -----------------------------------------------------------------------------------


@login_required
def contribute(request):
    """A new sheet: its first step; the first save creates the draft."""
    permissions.check_contribute(request.user)
    step = STEPS[0]
    if request.method != "POST":
        built = _build_forms(step, user=request.user, draft=None)
        return _render(request, step=step, built=built)
    built = _build_forms(
        step, user=request.user, draft=None, data=request.POST, files=request.FILES
    )
    if not _all_valid(built):
        return _render(request, step=step, built=built, errors=_errors(built, step, []), status=400)
    form = built["form"]
    try:
        page = sheet_save(
            by=request.user,
            fields=form.payload(),
            locale=form.cleaned_data["language"],
        )
    except ValidationError as error:
        extra = _service_errors(error, built, None)
        return _render(
            request, step=step, built=built, errors=_errors(built, step, extra), status=400
        )
    messages.success(request, _("Your draft is saved. Only you can see it until you submit it."))
    return redirect(_next_url(request, page.pk, step))


@login_required
def contribution_edit(request, page_id: int):
    """One step of the author's sheet; every button saves the step first."""
    page = reviewing.access_contribution(user=request.user, page_id=page_id)
    if not isinstance(page, PracticeSheetPage):
        raise Http404
    if not permissions.can_edit_contribution(request.user, page):
        messages.info(request, _("This sheet is being reviewed: it cannot be changed meanwhile."))
        return redirect("library:contribution_detail", page_id=page.pk)
    step = _step(request)
    draft = sheet_draft(page)

    if request.method != "POST":
        built = _build_forms(step, user=request.user, draft=draft, add=request.GET.get("add", ""))
        return _render(request, step=step, built=built, page=page, draft=draft)

    if step.key == "review" and request.POST.get("action") == "submit":
        return _submit(request, page, step, draft)

    data, removed_documents = _apply_remove(request, step)
    built = _build_forms(step, user=request.user, draft=draft, data=data, files=request.FILES)
    if not _all_valid(built):
        errors = _errors(built, step, [])
        return _render(
            request, step=step, built=built, page=page, draft=draft, errors=errors, status=400
        )
    if built or removed_documents:
        try:
            sheet_save(
                by=request.user,
                page=page,
                **_payload(step, built, draft=draft, removed_documents=removed_documents),
            )
        except ValidationError as error:
            extra = _service_errors(error, built, page.pk)
            errors = _errors(built, step, extra)
            return _render(
                request, step=step, built=built, page=page, draft=draft, errors=errors, status=400
            )
        except PermissionDenied as error:
            messages.error(request, str(error))
            return redirect("library:contribution_detail", page_id=page.pk)
        if request.POST.get("action") == "save":
            messages.success(request, _("Draft saved."))
    return redirect(_next_url(request, page.pk, step))


def _submit(request, page, step, draft):
    try:
        sheet_submit(by=request.user, page=page)
    except ValidationError as error:
        errors = _service_errors(error, {}, page.pk)
        return _render(
            request, step=step, built={}, page=page, draft=draft, errors=errors, status=400
        )
    except PermissionDenied as error:
        messages.error(request, str(error))
        return redirect("library:contribution_detail", page_id=page.pk)
    messages.success(
        request,
        _(
            "Your sheet is submitted. Its reviewers are notified; "
            "you will be told of their decision."
        ),
    )
    return redirect("library:contribution_detail", page_id=page.pk)


# --- The author's contributions ---------------------------------------------------------------


@login_required
def contribution_list(request):
    return TemplateResponse(
        request,
        "library/contribute/list.html",
        {"contributions": reviewing.contributions_of(request.user)},
    )


@login_required
def contribution_detail(request, page_id: int):
    """Where the author's item stands, the reviewers' comments, and the draft as it reads."""
    page = reviewing.access_contribution(user=request.user, page_id=page_id)
    draft = page.get_latest_revision_as_object()
    return TemplateResponse(
        request,
        "library/contribute/detail.html",
        {
            "page": page,
            "draft": draft,
            "status": reviewing.contribution_status(page),
            "history": reviewing.review_history(page),
            "is_sheet": isinstance(page, PracticeSheetPage),
            "can_edit": permissions.can_edit_contribution(request.user, page),
            "preview": preview_context(draft, request.user),
        },
    )


# --- Translating --------------------------------------------------------------------------------


@login_required
@require_POST
def translate(request, page_id: int):
    """Start the other language's version of a published item, and open it for editing."""
    page = LibraryItem.objects.filter(pk=page_id, live=True).select_related("locale").first()
    if page is None:
        raise Http404
    page = page.specific
    locale = request.POST.get("locale") or other_locale(page)
    try:
        copy = translation_create(by=request.user, page=page, locale=locale)
    except (ValidationError, PermissionDenied) as error:
        for message in getattr(error, "messages", [str(error)]):
            messages.error(request, message)
        return redirect(page.url or "library:contributions")
    messages.success(
        request,
        _("A copy to translate is ready. It is published once its reviewers approve it."),
    )
    if isinstance(copy, PracticeSheetPage):
        return redirect("library:contribution_edit", page_id=copy.pk)
    return redirect("wagtailadmin_pages:edit", copy.pk)


urlpatterns = [
    path("contribute/", contribute, name="contribute"),
    path("contributions/", contribution_list, name="contributions"),
    path("contributions/<int:page_id>/", contribution_detail, name="contribution_detail"),
    path("contributions/<int:page_id>/edit/", contribution_edit, name="contribution_edit"),
    path("contributions/<int:page_id>/translate/", translate, name="translate"),
]
