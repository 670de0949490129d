"""Availability, bookings, cancellations, reschedules and reminders.

Rules (also in docs/mentorship.md, "Availability and booking"):
- Only a mentor edits their own availability: weekly rules and exceptions, in their own zone.
  Two rules of the same day whose hours and dates overlap are refused.
- A booking is made by the mentee or the mentor of an active relationship, for a mentor who is
  not paused and is vetted for one-to-one, a minor's consent being valid; its start must be one
  of the mentor's free slots at that moment (`slots.free_slots`, exact start) in a format the
  mentor offers. No mentor and no mentee is ever booked twice at the same time: the service
  locks the mentor's profile row, then the mentee's (always in this order, so two bookings
  never wait on each other in a cycle), then reads the slots and the overlapping bookings
  afresh; the partial unique constraints on (mentor, start) and (mentee, start) back it.
- Either side cancels, at any time before the start; under `MENTORSHIP_CANCEL_NOTICE_HOURS`
  (24) the other side is told the cancellation is late. A reschedule cancels and books the new
  slot in one transaction (`rescheduled_from`), with the same checks; `sequence` grows so that
  calendars replace the entry.
- `reminders_tick` reminds both sides once, 24 hours before each confirmed session.
Notifications and e-mails go out after commit.
"""

import secrets
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from community.notifications import notification_send
from community.tasks import send_email
from events.timezones import zone

from .. import permissions, slots
from ..contacts import masked_for
from ..models import (
    AvailabilityException,
    AvailabilityRule,
    Booking,
    MenteeProfile,
    MentorProfile,
    Relationship,
)

VERBS = {
    "mentorship.booking.created": gettext_lazy("%(actor)s booked a mentoring session with you."),
    "mentorship.booking.cancelled": gettext_lazy("%(actor)s cancelled your mentoring session."),
    "mentorship.booking.cancelled_late": gettext_lazy(
        "%(actor)s cancelled your mentoring session late, less than a day before it."
    ),
    "mentorship.booking.rescheduled": gettext_lazy(
        "%(actor)s moved your mentoring session to another time."
    ),
    "mentorship.booking.reminder": gettext_lazy(
        "Reminder: your mentoring session with %(actor)s is within 24 hours."
    ),
}

Status = Booking.Status
FORMATS = {"online", "in_person"}
REMINDER_BEFORE = timedelta(hours=24)


def cancel_notice() -> timedelta:
    return timedelta(hours=getattr(settings, "MENTORSHIP_CANCEL_NOTICE_HOURS", 24))


def video_url() -> str:
    """A room of its own for each booking: the base and an unguessable token."""
    base = getattr(settings, "MENTORSHIP_VIDEO_BASE", "https://meet.jit.si/egalite-")
    return f"{base}{secrets.token_hex(12)}"


def _refuse(message: str, code: str, field: str | None = None):
    if field:
        raise ValidationError({field: ValidationError(message, code=code)})
    raise ValidationError(message, code=code)


def _absolute(url: str) -> str:
    return settings.SITE_URL.rstrip("/") + url


def booking_url(booking: Booking) -> str:
    return reverse("mentorship:booking", kwargs={"pk": booking.pk})


# --- Availability -------------------------------------------------------------------------------


def _own_mentor_profile(by) -> MentorProfile:
    mentor = permissions.mentor_of(by)
    if mentor is None:
        raise PermissionDenied(_("Only mentors publish availability."))
    return mentor


def _lock_mentor(mentor: MentorProfile) -> MentorProfile:
    return MentorProfile.objects.select_for_update().get(pk=mentor.pk)


def _check_hours(starts_at: time | None, ends_at: time | None) -> None:
    if starts_at is None or ends_at is None:
        _refuse(_("Give the start and the end."), "missing_hours")
    if ends_at <= starts_at:
        _refuse(_("The end must come after the start."), "hours_reversed", "ends_at")


def _dates_overlap(a_from, a_until, b_from, b_until) -> bool:
    return (a_from or date.min) <= (b_until or date.max) and (b_from or date.min) <= (
        a_until or date.max
    )


