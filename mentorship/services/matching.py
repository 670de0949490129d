"""Requests between a mentee and a mentor in a one-to-one programme, and coordinators' pairings.

Rules (docs/mentorship.md, "Matching and requests"):
- A mentee asks a mentor (`request_create`) when they are enrolled in the programme (active
  enrolment), eligible for it (its age band), and, if a minor, with their guardian's valid
  consent. They have at most one open relationship (requested, active or paused) per programme.
- The mentor must take part in the programme, not be paused, be vetted for one-to-one
  mentoring, and have a place left: their open relationships stay within their capacity. The
  count is made with the mentor's profile row locked, so concurrent requests are served one
  after the other and never exceed it (lock order: the mentor's row, then the mentee's).
- A request expires `programme.request_days` after it was made; the mentor is reminded once
  after `programme.reminder_days`. An expired request goes to the next suggestion the mentee
  has not asked yet; when none is left, the mentee and the coordinators are told
  (`requests_tick`, run periodically).
- The mentor accepts (capacity checked again under the lock; the supervised conversation is
  opened) or declines. A coordinator may pair a mentee and a mentor at once
  (`relationship_assign`), under the same checks.
Notifications are written in the transaction and published after commit
(`community.notifications.notification_send`).
"""

import logging
from datetime import datetime, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from community.notifications import notification_send
from mentorship.contacts import masked_for
from mentorship.matching import suggestions_for
from mentorship.models import (
    OPEN_STATES,
    Enrolment,
    MenteeProfile,
    MentorProfile,
    Programme,
    ProgrammeMentor,
    Relationship,
)
from mentorship.permissions import (
    check_coordinate,
    check_minor_may_take_part,
    check_runs_one_to_one,
)

logger = logging.getLogger(__name__)

State = Relationship.State
MAX_MESSAGE = 2000
# How many further suggestions an expired request tries before saying none is left.
FORWARD_TRIES = 5

VERBS = {
    "mentorship.request_received": gettext_lazy("%(actor)s asks you to mentor them in %(target)s."),
    "mentorship.request_reminder": gettext_lazy(
        "%(actor)s is still waiting for your answer (%(target)s)."
    ),
    "mentorship.request_accepted": gettext_lazy("%(actor)s accepted to mentor you (%(target)s)."),
    "mentorship.request_declined": gettext_lazy(
        "%(actor)s cannot mentor you at the moment (%(target)s)."
    ),
    "mentorship.request_expired": gettext_lazy(
        "Your request to %(actor)s was not answered in time (%(target)s)."
    ),
    "mentorship.request_forwarded": gettext_lazy(
        "Your request went to another mentor, %(actor)s (%(target)s)."
    ),
    "mentorship.no_mentor_left": gettext_lazy(
        "No mentor is left to suggest to %(actor)s in %(target)s."
    ),
    "mentorship.no_mentor_left_mentee": gettext_lazy(
        "No other mentor is free in %(target)s for now: the coordinators have been told."
    ),
    "mentorship.assigned": gettext_lazy("%(actor)s paired you for mentoring in %(target)s."),
    "mentorship.request_withdrawn": gettext_lazy("%(actor)s withdrew their request (%(target)s)."),
    "mentorship.vetting_set": gettext_lazy("%(actor)s recorded your vetting as a mentor."),
}


def _refuse(message: str, code: str, field: str | None = None):
    if field:
        raise ValidationError({field: ValidationError(message, code=code)})
    raise ValidationError(message, code=code)


def _inbox_url() -> str:
    return reverse("mentorship:requests")


def _assign_url(programme: Programme) -> str:
    return reverse("mentorship:assign", kwargs={"slug": programme.slug})


def _coordinators(programme: Programme) -> list:
    return list(programme.coordinators.filter(is_active=True))


# --- Checks shared by requests and pairings ----------------------------------------------------


