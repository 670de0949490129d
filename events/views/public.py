"""The participants' pages: the agenda, an event, registering, the ticket and "my events".

The agenda and each event are Wagtail pages whose `serve()` hands over to `event_index` and
`event_detail`; the other views are plain Django views under /events/ (see `events/urls.py`).
Every write goes through `events.services`; a refusal is shown on the form it came from.
"""

import io
from collections.abc import Callable

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.forms import Form
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from community.models import Cluster, Theme
from community.selectors import profiles_visible_to
from community.views._helpers import paginate, partial_or_full, run_service
from events import permissions, selectors, services
from events.forms import FeedbackForm, RegistrationForm
from events.models import ClosingReport, EventPage, EventQuestion, Registration

Status = Registration.Status
EVENTS_PER_PAGE = 12


# --- Helpers ----------------------------------------------------------------------------------


def registration_window(event: EventPage, now) -> str:
    """past | not_open | closed | open, in the order `services._check_window` refuses."""
    if event.end <= now:
        return "past"
    if event.registration_opens and now < event.registration_opens:
        return "not_open"
    if now >= event.closes_at:
        return "closed"
    return "open"


def _run_on_form(call: Callable[[], object], form: Form) -> bool:
    """Call `call()`; put a service's refusal on the form (on its field when it names one)."""
    try:
        call()
    except ValidationError as error:
        if hasattr(error, "error_dict"):
            for field, errors in error.error_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            form.add_error(None, error)
        return False
    except PermissionDenied as error:
        form.add_error(None, str(error) or _("You are not allowed to do this."))
        return False
    return True


def _programme_days(event: EventPage) -> list[dict]:
    """The programme by day, then by start time; slots starting together run in parallel."""
    first_day = event.local_start.date()
    days: dict = {}
    for slot in event.programme:
        days.setdefault(slot.day or first_day, {}).setdefault(slot.starts_at, []).append(slot)
    return [
        {
            "day": day,
            "rows": [
                {
                    "starts_at": starts_at,
                    "ends_at": max(slot.ends_at for slot in slots),
                    "slots": sorted(slots, key=lambda slot: (slot.track, slot.sort_order or 0)),
                    "parallel": len(slots) > 1,
                }
                for starts_at, slots in sorted(rows.items())
            ],
        }
        for day, rows in sorted(days.items())
    ]


def _visible_profile_ids(user, profile_ids: set[int]) -> set[int]:
    """The profiles among these that the viewer may open (one query, none for visitors)."""
    if not profile_ids or not user.is_authenticated:
        return set()
    visible = profiles_visible_to(user).filter(pk__in=profile_ids)
    return set(visible.values_list("pk", flat=True))


def _closing_report(event: EventPage) -> ClosingReport | None:
    try:
        return event.closing_report
    except ClosingReport.DoesNotExist:
        return None


def _detail_context(request, event: EventPage, *, form=None, feedback_form=None) -> dict:
    user = request.user
    now = timezone.now()
    # The preview of an event being created has no row yet: nothing can be registered for it.
    saved = event.pk is not None
    registration = selectors.registration_of(user=user, event=event) if saved else None
    window = registration_window(event, now)
    can_manage = permissions.can_manage_event(user, event)

    if (
        form is None
        and saved
        and window == "open"
        and registration is None
        and user.is_authenticated
    ):
        form = RegistrationForm(event=event, questions=event.questions.all())

    is_participant = (
        registration is not None
        and registration.status == Status.CONFIRMED
        and registration.attendance != Registration.Attendance.ABSENT
    )
    can_give_feedback = is_participant and event.start <= now
    if can_give_feedback and feedback_form is None:
        given = selectors.feedback_of(user=user, event=event)
        initial = {"rating": given.rating, "comment": given.comment} if given else None
        feedback_form = FeedbackForm(initial=initial)

    organisers = list(event.organisers.all().select_related("profile"))
    programme = _programme_days(event)
    profile_ids = {
        speaker.profile_id
        for slot in event.programme
        for speaker in slot.speakers.all()
        if speaker.profile_id
    }
    profile_ids |= {
        organiser.profile.pk for organiser in organisers if hasattr(organiser, "profile")
    }

    return {
        "page": event,
        "self": event,
        "event": event,
        "now": now,
        "registration": registration,
        "waitlist_position": selectors.waitlist_position(registration) if registration else None,
        "window": window,
        "saved": saved,
        "availability": selectors.availability(event)
        if saved
        else selectors.Availability(capacity=event.capacity, held=0, waiting=0),
        "form": form,
        "show_form": form is not None and window == "open" and registration is None,
        "can_manage": can_manage,
        "show_online_link": bool(event.online_url)
        and event.format != EventPage.Format.IN_PERSON
        and permissions.can_see_online_link(user, event, registration),
        "organisers": organisers,
        "themes": list(event.themes.all()),
        "programme": programme,
        "visible_profiles": _visible_profile_ids(user, profile_ids),
        "figures": selectors.event_figures(event) if saved and event.is_past else None,
        "report": _closing_report(event) if saved and event.is_past else None,
        "can_give_feedback": can_give_feedback,
        "feedback_form": feedback_form if can_give_feedback else None,
    }