def availability_rule_add(
    *,
    by,
    weekday: int,
    starts_at: time,
    ends_at: time,
    valid_from: date | None = None,
    valid_until: date | None = None,
) -> AvailabilityRule:
    """A weekly window of the signed-in mentor, in their own time zone."""
    mentor = _own_mentor_profile(by)
    if weekday not in range(7):
        _refuse(_("Choose a day of the week."), "invalid_weekday", "weekday")
    _check_hours(starts_at, ends_at)
    if valid_from and valid_until and valid_until < valid_from:
        _refuse(_("The last date must not come before the first."), "dates_reversed", "valid_until")
    with transaction.atomic():
        mentor = _lock_mentor(mentor)
        same_day = AvailabilityRule.objects.filter(
            mentor=mentor, weekday=weekday, starts_at__lt=ends_at, ends_at__gt=starts_at
        )
        for other in same_day:
            if _dates_overlap(valid_from, valid_until, other.valid_from, other.valid_until):
                _refuse(
                    _(
                        "These hours overlap your availability on %(day)s %(from)s-%(to)s: "
                        "change or remove that one first."
                    )
                    % {
                        "day": other.get_weekday_display(),
                        "from": other.starts_at.strftime("%H:%M"),
                        "to": other.ends_at.strftime("%H:%M"),
                    },
                    "rule_overlap",
                )
        rule = AvailabilityRule(
            mentor=mentor,
            weekday=weekday,
            starts_at=starts_at,
            ends_at=ends_at,
            valid_from=valid_from,
            valid_until=valid_until,
        )
        rule.full_clean()
        rule.save()
    return rule


def availability_rule_remove(*, by, rule: AvailabilityRule) -> None:
    """Booked sessions stay: removing hours only stops new bookings in them."""
    mentor = _own_mentor_profile(by)
    if rule.mentor_id != mentor.pk:
        raise PermissionDenied(_("This is not your availability."))
    with transaction.atomic():
        _lock_mentor(mentor)
        AvailabilityRule.objects.filter(pk=rule.pk).delete()


def availability_exception_add(
    *,
    by,
    date: date,
    available: bool = False,
    starts_at: time | None = None,
    ends_at: time | None = None,
) -> AvailabilityException:
    """A day off (no hours), hours off on a date, or extra hours on a date (`available`)."""
    mentor = _own_mentor_profile(by)
    if (starts_at is None) != (ends_at is None):
        _refuse(_("Give both the start and the end, or neither for the whole day."), "half_hours")
    if starts_at is None and available:
        _refuse(_("Give the extra hours you are available."), "missing_hours", "starts_at")
    if starts_at is not None:
        _check_hours(starts_at, ends_at)
    with transaction.atomic():
        mentor = _lock_mentor(mentor)
        same_date = list(AvailabilityException.objects.filter(mentor=mentor, date=date))
        if any(other.starts_at is None for other in same_date) or (starts_at is None and same_date):
            _refuse(
                _("There is already a change for this date: remove it first."), "exception_twice"
            )
        for other in same_date:
            if other.starts_at < ends_at and starts_at < other.ends_at:
                _refuse(
                    _("These hours overlap another change on this date (%(from)s-%(to)s).")
                    % {
                        "from": other.starts_at.strftime("%H:%M"),
                        "to": other.ends_at.strftime("%H:%M"),
                    },
                    "exception_overlap",
                )
        exception = AvailabilityException(
            mentor=mentor, date=date, available=available, starts_at=starts_at, ends_at=ends_at
        )
        exception.full_clean()
        exception.save()
    return exception


def availability_exception_remove(*, by, exception: AvailabilityException) -> None:
    mentor = _own_mentor_profile(by)
    if exception.mentor_id != mentor.pk:
        raise PermissionDenied(_("This is not your availability."))
    with transaction.atomic():
        _lock_mentor(mentor)
        AvailabilityException.objects.filter(pk=exception.pk).delete()


# --- Bookings -----------------------------------------------------------------------------------


def _lock_people(relationship: Relationship) -> tuple[MentorProfile, MenteeProfile]:
    """Both profile rows, mentor first then mentee (always this order: no deadlock)."""
    mentor = MentorProfile.objects.select_for_update().get(pk=relationship.mentor_id)
    mentee = MenteeProfile.objects.select_for_update().get(pk=relationship.mentee_id)
    return mentor, mentee


def _check_may_book(by, relationship: Relationship, mentor: MentorProfile, mentee) -> None:
    if not permissions.is_party(by, relationship):
        raise PermissionDenied(_("Only the mentee and the mentor book their sessions."))
    if relationship.state != Relationship.State.ACTIVE:
        raise PermissionDenied(_("Sessions are booked only in an active mentoring relationship."))
    permissions.check_minor_may_take_part(mentee, relationship.programme)
    permissions.check_runs_one_to_one(mentor)
    if mentor.paused:
        raise PermissionDenied(_("This mentor has paused their mentoring: no new sessions."))


