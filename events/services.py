"""Every write about an event: registering, the waiting list, check-in, feedback, the report.

Seat rules (also in docs/events.md):
- Seats held = the seats of confirmed registrations plus those of offered ones (a freed seat is
  held for the person it is offered to until their claim window ends). Held seats never exceed
  the capacity: every change that could take or free a seat locks the event's row first, then
  counts, so concurrent registrations are served one after the other.
- A registration is confirmed when its seats fit, otherwise waitlisted. Freed seats are offered
  down the waiting list in order to the first registrations whose seats fit; one that needs more
  seats keeps its place until enough are free. A guest added by hand (no account to claim with)
  is confirmed at once when their turn comes.
- An offer lasts the event's claim window (never past its start); an offer not claimed in time
  lapses and the seats go to the next in line (`offers_expire`, run every minute).
- Once the capacity is removed (no limit), everyone waiting or offered a seat is confirmed.
- Lowering the capacity below the seats held is refused in the event form. Should it happen
  anyway (a scheduled publish), nobody loses a seat: no one is confirmed or offered a seat until
  the seats held fall below the new capacity.
"""

from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

from community.notifications import notification_send
from community.tasks import send_email
from events import permissions
from events.models import (
    CalendarFeed,
    ClosingReport,
    EventPage,
    EventQuestion,
    Feedback,
    PublishedSchedule,
    Registration,
)
from events.selectors import event_managers, seats_held

Status = Registration.Status
MAX_ANSWER_LENGTH = 500


def _refuse(message: str, code: str, field: str | None = None):
    if field:
        raise ValidationError({field: ValidationError(message, code=code)})
    raise ValidationError(message, code=code)


def _lock(event: EventPage) -> EventPage:
    """The event's row, locked until the end of the transaction; capacity read afresh."""
    return EventPage.objects.select_for_update(of=("self",)).get(pk=event.pk)


def _lock_registration(registration: Registration) -> tuple[Registration, EventPage]:
    """Lock the event first (always in this order), then read the registration afresh."""
    event = _lock(registration.event)
    return Registration.objects.select_related("user__profile").get(pk=registration.pk), event


def _event_url(event: EventPage) -> str:
    return event.get_url() or ""


def _absolute(url: str) -> str:
    return settings.SITE_URL.rstrip("/") + url


def _notify(registration: Registration, verb: str, *, actor=None) -> None:
    if registration.user_id is None:
        return
    event = registration.event
    notification_send(
        recipients=[registration.user],
        actor=actor or event,
        verb=verb,
        target=event,
        url=registration.get_absolute_url(),
    )


def _email(registration: Registration, template: str, subject: str, **context) -> None:
    """Send an e-mail to the participant after commit (an account's address or a guest's)."""
    address = registration.user.email if registration.user_id else registration.guest_email
    if not address:
        return
    context |= {
        "registration": registration,
        "event": registration.event,
        # A guest has no account to open the ticket with: the organisers check them in by name.
        "ticket_url": _absolute(registration.get_absolute_url()) if registration.user_id else "",
        "event_url": _absolute(_event_url(registration.event)),
    }
    body = render_to_string(f"events/emails/{template}.txt", context)
    transaction.on_commit(
        lambda: send_email.enqueue(subject=subject, body=body, recipients=[address])
    )


def _organisers(event: EventPage) -> list:
    return list(event_managers(event))


# --- Checking a registration's input --------------------------------------------------------


def _clean_seats(event: EventPage, seats) -> int:
    try:
        # Through str(): 2.5 or True are not a number of seats, "2.5" neither.
        seats = int(str(seats).strip())
    except ValueError:
        _refuse(_("Give a number of seats."), "invalid_seats", "seats")
    if seats < 1:
        _refuse(_("A registration holds at least one seat."), "invalid_seats", "seats")
    if seats > event.max_seats_per_registration:
        _refuse(
            _("One registration can hold at most %(max)s seat(s) for this event.")
            % {"max": event.max_seats_per_registration},
            "too_many_seats",
            "seats",
        )
    if event.capacity is not None and seats > event.capacity:
        _refuse(
            _("This event has only %(capacity)s seats.") % {"capacity": event.capacity},
            "too_many_seats",
            "seats",
        )
    return seats


