"""A mentoring relationship once it is active: its states, goals, notes, feedback and end survey.

States (`Relationship.State`), and who moves them:
- pause (active -> paused) and resume (paused -> active): the mentor, the mentee or a
  coordinator of the programme. A paused relationship keeps its place in the mentor's capacity
  (paused is an open state) and takes no new booking (the booking service checks `active`).
  Resuming a minor's relationship needs the guardian's consent to be valid. A request paused
  before the mentor accepted it (a guardian's withdrawal pauses those too) resumes as a request.
- complete (active or paused -> completed): the mentor or a coordinator. Upcoming sessions are
  cancelled, and the end survey opens to both people.
- cancel (requested, active or paused -> cancelled): the mentor, the mentee or a coordinator,
  with a reason. Upcoming confirmed sessions are cancelled too and the other side is notified.
Any other move is refused with a message saying why.

Goals and milestones are kept by either person; session notes are written by the mentor only,
private (the mentor alone reads them, coordinators included out) or shared (both people and the
programme's coordinators). Feedback follows a session that has ended and was not cancelled,
once per person; "is this pairing working?" answered "no" notifies the coordinators.

Every write here sets `last_activity_at`; `nudges_tick` sends one gentle reminder to both people
when an active relationship has had no activity (nor chat message, nor booking) for
`MENTORSHIP_NUDGE_DAYS` days (21 by default), and not again until something new happens.

Reads of notes, feedback and surveys go through `notes_visible_to`, `feedback_visible_to` and
`surveys_visible_to`; the relationship itself through `permissions.access_relationship`.
"""

from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F, Max, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce, Greatest
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from community.notifications import notification_send
from forum.chat.selectors import public_name
from mentorship.contacts import masked_for
from mentorship.models import (
    Booking,
    EndSurvey,
    MenteeProfile,
    MentorProfile,
    Milestone,
    Relationship,
    SessionFeedback,
    SessionNote,
)
from mentorship.permissions import (
    check_minor_may_take_part,
    is_coordinator,
    is_party,
)

State = Relationship.State
ENDED_STATES = (State.COMPLETED, State.CANCELLED, State.DECLINED, State.EXPIRED)
# Where goals, milestones and shared notes are kept: once the relationship has started.
STARTED_STATES = (State.ACTIVE, State.PAUSED)
MAX_REASON = 300

VERBS = {
    "mentorship.relationship_paused": gettext_lazy(
        "%(actor)s paused your mentoring relationship in %(target)s."
    ),
    "mentorship.relationship_resumed": gettext_lazy(
        "%(actor)s resumed your mentoring relationship in %(target)s."
    ),
    "mentorship.relationship_completed": gettext_lazy(
        "%(actor)s marked your mentoring relationship in %(target)s as completed: "
        "tell us how it went in the end survey."
    ),
    "mentorship.relationship_cancelled": gettext_lazy(
        "%(actor)s ended your mentoring relationship in %(target)s; its upcoming sessions "
        "are cancelled."
    ),
    "mentorship.note_shared": gettext_lazy("%(actor)s shared a session note in %(target)s."),
    "mentorship.pairing_not_working": gettext_lazy(
        "%(actor)s says a mentoring pairing in %(target)s is not working."
    ),
    "mentorship.nudge": gettext_lazy(
        "Nothing has been logged in your mentoring in %(target)s for a while: how about "
        "planning the next session or noting a step forward?"
    ),
}


def _refuse(message: str, code: str, field: str | None = None):
    if field:
        raise ValidationError({field: ValidationError(message, code=code)})
    raise ValidationError(message, code=code)


def nudge_days() -> int:
    return int(getattr(settings, "MENTORSHIP_NUDGE_DAYS", 21))


# --- Who may do what (checked by the services, shown by the page) ------------------------------


def is_mentor(user, relationship: Relationship) -> bool:
    return bool(user and user.is_authenticated and relationship.mentor.user_id == user.pk)


def is_mentee(user, relationship: Relationship) -> bool:
    return bool(user and user.is_authenticated and relationship.mentee.user_id == user.pk)


def _party_or_coordinator(user, relationship: Relationship) -> bool:
    return is_party(user, relationship) or is_coordinator(user, relationship.programme)


def can_pause_relationship(user, relationship: Relationship) -> bool:
    return relationship.state == State.ACTIVE and _party_or_coordinator(user, relationship)


def can_resume_relationship(user, relationship: Relationship) -> bool:
    return relationship.state == State.PAUSED and _party_or_coordinator(user, relationship)


