"""Cohorts ("promotions"): the schedule, attendance, completion, certificates and ambassadors.

A cohort is a Programme of kind `cohort`; its members are its active enrolments (a completed one
is an alumna). Rules (also in docs/mentorship.md):

- Only the programme's coordinators (platform staff included) add, change or remove sessions,
  take attendance and mark completion.
- A session is typed in a local time zone (Europe/Paris unless the coordinator chooses another)
  and stored in UTC; a local time the clocks skip is refused. It may be linked to a live event
  of the platform the coordinator can see.
- Attendance is taken only for a session that has started, and only for the programme's active
  members; the whole register is written in one transaction (the session row locked), and an
  unknown member refuses it all.
- Completion: a member completes when she attended at least `completion_min_sessions`
  sessions; `cohort_complete` marks all who meet the rule and says who does not. A programme
  whose rule is 0 cannot complete anyone (a certificate says sessions were attended).
- A completed member (and only she, or a coordinator) gets the certificate; she alone may opt in
  or out as an ambassador. The cohort page lists the ambassadors of earlier cohorts of the same
  cluster; a minor ambassador is named only to the coordinators of her own programme.
- A minor's attendance and certificate are seen by her and the coordinators, nobody else.
"""

from dataclasses import dataclass, field
from datetime import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from community.notifications import notification_send
from events.selectors import events_visible_to
from events.timezones import DEFAULT_TIME_ZONE, local_to_utc, time_zone_choices
from mentorship.models import Attendance, CohortSession, Enrolment, Programme
from mentorship.permissions import check_coordinate, is_coordinator, mentee_of, mentor_of

VERBS = {
    "mentorship.cohort_session_added": gettext_lazy("A session was added to %(target)s."),
    "mentorship.cohort_session_changed": gettext_lazy("A session of %(target)s changed."),
    "mentorship.cohort_session_removed": gettext_lazy("A session of %(target)s was cancelled."),
    "mentorship.cohort_completed": gettext_lazy(
        "You completed %(target)s: your certificate is ready."
    ),
}

SESSION_FIELDS = ("title", "kind", "starts_at", "ends_at", "time_zone", "place", "event")
Status = Enrolment.Status


def _refuse(message: str, code: str, field_name: str | None = None):
    if field_name:
        raise ValidationError({field_name: ValidationError(message, code=code)})
    raise ValidationError(message, code=code)


def check_cohort(programme: Programme) -> None:
    if programme.kind != Programme.Kind.COHORT:
        _refuse(_("This programme is not a cohort."), "not_a_cohort")


def viewer_time_zone(user) -> str:
    """The zone a person reads times in: her mentee or mentor profile's, else Europe/Paris."""
    for profile in (mentee_of(user), mentor_of(user)):
        if profile is not None and profile.time_zone:
            return profile.time_zone
    return DEFAULT_TIME_ZONE


def _members(programme: Programme):
    return Enrolment.objects.filter(programme=programme, status=Status.ACTIVE)


def _notify_members(programme: Programme, verb: str, *, by) -> None:
    users = [e.mentee.user for e in _members(programme).select_related("mentee__user")]
    notification_send(
        recipients=users,
        actor=programme,
        verb=verb,
        target=programme,
        exclude=by,
        url=cohort_url(programme),
    )


def cohort_url(programme: Programme) -> str:
    return reverse("mentorship:cohort", kwargs={"slug": programme.slug})


# --- The schedule -------------------------------------------------------------------------------


def _clean_session(session: CohortSession, *, by, fields: dict) -> None:
    unknown = set(fields) - set(SESSION_FIELDS)
    if unknown:
        raise ValueError(f"Unknown session fields: {sorted(unknown)}")
    tz_name = fields.get("time_zone") or session.time_zone or DEFAULT_TIME_ZONE
    if tz_name not in dict(time_zone_choices()):
        _refuse(_("Choose a time zone from the list."), "invalid_time_zone", "time_zone")
    fields = {**fields, "time_zone": tz_name}
    for name in ("starts_at", "ends_at"):
        value = fields.get(name)
        # Typed as wall-clock times in the session's zone; a skipped time is refused.
        if isinstance(value, datetime) and timezone.is_naive(value):
            fields[name] = local_to_utc(value, tz_name, field=name)
    event = fields.get("event")
    if event is not None and not events_visible_to(by).filter(pk=event.pk).exists():
        _refuse(_("Choose an event published on the platform."), "invalid_event", "event")
    for name, value in fields.items():
        setattr(session, name, value)
    if session.starts_at and session.ends_at and session.ends_at <= session.starts_at:
        _refuse(_("The session must end after it starts."), "ends_before_start", "ends_at")
    session.full_clean()


