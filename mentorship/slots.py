"""A mentor's free slots: weekly rules and exceptions expanded into bookable instants.

Rules and exceptions are wall-clock times in the mentor's own zone. Day by day in that zone,
the day's windows (the weekly rules valid that date, plus extra hours, minus hours taken off;
a day off removes everything) are cut into pieces of `mentor.session_minutes`, each converted
to UTC:

- a local start time skipped by a daylight-saving change (02:30 on the last Sunday of March in
  Paris) does not exist: that slot is dropped;
- a local start that happens twice (02:30 on the last Sunday of October) takes its first
  occurrence (fold=0);
- a session lasts `session_minutes` of real time, so on the night of a change two pieces cut
  from the wall clock may overlap in UTC: the later one is dropped.

Then the slots overlapping a confirmed booking of the mentor (or of the mentee, when given) are
removed, and so are those starting before `now` plus the minimum notice
(`MENTORSHIP_MIN_NOTICE_HOURS`, 12) or after `MENTORSHIP_WEEKS_AHEAD` weeks (8).

Three queries whatever the range: rules, exceptions, bookings.
"""

from collections import defaultdict
from datetime import UTC, date, datetime, time, timedelta

from django.conf import settings
from django.db.models import Q

from events.timezones import zone

from .models import (
    AvailabilityException,
    AvailabilityRule,
    Booking,
    InterventionNeed,
    MenteeProfile,
    MentorProfile,
    Volunteer,
)


def min_notice() -> timedelta:
    return timedelta(hours=getattr(settings, "MENTORSHIP_MIN_NOTICE_HOURS", 12))


def weeks_ahead() -> int:
    return getattr(settings, "MENTORSHIP_WEEKS_AHEAD", 8)


def bookable_range(now: datetime) -> tuple[datetime, datetime]:
    """The earliest and the latest start a booking may have right now."""
    return now + min_notice(), now + timedelta(weeks=weeks_ahead())


def _minutes(value: time) -> int:
    return value.hour * 60 + value.minute


def _subtract(windows: list[tuple[int, int]], cut: tuple[int, int]) -> list[tuple[int, int]]:
    """Windows in minutes of the day, without the minutes of `cut`."""
    result = []
    for start, end in windows:
        if cut[1] <= start or cut[0] >= end:
            result.append((start, end))
            continue
        if start < cut[0]:
            result.append((start, cut[0]))
        if cut[1] < end:
            result.append((cut[1], end))
    return result


def day_windows(
    day: date, rules: list[AvailabilityRule], exceptions: list[AvailabilityException]
) -> list[tuple[int, int]]:
    """The mentor's windows on a local date, in minutes since midnight, sorted."""
    windows = [
        (_minutes(rule.starts_at), _minutes(rule.ends_at))
        for rule in rules
        if rule.weekday == day.weekday()
        and (rule.valid_from is None or rule.valid_from <= day)
        and (rule.valid_until is None or day <= rule.valid_until)
    ]
    for exception in exceptions:
        if exception.starts_at is None:
            if not exception.available:
                return []  # A day off.
            continue
        hours = (_minutes(exception.starts_at), _minutes(exception.ends_at))
        if exception.available:
            windows.append(hours)
        else:
            windows = _subtract(windows, hours)
    # Extra hours may touch or overlap a rule: merge, so pieces are cut from one clean line.
    merged: list[list[int]] = []
    for start, end in sorted(windows):
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return [(start, end) for start, end in merged]