def _clean_format(mentor: MentorProfile, format: str, place: str) -> tuple[str, str]:
    place = (place or "").strip()
    if format not in FORMATS:
        _refuse(_("Choose online or in person."), "invalid_format", "format")
    offered = {"online": mentor.online, "in_person": mentor.in_person}
    if not offered[format]:
        _refuse(
            _("This mentor does not meet in person.")
            if format == "in_person"
            else _("This mentor does not meet online."),
            "format_not_offered",
            "format",
        )
    if format == "in_person" and not place:
        _refuse(_("Say where you will meet."), "place_missing", "place")
    if len(place) > 200:
        _refuse(_("Keep the place under 200 characters."), "place_too_long", "place")
    return format, place if format == "in_person" else ""


def _check_slot(
    mentor: MentorProfile,
    mentee: MenteeProfile,
    starts_at: datetime,
    now: datetime,
    *,
    ignore: Booking | None = None,
) -> datetime:
    """The exact start of one of the mentor's free slots right now (rows already locked)."""
    if timezone.is_naive(starts_at):
        _refuse(_("Choose one of the free slots."), "invalid_slot", "starts_at")
    if starts_at <= now:
        _refuse(_("This time has passed: choose a later slot."), "slot_past", "starts_at")
    earliest, latest = slots.bookable_range(now)
    if starts_at < earliest:
        _refuse(
            _("Sessions are booked at least %(hours)s hours ahead: choose a later slot.")
            % {"hours": int(slots.min_notice().total_seconds() // 3600)},
            "slot_too_soon",
            "starts_at",
        )
    if starts_at > latest:
        _refuse(
            _("Sessions are booked at most %(weeks)s weeks ahead.")
            % {"weeks": slots.weeks_ahead()},
            "slot_too_far",
            "starts_at",
        )
    duration = timedelta(minutes=mentor.session_minutes)
    clash = Booking.objects.filter(
        Q(mentor=mentor) | Q(mentee=mentee),
        status=Status.CONFIRMED,
        starts_at__lt=starts_at + duration,
        ends_at__gt=starts_at,
    )
    if ignore is not None:
        clash = clash.exclude(pk=ignore.pk)
    clash = clash.values_list("mentor_id", flat=True).first()
    if clash is not None:
        if clash == mentor.pk:
            _refuse(
                _("This slot has just been taken: choose another one."), "slot_taken", "starts_at"
            )
        _refuse(
            _("The mentee already has a session at that time: choose another slot."),
            "mentee_busy",
            "starts_at",
        )
    # The whole day around it: a slot exists only as a piece of its day's windows.
    window = slots.free_slots(
        mentor,
        starts_at - timedelta(days=1),
        starts_at + timedelta(days=1),
        now=now,
        ignore_booking=ignore,
    )
    if starts_at not in window:
        _refuse(
            _("The mentor is not available at that time: choose one of the free slots."),
            "slot_unavailable",
            "starts_at",
        )
    return starts_at


def _insert(booking: Booking) -> Booking:
    """Save; should a confirmed booking of the same start slip past the checks, the unique
    constraints refuse it, and the refusal reads like the check's."""
    try:
        with transaction.atomic():
            booking.save()
    except IntegrityError:
        _refuse(_("This slot has just been taken: choose another one."), "slot_taken", "starts_at")
    return booking


def _other_side(by, booking: Booking):
    return booking.mentee.user if by.pk == booking.mentor.user_id else booking.mentor.user


def booking_create(
    *,
    by,
    relationship: Relationship,
    starts_at: datetime,
    format: str = "online",
    place: str = "",
    now: datetime | None = None,
) -> Booking:
    """Book one of the mentor's free slots for this relationship."""
    now = now or timezone.now()
    with transaction.atomic():
        mentor, mentee = _lock_people(relationship)
        relationship = Relationship.objects.select_related("programme").get(pk=relationship.pk)
        relationship.mentor, relationship.mentee = mentor, mentee
        _check_may_book(by, relationship, mentor, mentee)
        format, place = _clean_format(mentor, format, place)
        place = masked_for(mentee, place)
        _check_slot(mentor, mentee, starts_at, now)
        booking = _insert(
            Booking(
                relationship=relationship,
                mentor=mentor,
                mentee=mentee,
                starts_at=starts_at,
                ends_at=starts_at + timedelta(minutes=mentor.session_minutes),
                format=format,
                place=place,
                video_url=video_url() if format == "online" else "",
                booked_by=by,
            )
        )
        booking.mentor, booking.mentee = mentor, mentee
        notification_send(
            recipients=[_other_side(by, booking)],
            actor=by,
            verb="mentorship.booking.created",
            url=booking_url(booking),
        )
    return booking


def _check_may_change(by, booking: Booking, now: datetime) -> None:
    if not permissions.is_party(by, booking.relationship):
        raise PermissionDenied(_("Only the mentee and the mentor change their sessions."))
    if booking.status != Status.CONFIRMED:
        _refuse(_("This session is already cancelled."), "already_cancelled")
    if booking.starts_at <= now:
        _refuse(_("This session has started or is over: it can no longer change."), "started")


def _lock_booking(booking: Booking) -> Booking:
    """The two profiles (mentor, then mentee), then the booking read afresh."""
    _lock_people(booking)
    booking = (
        Booking.objects.select_for_update(of=("self",))
        .select_related("relationship__programme", "mentor__user__profile", "mentee__user__profile")
        .get(pk=booking.pk)
    )
    booking.relationship.mentor, booking.relationship.mentee = booking.mentor, booking.mentee
    return booking


def _cancel(booking: Booking, *, by, reason: str, now: datetime) -> None:
    booking.status = Status.CANCELLED
    booking.cancelled_at = now
    booking.cancelled_by = by
    booking.cancel_reason = reason
    booking.sequence += 1
    booking.save(
        update_fields=["status", "cancelled_at", "cancelled_by", "cancel_reason", "sequence"]
    )


def booking_cancel(
    *, by, booking: Booking, reason: str = "", now: datetime | None = None
) -> Booking:
    """Cancel a coming session; under the notice, the other side is told it is late."""
    now = now or timezone.now()
    reason = (reason or "").strip()
    if len(reason) > 300:
        _refuse(_("Keep the reason under 300 characters."), "reason_too_long", "reason")
    with transaction.atomic():
        booking = _lock_booking(booking)
        _check_may_change(by, booking, now)
        late = booking.starts_at - now < cancel_notice()
        _cancel(booking, by=by, reason=masked_for(booking.mentee, reason), now=now)
        notification_send(
            recipients=[_other_side(by, booking)],
            actor=by,
            verb="mentorship.booking.cancelled_late" if late else "mentorship.booking.cancelled",
            url=booking_url(booking),
        )
    booking.late = late
    return booking


def booking_reschedule(
    *,
    by,
    booking: Booking,
    starts_at: datetime,
    format: str | None = None,
    place: str | None = None,
    now: datetime | None = None,
) -> Booking:
    """Move a coming session: the old booking is cancelled and the new slot booked at once,
    with every check of a new booking (the old session's own time does not count as taken)."""
    now = now or timezone.now()
    with transaction.atomic():
        old = _lock_booking(booking)
        _check_may_change(by, old, now)
        relationship = old.relationship
        mentor, mentee = old.mentor, old.mentee
        _check_may_book(by, relationship, mentor, mentee)
        format, place = _clean_format(
            mentor,
            old.format if format is None else format,
            old.place if place is None else place,
        )
        if starts_at == old.starts_at:
            _refuse(_("Choose another time than the current one."), "same_slot", "starts_at")
        _check_slot(mentor, mentee, starts_at, now, ignore=old)
        _cancel(old, by=by, reason=_("Moved to another time."), now=now)
        new = _insert(
            Booking(
                relationship=relationship,
                mentor=mentor,
                mentee=mentee,
                starts_at=starts_at,
                ends_at=starts_at + timedelta(minutes=mentor.session_minutes),
                format=format,
                place=place,
                video_url=(old.video_url or video_url()) if format == "online" else "",
                booked_by=by,
                rescheduled_from=old,
                sequence=old.sequence + 1,
            )
        )
        notification_send(
            recipients=[_other_side(by, new)],
            actor=by,
            verb="mentorship.booking.rescheduled",
            url=booking_url(new),
        )
    return new


# --- Reminders ----------------------------------------------------------------------------------


def _remind_email(booking: Booking, user, other, tz_name: str) -> None:
    if not user.email:
        return
    local = booking.starts_at.astimezone(zone(tz_name))
    body = render_to_string(
        "mentorship/booking/emails/reminder.txt",
        {
            "booking": booking,
            "other": other,
            "when": local.strftime("%d/%m/%Y %H:%M"),
            "zone": tz_name,
            "url": _absolute(booking_url(booking)),
        },
    )
    subject = _("Reminder: mentoring session on %(when)s") % {
        "when": local.strftime("%d/%m/%Y %H:%M")
    }
    address = user.email
    transaction.on_commit(
        lambda: send_email.enqueue(subject=subject, body=body, recipients=[address])
    )


def reminders_tick(*, now: datetime | None = None) -> dict:
    """Remind both sides of each confirmed session starting within 24 hours, once (a minor's
    session only while the guardian's consent holds).

    Safe to run from two processes at once: a booking is claimed by a conditional update of
    `reminded_at`, which only one of them wins."""
    now = now or timezone.now()
    due = list(
        Booking.objects.filter(
            status=Status.CONFIRMED,
            reminded_at__isnull=True,
            starts_at__gt=now,
            starts_at__lte=now + REMINDER_BEFORE,
        ).select_related("mentor__user__profile", "mentee__user__profile")
    )
    reminded = 0
    for booking in due:
        # A guardian's withdrawal pauses everything: no reminder while it lasts (the session is
        # reminded if consent is given again before it).
        if not permissions.consent_is_valid(booking.mentee):
            continue
        with transaction.atomic():
            claimed = Booking.objects.filter(
                pk=booking.pk, status=Status.CONFIRMED, reminded_at__isnull=True
            ).update(reminded_at=now)
            if not claimed:
                continue
            mentor_user, mentee_user = booking.mentor.user, booking.mentee.user
            for user, other, tz_name in (
                (mentor_user, mentee_user, booking.mentor.time_zone),
                (mentee_user, mentor_user, booking.mentee.time_zone),
            ):
                notification_send(
                    recipients=[user],
                    actor=other,
                    verb="mentorship.booking.reminder",
                    url=booking_url(booking),
                )
                _remind_email(booking, user, other, tz_name)
            reminded += 1
    return {"due": len(due), "reminded": reminded}


# --- Reads --------------------------------------------------------------------------------------


def booking_refusal(by, relationship: Relationship) -> str | None:
    """Why `by` may not book in this relationship now (the service's own checks), or None.
    Reads only: the booking page shows it instead of a form that would be refused."""
    try:
        _check_may_book(by, relationship, relationship.mentor, relationship.mentee)
    except PermissionDenied as refusal:
        return str(refusal)
    return None


def viewer_zone(user, relationship: Relationship) -> str:
    """The zone a person reads this relationship's times in: the mentee's own for the mentee,
    the mentor's for everyone else (the mentor, coordinators)."""
    if user is not None and relationship.mentee.user_id == getattr(user, "pk", None):
        return relationship.mentee.time_zone
    return relationship.mentor.time_zone


def bookings_for(relationship: Relationship, *, user, now: datetime | None = None) -> dict:
    """The relationship's sessions for its page (one query): `upcoming` (confirmed, not over),
    `past` (confirmed, over, latest first), `cancelled` (latest first); `zone`, the viewer's
    time zone; `can_change`, whether the viewer is one of the two parties."""
    now = now or timezone.now()
    rows = list(Booking.objects.filter(relationship=relationship).order_by("starts_at", "pk"))
    upcoming, past, cancelled = [], [], []
    for booking in rows:
        booking.relationship = relationship
        if booking.status == Status.CANCELLED:
            cancelled.append(booking)
        elif booking.ends_at > now:
            upcoming.append(booking)
        else:
            past.append(booking)
    return {
        "upcoming": upcoming,
        "past": past[::-1],
        "cancelled": cancelled[::-1],
        "zone": viewer_zone(user, relationship),
        "can_change": permissions.is_party(user, relationship),
        "now": now,
    }


def upcoming_sessions(user, *, now: datetime | None = None) -> list[Booking]:
    """The confirmed sessions, not over yet, where the user is the mentor or the mentee."""
    now = now or timezone.now()
    return list(
        Booking.objects.filter(
            Q(mentor__user=user) | Q(mentee__user=user),
            status=Status.CONFIRMED,
            ends_at__gt=now,
        )
        .select_related("mentor__user__profile", "mentee__user__profile", "relationship")
        .order_by("starts_at")
    )
