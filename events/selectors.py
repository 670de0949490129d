"""Reads about events that depend on who asks: lists, tickets, attendees and figures."""

from collections.abc import Iterable
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db.models import Case, Count, F, IntegerField, Q, QuerySet, Sum, Value, When
from django.http import Http404
from django.utils import timezone
from django.utils.formats import date_format

from community.library.citations import Citation
from community.models import Membership, Space
from community.selectors import spaces_visible_to
from events import permissions
from events.models import EventPage, Registration

Status = Registration.Status


def seats_held(event: EventPage) -> int:
    """Seats taken by confirmed registrations and held for offered ones."""
    total = event.registrations.filter(status__in=Registration.HOLDING).aggregate(
        total=Sum("seats")
    )["total"]
    return total or 0


def events_visible_to(user) -> QuerySet[EventPage]:
    """Live events, without those of spaces the user cannot see."""
    visible_spaces = spaces_visible_to(user).values("pk")
    return EventPage.objects.live().filter(Q(space__isnull=True) | Q(space__in=visible_spaces))


def library_citations(user, page) -> list[Citation]:
    """The events presenting a library item (or its other language's version), for its page.

    Only events the user may see; upcoming ones first (soonest first), then past ones (latest
    first); ten at most, in one query.
    """
    now = timezone.now()
    events = (
        events_visible_to(user)
        .filter(practices__translation_key=page.translation_key)
        .annotate(
            past=Case(
                When(end__gt=now, then=Value(0)), default=Value(1), output_field=IntegerField()
            )
        )
        .order_by(
            "past",
            Case(When(end__gt=now, then=F("start"))).asc(nulls_last=True),
            F("start").desc(),
            "pk",
        )
        .distinct()[:10]
    )
    return [
        Citation(
            "event", event.title, event.url, detail=date_format(event.local_start, "DATE_FORMAT")
        )
        for event in events
    ]


@dataclass
class EventFilters:
    when: str = "upcoming"  # upcoming | past
    event_type: str = ""
    theme: str = ""  # Theme slug
    space: str = ""  # Space slug
    cluster: str = ""  # Cluster slug
    format: str = ""  # in_person | online (hybrid counts as both)

    @classmethod
    def from_query(cls, query) -> "EventFilters":
        when = query.get("when", "upcoming")
        return cls(
            when=when if when in ("upcoming", "past") else "upcoming",
            event_type=query.get("type", "") if query.get("type") in EventPage.Type.values else "",
            theme=query.get("theme", "")[:60],
            space=query.get("space", "")[:80],
            cluster=query.get("cluster", "")[:80],
            format=query.get("format", "")
            if query.get("format") in ("in_person", "online")
            else "",
        )


def event_list(*, user, filters: EventFilters) -> QuerySet[EventPage]:
    now = timezone.now()
    events = events_visible_to(user)
    if filters.when == "past":
        events = events.filter(end__lte=now).order_by("-start", "-pk")
    else:
        events = events.filter(end__gt=now).order_by("start", "pk")
    if filters.event_type:
        events = events.filter(event_type=filters.event_type)
    if filters.theme:
        events = events.filter(themes__slug=filters.theme)
    if filters.space:
        events = events.filter(space__slug=filters.space)
    if filters.cluster:
        events = events.filter(
            Q(cluster__slug=filters.cluster) | Q(space__cluster__slug=filters.cluster)
        )
    if filters.format == "online":
        events = events.exclude(format=EventPage.Format.IN_PERSON)
    elif filters.format == "in_person":
        events = events.exclude(format=EventPage.Format.ONLINE)
    return events.select_related("space", "cluster").distinct()


def upcoming_events(*, user, space: Space | None = None, limit: int = 3) -> list[EventPage]:
    """The next events for the home page, or for a space's page."""
    events = events_visible_to(user).filter(end__gt=timezone.now())
    if space is not None:
        events = events.filter(space=space)
    return list(events.select_related("space").order_by("start", "pk")[:limit])