def _check_mentee(mentee: MenteeProfile, programme: Programme) -> None:
    if programme.kind != Programme.Kind.ONE_TO_ONE:
        _refuse(_("This programme has no one-to-one mentoring."), "not_one_to_one")
    if programme.ends_on < timezone.localdate():
        _refuse(_("This programme has ended."), "programme_ended")
    enrolled = Enrolment.objects.filter(
        programme=programme, mentee=mentee, status=Enrolment.Status.ACTIVE
    ).exists()
    if not enrolled:
        _refuse(_("The mentee is not enrolled in this programme."), "not_enrolled")
    if not programme.admits(mentee.age_band):
        _refuse(_("This programme is not open to the mentee's age group."), "not_eligible")
    check_minor_may_take_part(mentee, programme)


def _check_mentor(mentor: MentorProfile, programme: Programme, mentee: MenteeProfile) -> None:
    if mentor.user_id == mentee.user_id:
        _refuse(_("You cannot mentor yourself."), "self")
    if not mentor.user.is_active:
        _refuse(_("This mentor is no longer on the platform."), "mentor_inactive")
    if not ProgrammeMentor.objects.filter(programme=programme, mentor=mentor).exists():
        _refuse(_("This mentor does not take part in this programme."), "mentor_not_in_programme")
    if mentor.paused:
        _refuse(_("This mentor has paused their mentoring."), "mentor_paused")
    check_runs_one_to_one(mentor)


def _lock_mentor(mentor: MentorProfile) -> MentorProfile:
    """The mentor's row, locked until the end of the transaction: every count of their open
    relationships is made under it."""
    return (
        MentorProfile.objects.select_for_update(of=("self",))
        .select_related("user")
        .get(pk=mentor.pk)
    )


def _check_capacity(mentor: MentorProfile, *, counted: int = 0) -> None:
    """`counted`: open relationships already counted (a request being accepted is one)."""
    open_count = Relationship.objects.filter(mentor=mentor, state__in=OPEN_STATES).count()
    if open_count - counted >= mentor.capacity:
        _refuse(
            _("This mentor has no place left: they already follow as many mentees as they can."),
            "mentor_full",
        )


def _check_mentee_free(mentee: MenteeProfile, programme: Programme) -> None:
    if Relationship.objects.filter(
        programme=programme, mentee=mentee, state__in=OPEN_STATES
    ).exists():
        _refuse(
            _(
                "There is already an open request or mentoring in this programme: wait for its "
                "answer or withdraw it first."
            ),
            "mentee_busy",
        )


def _score(mentee: MenteeProfile, mentor: MentorProfile, programme: Programme) -> tuple[int, list]:
    found = suggestions_for(mentee, programme, limit=1, mentor_ids=[mentor.pk])
    if not found:
        return 0, []
    return found[0].score, found[0].reasons_json()


def _open_conversation(relationship: Relationship) -> None:
    """The supervised chat room of the pair (the conversations area makes it, with the
    coordinators in it when the mentee is a minor)."""
    from mentorship.services.conversations import conversation_open

    conversation_open(relationship=relationship)


def _recheck_under_lock(
    mentor: MentorProfile, mentee: MenteeProfile, programme: Programme | None = None
) -> None:
    """Read again once the rows are locked: a mentor who paused or lost their vetting a moment
    ago, or a consent withdrawn meanwhile, stops the request."""
    if mentor.paused:
        _refuse(_("This mentor has paused their mentoring."), "mentor_paused")
    check_runs_one_to_one(mentor)
    mentee.__dict__.pop("_current_consent", None)
    check_minor_may_take_part(mentee, programme)