def _clean_answers(event: EventPage, answers: dict | None) -> dict:
    """Answers keyed by question id (as text); required ones present, choices from the list."""
    answers = answers or {}
    questions = list(EventQuestion.objects.filter(page=event))
    known = {str(q.pk) for q in questions}
    if set(answers) - known:
        _refuse(_("Answer only the questions of this event."), "unknown_question")
    cleaned, errors = {}, {}
    for question in questions:
        key = str(question.pk)
        value = answers.get(key, "")
        value = value.strip() if isinstance(value, str) else value
        if question.kind == EventQuestion.Kind.YES_NO:
            value = "yes" if value in (True, "yes", "on", "true", "1") else ("no" if value else "")
        if not value:
            if question.required:
                errors[f"q_{key}"] = _("Please answer this question.")
            continue
        if not isinstance(value, str) or len(value) > MAX_ANSWER_LENGTH:
            errors[f"q_{key}"] = _("Keep the answer under %(max)s characters.") % {
                "max": MAX_ANSWER_LENGTH
            }
            continue
        if question.kind == EventQuestion.Kind.CHOICE and value not in question.choice_list:
            errors[f"q_{key}"] = _("Choose one of the listed answers.")
            continue
        cleaned[key] = value
    if errors:
        raise ValidationError(errors)
    return cleaned


def _check_window(event: EventPage, now: datetime) -> None:
    if event.end <= now:
        _refuse(_("This event is over."), "event_past")
    if event.registration_opens and now < event.registration_opens:
        _refuse(_("Registration has not opened yet."), "not_open")
    if now >= event.closes_at:
        _refuse(_("Registration is closed."), "closed")


# --- Seats ----------------------------------------------------------------------------------


def _place(event: EventPage, registration: Registration, now: datetime) -> None:
    """Confirm the registration if its seats fit, otherwise put it at the end of the queue.

    Nobody passes a waiting registration that fits in the free seats: before the start such a
    registration is always on offer already, but once the event has started no offer is made.
    """
    held = seats_held(event)
    fits = event.capacity is None or held + registration.seats <= event.capacity
    if fits and event.capacity is not None:
        free = event.capacity - held
        fits = not event.registrations.filter(status=Status.WAITLISTED, seats__lte=free).exists()
    if fits:
        registration.status = Status.CONFIRMED
    else:
        registration.status = Status.WAITLISTED
        registration.queued_at = now


def _fill_seats(event: EventPage, now: datetime) -> list[Registration]:
    """Offer the free seats down the waiting list; the caller holds the event's lock."""
    if event.capacity is None:
        # No limit (the capacity was removed): everyone waiting is confirmed, those with a seat
        # on offer too (left offered, their offer would lapse though seats are unlimited).
        waiting = list(
            event.registrations.filter(
                status__in=(Status.WAITLISTED, Status.OFFERED)
            ).select_related("user__profile")
        )
        for registration in waiting:
            registration.status = Status.CONFIRMED
            registration.queued_at = None
            registration.offer_expires_at = None
            registration.save(
                update_fields=["status", "queued_at", "offer_expires_at", "updated_at"]
            )
            _notify(registration, "registration.promoted")
            _email(
                registration,
                "confirmed",
                _("Your registration is confirmed: %(event)s") % {"event": event.title},
            )
        return waiting
    deadline = event.claim_deadline(now)
    if deadline <= now:
        return []  # the event has started: nobody can claim a seat any more
    free = event.capacity - seats_held(event)
    offered = []
    if free <= 0:
        return offered
    queue = event.registrations.filter(status=Status.WAITLISTED).order_by("queued_at", "pk")
    for registration in queue.select_related("user__profile"):
        if registration.seats > free:
            continue
        if registration.user_id is None:
            # A guest added by hand has no account to claim with: the organisers vouched for
            # them, so the seat is theirs at once.
            registration.status = Status.CONFIRMED
            registration.queued_at = None
            registration.save(update_fields=["status", "queued_at", "updated_at"])
            _email(
                registration,
                "confirmed",
                _("Your registration is confirmed: %(event)s") % {"event": event.title},
            )
        else:
            registration.status = Status.OFFERED
            registration.offer_expires_at = deadline
            registration.save(update_fields=["status", "offer_expires_at", "updated_at"])
            _notify(registration, "registration.offered")
            _email(
                registration,
                "offered",
                _("A seat is free for you: %(event)s") % {"event": event.title},
            )
        offered.append(registration)
        free -= registration.seats
        if free <= 0:
            break
    return offered