def _local_start(day: date, minute: int, tz) -> datetime | None:
    """The UTC instant of `day` at `minute` in `tz`; None when the clocks skip that time."""
    naive = datetime.combine(day, time(minute // 60, minute % 60))
    aware = naive.replace(tzinfo=tz, fold=0)
    utc = aware.astimezone(UTC)
    if utc.astimezone(tz).replace(tzinfo=None) != naive:
        return None
    return utc


def candidate_slots(
    mentor: MentorProfile,
    start: datetime,
    end: datetime,
    rules: list[AvailabilityRule],
    exceptions: list[AvailabilityException],
) -> list[datetime]:
    """Every slot start in [start, end) from the rules and exceptions, before bookings."""
    tz = zone(mentor.time_zone)
    length = mentor.session_minutes
    duration = timedelta(minutes=length)
    by_date: dict[date, list[AvailabilityException]] = defaultdict(list)
    for exception in exceptions:
        by_date[exception.date].append(exception)
    day = start.astimezone(tz).date()
    last_day = end.astimezone(tz).date()
    slots: list[datetime] = []
    while day <= last_day:
        for window_start, window_end in day_windows(day, rules, by_date.get(day, [])):
            minute = window_start
            while minute + length <= window_end:
                instant = _local_start(day, minute, tz)
                minute += length
                if instant is None or not (start <= instant < end):
                    continue
                # A change of clocks may make two wall-clock pieces overlap in real time.
                if slots and instant < slots[-1] + duration:
                    continue
                slots.append(instant)
        day += timedelta(days=1)
    return slots


def free_slots(
    mentor: MentorProfile,
    start: datetime,
    end: datetime,
    *,
    now: datetime,
    mentee: MenteeProfile | None = None,
    ignore_booking: Booking | None = None,
) -> list[datetime]:
    """The UTC starts of the mentor's free slots in [start, end), at least the minimum notice
    after `now` and at most the horizon ahead, that overlap no confirmed booking of the mentor
    (nor of the mentee, when given). `ignore_booking`: the booking being rescheduled."""
    earliest, latest = bookable_range(now)
    start, end = max(start, earliest), min(end, latest)
    if start >= end:
        return []
    rules = list(
        AvailabilityRule.objects.filter(mentor=mentor).filter(
            Q(valid_until__isnull=True) | Q(valid_until__gte=(start - timedelta(days=1)).date()),
            Q(valid_from__isnull=True) | Q(valid_from__lte=(end + timedelta(days=1)).date()),
        )
    )
    exceptions = list(
        AvailabilityException.objects.filter(
            mentor=mentor,
            date__gte=(start - timedelta(days=1)).date(),
            date__lte=(end + timedelta(days=1)).date(),
        )
    )
    candidates = candidate_slots(mentor, start, end, rules, exceptions)
    if not candidates:
        return []
    duration = timedelta(minutes=mentor.session_minutes)
    people = Q(mentor=mentor)
    if mentee is not None:
        people |= Q(mentee=mentee)
    busy = Booking.objects.filter(
        people,
        status=Booking.Status.CONFIRMED,
        starts_at__lt=candidates[-1] + duration,
        ends_at__gt=candidates[0],
    )
    if ignore_booking is not None:
        busy = busy.exclude(pk=ignore_booking.pk)
    # The interventions the mentor is confirmed for, as a marraine, hold her time too.
    interventions = Volunteer.objects.filter(
        mentor=mentor,
        status=Volunteer.Status.CONFIRMED,
        need__status__in=(InterventionNeed.Status.OPEN, InterventionNeed.Status.CONFIRMED),
        need__starts_at__lt=candidates[-1] + duration,
        need__ends_at__gt=candidates[0],
    ).values_list("need__starts_at", "need__ends_at")
    taken = sorted([*busy.values_list("starts_at", "ends_at"), *interventions])
    return [
        slot
        for slot in candidates
        if not any(b_start < slot + duration and slot < b_end for b_start, b_end in taken)
    ]


def next_free_slots(
    mentor: MentorProfile,
    *,
    now: datetime,
    mentee: MenteeProfile | None = None,
    ignore_booking: Booking | None = None,
) -> list[datetime]:
    """Every free slot from now to the horizon."""
    earliest, latest = bookable_range(now)
    return free_slots(
        mentor, earliest, latest, now=now, mentee=mentee, ignore_booking=ignore_booking
    )


def group_by_day(slots: list[datetime], tz_name: str) -> list[tuple[date, list[datetime]]]:
    """The slots as local times in `tz_name`, grouped by local date, in order."""
    tz = zone(tz_name)
    days: dict[date, list[datetime]] = {}
    for slot in slots:
        local = slot.astimezone(tz)
        days.setdefault(local.date(), []).append(local)
    return list(days.items())
