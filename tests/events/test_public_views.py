"""The participants' pages: the agenda, an event, registering, the ticket, "my events"."""

from datetime import UTC, datetime, time, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from community.models import Membership, Profile, Theme
from events import services
from events.models import ClosingReport, EventPage, ProgrammeSlot, Registration, Speaker
from tests.events.conftest import fresh, register
from tests.factories import ClusterFactory, MembershipFactory, SpaceFactory, UserFactory

pytestmark = pytest.mark.django_db

AGENDA = "/events/"


def titles(response) -> set[str]:
    return {event.title for event in response.context["events"].object_list}


def count_queries(client, url) -> int:
    client.get(url)  # the first request of a site makes its settings row; count the next one
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


def add_slot(event, *, speakers=(), **fields) -> ProgrammeSlot:
    values = {"starts_at": time(9), "ends_at": time(10), "title": "Introduction"}
    values.update(fields)
    slot = ProgrammeSlot(page=event, **values)
    slot.save()
    if speakers:
        slot.speakers.set(speakers)
        slot.save()
    return slot


def confirmed(event, user, **fields) -> Registration:
    """A confirmed seat written directly (the service refuses to register for a past event)."""
    return Registration.objects.create(
        event=event, user=user, status=Registration.Status.CONFIRMED, **fields
    )


# --- The agenda ------------------------------------------------------------------------------


def test_the_agenda_lists_upcoming_events_by_default_and_past_ones_on_request(client, make_event):
    make_event(title="À venir")
    past_start = timezone.now() - timedelta(days=5)
    make_event(title="Passé", start=past_start)

    assert titles(client.get(AGENDA)) == {"À venir"}
    assert titles(client.get(AGENDA + "?when=past")) == {"Passé"}


@pytest.fixture
def varied_events(make_event):
    """Two clusters, a space, two themes, both formats and two types."""
    north, south = ClusterFactory(name="Nord"), ClusterFactory(name="Sud")
    space = SpaceFactory(name="Recrutement", cluster=north)
    themes = list(Theme.objects.order_by("pk")[:2])
    make_event(
        title="Atelier Nord",
        event_type=EventPage.Type.WORKSHOP,
        space=space,
        themes=[themes[0]],
    )
    make_event(
        title="Webinaire Sud",
        event_type=EventPage.Type.WEBINAR,
        cluster=south,
        themes=[themes[1]],
        format=EventPage.Format.ONLINE,
        online_url="https://visio.example.org/sud",
    )
    return {"space": space, "north": north, "south": south, "themes": themes}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("type=webinar", {"Webinaire Sud"}),
        ("theme={theme0}", {"Atelier Nord"}),
        ("theme={theme1}", {"Webinaire Sud"}),
        ("space={space}", {"Atelier Nord"}),
        ("cluster={north}", {"Atelier Nord"}),
        ("cluster={south}", {"Webinaire Sud"}),
        ("format=online", {"Webinaire Sud"}),
        ("format=in_person", {"Atelier Nord"}),
        ("type=nonsense", {"Atelier Nord", "Webinaire Sud"}),
    ],
)
def test_each_agenda_filter_keeps_only_the_matching_events(client, varied_events, query, expected):
    query = query.format(
        theme0=varied_events["themes"][0].slug,
        theme1=varied_events["themes"][1].slug,
        space=varied_events["space"].slug,
        north=varied_events["north"].slug,
        south=varied_events["south"].slug,
    )
    assert titles(client.get(f"{AGENDA}?{query}")) == expected


