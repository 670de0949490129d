"""Reads for the programme pages and the coordinators' dashboard.

Every figure is one aggregate query over the programme, whatever the number of mentees,
mentors or sessions, so the dashboard keeps a constant number of queries.
"""

from dataclasses import dataclass
from datetime import timedelta

from django.db.models import (
    Avg,
    BooleanField,
    Case,
    Count,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    Subquery,
    Sum,
    Value,
    When,
)
from django.utils import timezone
from django.utils.translation import gettext as _

from mentorship.models import (
    CONSENT_TEXT_VERSION,
    MINOR_BANDS,
    OPEN_STATES,
    AgeBand,
    Booking,
    ConcernReport,
    ContactFlag,
    Enrolment,
    GuardianConsent,
    MenteeProfile,
    Programme,
    ProgrammeMentor,
    Relationship,
    SessionFeedback,
)


def programmes_listed():
    """Every programme, with its coordinators' and places' figures for the list."""
    return Programme.objects.select_related("cluster").annotate(
        active_mentees=Count("enrolments", filter=Q(enrolments__status="active"), distinct=True),
        mentor_count=Count("mentor_links", distinct=True),
    )


@dataclass
class Dashboard:
    programme: Programme
    pending_requests: list
    unmatched: list
    unmatched_count: int
    sessions_held: int
    hours_held: float
    upcoming_sessions: int
    feedback_count: int
    feedback_average: float | None
    not_working: int
    latest_feedback: list
    open_concerns: int
    unseen_flags: int
    consents_missing: int
    without_consent: list
    mentors: int
    mentor_list: list
    mentees: int


LIST_SIZE = 20


def with_consent_state(mentees, programme: Programme):
    """Annotate mentee profiles with `consent_ok`: in SQL, what `permissions.consent_is_valid`
    says of a minor in `programme` (the latest consent request is given, to the current text,
    names the programme or none, and under 15 the mentee agreed)."""
    latest = GuardianConsent.objects.filter(mentee=OuterRef("pk")).order_by("-requested_at", "-pk")
    named = GuardianConsent.programmes.through.objects.filter(
        guardianconsent_id=OuterRef("latest_id")
    )
    return mentees.annotate(
        latest_id=Subquery(latest.values("pk")[:1]),
        latest_state=Subquery(latest.values("state")[:1]),
        latest_agreed=Subquery(latest.values("mentee_agreed_at")[:1]),
        latest_version=Subquery(latest.values("text_version")[:1]),
    ).annotate(
        covered=Case(
            When(~Exists(named) | Exists(named.filter(programme_id=programme.pk)), then=True),
            default=False,
            output_field=BooleanField(),
        ),
        consent_ok=Case(
            When(
                Q(latest_state=GuardianConsent.State.GIVEN, latest_version=CONSENT_TEXT_VERSION)
                & Q(covered=True)
                & (~Q(age_band=AgeBand.UNDER_15) | Q(latest_agreed__isnull=False)),
                then=Value(True),
            ),
            default=Value(False),
            output_field=BooleanField(),
        ),
    )


def _consent_label(mentee) -> str:
    """Why a minor's consent is not valid, in words (from `with_consent_state`)."""
    if mentee.latest_state is None:
        return _("never asked")
    if mentee.latest_state == GuardianConsent.State.GIVEN:
        if mentee.latest_version != CONSENT_TEXT_VERSION:
            return _("given to an earlier text")
        if not mentee.covered:
            return _("given for other programmes")
        return _("given by the guardian; the young person has not agreed yet")
    return GuardianConsent.State(mentee.latest_state).label


def dashboard_for(programme: Programme, *, now=None) -> Dashboard:
    now = now or timezone.now()
    pending = list(
        Relationship.objects.filter(programme=programme, state=Relationship.State.REQUESTED)
        .select_related("mentor__user__profile", "mentee__user__profile")
        .order_by("expires_at")[:LIST_SIZE]
    )
    enrolled = Enrolment.objects.filter(programme=programme, status=Enrolment.Status.ACTIVE)
    matched = Relationship.objects.filter(programme=programme, state__in=OPEN_STATES).values(
        "mentee_id"
    )
    unmatched_qs = enrolled.exclude(mentee_id__in=matched)
    if programme.kind != Programme.Kind.ONE_TO_ONE:
        unmatched_qs = unmatched_qs.none()
    unmatched = list(
        unmatched_qs.select_related("mentee__user__profile").order_by("enrolled_at")[:LIST_SIZE]
    )
    bookings = Booking.objects.filter(
        relationship__programme=programme, status=Booking.Status.CONFIRMED
    )
    held = bookings.filter(ends_at__lte=now).aggregate(
        count=Count("pk"),
        length=Sum(ExpressionWrapper(F("ends_at") - F("starts_at"), output_field=DurationField())),
    )
    feedback = SessionFeedback.objects.filter(booking__relationship__programme=programme)
    feedback_figures = feedback.aggregate(
        count=Count("pk"),
        average=Avg("rating"),
        not_working=Count("pk", filter=Q(working=SessionFeedback.Working.NO)),
    )
    without_consent = with_consent_state(
        MenteeProfile.objects.filter(
            enrolments__programme=programme,
            enrolments__status=Enrolment.Status.ACTIVE,
            age_band__in=MINOR_BANDS,
        ),
        programme,
    ).filter(consent_ok=False)
    missing = list(without_consent.select_related("user__profile").order_by("pk")[:LIST_SIZE])
    for mentee in missing:
        mentee.consent_label = _consent_label(mentee)
    length = held["length"] or timedelta()
    return Dashboard(
        programme=programme,
        pending_requests=pending,
        unmatched=unmatched,
        unmatched_count=unmatched_qs.count(),
        sessions_held=held["count"],
        hours_held=round(length.total_seconds() / 3600, 1),
        upcoming_sessions=bookings.filter(starts_at__gt=now).count(),
        feedback_count=feedback_figures["count"],
        feedback_average=(
            round(feedback_figures["average"], 1) if feedback_figures["average"] else None
        ),
        not_working=feedback_figures["not_working"],
        latest_feedback=list(
            feedback.exclude(comment="")
            .select_related("author__profile", "booking")
            .order_by("-created_at")[:5]
        ),
        open_concerns=ConcernReport.objects.filter(programme=programme)
        .exclude(status=ConcernReport.Status.CLOSED)
        .count(),
        unseen_flags=ContactFlag.objects.filter(
            message__room__mentorship__programme=programme, seen_at__isnull=True
        ).count(),
        consents_missing=without_consent.count(),
        without_consent=missing,
        mentors=ProgrammeMentor.objects.filter(programme=programme).count(),
        mentor_list=list(
            ProgrammeMentor.objects.filter(programme=programme)
            .select_related("mentor__user__profile")
            .order_by("mentor__vetting", "pk")[:LIST_SIZE]
        ),
        mentees=enrolled.count(),
    )
