from .pages import EventIndexPage, EventPage, EventQuestion, ProgrammeSlot, Speaker
from .registrations import (
    CalendarFeed,
    ClosingReport,
    Feedback,
    PublishedSchedule,
    Registration,
)

__all__ = [
    "CalendarFeed",
    "ClosingReport",
    "EventIndexPage",
    "EventPage",
    "EventQuestion",
    "Feedback",
    "ProgrammeSlot",
    "PublishedSchedule",
    "Registration",
    "Speaker",
]
