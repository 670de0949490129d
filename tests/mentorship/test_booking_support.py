"""What the booking and slot tests share (no tests here): a mentor with weekly hours, a
relationship, and fixed instants, so the tests never depend on today's date."""

from datetime import UTC, datetime, time

from mentorship.models import AvailabilityException, AvailabilityRule
from tests.factories import UserFactory
from tests.mentorship.factories import (
    MenteeProfileFactory,
    MentorProfileFactory,
    ProgrammeFactory,
    RelationshipFactory,
)

# A Monday; the next day's 18:00 in Paris (winter, UTC+1) is 17:00 UTC.
NOW = datetime(2027, 1, 4, 8, 0, tzinfo=UTC)
TUESDAY_18H = datetime(2027, 1, 5, 17, 0, tzinfo=UTC)
TUESDAY_19H = datetime(2027, 1, 5, 18, 0, tzinfo=UTC)


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


def rule(mentor, weekday: int, starts: str, ends: str, **kwargs) -> AvailabilityRule:
    return AvailabilityRule.objects.create(
        mentor=mentor,
        weekday=weekday,
        starts_at=time.fromisoformat(starts),
        ends_at=time.fromisoformat(ends),
        **kwargs,
    )


def exception(mentor, day, *, available=False, starts=None, ends=None) -> AvailabilityException:
    return AvailabilityException.objects.create(
        mentor=mentor,
        date=day,
        available=available,
        starts_at=time.fromisoformat(starts) if starts else None,
        ends_at=time.fromisoformat(ends) if ends else None,
    )


def pair(*, mentor=None, mentee=None, mentee_tz="Europe/Paris", coordinator=None, **mentor_kw):
    """An active relationship between a vetted mentor (Paris, online, 60-minute sessions,
    Tuesdays 18:00-20:00) and an adult mentee."""
    if mentor is None:
        mentor = MentorProfileFactory(
            user=UserFactory(profile__display_name="Marraine Ingénieure"), **mentor_kw
        )
        rule(mentor, 1, "18:00", "20:00")
    if mentee is None:
        mentee = MenteeProfileFactory(
            user=UserFactory(profile__display_name="Léa Mentee"), time_zone=mentee_tz
        )
    programme = ProgrammeFactory(coordinators=[coordinator] if coordinator else None)
    return RelationshipFactory(programme=programme, mentor=mentor, mentee=mentee)