def access_event(*, user, event_id: int) -> EventPage:
    if not 0 < event_id < 2**63:
        raise Http404  # SQLite overflows on a larger id instead of finding nothing
    event = (
        EventPage.objects.select_related("space__cluster", "cluster").filter(pk=event_id).first()
    )
    if event is None or not permissions.can_view_event(user, event):
        raise Http404
    return event


def access_managed_event(*, user, event_id: int) -> EventPage:
    """An event the user runs (404 if they cannot see it, PermissionDenied if they only see it)."""
    event = access_event(user=user, event_id=event_id)
    permissions.check_manage_event(user, event)
    return event


def access_registration(*, user, registration_id: int) -> Registration:
    """A ticket, for its holder and the event's organisers; 404 for anyone else."""
    registration = (
        Registration.objects.select_related("event", "user__profile", "event__space")
        .filter(pk=registration_id)
        .first()
    )
    if registration is None or not permissions.can_view_registration(user, registration):
        raise Http404
    return registration


def registration_of(*, user, event: EventPage) -> Registration | None:
    """The user's active registration for the event, if any."""
    if not (user and user.is_authenticated):
        return None
    return (
        event.registrations.filter(user=user, status__in=Registration.ACTIVE)
        .select_related("event")
        .first()
    )


def waitlist_position(registration: Registration) -> int | None:
    """1 for the first in line; None when not on the waiting list."""
    if registration.status != Status.WAITLISTED:
        return None
    ahead = Registration.objects.filter(
        event_id=registration.event_id, status=Status.WAITLISTED
    ).filter(
        Q(queued_at__lt=registration.queued_at)
        | Q(queued_at=registration.queued_at, pk__lt=registration.pk)
    )
    return ahead.count() + 1


@dataclass
class Availability:
    capacity: int | None
    held: int
    waiting: int

    @property
    def free(self) -> int | None:
        return None if self.capacity is None else max(self.capacity - self.held, 0)

    @property
    def is_full(self) -> bool:
        return self.capacity is not None and self.held >= self.capacity


def availability(event: EventPage) -> Availability:
    counts = event.registrations.aggregate(
        held=Sum("seats", filter=Q(status__in=Registration.HOLDING)),
        waiting=Count("pk", filter=Q(status=Status.WAITLISTED)),
    )
    return Availability(
        capacity=event.capacity, held=counts["held"] or 0, waiting=counts["waiting"] or 0
    )


def attach_availability(events: Iterable[EventPage]) -> list[EventPage]:
    """Give each event of a list its `availability` (seats held, people waiting) in one query."""
    events = list(events)
    counts = {}
    if events:
        rows = (
            Registration.objects.filter(event_id__in=[event.pk for event in events])
            .order_by()
            .values("event_id")
            .annotate(
                held=Sum("seats", filter=Q(status__in=Registration.HOLDING)),
                waiting=Count("pk", filter=Q(status=Status.WAITLISTED)),
            )
        )
        counts = {row["event_id"]: row for row in rows}
    for event in events:
        row = counts.get(event.pk, {})
        event.availability = Availability(
            capacity=event.capacity, held=row.get("held") or 0, waiting=row.get("waiting") or 0
        )
    return events


def my_registrations(*, user, past: bool = False) -> QuerySet[Registration]:
    now = timezone.now()
    registrations = Registration.objects.filter(user=user, event__live=True).select_related("event")
    if past:
        return registrations.filter(event__end__lte=now).order_by("-event__start")
    return registrations.filter(status__in=Registration.ACTIVE, event__end__gt=now).order_by(
        "event__start"
    )


def calendar_registrations(user) -> QuerySet[Registration]:
    """What a personal calendar feed holds: confirmed and offered seats, past year onwards."""
    since = timezone.now() - timezone.timedelta(days=365)
    return (
        Registration.objects.filter(
            user=user,
            status__in=Registration.HOLDING,
            event__in=events_visible_to(user),
            event__end__gte=since,
        )
        .select_related("event")
        .order_by("event__start")
    )


