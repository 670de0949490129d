"""Free slots: weekly rules and exceptions in the mentor's zone, across daylight-saving changes,
minus bookings, the past, the minimum notice and the horizon; in a constant number of queries."""

from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from mentorship import slots
from mentorship.models import Booking
from tests.mentorship.factories import (
    BookingFactory,
    MenteeProfileFactory,
    MentorProfileFactory,
    RelationshipFactory,
)
from tests.mentorship.test_booking_support import NOW, exception, pair, rule, utc

pytestmark = pytest.mark.django_db

EARLY_MARCH = utc(2027, 3, 20, 8, 0)  # a week before the European spring change
EARLY_OCTOBER = utc(2027, 10, 25, 8, 0)  # a week before the European autumn change


def _free(mentor, start, end, *, now, **kwargs):
    return slots.free_slots(mentor, start, end, now=now, **kwargs)


def test_a_weekly_rule_in_paris_gives_its_hours_cut_in_sessions_in_utc():
    mentor = MentorProfileFactory(session_minutes=60)
    rule(mentor, 1, "18:00", "20:00")

    found = _free(mentor, utc(2027, 1, 4), utc(2027, 1, 12), now=NOW)

    assert found == [utc(2027, 1, 5, 17), utc(2027, 1, 5, 18)]


def test_a_window_shorter_than_a_session_gives_no_slot_and_a_remainder_is_left_out():
    mentor = MentorProfileFactory(session_minutes=45)
    rule(mentor, 1, "18:00", "19:40")
    rule(mentor, 2, "09:00", "09:30")

    found = _free(mentor, utc(2027, 1, 4), utc(2027, 1, 8), now=NOW)

    assert found == [utc(2027, 1, 5, 17), utc(2027, 1, 5, 17, 45)]


def test_the_local_hour_skipped_in_march_is_dropped_in_paris():
    # Sunday 28 March 2027: at 02:00 the clocks jump to 03:00.
    mentor = MentorProfileFactory(session_minutes=60)
    rule(mentor, 6, "01:00", "04:00")

    found = _free(mentor, utc(2027, 3, 27), utc(2027, 3, 29), now=EARLY_MARCH)

    # 01:00 CET is 00:00 UTC; 02:00 does not exist; 03:00 CEST is 01:00 UTC.
    assert found == [utc(2027, 3, 28, 0), utc(2027, 3, 28, 1)]


def test_sessions_cut_from_the_wall_clock_never_overlap_in_real_time_on_the_spring_night():
    mentor = MentorProfileFactory(session_minutes=90)
    rule(mentor, 6, "00:00", "06:00")

    found = _free(mentor, utc(2027, 3, 27), utc(2027, 3, 29), now=EARLY_MARCH)

    # 00:00 and 01:30 CET; 03:00 CEST (01:00 UTC) would overlap the 01:30 session (until
    # 02:00 UTC) and is dropped; 04:30 CEST is 02:30 UTC.
    assert found == [utc(2027, 3, 27, 23), utc(2027, 3, 28, 0, 30), utc(2027, 3, 28, 2, 30)]
    ends = [start + timedelta(minutes=90) for start in found]
    assert all(end <= following for end, following in zip(ends, found[1:], strict=False))


def test_the_local_hour_repeated_in_october_takes_its_first_occurrence_in_paris():
    # Sunday 31 October 2027: at 03:00 the clocks go back to 02:00.
    mentor = MentorProfileFactory(session_minutes=60)
    rule(mentor, 6, "01:00", "04:00")

    found = _free(mentor, utc(2027, 10, 30), utc(2027, 11, 1), now=EARLY_OCTOBER)

    # 01:00 CEST = 23:00 UTC, 02:00 (first, CEST) = 00:00 UTC, 03:00 CET = 02:00 UTC.
    assert found == [utc(2027, 10, 30, 23), utc(2027, 10, 31, 0), utc(2027, 10, 31, 2)]


def test_a_weekly_rule_keeps_its_local_hour_on_both_sides_of_a_change():
    mentor = MentorProfileFactory(session_minutes=60)
    rule(mentor, 1, "18:00", "19:00")

    found = _free(mentor, utc(2027, 3, 22), utc(2027, 4, 1), now=EARLY_MARCH)

    # 18:00 in Paris: 17:00 UTC in winter, 16:00 UTC in summer.
    assert found == [utc(2027, 3, 23, 17), utc(2027, 3, 30, 16)]


def test_a_mentee_in_montreal_sees_the_slots_shift_while_only_one_side_has_changed_clocks():
    # North America moves on 14 March 2027, Europe on 28 March.
    mentor = MentorProfileFactory(session_minutes=60)
    rule(mentor, 1, "18:00", "19:00")
    now = utc(2027, 3, 1)

    found = _free(mentor, utc(2027, 3, 8), utc(2027, 4, 1), now=now)
    days = slots.group_by_day(found, "America/Montreal")

    assert [(day, [t.strftime("%H:%M") for t in times]) for day, times in days] == [
        (date(2027, 3, 9), ["12:00"]),  # both on winter time: 6 hours apart
        (date(2027, 3, 16), ["13:00"]),  # Montreal on summer time only: 5 hours apart
        (date(2027, 3, 23), ["13:00"]),
        (date(2027, 3, 30), ["12:00"]),  # both on summer time: 6 hours apart again
    ]
    assert all(t.tzinfo.key == "America/Montreal" for _day, times in days for t in times)