def _render_detail(request, event: EventPage, **forms) -> TemplateResponse:
    return TemplateResponse(request, "events/detail.html", _detail_context(request, event, **forms))


def _registered_message(registration: Registration) -> str:
    if registration.status == Status.WAITLISTED:
        return _(
            "The event is full: you are on the waiting list, in position %(position)s. "
            "If a seat frees up, it will be offered to you."
        ) % {"position": selectors.waitlist_position(registration)}
    if registration.status == Status.PENDING:
        return _(
            "Your registration was sent. The organisers will accept it or not; "
            "you will be notified."
        )
    return _("You are registered: your seat is confirmed.")


# --- The agenda and an event (served by the Wagtail pages) ----------------------------------


def event_index(request, *, index_page):
    filters = selectors.EventFilters.from_query(request.GET)
    events = paginate(
        request, selectors.event_list(user=request.user, filters=filters), EVENTS_PER_PAGE
    )
    events.object_list = selectors.attach_availability(events.object_list)
    spaces = (
        selectors.events_visible_to(request.user)
        .filter(space__isnull=False)
        .order_by("space__name")
        .values_list("space__slug", "space__name")
        .distinct()
    )
    context = {
        "page": index_page,
        "self": index_page,
        "events": events,
        "filters": filters,
        "types": EventPage.Type.choices,
        "themes": Theme.objects.all(),
        "spaces": spaces,
        "clusters": Cluster.objects.order_by("name").values_list("slug", "name"),
        "can_organise": permissions.can_open_organiser_tools(request.user),
    }
    template = partial_or_full(request, "events/index.html", "events/partials/event_list.html")
    response = TemplateResponse(request, template, context)
    patch_vary_headers(response, ("HX-Request",))
    return response


def event_detail(request, *, event):
    if not permissions.can_view_event(request.user, event):
        raise Http404
    return _render_detail(request, event)


# --- Registering ------------------------------------------------------------------------------


@require_POST
def register(request, event_id):
    event = selectors.access_event(user=request.user, event_id=event_id)
    if not request.user.is_authenticated:
        return redirect_to_login(event.get_url(request) or "/")
    form = RegistrationForm(request.POST, event=event, questions=event.questions.all())
    created = {}

    def call():
        created["registration"] = services.registration_create(
            event=event, user=request.user, seats=form.seats, answers=form.answers
        )

    if form.is_valid() and _run_on_form(call, form):
        registration = created["registration"]
        messages.success(request, _registered_message(registration))
        return redirect(registration)
    return _render_detail(request, event, form=form)