def _make_request(
    *,
    mentee: MenteeProfile,
    mentor: MentorProfile,
    programme: Programme,
    message: str,
    now: datetime,
    score: int | None = None,
    reasons: list | None = None,
) -> Relationship:
    """Checks and creates a request; the caller holds a transaction."""
    _check_mentee(mentee, programme)
    _check_mentor(mentor, programme, mentee)
    mentor = _lock_mentor(mentor)
    MenteeProfile.objects.select_for_update(of=("self",)).filter(pk=mentee.pk).first()
    _recheck_under_lock(mentor, mentee, programme)
    _check_capacity(mentor)
    _check_mentee_free(mentee, programme)
    if score is None:
        score, reasons = _score(mentee, mentor, programme)
    try:
        with transaction.atomic():
            relationship = Relationship.objects.create(
                programme=programme,
                mentor=mentor,
                mentee=mentee,
                state=State.REQUESTED,
                message=message,
                score=score,
                reasons=reasons or [],
                expires_at=now + timedelta(days=programme.request_days),
                last_activity_at=now,
            )
    except IntegrityError:
        _refuse(_("You have already asked this mentor."), "duplicate")
    notification_send(
        recipients=[mentor.user],
        actor=mentee.user,
        verb="mentorship.request_received",
        target=programme,
        url=_inbox_url(),
    )
    return relationship


# --- Requests ----------------------------------------------------------------------------------


def request_create(
    *,
    by,
    mentee: MenteeProfile,
    mentor: MentorProfile,
    programme: Programme,
    message: str = "",
) -> Relationship:
    """A mentee asks a mentor of the programme to mentor them."""
    if not (by and by.is_authenticated and by.is_active) or mentee.user_id != by.pk:
        raise PermissionDenied(_("Only the mentee can ask a mentor for themselves."))
    message = masked_for(mentee, (message or "").strip())
    if len(message) > MAX_MESSAGE:
        _refuse(
            _("Keep the message under %(max)s characters.") % {"max": MAX_MESSAGE},
            "message_too_long",
            "message",
        )
    with transaction.atomic():
        return _make_request(
            mentee=mentee, mentor=mentor, programme=programme, message=message, now=timezone.now()
        )


def _lock_relationship(relationship: Relationship) -> tuple[Relationship, MentorProfile]:
    """Lock the mentor's row first (always in this order), then the relationship, read afresh."""
    mentor = _lock_mentor(relationship.mentor)
    relationship = (
        Relationship.objects.select_for_update(of=("self",))
        .select_related("programme", "mentee__user", "mentor__user")
        .get(pk=relationship.pk)
    )
    return relationship, mentor


def request_accept(*, by, relationship: Relationship) -> Relationship:
    """The mentor accepts a request: the relationship becomes active and the conversation opens."""
    if not (by and by.is_authenticated and relationship.mentor.user_id == by.pk):
        raise PermissionDenied(_("Only the mentor asked can answer this request."))
    now = timezone.now()
    with transaction.atomic():
        relationship, mentor = _lock_relationship(relationship)
        if relationship.state != State.REQUESTED:
            _refuse(_("This request is no longer waiting for an answer."), "not_requested")
        if relationship.expires_at and relationship.expires_at <= now:
            _refuse(_("This request has expired."), "expired")
        if mentor.paused:
            _refuse(_("Resume your mentoring before accepting a request."), "mentor_paused")
        check_runs_one_to_one(mentor)
        check_minor_may_take_part(relationship.mentee, relationship.programme)
        # The request is one of the open relationships counted.
        _check_capacity(mentor, counted=1)
        relationship.state = State.ACTIVE
        relationship.started_at = now
        relationship.last_activity_at = now
        relationship.save(update_fields=["state", "started_at", "last_activity_at"])
        _open_conversation(relationship)
        notification_send(
            recipients=[relationship.mentee.user],
            actor=by,
            verb="mentorship.request_accepted",
            target=relationship.programme,
            url=relationship.get_absolute_url(),
        )
    return relationship


