"""Wall-clock times in an event's own time zone, and their daylight-saving traps.

An event is stored in UTC with the name of its time zone. Organisers type local times; a local
time that does not exist (clocks jump forward) is refused, and one that happens twice (clocks go
back) means its first occurrence. Durations are computed in UTC, so an evening-to-morning event
across a change lasts what it really lasts.
"""

from datetime import datetime
from functools import cache
from zoneinfo import ZoneInfo, available_timezones

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

DEFAULT_TIME_ZONE = "Europe/Paris"
UTC = ZoneInfo("UTC")


@cache
def time_zone_choices() -> list[tuple[str, str]]:
    names = sorted(name for name in available_timezones() if "/" in name and "Etc" not in name)
    return [(name, name.replace("_", " ")) for name in names]


def zone(name: str) -> ZoneInfo:
    return ZoneInfo(name or DEFAULT_TIME_ZONE)


def local_to_utc(naive: datetime, tz_name: str, *, field: str | None = None) -> datetime:
    """The aware instant of a wall-clock time in `tz_name`; a skipped local time is refused."""
    tz = zone(tz_name)
    aware = naive.replace(tzinfo=tz, fold=0)
    # A skipped time does not survive the round trip through UTC: 02:30 becomes 03:30.
    if aware.astimezone(UTC).astimezone(tz).replace(tzinfo=None) != naive:
        message = _(
            "%(time)s does not exist in %(zone)s: the clocks go forward that night. "
            "Choose a time after the change."
        ) % {"time": naive.strftime("%d/%m/%Y %H:%M"), "zone": tz_name}
        error = ValidationError(message, code="nonexistent_time")
        raise ValidationError({field: error}) if field else error
    # In UTC, not in the event's zone: Python subtracts and compares two datetimes of the same
    # zone by their wall-clock times, which would make a night across a change an hour off.
    return aware.astimezone(UTC)


def utc_to_local(value: datetime, tz_name: str) -> datetime:
    """The naive wall-clock time of an aware instant in `tz_name`."""
    return value.astimezone(zone(tz_name)).replace(tzinfo=None)