@require_POST
@login_required
def feedback(request, event_id):
    event = selectors.access_event(user=request.user, event_id=event_id)
    form = FeedbackForm(request.POST)

    def call():
        services.feedback_submit(
            user=request.user,
            event=event,
            rating=form.cleaned_data["rating"],
            comment=form.cleaned_data["comment"],
        )

    if form.is_valid() and _run_on_form(call, form):
        messages.success(request, _("Thank you for your feedback."))
        return redirect((event.get_url(request) or "/") + "#feedback")
    context = _detail_context(request, event, feedback_form=form)
    if not context["can_give_feedback"]:
        # Not a participant (or not yet): say why on the page rather than on a hidden form.
        for error in form.non_field_errors():
            messages.error(request, error)
        return redirect(event.get_url(request) or "/")
    return TemplateResponse(request, "events/detail.html", context)


# --- The ticket -----------------------------------------------------------------------------


def _answers(registration: Registration, questions: list[EventQuestion]) -> list[tuple]:
    """The registration's answers with their questions' labels, in the questions' order."""
    yes_no = {"yes": _("Yes"), "no": _("No")}
    answers = []
    for question in questions:
        value = registration.answers.get(str(question.pk))
        if value:
            if question.kind == EventQuestion.Kind.YES_NO:
                value = yes_no.get(value, value)
            answers.append((question.label, value))
    return answers


@login_required
def ticket(request, registration_id):
    registration = selectors.access_registration(user=request.user, registration_id=registration_id)
    event = registration.event
    now = timezone.now()
    can_cancel = registration.is_active and event.start > now
    context = {
        "registration": registration,
        "event": event,
        "answers": _answers(registration, list(event.questions.all())),
        "waitlist_position": selectors.waitlist_position(registration),
        "is_holder": registration.user_id == request.user.pk,
        "can_manage": permissions.can_manage_event(request.user, event),
        "can_cancel": can_cancel,
        "confirm_cancel": can_cancel and request.GET.get("cancel") == "1",
        "can_claim": registration.status == Status.OFFERED
        and registration.user_id == request.user.pk
        and registration.offer_expires_at > now,
        "show_online_link": bool(event.online_url)
        and event.format != EventPage.Format.IN_PERSON
        and permissions.can_see_online_link(request.user, event, registration),
        "is_past": event.is_past,
    }
    return TemplateResponse(request, "events/ticket.html", context)


def ticket_qr(request, registration_id):
    """The QR code of a confirmed ticket: the address the door organiser's phone opens."""
    registration = selectors.access_registration(user=request.user, registration_id=registration_id)
    if registration.status != Status.CONFIRMED:
        raise Http404
    path = reverse(
        "events:check_in_ticket",
        kwargs={"event_id": registration.event_id, "code": registration.code},
    )
    buffer = io.BytesIO()
    segno.make(settings.SITE_URL.rstrip("/") + path, error="m").save(
        buffer, kind="svg", scale=4, title=_("Ticket QR code")
    )
    response = HttpResponse(buffer.getvalue(), content_type="image/svg+xml")
    # The code is the ticket: never kept by a shared cache or the browser's disk.
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@require_POST
@login_required
def cancel(request, registration_id):
    registration = selectors.access_registration(user=request.user, registration_id=registration_id)
    own = registration.user_id == request.user.pk
    run_service(
        request,
        lambda: services.registration_cancel(by=request.user, registration=registration),
        success=_("Your registration is cancelled.")
        if own
        else _("The registration is cancelled."),
    )
    # The attendee list sends organisers back to it; only a path on this site is followed.
    back = request.POST.get("next", "")
    if back and url_has_allowed_host_and_scheme(
        back, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(back)
    return redirect(registration)


@require_POST
@login_required
def claim(request, registration_id):
    registration = selectors.access_registration(user=request.user, registration_id=registration_id)
    run_service(
        request,
        lambda: services.registration_claim(user=request.user, registration=registration),
        success=_("The seat is yours: your registration is confirmed."),
    )
    return redirect(registration)


# --- My events ------------------------------------------------------------------------------


@login_required
def my_events(request):
    context = {
        "upcoming": list(selectors.my_registrations(user=request.user)),
        "past": paginate(request, selectors.my_registrations(user=request.user, past=True), 20),
    }
    return TemplateResponse(request, "events/my_events.html", context)