def request_decline(*, by, relationship: Relationship, reason: str = "") -> Relationship:
    """The mentor declines a request; the mentee may ask someone else."""
    if not (by and by.is_authenticated and relationship.mentor.user_id == by.pk):
        raise PermissionDenied(_("Only the mentor asked can answer this request."))
    reason = (reason or "").strip()
    if len(reason) > 300:
        _refuse(_("Keep the reason under 300 characters."), "reason_too_long", "reason")
    with transaction.atomic():
        relationship, _mentor = _lock_relationship(relationship)
        if relationship.state != State.REQUESTED:
            _refuse(_("This request is no longer waiting for an answer."), "not_requested")
        relationship.state = State.DECLINED
        relationship.ended_at = timezone.now()
        relationship.end_reason = masked_for(relationship.mentee, reason)
        relationship.save(update_fields=["state", "ended_at", "end_reason"])
        notification_send(
            recipients=[relationship.mentee.user],
            actor=by,
            verb="mentorship.request_declined",
            target=relationship.programme,
            url=_inbox_url(),
        )
    return relationship


def request_withdraw(*, by, relationship: Relationship) -> Relationship:
    """The mentee withdraws their own request before it is answered."""
    if not (by and by.is_authenticated and relationship.mentee.user_id == by.pk):
        raise PermissionDenied(_("Only the mentee who asked can withdraw this request."))
    with transaction.atomic():
        relationship, _mentor = _lock_relationship(relationship)
        if relationship.state != State.REQUESTED:
            _refuse(_("This request is no longer waiting for an answer."), "not_requested")
        relationship.state = State.CANCELLED
        relationship.ended_at = timezone.now()
        relationship.end_reason = _("Withdrawn by the mentee.")
        relationship.save(update_fields=["state", "ended_at", "end_reason"])
        notification_send(
            recipients=[relationship.mentor.user],
            actor=by,
            verb="mentorship.request_withdrawn",
            target=relationship.programme,
            url=_inbox_url(),
        )
    return relationship


def relationship_assign(
    *, by, mentee: MenteeProfile, mentor: MentorProfile, programme: Programme
) -> Relationship:
    """A coordinator pairs a mentee and a mentor: active at once, under the same checks."""
    check_coordinate(by, programme)
    now = timezone.now()
    with transaction.atomic():
        _check_mentee(mentee, programme)
        _check_mentor(mentor, programme, mentee)
        mentor = _lock_mentor(mentor)
        MenteeProfile.objects.select_for_update(of=("self",)).filter(pk=mentee.pk).first()
        _recheck_under_lock(mentor, mentee, programme)
        _check_capacity(mentor)
        _check_mentee_free(mentee, programme)
        score, reasons = _score(mentee, mentor, programme)
        try:
            with transaction.atomic():
                relationship = Relationship.objects.create(
                    programme=programme,
                    mentor=mentor,
                    mentee=mentee,
                    state=State.ACTIVE,
                    score=score,
                    reasons=reasons,
                    assigned_by=by,
                    started_at=now,
                    last_activity_at=now,
                )
        except IntegrityError:
            _refuse(_("These two are already paired in this programme."), "duplicate")
        _open_conversation(relationship)
        notification_send(
            recipients=[mentor.user, mentee.user],
            actor=by,
            verb="mentorship.assigned",
            target=programme,
            url=relationship.get_absolute_url(),
        )
    return relationship


# --- Reminders, expiry and the next suggestion ---------------------------------------------------


def _remind(relationship_id: int, now: datetime) -> bool:
    with transaction.atomic():
        relationship = (
            Relationship.objects.select_for_update(of=("self",))
            .select_related("programme", "mentor__user", "mentee__user")
            .filter(pk=relationship_id, state=State.REQUESTED, reminded_at__isnull=True)
            .first()
        )
        if (
            relationship is None
            or relationship.expires_at is None
            or relationship.expires_at <= now
        ):
            return False
        programme = relationship.programme
        # Counted from the expiry, which was set from the clock of the call that made the request.
        due = relationship.expires_at - timedelta(
            days=programme.request_days - programme.reminder_days
        )
        if due > now:
            return False
        relationship.reminded_at = now
        relationship.save(update_fields=["reminded_at"])
        notification_send(
            recipients=[relationship.mentor.user],
            actor=relationship.mentee.user,
            verb="mentorship.request_reminder",
            target=relationship.programme,
            url=_inbox_url(),
        )
    return True