def test_the_agenda_filters_answer_htmx_with_the_list_alone(client, varied_events):
    response = client.get(AGENDA + "?type=webinar", headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert b"<html" not in response.content
    assert b"Webinaire Sud" in response.content
    assert b"Atelier Nord" not in response.content
    assert "HX-Request" in response["Vary"]


def test_the_agenda_cards_say_seats_left_full_or_no_limit(client, make_event):
    make_event(title="Places", capacity=3)
    full = make_event(title="Complet", capacity=1)
    register(full)
    make_event(title="Illimité", capacity=None)
    content = client.get(AGENDA).content.decode()
    assert "3 seats left" in content
    assert "Full – waiting list" in content
    assert "No limit" in content


def test_the_agenda_card_says_online_for_an_online_event(client, make_event):
    make_event(
        title="Visio",
        format=EventPage.Format.ONLINE,
        online_url="https://visio.example.org/secret-room",
        venue_name="",
        city="",
    )
    content = client.get(AGENDA).content.decode()
    assert "Online" in content
    assert "secret-room" not in content


def test_the_agenda_keeps_its_query_count_when_events_grow_tenfold(
    client, member, make_event, django_assert_max_num_queries
):
    space = SpaceFactory()
    themes = list(Theme.objects.all()[:2])

    def grow(n):
        for _ in range(n):
            event = make_event(space=space, themes=themes, cluster=space.cluster)
            register(event)

    client.force_login(member)
    grow(3)
    small = count_queries(client, AGENDA)
    grow(27)
    client.get(AGENDA)  # warm the caches the growth emptied (site root paths)
    with django_assert_max_num_queries(small):
        response = client.get(AGENDA)
    assert len(response.context["events"].object_list) == 12
    assert small <= 19  # 15, the three lookups deciding the "Events I organise" link, the site root


# --- Private spaces ----------------------------------------------------------------------------


def test_an_event_of_a_private_space_is_hidden_from_non_members(
    client, member, other_member, make_event, private_space
):
    event = make_event(title="Comité secret", space=private_space)
    MembershipFactory(space=private_space, user=other_member)

    client.force_login(member)
    assert client.get(event.url).status_code == 404
    assert "Comité secret" not in titles(client.get(AGENDA))
    assert b"Comit\xc3\xa9 secret" not in client.get("/").content
    response = client.post(reverse("events:register", args=[event.pk]))
    assert response.status_code == 404
    assert not Registration.objects.exists()

    client.force_login(other_member)
    assert client.get(event.url).status_code == 200
    assert "Comité secret" in titles(client.get(AGENDA))


def test_a_visitor_gets_a_404_for_an_event_of_a_private_space(client, make_event, private_space):
    event = make_event(space=private_space)
    assert client.get(event.url).status_code == 404


# --- The event page ---------------------------------------------------------------------------


@pytest.fixture
def online_event(make_event, organiser):
    return make_event(
        format=EventPage.Format.HYBRID,
        online_url="https://visio.example.org/room-4521",
        capacity=1,
        organisers=[organiser],
    )


def test_the_online_link_is_hidden_from_visitors_and_the_waiting_list(
    client, member, other_member, online_event
):
    register(online_event, user=other_member)
    register(online_event, user=member)
    assert fresh(Registration.objects.get(user=member)).status == Registration.Status.WAITLISTED

    assert b"room-4521" not in client.get(online_event.url).content
    client.force_login(member)
    response = client.get(online_event.url)
    assert b"room-4521" not in response.content
    assert b"Your position: 1" in response.content
    ticket = Registration.objects.get(user=member).get_absolute_url()
    assert b"room-4521" not in client.get(ticket).content


def test_the_online_link_is_shown_to_a_confirmed_participant_and_the_organisers(
    client, member, organiser, online_event
):
    registration = register(online_event, user=member)
    client.force_login(member)
    assert b"room-4521" in client.get(online_event.url).content
    assert b"room-4521" in client.get(registration.get_absolute_url()).content
    client.force_login(organiser)
    assert b"room-4521" in client.get(online_event.url).content


def test_the_event_page_shows_its_details_in_the_event_time_zone(client, make_event):
    start = datetime(2031, 3, 4, 14, 30, tzinfo=UTC)
    event = make_event(
        start=start,
        end=start + timedelta(hours=2),
        time_zone="America/Martinique",
        id_required=True,
        accessibility="Accès de plain-pied",
        audience="DRH de PME",
        description="<p>Un <b>atelier</b> pratique.</p>",
    )
    content = client.get(event.url).content.decode()
    # 14:30 UTC is 10:30 in Martinique (UTC-4, no daylight saving).
    assert "10:30 – 12:30" in content
    assert "America/Martinique" in content
    assert "ID required at the door" in content
    assert "Accès de plain-pied" in content
    assert "DRH de PME" in content
    assert "Un <b>atelier</b> pratique." in content
    assert event.get_ics_url() in content


def test_the_programme_groups_parallel_tracks_and_lists_workshop_tables(client, make_event):
    event = make_event()
    add_slot(event, title="Accueil", starts_at=time(9), ends_at=time(9, 15))
    add_slot(event, title="Atelier A", starts_at=time(10), ends_at=time(11), track="Salle 1")
    add_slot(
        event,
        title="Atelier B",
        starts_at=time(10),
        ends_at=time(10, 45),
        track="Salle 2",
        tables="Table 1 – Offres d'emploi\nTable 2 – Entretiens",
    )
    response = client.get(event.url)
    (day,) = response.context["programme"]
    assert [[slot.title for slot in row["slots"]] for row in day["rows"]] == [
        ["Accueil"],
        ["Atelier A", "Atelier B"],
    ]
    assert [row["parallel"] for row in day["rows"]] == [False, True]
    assert "Table 2 – Entretiens" in response.content.decode()


def test_a_speaker_links_to_the_profile_only_for_those_who_may_see_it(
    client, member, other_member, make_event
):
    visible = UserFactory(profile__display_name="Françoise Vouillot")
    hidden = UserFactory(profile__display_name="Caché")
    Profile.objects.filter(user=hidden).update(profile_visibility="private")
    event = make_event()
    add_slot(
        event,
        speakers=[
            Speaker.objects.create(name="Françoise Vouillot", profile=visible.profile),
            Speaker.objects.create(name="Orateur caché", profile=hidden.profile),
            Speaker.objects.create(name="Invitée extérieure", organisation_name="CNAM"),
        ],
    )
    visible_link = reverse("community:profile_detail", args=[visible.profile.pk]).encode()
    hidden_link = reverse("community:profile_detail", args=[hidden.profile.pk]).encode()

    anonymous = client.get(event.url).content
    assert b"Fran\xc3\xa7oise Vouillot" in anonymous
    assert visible_link not in anonymous

    client.force_login(member)
    content = client.get(event.url).content
    assert visible_link in content
    assert hidden_link not in content
    assert b"Orateur cach\xc3\xa9" in content
    assert b"CNAM" in content


def test_the_organiser_tools_are_linked_for_organisers_only(client, member, organiser, make_event):
    event = make_event(organisers=[organiser])
    attendees = reverse("events:attendees", args=[event.pk]).encode()
    edit = reverse("wagtailadmin_pages:edit", args=[event.pk]).encode()

    client.force_login(member)
    content = client.get(event.url).content
    assert attendees not in content and edit not in content

    client.force_login(organiser)
    content = client.get(event.url).content
    assert attendees in content
    assert edit in content
    assert reverse("events:check_in", args=[event.pk]).encode() in content
    assert reverse("events:report", args=[event.pk]).encode() in content


def test_the_registration_box_says_when_registration_opens_or_that_it_closed(
    client, member, make_event
):
    client.force_login(member)
    later = make_event(registration_opens=timezone.now() + timedelta(days=1))
    assert b"Registration opens on" in client.get(later.url).content
    closed = make_event(registration_closes=timezone.now() - timedelta(hours=1))
    content = client.get(closed.url).content
    assert b"Registration is closed." in content
    assert reverse("events:register", args=[closed.pk]).encode() not in content


def test_a_visitor_is_invited_to_sign_in_to_register(client, event):
    content = client.get(event.url).content.decode()
    assert reverse("account_login") + "?next=" in content
    assert reverse("events:register", args=[event.pk]) not in content


def test_the_event_page_keeps_its_query_count_when_the_programme_and_registrations_grow(
    client, member, organiser, make_event, django_assert_max_num_queries
):
    event = make_event(organisers=[organiser], max_seats_per_registration=2, capacity=None)
    event.questions.create(label="Organisation", kind="text", sort_order=0)

    def grow(n):
        for i in range(n):
            speaker = Speaker.objects.create(name=f"Speaker {i}", profile=UserFactory().profile)
            add_slot(event, title=f"Slot {i}", track=f"T{i % 2}", speakers=[speaker])
            register(event)

    for viewer in (member, organiser):
        client.force_login(viewer)
        grow(2)
        small = count_queries(client, event.url)
        grow(18)
        client.get(event.url)  # warm the caches the growth emptied (site root paths)
        with django_assert_max_num_queries(small):
            client.get(event.url)
        assert small <= 25


def test_a_past_event_shows_its_figures_and_the_report_but_no_names(
    client, member, other_member, make_event
):
    start = timezone.now() - timedelta(days=3)
    event = make_event(start=start)
    confirmed(event, member, seats=2, attendance=Registration.Attendance.PRESENT)
    confirmed(event, other_member, attendance=Registration.Attendance.ABSENT)
    ClosingReport.objects.create(
        event=event,
        outcomes="Trois fiches pratiques rédigées.",
        lessons="Prévoir plus de temps.",
        recording_url="https://video.example.org/replay",
    )
    response = client.get(event.url)
    figures = response.context["figures"]
    assert (figures.registered, figures.present, figures.people_reached) == (3, 2, 2)
    content = response.content.decode()
    assert "Trois fiches pratiques rédigées." in content
    assert "https://video.example.org/replay" in content
    assert "Claire Martin" not in content
    assert "Yasmine Benali" not in content


# --- Registering ------------------------------------------------------------------------------


def test_registering_confirms_the_seat_and_leads_to_the_ticket(client, member, event):
    client.force_login(member)
    response = client.post(reverse("events:register", args=[event.pk]), follow=True)
    registration = Registration.objects.get(user=member)
    assert registration.status == Registration.Status.CONFIRMED
    assert response.redirect_chain[-1][0] == registration.get_absolute_url()
    assert b"your seat is confirmed" in response.content


def test_registering_for_a_full_event_says_the_place_on_the_waiting_list(
    client, member, make_event
):
    event = make_event(capacity=1)
    register(event)
    client.force_login(member)
    response = client.post(reverse("events:register", args=[event.pk]), follow=True)
    assert Registration.objects.get(user=member).status == Registration.Status.WAITLISTED
    assert b"in position 1" in response.content


def test_registering_for_an_approved_event_says_it_awaits_approval(client, member, make_event):
    event = make_event(approval=EventPage.Approval.APPROVED)
    client.force_login(member)
    response = client.post(reverse("events:register", args=[event.pk]), follow=True)
    assert Registration.objects.get(user=member).status == Registration.Status.PENDING
    assert b"The organisers will accept it or not" in response.content


def test_registering_keeps_seats_and_answers(client, member, make_event):
    event = make_event(
        max_seats_per_registration=30,
        capacity=60,
        questions=[
            {"label": "Établissement", "kind": "text", "required": True},
            {"label": "Repas", "kind": "choice", "choices": "Standard\nVégétarien"},
            {"label": "Photos", "kind": "yes_no", "required": True},
        ],
    )
    school, meal, photos = event.questions.order_by("sort_order")
    client.force_login(member)
    client.post(
        reverse("events:register", args=[event.pk]),
        {
            "seats": "25",
            f"q_{school.pk}": "Lycée Jean Moulin",
            f"q_{meal.pk}": "Végétarien",
            f"q_{photos.pk}": "no",
        },
    )
    registration = Registration.objects.get(user=member)
    assert registration.seats == 25
    assert registration.answers == {
        str(school.pk): "Lycée Jean Moulin",
        str(meal.pk): "Végétarien",
        str(photos.pk): "no",
    }
    content = client.get(registration.get_absolute_url()).content.decode()
    assert "Établissement" in content and "Lycée Jean Moulin" in content
    assert "Photos" in content


def refused(client, event, data=None):
    response = client.post(reverse("events:register", args=[event.pk]), data or {})
    assert response.status_code == 200
    return response.content.decode()


def test_registration_is_refused_once_closed(client, member, make_event):
    event = make_event(registration_closes=timezone.now() - timedelta(minutes=5))
    client.force_login(member)
    assert "Registration is closed." in refused(client, event)
    assert not Registration.objects.exists()


def test_registration_is_refused_before_it_opens(client, member, make_event):
    event = make_event(registration_opens=timezone.now() + timedelta(days=1))
    client.force_login(member)
    assert "Registration has not opened yet." in refused(client, event)
    assert not Registration.objects.exists()


def test_registration_is_refused_for_a_past_event(client, member, make_event):
    event = make_event(start=timezone.now() - timedelta(days=2))
    client.force_login(member)
    assert "This event is over." in refused(client, event)
    assert not Registration.objects.exists()


def test_registering_twice_is_refused(client, member, event):
    register(event, user=member)
    client.force_login(member)
    assert "You are already registered for this event." in refused(client, event)
    assert Registration.objects.filter(user=member).count() == 1


def test_registering_too_many_seats_is_refused_on_the_seats_field(client, member, make_event):
    event = make_event(max_seats_per_registration=3)
    client.force_login(member)
    content = refused(client, event, {"seats": "4"})
    assert "One registration can hold at most 3 seat(s) for this event." in content
    assert 'id="id_seats_error"' in content
    assert not Registration.objects.exists()


def test_a_required_question_left_empty_is_refused_on_its_field(client, member, make_event):
    event = make_event(questions=[{"label": "Organisation", "kind": "text", "required": True}])
    question = event.questions.get()
    client.force_login(member)
    content = refused(client, event, {f"q_{question.pk}": "  "})
    assert "Please answer this question." in content
    assert f'id="id_q_{question.pk}_error"' in content
    assert not Registration.objects.exists()


def test_a_visitor_who_registers_is_sent_to_sign_in(client, event):
    response = client.post(reverse("events:register", args=[event.pk]))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login") + "?next=")
    assert not Registration.objects.exists()


def test_registering_takes_a_post_only(client, member, event):
    client.force_login(member)
    assert client.get(reverse("events:register", args=[event.pk])).status_code == 405


# --- The ticket and its QR code ------------------------------------------------------------


def test_another_members_ticket_is_a_404(client, member, other_member, event):
    registration = register(event, user=member)
    client.force_login(other_member)
    assert client.get(registration.get_absolute_url()).status_code == 404
    qr = reverse("events:ticket_qr", args=[registration.pk])
    assert client.get(qr).status_code == 404


def test_a_visitor_is_sent_to_sign_in_for_a_ticket(client, member, event):
    registration = register(event, user=member)
    response = client.get(registration.get_absolute_url())
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
    assert client.get(reverse("events:ticket_qr", args=[registration.pk])).status_code == 404


def test_a_confirmed_ticket_shows_its_qr_code_and_its_code(client, member, event):
    registration = register(event, user=member)
    client.force_login(member)
    content = client.get(registration.get_absolute_url()).content.decode()
    assert reverse("events:ticket_qr", args=[registration.pk]) in content
    assert registration.code in content


def test_the_qr_code_encodes_the_absolute_check_in_address_for_the_holder_and_organisers(
    client, member, organiser, organised_event, monkeypatch, settings
):
    import segno

    settings.SITE_URL = "https://egalite.example.org"
    encoded = []
    real_make = segno.make
    monkeypatch.setattr(
        "events.views.public.segno.make",
        lambda content, **kw: encoded.append(content) or real_make(content, **kw),
    )
    registration = register(organised_event, user=member)
    url = reverse("events:ticket_qr", args=[registration.pk])

    for viewer in (member, organiser):
        client.force_login(viewer)
        response = client.get(url)
        assert response.status_code == 200
        assert response["Content-Type"] == "image/svg+xml"
        assert response["Cache-Control"] == "private, no-store"
        assert response.content.lstrip().startswith(b"<?xml")
        assert b"<svg" in response.content
    check_in = reverse(
        "events:check_in_ticket",
        kwargs={"event_id": organised_event.pk, "code": registration.code},
    )
    assert encoded == ["https://egalite.example.org" + check_in] * 2


def test_a_waitlisted_ticket_has_no_qr_code(client, member, make_event):
    event = make_event(capacity=1)
    register(event)
    registration = register(event, user=member)
    client.force_login(member)
    content = client.get(registration.get_absolute_url()).content.decode()
    assert reverse("events:ticket_qr", args=[registration.pk]) not in content
    assert registration.code not in content
    assert client.get(reverse("events:ticket_qr", args=[registration.pk])).status_code == 404


def test_the_ticket_asks_for_confirmation_before_cancelling(client, member, event):
    registration = register(event, user=member)
    client.force_login(member)
    cancel_url = reverse("events:cancel", args=[registration.pk])
    assert cancel_url not in client.get(registration.get_absolute_url()).content.decode()
    confirming = client.get(registration.get_absolute_url() + "?cancel=1").content.decode()
    assert f'action="{cancel_url}"' in confirming
    assert fresh(registration).status == Registration.Status.CONFIRMED


def test_cancelling_through_post_frees_the_seat_for_the_waiting_list(
    client, member, other_member, make_event
):
    event = make_event(capacity=1)
    registration = register(event, user=member)
    waiting = register(event, user=other_member)
    client.force_login(member)
    url = reverse("events:cancel", args=[registration.pk])

    assert client.get(url).status_code == 405
    assert fresh(registration).status == Registration.Status.CONFIRMED

    response = client.post(url, follow=True)
    assert fresh(registration).status == Registration.Status.CANCELLED
    assert fresh(waiting).status == Registration.Status.OFFERED
    assert b"Your registration is cancelled." in response.content


def test_another_member_cannot_cancel_a_registration(client, member, other_member, event):
    registration = register(event, user=member)
    client.force_login(other_member)
    assert client.post(reverse("events:cancel", args=[registration.pk])).status_code == 404
    assert fresh(registration).status == Registration.Status.CONFIRMED


def test_claiming_an_offered_seat_through_post_confirms_it(
    client, member, other_member, make_event
):
    event = make_event(capacity=1)
    first = register(event, user=other_member)
    registration = register(event, user=member)
    services.registration_cancel(by=other_member, registration=first)
    assert fresh(registration).status == Registration.Status.OFFERED

    client.force_login(member)
    event_page = client.get(event.url).content.decode()
    claim_url = reverse("events:claim", args=[registration.pk])
    assert claim_url in event_page
    assert client.get(claim_url).status_code == 405
    assert fresh(registration).status == Registration.Status.OFFERED

    response = client.post(claim_url, follow=True)
    assert fresh(registration).status == Registration.Status.CONFIRMED
    assert b"your registration is confirmed" in response.content


def test_claiming_without_an_offer_says_so(client, member, event):
    registration = register(event, user=member)
    client.force_login(member)
    response = client.post(reverse("events:claim", args=[registration.pk]), follow=True)
    assert b"There is no seat offered to you for this event." in response.content


def test_the_ticket_keeps_its_query_count(
    client, member, make_event, django_assert_max_num_queries
):
    event = make_event(questions=[{"label": f"Q{i}", "kind": "text"} for i in range(5)])
    questions = list(event.questions.all())
    registration = register(event, user=member, answers={str(q.pk): "réponse" for q in questions})
    client.force_login(member)
    assert count_queries(client, registration.get_absolute_url()) <= 10


# --- Feedback -------------------------------------------------------------------------------


def test_a_participant_gives_feedback_after_the_event(client, member, make_event):
    event = make_event(start=timezone.now() - timedelta(days=1))
    confirmed(event, member, attendance=Registration.Attendance.PRESENT)
    client.force_login(member)
    assert client.get(event.url).context["feedback_form"] is not None

    url = reverse("events:feedback", args=[event.pk])
    response = client.post(url, {"rating": "4", "comment": "Très concret."}, follow=True)
    assert b"Thank you for your feedback." in response.content
    feedback = event.feedback.get()
    assert (feedback.user, feedback.rating, feedback.comment) == (member, 4, "Très concret.")


def test_feedback_without_a_rating_is_refused_on_the_form(client, member, make_event):
    event = make_event(start=timezone.now() - timedelta(days=1))
    confirmed(event, member)
    client.force_login(member)
    response = client.post(reverse("events:feedback", args=[event.pk]), {"comment": "?"})
    assert response.status_code == 200
    assert b"Choose a rating from 1 to 5." in response.content
    assert not event.feedback.exists()


def test_someone_who_did_not_take_part_cannot_give_feedback(client, member, make_event):
    event = make_event(start=timezone.now() - timedelta(days=1))
    client.force_login(member)
    assert client.get(event.url).context["feedback_form"] is None
    response = client.post(
        reverse("events:feedback", args=[event.pk]), {"rating": "5"}, follow=True
    )
    assert b"Only participants can give feedback on this event." in response.content
    assert not event.feedback.exists()


# --- My events ------------------------------------------------------------------------------


def test_my_events_lists_my_upcoming_and_past_registrations_only(
    client, member, other_member, make_event
):
    coming = make_event(title="Bientôt")
    register(coming, user=member)
    register(make_event(title="Pas pour moi"), user=other_member)
    past = make_event(title="Hier", start=timezone.now() - timedelta(days=1))
    confirmed(past, member)

    client.force_login(member)
    response = client.get(reverse("events:my_events"))
    assert [r.event.title for r in response.context["upcoming"]] == ["Bientôt"]
    assert [r.event.title for r in response.context["past"].object_list] == ["Hier"]
    assert "Pas pour moi" not in response.content.decode()
    assert reverse("events:calendar_settings") in response.content.decode()


def test_my_events_is_for_signed_in_members(client):
    response = client.get(reverse("events:my_events"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_my_events_keeps_its_query_count(client, member, make_event, django_assert_max_num_queries):
    def grow(n):
        for _ in range(n):
            register(make_event(), user=member)
            confirmed(make_event(start=timezone.now() - timedelta(days=3)), member)

    client.force_login(member)
    grow(2)
    small = count_queries(client, reverse("events:my_events"))
    grow(18)
    client.get(reverse("events:my_events"))  # warm the caches the growth emptied (site root paths)
    with django_assert_max_num_queries(small):
        client.get(reverse("events:my_events"))
    assert small <= 6


# --- Home page and space pages ------------------------------------------------------------


def test_the_home_page_shows_the_next_three_events_and_links_to_the_agenda(client, make_event):
    now = timezone.now()
    for day in (4, 1, 3, 2):
        make_event(title=f"Jour {day}", start=now + timedelta(days=day))
    content = client.get("/").content.decode()
    assert "Jour 1" in content and "Jour 2" in content and "Jour 3" in content
    assert "Jour 4" not in content
    assert f'href="{AGENDA}"' in content


def test_a_space_page_shows_only_that_spaces_next_events(client, member, make_event, open_space):
    make_event(title="Dans l'espace", space=open_space)
    make_event(title="Ailleurs")
    client.force_login(member)
    content = client.get(open_space.get_absolute_url()).content.decode()
    assert "Dans l&#x27;espace" in content
    assert "Ailleurs" not in content
    assert f"{AGENDA}?space={open_space.slug}" in content


def test_the_home_and_space_pages_keep_their_query_count_when_events_grow(
    client, member, make_event, open_space, django_assert_max_num_queries
):
    MembershipFactory(space=open_space, user=member, role=Membership.Role.MEMBER)
    client.force_login(member)
    urls = ["/", open_space.get_absolute_url()]
    make_event(space=open_space)
    small = {url: count_queries(client, url) for url in urls}
    for _ in range(6):
        register(make_event(space=open_space))
    for url in urls:
        client.get(url)  # warm the caches the growth emptied (site root paths)
        with django_assert_max_num_queries(small[url]):
            client.get(url)
    assert small["/"] <= 14


def test_the_preview_of_an_event_being_created_renders_without_registration(
    rf, staff, events_index
):
    start = timezone.now() + timedelta(days=3)
    draft = EventPage(
        title="Brouillon",
        slug="brouillon",
        event_type=EventPage.Type.SEMINAR,
        summary="Pas encore publié.",
        start=start,
        end=start + timedelta(hours=3),
        city="Lyon",
        live=False,
    )
    request = rf.get("/cms/pages/add/events/eventpage/")
    request.user = staff
    response = draft.serve_preview(request, draft.default_preview_mode)
    response.render()
    assert response.status_code == 200
    assert b"Brouillon" in response.content
    assert b'id="register"' not in response.content