def test_a_mentor_in_montreal_and_the_autumn_changes_a_week_apart():
    # Europe goes back on 31 October 2027, North America on 7 November.
    mentor = MentorProfileFactory(session_minutes=60, time_zone="America/Montreal")
    rule(mentor, 2, "12:00", "13:00")

    found = _free(mentor, utc(2027, 10, 25), utc(2027, 11, 11), now=EARLY_OCTOBER)
    in_paris = slots.group_by_day(found, "Europe/Paris")

    assert found == [utc(2027, 10, 27, 16), utc(2027, 11, 3, 16), utc(2027, 11, 10, 17)]
    assert [times[0].strftime("%H:%M") for _day, times in in_paris] == ["18:00", "17:00", "18:00"]


def test_a_day_off_removes_the_day_and_hours_off_remove_only_those_hours():
    mentor = MentorProfileFactory(session_minutes=60)
    rule(mentor, 1, "18:00", "21:00")
    exception(mentor, date(2027, 1, 5))
    exception(mentor, date(2027, 1, 12), starts="19:00", ends="20:00")

    found = _free(mentor, utc(2027, 1, 4), utc(2027, 1, 14), now=NOW)

    assert found == [utc(2027, 1, 12, 17), utc(2027, 1, 12, 19)]


def test_extra_hours_on_a_date_add_slots_and_merge_with_a_touching_rule():
    mentor = MentorProfileFactory(session_minutes=60)
    rule(mentor, 1, "18:00", "19:30")
    exception(mentor, date(2027, 1, 5), available=True, starts="19:30", ends="20:30")
    exception(mentor, date(2027, 1, 7), available=True, starts="10:00", ends="11:00")

    found = _free(mentor, utc(2027, 1, 4), utc(2027, 1, 8), now=NOW)

    # One window 18:00-20:30 (not 18:00-19:30 and 19:30-20:30, which would give 18:00 and
    # 19:30): 18:00 and 19:00.
    assert found == [utc(2027, 1, 5, 17), utc(2027, 1, 5, 18), utc(2027, 1, 7, 9)]


def test_a_rule_applies_only_between_its_dates():
    mentor = MentorProfileFactory(session_minutes=60)
    rule(mentor, 1, "18:00", "19:00", valid_from=date(2027, 1, 12), valid_until=date(2027, 1, 19))

    found = _free(mentor, utc(2027, 1, 4), utc(2027, 2, 1), now=NOW)

    assert found == [utc(2027, 1, 12, 17), utc(2027, 1, 19, 17)]


def test_confirmed_bookings_of_the_mentor_take_their_slots_and_cancelled_ones_free_them():
    relationship = pair()
    mentor = relationship.mentor
    BookingFactory(relationship=relationship, starts_at=utc(2027, 1, 5, 17))
    BookingFactory(
        relationship=relationship,
        starts_at=utc(2027, 1, 12, 17),
        status=Booking.Status.CANCELLED,
    )

    found = _free(mentor, utc(2027, 1, 4), utc(2027, 1, 14), now=NOW)

    assert found == [utc(2027, 1, 5, 18), utc(2027, 1, 12, 17), utc(2027, 1, 12, 18)]


def test_a_booking_that_overlaps_part_of_a_slot_takes_the_whole_slot():
    relationship = pair()
    BookingFactory(
        relationship=relationship,
        starts_at=utc(2027, 1, 5, 17, 30),
        ends_at=utc(2027, 1, 5, 18, 0),
    )

    found = _free(relationship.mentor, utc(2027, 1, 4), utc(2027, 1, 6), now=NOW)

    assert found == [utc(2027, 1, 5, 18)]


def test_the_mentees_sessions_with_another_mentor_take_their_slots_when_the_mentee_is_given():
    relationship = pair()
    other = RelationshipFactory(mentee=relationship.mentee)
    BookingFactory(relationship=other, starts_at=utc(2027, 1, 5, 18))

    for_anyone = _free(relationship.mentor, utc(2027, 1, 4), utc(2027, 1, 6), now=NOW)
    for_the_mentee = _free(
        relationship.mentor,
        utc(2027, 1, 4),
        utc(2027, 1, 6),
        now=NOW,
        mentee=relationship.mentee,
    )

    assert for_anyone == [utc(2027, 1, 5, 17), utc(2027, 1, 5, 18)]
    assert for_the_mentee == [utc(2027, 1, 5, 17)]


def test_the_past_the_minimum_notice_and_the_horizon_are_left_out(settings):
    settings.MENTORSHIP_MIN_NOTICE_HOURS = 12
    settings.MENTORSHIP_WEEKS_AHEAD = 2
    mentor = MentorProfileFactory(session_minutes=60)
    rule(mentor, 1, "18:00", "19:00")
    now = utc(2027, 1, 5, 6)  # Tuesday 07:00 in Paris: today's 18:00 is 11 hours away

    found = _free(mentor, utc(2026, 12, 1), utc(2027, 6, 1), now=now)

    assert found == [utc(2027, 1, 12, 17)]
    assert slots.next_free_slots(mentor, now=now) == found


def test_free_slots_take_four_queries_whatever_the_number_of_rules_and_bookings():
    """Rules, exceptions, bookings and the mentor's confirmed interventions."""
    small = pair()
    big = pair()
    for weekday in range(7):
        rule(big.mentor, weekday, "08:00", "12:00")
        exception(big.mentor, date(2027, 1, 20 + weekday))
    for week in range(6):
        BookingFactory(relationship=big, starts_at=utc(2027, 1, 5, 17) + timedelta(weeks=week))
    other_mentee = MenteeProfileFactory()

    counts = []
    for relationship in (small, big):
        with CaptureQueriesContext(connection) as queries:
            found = slots.next_free_slots(relationship.mentor, now=NOW, mentee=other_mentee)
        counts.append(len(queries))
        assert found

    assert counts == [4, 4]