def session_create(*, by, programme: Programme, **fields) -> CohortSession:
    check_coordinate(by, programme)
    check_cohort(programme)
    session = CohortSession(programme=programme)
    _clean_session(session, by=by, fields=fields)
    with transaction.atomic():
        session.save()
        _notify_members(programme, "mentorship.cohort_session_added", by=by)
    return session


def session_update(*, by, session: CohortSession, **fields) -> CohortSession:
    programme = session.programme
    check_coordinate(by, programme)
    _clean_session(session, by=by, fields=fields)
    with transaction.atomic():
        session.save()
        _notify_members(programme, "mentorship.cohort_session_changed", by=by)
    return session


def session_delete(*, by, session: CohortSession) -> None:
    """A session whose attendance was taken stays: completion and certificates rest on it."""
    programme = session.programme
    check_coordinate(by, programme)
    with transaction.atomic():
        locked = CohortSession.objects.select_for_update().get(pk=session.pk)
        if Attendance.objects.filter(session=locked).exists():
            _refuse(
                _("Attendance was taken for this session: it cannot be removed."),
                "attendance_taken",
            )
        upcoming = locked.starts_at > timezone.now()
        locked.delete()
        if upcoming:
            _notify_members(programme, "mentorship.cohort_session_removed", by=by)


# --- Attendance ---------------------------------------------------------------------------------


def attendance_record(*, by, session: CohortSession, present: dict) -> list[Attendance]:
    """Record who was there: `present` maps enrolment ids to True (present) or False (absent).

    Members left out keep what was recorded before (or nothing)."""
    programme = session.programme
    check_coordinate(by, programme)
    check_cohort(programme)
    if session.starts_at > timezone.now():
        _refuse(
            _("This session has not started yet: attendance is taken once it has begun."),
            "session_not_started",
        )
    if not present:
        _refuse(_("Mark at least one member present or absent."), "empty_register")
    try:
        wanted = {int(key): value for key, value in present.items()}
    except (TypeError, ValueError):
        _refuse(_("The register names someone who is not a member."), "not_a_member")
    if any(not isinstance(value, bool) for value in wanted.values()):
        _refuse(_("Mark each member present or absent."), "invalid_value")
    with transaction.atomic():
        CohortSession.objects.select_for_update().get(pk=session.pk)
        members = set(_members(programme).filter(pk__in=wanted).values_list("pk", flat=True))
        if members != set(wanted):
            _refuse(
                _("The register names someone who is not a member of this cohort."),
                "not_a_member",
            )
        existing = {
            row.enrolment_id: row
            for row in Attendance.objects.filter(session=session, enrolment_id__in=wanted)
        }
        rows, changed = [], []
        now = timezone.now()
        for enrolment_id, value in sorted(wanted.items()):
            row = existing.get(enrolment_id)
            if row is None:
                rows.append(
                    Attendance(
                        session=session, enrolment_id=enrolment_id, present=value, recorded_by=by
                    )
                )
            elif row.present != value:
                row.present, row.recorded_by, row.recorded_at = value, by, now
                changed.append(row)
        Attendance.objects.bulk_create(rows)
        Attendance.objects.bulk_update(changed, ["present", "recorded_by", "recorded_at"])
    return list(Attendance.objects.filter(session=session).order_by("enrolment_id"))


# --- Progress and completion --------------------------------------------------------------------


@dataclass
class Progress:
    enrolment: Enrolment
    attended: int
    needed: int

    @property
    def meets_rule(self) -> bool:
        return self.needed > 0 and self.attended >= self.needed

    @property
    def missing(self) -> int:
        return max(self.needed - self.attended, 0)


def cohort_progress(programme: Programme, *, statuses=(Status.ACTIVE, Status.COMPLETED)):
    """Each member's sessions attended against the rule, in one query (coordinators only)."""
    enrolments = (
        Enrolment.objects.filter(programme=programme, status__in=statuses)
        .select_related("mentee__user__profile")
        .annotate(attended=Count("attendance", filter=Q(attendance__present=True)))
        .order_by("mentee__user__profile__display_name", "pk")
    )
    return [
        Progress(enrolment=e, attended=e.attended, needed=programme.completion_min_sessions)
        for e in enrolments
    ]