# --- Registering ----------------------------------------------------------------------------


def registration_create(
    *, event: EventPage, user, seats=1, answers: dict | None = None
) -> Registration:
    """A member registers: confirmed, waitlisted, or awaiting approval."""
    permissions.check_signed_in(user)
    permissions.check_view_event(user, event)
    now = timezone.now()
    # Everything that needs no seat count is checked before taking the event's lock, which
    # serialises every registration of the event: the lock is held as briefly as possible.
    _check_window(event, now)
    seats = _clean_seats(event, seats)
    answers = _clean_answers(event, answers)
    if event.registrations.filter(user=user, status__in=Registration.ACTIVE).exists():
        _refuse(_("You are already registered for this event."), "already_registered")
    try:
        with transaction.atomic():
            event = _lock(event)
            # Read again on the locked row: an organiser may have just closed or shrunk it.
            _check_window(event, now)
            seats = _clean_seats(event, seats)
            # A registration made meanwhile by the same person is caught by the unique
            # constraint when saving (IntegrityError below).
            registration = Registration(event=event, user=user, seats=seats, answers=answers)
            if event.approval == EventPage.Approval.APPROVED:
                registration.status = Status.PENDING
            else:
                _place(event, registration, now)
            registration.save()
            _announce(registration)
    except IntegrityError:
        # The unique constraint caught a second registration made at the same instant.
        _refuse(_("You are already registered for this event."), "already_registered")
    return registration


def _announce(registration: Registration) -> None:
    event = registration.event
    verb = {
        Status.CONFIRMED: "registration.confirmed",
        Status.WAITLISTED: "registration.waitlisted",
        Status.PENDING: "registration.pending",
    }[registration.status]
    _notify(registration, verb)
    if registration.status == Status.CONFIRMED:
        _email(
            registration,
            "confirmed",
            _("Your registration is confirmed: %(event)s") % {"event": event.title},
        )
    if registration.status == Status.PENDING:
        notification_send(
            recipients=_organisers(event),
            actor=registration.user,
            verb="registration.requested",
            target=event,
            url=_attendees_url(event),
        )


def _attendees_url(event: EventPage) -> str:
    from django.urls import reverse

    return reverse("events:attendees", kwargs={"event_id": event.pk})


def registration_add(
    *,
    by,
    event: EventPage,
    user=None,
    guest_name: str = "",
    guest_email: str = "",
    seats=1,
    answers: dict | None = None,
) -> Registration:
    """An organiser adds someone by hand: a member, or a name for someone without an account.

    The registration window and approval do not apply; the capacity does (the person is
    waitlisted when the event is full).
    """
    permissions.check_manage_event(by, event)
    guest_name = (guest_name or "").strip()
    if user is None and not guest_name:
        _refuse(_("Choose a member or give the person's name."), "nobody", "guest_name")
    if user is not None and not permissions.can_view_event(user, event):
        # They could not open their own ticket: the event's space is closed to them.
        _refuse(
            _("This member cannot see this event (it belongs to a space they are not in)."),
            "cannot_see",
        )
    now = timezone.now()
    try:
        with transaction.atomic():
            event = _lock(event)
            if event.end <= now:
                _refuse(_("This event is over."), "event_past")
            seats = _clean_seats(event, seats)
            answers = _clean_answers(event, answers) if answers else {}
            if (
                user is not None
                and event.registrations.filter(user=user, status__in=Registration.ACTIVE).exists()
            ):
                _refuse(_("This member is already registered."), "already_registered")
            registration = Registration(
                event=event,
                user=user,
                guest_name="" if user else guest_name[:120],
                guest_email="" if user else (guest_email or "").strip(),
                seats=seats,
                answers=answers,
                added_by=by,
            )
            _place(event, registration, now)
            registration.full_clean(exclude=["event", "user", "added_by", "answers"])
            registration.save()
            _notify(
                registration,
                "registration.confirmed"
                if registration.status == Status.CONFIRMED
                else "registration.waitlisted",
                actor=by,
            )
            if registration.status == Status.CONFIRMED:
                # A guest added by hand hears of it only by e-mail (when an address was given).
                _email(
                    registration,
                    "confirmed",
                    _("Your registration is confirmed: %(event)s") % {"event": event.title},
                )
    except IntegrityError:
        _refuse(_("This member is already registered."), "already_registered")
    return registration