def can_complete_relationship(user, relationship: Relationship) -> bool:
    started = relationship.state in STARTED_STATES and relationship.started_at is not None
    return started and (
        is_mentor(user, relationship) or is_coordinator(user, relationship.programme)
    )


def can_cancel_relationship(user, relationship: Relationship) -> bool:
    return relationship.is_open and _party_or_coordinator(user, relationship)


def can_keep_milestones(user, relationship: Relationship) -> bool:
    return relationship.state in STARTED_STATES and is_party(user, relationship)


def can_write_notes(user, relationship: Relationship) -> bool:
    return relationship.state in (*STARTED_STATES, State.COMPLETED) and is_mentor(
        user, relationship
    )


def can_read_all_feedback(user, relationship: Relationship) -> bool:
    """Coordinators and the safeguarding lead read everyone's feedback; each person their own."""
    return is_coordinator(user, relationship.programme) or (
        user.is_authenticated and relationship.programme.safeguarding_lead_id == user.pk
    )


def _check_party_or_coordinator(user, relationship: Relationship) -> None:
    if not _party_or_coordinator(user, relationship):
        raise PermissionDenied(
            _("Only the mentor, the mentee or a coordinator of the programme can do this.")
        )


def _check_party(user, relationship: Relationship) -> None:
    if not is_party(user, relationship):
        raise PermissionDenied(_("Only the mentor and the mentee can do this."))


def _check_mentor(user, relationship: Relationship) -> None:
    if not is_mentor(user, relationship):
        raise PermissionDenied(_("Only the mentor writes session notes."))


# --- Reads ---------------------------------------------------------------------------------


def notes_visible_to(user, relationship: Relationship) -> QuerySet[SessionNote]:
    """Shared notes, and the viewer's own private ones: a mentor's private note is never shown
    to the mentee, nor to a coordinator, staff included."""
    if not user.is_authenticated:
        return SessionNote.objects.none()
    return (
        SessionNote.objects.filter(relationship=relationship)
        .filter(Q(shared=True) | Q(author=user))
        .select_related("booking")
        .order_by("-created_at", "-pk")
    )


def feedback_visible_to(user, relationship: Relationship) -> QuerySet[SessionFeedback]:
    feedback = (
        SessionFeedback.objects.filter(booking__relationship=relationship)
        .select_related("booking", "author__profile")
        .order_by("-booking__starts_at", "pk")
    )
    if can_read_all_feedback(user, relationship):
        return feedback
    return feedback.filter(author=user) if user.is_authenticated else feedback.none()


def surveys_visible_to(user, relationship: Relationship) -> QuerySet[EndSurvey]:
    surveys = EndSurvey.objects.filter(relationship=relationship).select_related("author__profile")
    if can_read_all_feedback(user, relationship):
        return surveys.order_by("created_at", "pk")
    return surveys.filter(author=user) if user.is_authenticated else surveys.none()


def relationships_of(user) -> QuerySet[Relationship]:
    """The user's relationships as mentor and as mentee, each with its next session."""
    now = timezone.now()
    next_session = (
        Booking.objects.filter(
            relationship=OuterRef("pk"), status=Booking.Status.CONFIRMED, ends_at__gt=now
        )
        .order_by("starts_at")
        .values("starts_at")[:1]
    )
    return (
        Relationship.objects.filter(Q(mentor__user=user) | Q(mentee__user=user))
        .select_related("programme", "mentor__user__profile", "mentee__user__profile")
        .annotate(next_session_at=Subquery(next_session))
        .order_by("-requested_at", "-pk")
    )


# --- Helpers --------------------------------------------------------------------------------


def _lock(relationship: Relationship) -> Relationship:
    """The relationship's row, locked until the end of the transaction, read afresh."""
    return (
        Relationship.objects.select_for_update(of=("self",))
        .select_related("programme", "mentor__user__profile", "mentee__user__profile")
        .get(pk=relationship.pk)
    )


def _lock_with_people(relationship: Relationship) -> Relationship:
    """The mentor's and the mentee's profile rows, then the relationship's: the order the
    booking service locks in (profiles, then what it reads). A booking being made waits for a
    state change to commit and then sees it; a state change made after a booking sees it and
    cancels it too."""
    MentorProfile.objects.select_for_update().filter(pk=relationship.mentor_id).first()
    MenteeProfile.objects.select_for_update().filter(pk=relationship.mentee_id).first()
    return _lock(relationship)


