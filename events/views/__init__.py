"""The events app's views: participants (`public`), calendars, organisers (`organiser`)."""

from events.views.public import event_detail, event_index

__all__ = ["event_detail", "event_index"]
