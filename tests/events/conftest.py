"""Event fixtures: a published event under the events index, and plain helpers.

`make_event(**fields)` creates and publishes an event page (a workshop in Rennes in two days,
two hours long, 10 seats, unless told otherwise; `publish=False` leaves a draft).
`register(event, user, **kw)` goes through the service. `fresh(instance)` reloads a row.
"""

from datetime import timedelta

import pytest
from django.utils import timezone

from events import services
from events.models import EventIndexPage, EventPage
from tests.factories import UserFactory


def fresh(instance):
    instance.refresh_from_db()
    return instance


def register(event, user=None, **kwargs):
    return services.registration_create(event=event, user=user or UserFactory(), **kwargs)


@pytest.fixture
def events_index(db):
    return EventIndexPage.objects.get()


@pytest.fixture
def make_event(events_index):
    counter = {"n": 0}

    def make(*, publish=True, organisers=(), themes=(), questions=(), **fields) -> EventPage:
        counter["n"] += 1
        start = fields.pop("start", timezone.now() + timedelta(days=2))
        values = {
            "title": f"Atelier mixité {counter['n']}",
            "slug": f"atelier-mixite-{counter['n']}",
            "event_type": EventPage.Type.WORKSHOP,
            "summary": "Repérer les stéréotypes dans les offres d'emploi.",
            "start": start,
            "end": fields.pop("end", start + timedelta(hours=2)),
            "city": "Rennes",
            "venue_name": "Maison des entreprises",
            "capacity": 10,
        }
        values.update(fields)
        event = EventPage(**values)
        for position, question in enumerate(questions):
            event.questions.add(event.questions.model(sort_order=position, **question))
        events_index.add_child(instance=event)
        if organisers:
            event.organisers.set(organisers)
        if themes:
            event.themes.set(themes)
        if publish:
            event.save_revision().publish()
        else:
            # A draft that was never published: not live, its relations saved with the row.
            event.live = False
            event.save()
            event.save_revision()
        return EventPage.objects.get(pk=event.pk)

    return make


@pytest.fixture
def event(make_event):
    return make_event()


@pytest.fixture
def organiser(db):
    return UserFactory(profile__display_name="Olivia Organisatrice")


@pytest.fixture
def organised_event(make_event, organiser):
    return make_event(organisers=[organiser])