@dataclass
class CompletionResult:
    completed: list[Progress] = field(default_factory=list)
    not_yet: list[Progress] = field(default_factory=list)


def cohort_complete(*, by, programme: Programme) -> CompletionResult:
    """Mark every active member who meets the rule completed; say who does not."""
    check_coordinate(by, programme)
    check_cohort(programme)
    if programme.completion_min_sessions < 1:
        _refuse(
            _(
                "Set the number of sessions a member must attend to complete before marking "
                "anyone completed."
            ),
            "no_rule",
        )
    result = CompletionResult()
    with transaction.atomic():
        Programme.objects.select_for_update().get(pk=programme.pk)
        now = timezone.now()
        for progress in cohort_progress(programme, statuses=(Status.ACTIVE,)):
            if progress.meets_rule:
                result.completed.append(progress)
            else:
                result.not_yet.append(progress)
        ids = [p.enrolment.pk for p in result.completed]
        Enrolment.objects.filter(pk__in=ids, status=Status.ACTIVE).update(
            status=Status.COMPLETED, completed_at=now
        )
        for progress in result.completed:
            progress.enrolment.status = Status.COMPLETED
            progress.enrolment.completed_at = now
        notification_send(
            recipients=[p.enrolment.mentee.user for p in result.completed],
            actor=programme,
            verb="mentorship.cohort_completed",
            target=programme,
            exclude=by,
            url=cohort_url(programme),
        )
    return result


# --- Alumni -------------------------------------------------------------------------------------


def enrolment_set_ambassador(*, by, enrolment: Enrolment, ambassador: bool) -> Enrolment:
    """An alumna (a completed member) opts in or out as an ambassador, herself only."""
    if by is None or by.pk != enrolment.mentee.user_id:
        raise PermissionDenied(_("Only the alumna herself can choose to be an ambassador."))
    check_cohort(enrolment.programme)
    with transaction.atomic():
        locked = Enrolment.objects.select_for_update().get(pk=enrolment.pk)
        if locked.status != Status.COMPLETED:
            _refuse(_("Ambassadors are alumnae: complete the cohort first."), "not_completed")
        locked.ambassador = bool(ambassador)
        locked.save(update_fields=["ambassador"])
    enrolment.ambassador = locked.ambassador
    return enrolment


@dataclass
class Ambassador:
    name: str
    programme: Programme
    is_minor: bool


def earlier_ambassadors(programme: Programme, *, viewer) -> tuple[list[Ambassador], int]:
    """Ambassadors of the cohorts of the same cluster that started before this one, and how many
    more there are whom the viewer may not see named (minors, named only to the coordinators of
    their own programme). One query."""
    if programme.cluster_id is None:
        return [], 0
    rows = (
        Enrolment.objects.filter(
            programme__cluster_id=programme.cluster_id,
            programme__kind=Programme.Kind.COHORT,
            programme__starts_on__lt=programme.starts_on,
            status=Status.COMPLETED,
            ambassador=True,
            mentee__user__is_active=True,
        )
        .select_related("programme", "mentee__user__profile")
        .order_by("-programme__starts_on", "mentee__user__profile__display_name", "pk")
    )
    shown, hidden = [], 0
    for row in rows:
        mentee = row.mentee
        if mentee.is_minor and not is_coordinator(viewer, row.programme):
            hidden += 1
            continue
        shown.append(
            Ambassador(
                name=mentee.user.profile.display_name,
                programme=row.programme,
                is_minor=mentee.is_minor,
            )
        )
    return shown, hidden


# --- Indicators ---------------------------------------------------------------------------------


def cohort_figures(programme: Programme) -> dict:
    """For the coordinator dashboard: members (active and completed), completed, and the
    attendance rate (present / attendance recorded, in percent; None before any register)."""
    counts = Enrolment.objects.filter(programme=programme).aggregate(
        members=Count("pk", filter=Q(status__in=(Status.ACTIVE, Status.COMPLETED))),
        completed=Count("pk", filter=Q(status=Status.COMPLETED)),
    )
    attendance = Attendance.objects.filter(session__programme=programme).aggregate(
        recorded=Count("pk"), present=Count("pk", filter=Q(present=True))
    )
    rate = (
        round(100 * attendance["present"] / attendance["recorded"])
        if attendance["recorded"]
        else None
    )
    return {
        "members": counts["members"],
        "completed": counts["completed"],
        "attendance_rate": rate,
        "sessions_held": CohortSession.objects.filter(
            programme=programme, starts_at__lte=timezone.now()
        ).count(),
    }