def _forward(expired: Relationship, now: datetime) -> str:
    """Ask the next suggestion the mentee has not asked yet: "forwarded", "none" (nobody left:
    mentee and coordinators told) or "stopped" (the mentee may no longer take part)."""
    mentee, programme = expired.mentee, expired.programme
    try:
        _check_mentee(mentee, programme)
    except (ValidationError, PermissionDenied):
        return "stopped"
    for suggestion in suggestions_for(mentee, programme, limit=FORWARD_TRIES):
        try:
            with transaction.atomic():
                relationship = _make_request(
                    mentee=mentee,
                    mentor=suggestion.mentor,
                    programme=programme,
                    message=expired.message,
                    now=now,
                    score=suggestion.score,
                    reasons=suggestion.reasons_json(),
                )
        except (ValidationError, PermissionDenied):
            continue  # taken or paused in the meantime: the next one
        notification_send(
            recipients=[mentee.user],
            actor=relationship.mentor.user,
            verb="mentorship.request_forwarded",
            target=programme,
            url=_inbox_url(),
        )
        return "forwarded"
    notification_send(
        recipients=[mentee.user],
        actor=programme,
        verb="mentorship.no_mentor_left_mentee",
        target=programme,
        url=_inbox_url(),
    )
    notification_send(
        recipients=_coordinators(programme),
        actor=mentee.user,
        verb="mentorship.no_mentor_left",
        target=programme,
        url=_assign_url(programme),
    )
    return "none"


def _expire(relationship_id: int, now: datetime) -> str | None:
    with transaction.atomic():
        relationship = (
            Relationship.objects.select_for_update(of=("self",))
            .select_related("programme", "mentor__user", "mentee__user")
            .filter(pk=relationship_id, state=State.REQUESTED, expires_at__lte=now)
            .first()
        )
        if relationship is None:
            return None
        relationship.state = State.EXPIRED
        relationship.ended_at = now
        relationship.save(update_fields=["state", "ended_at"])
        notification_send(
            recipients=[relationship.mentee.user],
            actor=relationship.mentor.user,
            verb="mentorship.request_expired",
            target=relationship.programme,
            url=_inbox_url(),
        )
    # Forwarded in transactions of its own, once the expired row's lock is released: the next
    # request locks another mentor's row and the mentee's, which other services lock in the
    # opposite order to this row (a minor's consent withdrawn pauses the mentee's requests).
    with transaction.atomic():
        return _forward(relationship, now)


def requests_tick(*, now: datetime | None = None) -> dict:
    """Remind mentors of requests left unanswered, expire the overdue ones and send each to the
    next suggestion. Idempotent: a second run at the same time changes nothing."""
    now = now or timezone.now()
    counts = {"reminded": 0, "expired": 0, "forwarded": 0, "unmatched": 0, "stopped": 0}
    waiting = Relationship.objects.filter(state=State.REQUESTED)
    for pk in (
        waiting.filter(expires_at__lte=now)
        .order_by("expires_at", "pk")
        .values_list("pk", flat=True)
    ):
        outcome = _expire(pk, now)
        if outcome is None:
            continue
        counts["expired"] += 1
        counts[{"forwarded": "forwarded", "none": "unmatched", "stopped": "stopped"}[outcome]] += 1
    for pk in (
        waiting.filter(reminded_at__isnull=True, expires_at__gt=now)
        .order_by("pk")
        .values_list("pk", flat=True)
    ):
        if _remind(pk, now):
            counts["reminded"] += 1
    return counts