def registration_decide(*, by, registration: Registration, approve: bool) -> Registration:
    """An organiser accepts (seat or waiting list) or declines a registration awaiting approval."""
    permissions.check_manage_event(by, registration.event)
    now = timezone.now()
    with transaction.atomic():
        registration, event = _lock_registration(registration)
        if registration.status != Status.PENDING:
            _refuse(_("This registration is not awaiting approval."), "not_pending")
        if approve and event.end <= now:
            _refuse(_("This event is over."), "event_past")
        if approve:
            _place(event, registration, now)
        else:
            registration.status = Status.DECLINED
        registration.save(update_fields=["status", "queued_at", "updated_at"])
        if approve:
            _announce(registration)
        else:
            _notify(registration, "registration.declined", actor=by)
    return registration


def registration_cancel(*, by, registration: Registration) -> Registration:
    """The participant or an organiser cancels; freed seats go down the waiting list."""
    if not permissions.can_view_registration(by, registration):
        raise PermissionDenied(_("You cannot cancel this registration."))
    now = timezone.now()
    with transaction.atomic():
        registration, event = _lock_registration(registration)
        if not registration.is_active:
            _refuse(_("This registration is already cancelled."), "not_active")
        if event.start <= now:
            _refuse(_("The event has started: it can no longer be cancelled."), "started")
        freed = registration.holds_seats
        registration.status = Status.CANCELLED
        registration.cancelled_at = now
        registration.offer_expires_at = None
        registration.save(
            update_fields=["status", "cancelled_at", "offer_expires_at", "updated_at"]
        )
        if by.pk != registration.user_id:
            _notify(registration, "registration.cancelled_by_organiser", actor=by)
        if freed:
            _fill_seats(event, now)
    return registration


def registration_claim(*, user, registration: Registration) -> Registration:
    """The person offered a freed seat takes it before the offer ends."""
    if registration.user_id != getattr(user, "pk", None):
        raise PermissionDenied(_("This offer is not yours."))
    now = timezone.now()
    with transaction.atomic():
        registration, event = _lock_registration(registration)
        if registration.status != Status.OFFERED:
            _refuse(_("There is no seat offered to you for this event."), "no_offer")
        if registration.offer_expires_at <= now or event.start <= now:
            _refuse(_("The offer has ended: the seat went to the next person."), "offer_lapsed")
        registration.status = Status.CONFIRMED
        registration.offer_expires_at = None
        registration.queued_at = None
        registration.save(update_fields=["status", "offer_expires_at", "queued_at", "updated_at"])
        _notify(registration, "registration.confirmed")
        _email(
            registration,
            "confirmed",
            _("Your registration is confirmed: %(event)s") % {"event": event.title},
        )
    return registration


def offers_expire(*, now: datetime | None = None) -> int:
    """Lapse the offers whose claim window ended and offer their seats to the next in line."""
    now = now or timezone.now()
    event_ids = (
        Registration.objects.filter(status=Status.OFFERED, offer_expires_at__lte=now)
        .values_list("event_id", flat=True)
        .distinct()
    )
    lapsed = 0
    for event_id in list(event_ids):
        with transaction.atomic():
            event = EventPage.objects.select_for_update(of=("self",)).get(pk=event_id)
            expired = list(
                event.registrations.filter(
                    status=Status.OFFERED, offer_expires_at__lte=now
                ).select_related("user__profile")
            )
            for registration in expired:
                registration.status = Status.LAPSED
                registration.save(update_fields=["status", "updated_at"])
                _notify(registration, "registration.lapsed")
            lapsed += len(expired)
            _fill_seats(event, now)
    return lapsed