def _touch(relationship: Relationship, now: datetime) -> None:
    Relationship.objects.filter(pk=relationship.pk).update(last_activity_at=now)
    relationship.last_activity_at = now


def _people(relationship: Relationship) -> list:
    return [relationship.mentor.user, relationship.mentee.user]


def _notify(relationship: Relationship, verb: str, *, by, recipients=None) -> None:
    """Notify (never the actor); the rows are written in the caller's transaction and reach the
    sockets after commit."""
    notification_send(
        recipients=recipients if recipients is not None else _people(relationship),
        actor=by,
        actor_label=public_name(by),
        exclude=by,
        verb=verb,
        target=relationship.programme,
        url=relationship.get_absolute_url(),
    )


def _cancel_upcoming_sessions(relationship: Relationship, *, by, reason: str, now) -> int:
    upcoming = list(
        Booking.objects.select_for_update()
        .filter(relationship=relationship, status=Booking.Status.CONFIRMED, starts_at__gt=now)
        .order_by("starts_at")
    )
    for booking in upcoming:
        booking.status = Booking.Status.CANCELLED
        booking.cancelled_at = now
        booking.cancelled_by = by
        booking.cancel_reason = reason[:MAX_REASON]
        booking.sequence = F("sequence") + 1
        booking.save(
            update_fields=["status", "cancelled_at", "cancelled_by", "cancel_reason", "sequence"]
        )
    return len(upcoming)


def _move(relationship: Relationship, *, to: str, now, **fields) -> Relationship:
    relationship.state = to
    relationship.last_activity_at = now
    for name, value in fields.items():
        setattr(relationship, name, value)
    relationship.save(update_fields=["state", "last_activity_at", *fields])
    return relationship


# --- States ---------------------------------------------------------------------------------


def relationship_pause(*, by, relationship: Relationship) -> Relationship:
    """Take a break: the mentor keeps the place, no new session is booked until resumed."""
    _check_party_or_coordinator(by, relationship)
    now = timezone.now()
    with transaction.atomic():
        relationship = _lock_with_people(relationship)
        if relationship.state != State.ACTIVE:
            _refuse(_("Only an active relationship can be paused."), "not_active")
        _move(relationship, to=State.PAUSED, now=now)
        _notify(relationship, "mentorship.relationship_paused", by=by)
    return relationship


def relationship_resume(*, by, relationship: Relationship) -> Relationship:
    _check_party_or_coordinator(by, relationship)
    now = timezone.now()
    with transaction.atomic():
        relationship = _lock_with_people(relationship)
        if relationship.state != State.PAUSED:
            _refuse(_("Only a paused relationship can be resumed."), "not_paused")
        check_minor_may_take_part(relationship.mentee, relationship.programme)
        # A request paused before the mentor accepted it (a guardian's withdrawal pauses those
        # too) goes back to waiting for the mentor, not straight to active.
        _move(
            relationship, to=State.ACTIVE if relationship.started_at else State.REQUESTED, now=now
        )
        _notify(relationship, "mentorship.relationship_resumed", by=by)
    return relationship


def relationship_complete(*, by, relationship: Relationship) -> Relationship:
    """The mentoring reached its end: upcoming sessions are cancelled, the end survey opens."""
    if not (is_mentor(by, relationship) or is_coordinator(by, relationship.programme)):
        raise PermissionDenied(
            _("Only the mentor or a coordinator of the programme can complete the relationship.")
        )
    now = timezone.now()
    with transaction.atomic():
        relationship = _lock_with_people(relationship)
        if relationship.state not in STARTED_STATES or relationship.started_at is None:
            _refuse(_("Only an active or paused relationship can be completed."), "not_started")
        _cancel_upcoming_sessions(
            relationship, by=by, reason=_("The mentoring is completed."), now=now
        )
        _move(relationship, to=State.COMPLETED, now=now, ended_at=now, end_reason="")
        _notify(relationship, "mentorship.relationship_completed", by=by)
    return relationship


