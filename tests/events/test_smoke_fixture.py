from events.models import Registration
from tests.events.conftest import fresh, register


def test_the_third_person_is_waitlisted_and_a_cancellation_offers_her_the_seat(make_event):
    event = make_event(capacity=2)
    first, second, third = (register(event) for _ in range(3))
    assert [first.status, second.status, third.status] == ["confirmed", "confirmed", "waitlisted"]
    from events import services

    services.registration_cancel(by=first.user, registration=first)
    assert fresh(third).status == Registration.Status.OFFERED
    assert event.live and event.organisers.count() == 0