def seats_refill(*, event: EventPage) -> list[Registration]:
    """Offer seats freed by a capacity raised in the event form (called after publishing)."""
    with transaction.atomic():
        event = _lock(event)
        return _fill_seats(event, timezone.now())


# --- Check-in and attendance ------------------------------------------------------------------


def attendance_set(*, by, registration: Registration, attendance: str) -> Registration:
    """Record present (check-in), absent (no-show) or undo; only for confirmed seats."""
    permissions.check_manage_event(by, registration.event)
    if attendance not in Registration.Attendance.values:
        _refuse(_("Unknown attendance."), "invalid_attendance")
    now = timezone.now()
    with transaction.atomic():
        registration = Registration.objects.select_for_update().get(pk=registration.pk)
        if registration.status != Status.CONFIRMED:
            _refuse(_("Only a confirmed registration can be checked in."), "not_confirmed")
        if attendance == Registration.Attendance.ABSENT and registration.event.start > now:
            _refuse(_("No-shows are marked once the event has started."), "too_early")
        registration.attendance = attendance
        if attendance == Registration.Attendance.PRESENT:
            registration.checked_in_at = registration.checked_in_at or now
            registration.checked_in_by = registration.checked_in_by or by
        else:
            registration.checked_in_at = None
            registration.checked_in_by = None
        registration.save(
            update_fields=["attendance", "checked_in_at", "checked_in_by", "updated_at"]
        )
    return registration


def check_in_by_code(*, by, event: EventPage, code: str) -> Registration:
    """Check in the ticket whose QR code an organiser scanned at the door of this event."""
    permissions.check_manage_event(by, event)
    registration = Registration.objects.filter(event=event, code=code).first()
    if registration is None:
        _refuse(_("This ticket is not for this event."), "unknown_ticket")
    return attendance_set(
        by=by, registration=registration, attendance=Registration.Attendance.PRESENT
    )


# --- After the event --------------------------------------------------------------------------


def feedback_submit(*, user, event: EventPage, rating, comment: str = "") -> Feedback:
    """A participant rates the event once it has started; sending again updates it."""
    permissions.check_signed_in(user)
    attended = event.registrations.filter(user=user, status=Status.CONFIRMED).exclude(
        attendance=Registration.Attendance.ABSENT
    )
    if not attended.exists():
        raise PermissionDenied(_("Only participants can give feedback on this event."))
    if event.start > timezone.now():
        _refuse(_("Feedback opens when the event starts."), "too_early")
    try:
        rating = int(rating)
    except (TypeError, ValueError):
        rating = 0
    if not 1 <= rating <= 5:
        _refuse(_("Choose a rating from 1 to 5."), "invalid_rating", "rating")
    comment = (comment or "").strip()
    if len(comment) > 2000:
        _refuse(_("Keep the comment under 2,000 characters."), "too_long", "comment")
    with transaction.atomic():
        feedback, _created = Feedback.objects.update_or_create(
            event=event, user=user, defaults={"rating": rating, "comment": comment}
        )
    return feedback


REPORT_FIELDS = ("other_organisations", "outcomes", "lessons", "recording_url")


def report_update(
    *, by, event: EventPage, organisations=None, documents=None, **fields
) -> ClosingReport:
    """The organisers record the closing report (capitalisation) once the event has started."""
    permissions.check_manage_event(by, event)
    unknown = set(fields) - set(REPORT_FIELDS)
    if unknown:
        raise ValueError(f"Unexpected fields: {sorted(unknown)}")
    if event.start > timezone.now():
        _refuse(_("The closing report is written once the event has started."), "too_early")
    with transaction.atomic():
        report, _created = ClosingReport.objects.select_for_update().get_or_create(event=event)
        for name, value in fields.items():
            setattr(report, name, (value or "").strip())
        report.updated_by = by
        report.full_clean(exclude=["event", "updated_by"])
        report.save()
        if organisations is not None:
            report.organisations.set(organisations)
        if documents is not None:
            report.documents.set(documents)
    return report


# --- When an event is published ---------------------------------------------------------------