def relationship_cancel(*, by, relationship: Relationship, reason: str) -> Relationship:
    """End the relationship early; its upcoming confirmed sessions are cancelled with it."""
    _check_party_or_coordinator(by, relationship)
    reason = (reason or "").strip()
    if not reason:
        _refuse(_("Say in a few words why the relationship ends."), "reason_required", "reason")
    if len(reason) > MAX_REASON:
        _refuse(
            _("Keep the reason under %(max)s characters.") % {"max": MAX_REASON},
            "reason_too_long",
            "reason",
        )
    now = timezone.now()
    with transaction.atomic():
        relationship = _lock_with_people(relationship)
        if not relationship.is_open:
            _refuse(_("This relationship has already ended."), "ended")
        reason = masked_for(relationship.mentee, reason)
        _cancel_upcoming_sessions(relationship, by=by, reason=reason, now=now)
        _move(relationship, to=State.CANCELLED, now=now, ended_at=now, end_reason=reason)
        _notify(relationship, "mentorship.relationship_cancelled", by=by)
    return relationship


# --- Goals and milestones -------------------------------------------------------------------


def _check_milestones(by, relationship: Relationship) -> None:
    _check_party(by, relationship)
    if relationship.state not in STARTED_STATES:
        _refuse(_("Goals are kept while the relationship is active or paused."), "not_started")


def milestone_add(*, by, relationship: Relationship, title: str, due_on=None) -> Milestone:
    _check_party(by, relationship)
    if not (title or "").strip():
        _refuse(_("Give the goal or milestone a title."), "title_required", "title")
    milestone = Milestone(
        relationship=relationship,
        title=masked_for(relationship.mentee, (title or "").strip()),
        due_on=due_on,
    )
    milestone.full_clean()
    now = timezone.now()
    with transaction.atomic():
        relationship = _lock(relationship)
        _check_milestones(by, relationship)
        milestone.relationship = relationship
        milestone.save()
        _touch(relationship, now)
    return milestone


def milestone_complete(*, by, milestone: Milestone) -> Milestone:
    """Mark a goal or milestone reached (once)."""
    _check_party(by, milestone.relationship)
    now = timezone.now()
    with transaction.atomic():
        relationship = _lock(milestone.relationship)
        _check_milestones(by, relationship)
        milestone = Milestone.objects.select_for_update().get(pk=milestone.pk)
        if milestone.done_at is not None:
            _refuse(_("This milestone is already reached."), "already_done")
        milestone.done_at = now
        milestone.save(update_fields=["done_at"])
        _touch(relationship, now)
    return milestone


def milestone_remove(*, by, milestone: Milestone) -> None:
    _check_party(by, milestone.relationship)
    now = timezone.now()
    with transaction.atomic():
        relationship = _lock(milestone.relationship)
        _check_milestones(by, relationship)
        Milestone.objects.filter(pk=milestone.pk).delete()
        _touch(relationship, now)


# --- Session notes --------------------------------------------------------------------------


def note_add(
    *, by, relationship: Relationship, body: str, shared: bool, booking: Booking | None = None
) -> SessionNote:
    """A mentor's note, private to them or shared with the mentee (and the coordinators)."""
    _check_mentor(by, relationship)
    if booking is not None and booking.relationship_id != relationship.pk:
        _refuse(_("Choose a session of this relationship."), "wrong_booking", "booking")
    if not (body or "").strip():
        _refuse(_("Write the note before saving it."), "body_required", "body")
    note = SessionNote(
        relationship=relationship,
        booking=booking,
        author=by,
        body=masked_for(relationship.mentee, (body or "").strip()),
        shared=bool(shared),
    )
    note.full_clean()
    now = timezone.now()
    with transaction.atomic():
        relationship = _lock(relationship)
        if not can_write_notes(by, relationship):
            _refuse(
                _("Notes are written while the relationship is active, paused or completed."),
                "ended",
            )
        note.relationship = relationship
        note.save()
        _touch(relationship, now)
        if note.shared:
            _notify(
                relationship,
                "mentorship.note_shared",
                by=by,
                recipients=[relationship.mentee.user],
            )
    return note


def note_remove(*, by, note: SessionNote) -> None:
    if not (by.is_authenticated and note.author_id == by.pk):
        raise PermissionDenied(_("Only the author of a note can remove it."))
    with transaction.atomic():
        SessionNote.objects.filter(pk=note.pk, author=by).delete()


# --- Feedback and the end survey ------------------------------------------------------------


def _clean_rating(value, field: str, message: str) -> int:
    try:
        rating = int(str(value).strip())
    except (TypeError, ValueError):
        _refuse(message, "invalid_rating", field)
    if not 1 <= rating <= 5:
        _refuse(message, "invalid_rating", field)
    return rating