def attendees(*, event: EventPage, query: str = "", status: str = "") -> QuerySet[Registration]:
    """The organisers' list; `query` matches names and e-mail addresses."""
    registrations = event.registrations.select_related("user__profile__organisation")
    if status in Status.values:
        registrations = registrations.filter(status=status)
    else:
        registrations = registrations.filter(status__in=Registration.ACTIVE)
    query = (query or "").strip()[:100]
    if query:
        registrations = registrations.filter(
            Q(user__profile__display_name__icontains=query)
            | Q(user__email__icontains=query)
            | Q(guest_name__icontains=query)
            | Q(guest_email__icontains=query)
        )
    return registrations.order_by("status", "queued_at", "created_at", "pk")


def event_managers(event: EventPage) -> QuerySet:
    """Everyone who runs the event (to notify them): organisers, animators of its space and
    cluster. Staff are not included: they can act, but are not told of every event."""
    User = get_user_model()
    q = Q(organised_events=event)
    if event.space_id:
        q |= Q(
            memberships__space_id=event.space_id,
            memberships__state=Membership.State.ACTIVE,
            memberships__role=Membership.Role.ANIMATOR,
        )
        if event.space.cluster_id:
            q |= Q(animated_clusters=event.space.cluster_id)
    if event.cluster_id:
        q |= Q(animated_clusters=event.cluster_id)
    return User.objects.filter(q, is_active=True).distinct()


@dataclass
class EventFigures:
    registered: int  # seats of confirmed registrations
    waitlisted: int  # seats waiting
    present: int  # seats checked in
    no_show: int  # seats marked absent
    people_reached: int  # distinct people present: members once each, plus seats they brought
    organisations: int  # distinct organisations among the members present


def event_figures(event: EventPage) -> EventFigures:
    """The figures an event shows and the indicators will add up."""
    confirmed = event.registrations.filter(status=Status.CONFIRMED)
    counts = confirmed.aggregate(
        registered=Sum("seats"),
        present=Sum("seats", filter=Q(attendance=Registration.Attendance.PRESENT)),
        no_show=Sum("seats", filter=Q(attendance=Registration.Attendance.ABSENT)),
        organisations=Count(
            "user__profile__organisation",
            distinct=True,
            filter=Q(attendance=Registration.Attendance.PRESENT),
        ),
    )
    waitlisted = event.registrations.filter(
        status__in=(Status.WAITLISTED, Status.OFFERED)
    ).aggregate(total=Sum("seats"))["total"]
    present = counts["present"] or 0
    return EventFigures(
        registered=counts["registered"] or 0,
        waitlisted=waitlisted or 0,
        present=present,
        no_show=counts["no_show"] or 0,
        people_reached=present,
        organisations=counts["organisations"] or 0,
    )


def people_reached(events) -> int:
    """Distinct people present across several events: a member at three events counts once;
    the extra seats of a registration (a class) and guests count as they are."""
    present = Registration.objects.filter(
        event__in=events,
        status=Status.CONFIRMED,
        attendance=Registration.Attendance.PRESENT,
    )
    members = present.filter(user__isnull=False).values("user").distinct().count()
    extra = present.filter(user__isnull=False).aggregate(total=Sum("seats"))["total"] or 0
    extra -= present.filter(user__isnull=False).count()
    guests = present.filter(user__isnull=True).aggregate(total=Sum("seats"))["total"] or 0
    return members + extra + guests


def managed_events(user) -> QuerySet[EventPage]:
    """Events the user runs, for the organiser's list ("Events I organise")."""
    from community.permissions import is_platform_staff

    events = EventPage.objects.all()
    if is_platform_staff(user):
        return events.order_by("-start")
    animated_spaces = Membership.objects.filter(
        user=user, state=Membership.State.ACTIVE, role=Membership.Role.ANIMATOR
    ).values("space")
    clusters = user.animated_clusters.values("pk")
    return (
        events.filter(
            Q(organisers=user)
            | Q(space__in=animated_spaces)
            | Q(space__cluster__in=clusters)
            | Q(cluster__in=clusters)
        )
        .distinct()
        .order_by("-start")
    )


def feedback_of(*, user, event: EventPage):
    if not (user and user.is_authenticated):
        return None
    return event.feedback.filter(user=user).first()