def schedule_published(*, event: EventPage) -> bool:
    """After a publish: tell participants if the time or place changed; offer new seats.

    Returns whether participants were told. Reminders already sent are sent again for the new
    time. Called by the `page_published` receiver in `events/signals.py`.
    """
    event = EventPage.objects.get(pk=event.pk)
    current = {
        "start": event.start,
        "end": event.end,
        "place": event.place,
        "online_url": event.online_url,
    }
    changed = False
    with transaction.atomic():
        previous = PublishedSchedule.objects.select_for_update().filter(event=event).first()
        if previous is None:
            PublishedSchedule.objects.create(event=event, **current)
        elif any(getattr(previous, key) != value for key, value in current.items()):
            changed = True
            for key, value in current.items():
                setattr(previous, key, value)
            previous.save()
            recipients = event.registrations.filter(
                status__in=(Status.CONFIRMED, Status.OFFERED, Status.WAITLISTED)
            ).select_related("user__profile", "event")
            recipients.update(reminded_day_at=None, reminded_hour_at=None)
            for registration in recipients:
                if not _still_sees(registration):
                    continue
                _notify(registration, "event.changed")
                _email(
                    registration,
                    "changed",
                    _("Change of time or place: %(event)s") % {"event": event.title},
                )
    # An offer never outlives the start, also when the start moved earlier.
    event.registrations.filter(status=Status.OFFERED, offer_expires_at__gt=event.start).update(
        offer_expires_at=event.start
    )
    seats_refill(event=event)
    return changed


def _still_sees(registration: Registration) -> bool:
    """A participant removed from the event's private space hears no more of it."""
    return registration.user_id is None or permissions.can_view_event(
        registration.user, registration.event
    )


# --- Reminders ------------------------------------------------------------------------------

REMINDERS = (
    ("reminded_day_at", timedelta(days=1), "event.reminder_day"),
    ("reminded_hour_at", timedelta(hours=1), "event.reminder_hour"),
)


def reminders_send(*, now: datetime | None = None) -> int:
    """Send the reminders that are due: a day before and an hour before, once each.

    Run every minute or so (`manage.py events_tick`). A reminder is due once the event is less
    than its delay away and has not started; a missed day reminder is not sent when the hour
    reminder is due anyway.
    """
    now = now or timezone.now()
    sent = 0
    for field, delay, verb in REMINDERS:
        due = Registration.objects.filter(
            status=Status.CONFIRMED,
            event__start__gt=now,
            event__start__lte=now + delay,
            event__live=True,
            **{f"{field}__isnull": True},
        )
        if field == "reminded_day_at":
            due = due.filter(event__start__gt=now + timedelta(hours=1))
        for registration in due.select_related("event__space", "user__profile"):
            if not _still_sees(registration):
                continue
            with transaction.atomic():
                # Claim the reminder first: two sweeps at once send it only once.
                claimed = Registration.objects.filter(
                    pk=registration.pk, **{f"{field}__isnull": True}
                ).update(**{field: now})
                if not claimed:
                    continue
                _notify(registration, verb)
                _email(
                    registration,
                    "reminder",
                    _("Reminder: %(event)s") % {"event": registration.event.title},
                    soon=delay < timedelta(days=1),
                )
                sent += 1
    return sent


# --- The personal calendar ------------------------------------------------------------------


def calendar_feed_reset(*, user) -> CalendarFeed:
    """Give the member a new secret calendar address; the old one stops working at once."""
    permissions.check_signed_in(user)
    with transaction.atomic():
        feed, created = CalendarFeed.objects.select_for_update().get_or_create(user=user)
        if not created:
            feed.token = CalendarFeed._meta.get_field("token").get_default()
            feed.save(update_fields=["token", "created_at"])
    return feed


def calendar_feed_for(user) -> CalendarFeed:
    """The member's calendar address, made the first time it is asked for."""
    permissions.check_signed_in(user)
    feed, _created = CalendarFeed.objects.get_or_create(user=user)
    return feed


__all__ = [
    "attendance_set",
    "calendar_feed_for",
    "calendar_feed_reset",
    "check_in_by_code",
    "feedback_submit",
    "offers_expire",
    "registration_add",
    "registration_cancel",
    "registration_claim",
    "registration_create",
    "registration_decide",
    "reminders_send",
    "report_update",
    "schedule_published",
    "seats_refill",
]