def feedback_give(
    *, by, booking: Booking, rating, working: str, comment: str = ""
) -> SessionFeedback:
    """Once per person and session, after the session ended; a "no" to "is this pairing
    working?" notifies the programme's coordinators."""
    relationship = booking.relationship
    _check_party(by, relationship)
    rating = _clean_rating(rating, "rating", _("Give a rating from 1 to 5."))
    if working not in SessionFeedback.Working.values:
        _refuse(_("Say whether the pairing is working."), "invalid_working", "working")
    now = timezone.now()
    with transaction.atomic():
        # The relationship first, then the booking: the order every service here locks in.
        relationship = _lock(relationship)
        booking = Booking.objects.select_for_update().get(pk=booking.pk)
        if booking.status == Booking.Status.CANCELLED:
            _refuse(
                _("This session was cancelled: there is nothing to give feedback on."),
                "cancelled",
            )
        if booking.ends_at > now:
            _refuse(_("Feedback opens once the session has ended."), "not_ended")
        if SessionFeedback.objects.filter(booking=booking, author=by).exists():
            _refuse(_("You already gave feedback on this session."), "already_given")
        feedback = SessionFeedback(
            booking=booking,
            author=by,
            rating=rating,
            working=working,
            comment=(comment or "").strip(),
        )
        feedback.full_clean(validate_constraints=False)
        feedback.save()
        _touch(relationship, now)
        if working == SessionFeedback.Working.NO:
            _notify(
                relationship,
                "mentorship.pairing_not_working",
                by=by,
                recipients=list(relationship.programme.coordinators.filter(is_active=True)),
            )
    return feedback


def end_survey_give(
    *, by, relationship: Relationship, goals_reached, would_recommend: bool, comment: str = ""
) -> EndSurvey:
    """Each person answers once, after the relationship is completed."""
    _check_party(by, relationship)
    goals_reached = _clean_rating(
        goals_reached, "goals_reached", _("Say from 1 to 5 how far the goals were reached.")
    )
    with transaction.atomic():
        relationship = _lock(relationship)
        if relationship.state != State.COMPLETED:
            _refuse(_("The end survey opens once the relationship is completed."), "not_completed")
        if EndSurvey.objects.filter(relationship=relationship, author=by).exists():
            _refuse(_("You already answered the end survey."), "already_given")
        survey = EndSurvey(
            relationship=relationship,
            author=by,
            goals_reached=goals_reached,
            would_recommend=bool(would_recommend),
            comment=(comment or "").strip(),
        )
        survey.full_clean(validate_constraints=False)
        survey.save()
    return survey


# --- Nudges ---------------------------------------------------------------------------------


def _last_activity():
    """The latest of: the relationship's own activity (or its start), the room's last message
    and the last booking made. Each is coalesced, since SQLite's MAX() of a NULL is NULL."""
    base = Coalesce("last_activity_at", "started_at", "requested_at")
    last_booking = (
        Booking.objects.filter(relationship=OuterRef("pk"))
        .order_by()
        .values("relationship")
        .annotate(latest=Max("created_at"))
        .values("latest")
    )
    return Greatest(
        base,
        Coalesce("room__last_message_at", base),
        Coalesce(Subquery(last_booking), base),
    )


def nudges_tick(*, now: datetime | None = None) -> dict:
    """Send one gentle reminder to both people of each active relationship quiet for
    `nudge_days()` days; not again until something new happens followed by as many quiet days.
    Safe to run from two processes: each relationship is locked and checked again."""
    now = now or timezone.now()
    quiet_since = now - timedelta(days=nudge_days())
    due = (
        Relationship.objects.filter(state=State.ACTIVE)
        .annotate(activity=_last_activity())
        .filter(activity__lte=quiet_since)
        .filter(Q(nudged_at__isnull=True) | Q(nudged_at__lt=F("activity")))
    )
    nudged = 0
    for pk in list(due.values_list("pk", flat=True)):
        with transaction.atomic():
            relationship = (
                Relationship.objects.select_for_update(of=("self",), skip_locked=True)
                .filter(pk=pk, state=State.ACTIVE)
                .annotate(activity=_last_activity())
                .filter(activity__lte=quiet_since)
                .filter(Q(nudged_at__isnull=True) | Q(nudged_at__lt=F("activity")))
                .select_related("programme", "mentor__user", "mentee__user")
                .first()
            )
            if relationship is None:
                continue
            Relationship.objects.filter(pk=pk).update(nudged_at=now)
            notification_send(
                recipients=_people(relationship),
                actor=relationship.programme,
                verb="mentorship.nudge",
                target=relationship.programme,
                url=relationship.get_absolute_url(),
            )
            nudged += 1
    return {"nudged": nudged}
