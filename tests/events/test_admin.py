"""Event pages in the Wagtail admin (/cms/): who may add, edit, publish and delete them.

The forms are posted as Wagtail's own tests post page forms (`wagtail.test.utils.form_data`).
"""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone
from notifications.models import Notification
from wagtail.models import Page
from wagtail.test.utils.form_data import inline_formset, nested_form_data, rich_text

from community.models import HomePage, Membership
from events.models import EventIndexPage, EventPage, Registration
from tests.events.conftest import register
from tests.factories import MembershipFactory, UserFactory

PARIS = ZoneInfo("Europe/Paris")
UTC = ZoneInfo("UTC")


def event_form_data(*, questions=(), slots=(), organisers=(), themes=(), **fields) -> dict:
    """POST data of the event form; times are wall-clock times in the event's zone."""
    year = timezone.now().year + 1
    values = {
        "title": "Recruter sans stéréotypes",
        "slug": "recruter-sans-stereotypes",
        "event_type": EventPage.Type.WORKSHOP,
        "summary": "Relire ses offres d'emploi avec la grille du cluster.",
        "description": rich_text("<p>Une matinée de travail en petits groupes.</p>"),
        "start": f"{year}-06-11 09:30",
        "end": f"{year}-06-11 12:00",
        "time_zone": "Europe/Paris",
        "format": EventPage.Format.IN_PERSON,
        "venue_name": "Maison des entreprises",
        "address": "12 rue de la Monnaie",
        "city": "Rennes",
        "country": "FR",
        "online_url": "",
        "accessibility": "",
        "space": "",
        "cluster": "",
        "audience": "",
        "language": "fr",
        "capacity": "30",
        "max_seats_per_registration": "1",
        "registration_opens": "",
        "registration_closes": "",
        "approval": EventPage.Approval.AUTOMATIC,
        "claim_window_hours": "24",
        "comments": inline_formset([]),
        "questions": inline_formset(list(questions)),
        "slots": inline_formset(list(slots)),
    }
    values.update(fields)
    data = nested_form_data(values)
    # Multiple choices are lists, which `nested_form_data` would flatten into sub-keys.
    data["organisers"] = [str(user.pk) for user in organisers]
    data["themes"] = [str(theme.pk) for theme in themes]
    return data


def add_url(index) -> str:
    return reverse("wagtailadmin_pages:add", args=["events", "eventpage", index.pk])


def edit_url(page) -> str:
    return reverse("wagtailadmin_pages:edit", args=[page.pk])


def delete_url(page) -> str:
    return reverse("wagtailadmin_pages:delete", args=[page.pk])


@pytest.fixture
def space_animator(open_space):
    """Animates `open_space` only, not its cluster."""
    user = UserFactory(profile__display_name="Sami Animateur")
    MembershipFactory(space=open_space, user=user, role=Membership.Role.ANIMATOR)
    return user


# --- Page types and where they go -----------------------------------------------------------------


def test_the_events_index_and_an_event_page_are_served(client, events_index, event):
    assert events_index.url == "/events/"
    assert client.get(events_index.url).status_code == 200
    assert client.get(event.url).status_code == 200


def test_an_event_is_created_only_under_the_events_index_and_the_index_under_the_home_page(
    events_index,
):
    home = HomePage.objects.get()
    assert EventPage.can_create_at(events_index)
    assert not EventPage.can_create_at(home)
    assert EventIndexPage in HomePage.allowed_subpage_models()
    assert EventIndexPage.allowed_parent_page_models() == [HomePage]
    assert EventPage.allowed_parent_page_models() == [EventIndexPage]
    assert EventPage.allowed_subpage_models() == []
    # There is one index already: no second one can be made.
    assert not EventIndexPage.can_create_at(home)
    assert not EventIndexPage.can_create_at(events_index)


def test_staff_open_the_edit_view_of_the_index_and_of_an_event(client, staff, event):
    client.force_login(staff)
    assert client.get(edit_url(event.get_parent())).status_code == 200
    assert client.get(edit_url(event)).status_code == 200


# --- Adding an event ----------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["animator", "space_animator"])
def test_an_animator_opens_the_add_view_under_the_events_index(client, request, events_index, who):
    client.force_login(request.getfixturevalue(who))
    response = client.get(add_url(events_index))
    assert response.status_code == 200
    assert b'name="start"' in response.content


@pytest.mark.parametrize("who", ["animator", "space_animator"])
def test_an_animator_creates_and_publishes_an_event_in_a_space_they_animate(
    client, request, events_index, open_space, who
):
    user = request.getfixturevalue(who)
    client.force_login(user)

    response = client.post(
        add_url(events_index),
        event_form_data(space=str(open_space.pk), organisers=[user], **{"action-publish": "1"}),
    )

    assert response.status_code == 302, response.context["form"].errors
    event = EventPage.objects.get(slug="recruter-sans-stereotypes")
    assert event.live
    assert event.get_parent().pk == events_index.pk
    assert event.space == open_space
    assert list(event.organisers.all()) == [user]
    assert event.owner == user
    # Times typed are wall-clock times in Paris (summer time, UTC+2).
    year = timezone.now().year + 1
    assert event.start == datetime(year, 6, 11, 9, 30, tzinfo=PARIS)
    assert event.start.astimezone(ZoneInfo("UTC")).hour == 7
    assert event.local_start == datetime(year, 6, 11, 9, 30)
    assert event.duration == timedelta(hours=2, minutes=30)


def test_the_times_typed_follow_the_event_s_own_time_zone(client, staff, events_index):
    client.force_login(staff)
    response = client.post(
        add_url(events_index),
        event_form_data(time_zone="America/Martinique", **{"action-publish": "1"}),
    )
    assert response.status_code == 302, response.context and response.context["form"].errors
    event = EventPage.objects.get(slug="recruter-sans-stereotypes")
    # Martinique is UTC-4 all year round.
    assert event.start.astimezone(ZoneInfo("UTC")).hour == 13
    assert event.local_start.hour == 9


def test_the_edit_form_shows_the_stored_times_as_wall_clock_times(client, staff, make_event):
    start = datetime(timezone.now().year + 1, 1, 15, 18, 0, tzinfo=PARIS)
    event = make_event(start=start, end=start + timedelta(hours=2))
    client.force_login(staff)
    form = client.get(edit_url(event)).context["form"]
    assert form["start"].value() == datetime(start.year, 1, 15, 18, 0)


def test_an_animator_cannot_place_an_event_in_a_space_they_do_not_animate(
    client, space_animator, events_index, other_space
):
    client.force_login(space_animator)

    response = client.post(
        add_url(events_index),
        event_form_data(space=str(other_space.pk), **{"action-publish": "1"}),
    )

    assert response.status_code == 200
    assert "space" in response.context["form"].errors
    assert not EventPage.objects.exists()


def test_an_animator_must_place_an_event_in_a_space_or_cluster(
    client, space_animator, events_index
):
    client.force_login(space_animator)
    response = client.post(add_url(events_index), event_form_data(**{"action-publish": "1"}))
    assert response.status_code == 200
    assert "space" in response.context["form"].errors
    assert not EventPage.objects.exists()


def test_a_cluster_animator_places_an_event_in_their_cluster(
    client, animator, cluster, events_index
):
    client.force_login(animator)
    response = client.post(
        add_url(events_index), event_form_data(cluster=str(cluster.pk), **{"action-publish": "1"})
    )
    assert response.status_code == 302, response.context and response.context["form"].errors
    assert EventPage.objects.get().cluster == cluster


def test_a_plain_member_gets_no_access_to_the_add_view(client, member, events_index):
    client.force_login(member)

    assert client.get(add_url(events_index)).status_code in (302, 403)
    response = client.post(add_url(events_index), event_form_data(**{"action-publish": "1"}))

    assert response.status_code in (302, 403)
    assert not EventPage.objects.exists()


def test_an_event_with_questions_and_a_programme_is_saved_from_the_form(
    client, staff, events_index
):
    client.force_login(staff)
    data = event_form_data(
        questions=[
            {"label": "Organisation", "help_text": "", "kind": "text", "choices": ""},
            {
                "label": "Atelier",
                "help_text": "",
                "kind": "choice",
                "choices": "Offres d'emploi\nEntretiens",
                "required": "on",
            },
        ],
        slots=[
            {
                "day": "",
                "starts_at": "09:30",
                "ends_at": "10:00",
                "kind": "talk",
                "track": "",
                "room": "Salle 1",
                "title": "Accueil",
                "description": "",
                "tables": "",
            }
        ],
        **{"action-publish": "1"},
    )
    response = client.post(add_url(events_index), data)
    assert response.status_code == 302, response.context and response.context["form"].errors
    event = EventPage.objects.get()
    assert [q.label for q in event.questions.all()] == ["Organisation", "Atelier"]
    assert [s.title for s in event.slots.all()] == ["Accueil"]


# --- Editing and deleting an event --------------------------------------------------------------


@pytest.fixture
def space_event(make_event, open_space, organiser):
    return make_event(space=open_space, organisers=[organiser])


def test_an_organiser_listed_on_an_event_can_edit_and_publish_it(client, organiser, space_event):
    client.force_login(organiser)
    assert client.get("/cms/").status_code == 200
    assert client.get(edit_url(space_event)).status_code == 200

    response = client.post(
        edit_url(space_event),
        event_form_data(
            title="Recruter sans stéréotypes (complet)",
            slug=space_event.slug,
            space=str(space_event.space_id),
            organisers=[organiser],
            **{"action-publish": "1"},
        ),
    )

    assert response.status_code == 302, response.context and response.context["form"].errors
    assert EventPage.objects.get(pk=space_event.pk).title == "Recruter sans stéréotypes (complet)"


def test_an_organiser_who_animates_nothing_cannot_move_the_event_elsewhere(
    client, organiser, space_event, other_space
):
    client.force_login(organiser)
    response = client.post(
        edit_url(space_event),
        event_form_data(
            slug=space_event.slug,
            space=str(other_space.pk),
            organisers=[organiser],
            **{"action-publish": "1"},
        ),
    )
    assert response.status_code == 200
    assert "space" in response.context["form"].errors
    assert EventPage.objects.get(pk=space_event.pk).space_id == space_event.space_id


def test_a_member_who_organises_nothing_cannot_open_the_admin(client, member, space_event):
    client.force_login(member)
    response = client.get("/cms/")
    assert response.status_code == 302
    assert "/cms/login/" in response["Location"]


def test_an_organiser_taken_off_the_event_loses_the_admin(client, organiser, space_event):
    page = EventPage.objects.get(pk=space_event.pk)
    page.organisers.set([])
    page.save_revision().publish()
    client.force_login(organiser)

    assert client.get("/cms/").status_code == 302
    assert client.get(edit_url(space_event)).status_code == 302


def test_the_animators_of_the_event_s_space_can_edit_it(client, space_animator, space_event):
    client.force_login(space_animator)
    assert client.get(edit_url(space_event)).status_code == 200


def test_the_animator_of_another_space_cannot_edit_the_event(
    client, other_animator, other_space, space_event
):
    client.force_login(other_animator)
    assert client.get(edit_url(space_event)).status_code in (302, 403)

    response = client.post(
        edit_url(space_event),
        event_form_data(
            title="Pris",
            slug=space_event.slug,
            space=str(other_space.pk),
            **{"action-publish": "1"},
        ),
    )

    assert response.status_code in (302, 403)
    assert EventPage.objects.get(pk=space_event.pk).title == space_event.title


def test_a_plain_member_cannot_edit_an_event(client, member, space_event):
    client.force_login(member)
    assert client.get(edit_url(space_event)).status_code in (302, 403)


def test_an_event_with_registrations_cannot_be_deleted_by_its_organisers(
    client, animator, space_event
):
    register(space_event)
    client.force_login(animator)

    assert client.get(delete_url(space_event)).status_code in (302, 403)
    response = client.post(delete_url(space_event))

    assert response.status_code in (302, 403)
    assert EventPage.objects.filter(pk=space_event.pk).exists()
    assert Registration.objects.filter(event=space_event).count() == 1


def test_an_event_without_registrations_can_be_deleted_by_its_organisers(
    client, animator, space_event
):
    client.force_login(animator)
    assert client.get(delete_url(space_event)).status_code == 200

    client.post(delete_url(space_event))

    assert not EventPage.objects.filter(pk=space_event.pk).exists()


def test_a_superuser_can_delete_an_event_with_registrations(client, staff, space_event):
    register(space_event)
    client.force_login(staff)

    client.post(delete_url(space_event))

    assert not EventPage.objects.filter(pk=space_event.pk).exists()
    assert not Registration.objects.exists()


def test_nobody_but_a_superuser_moves_an_event(space_event, animator, staff):
    assert not space_event.permissions_for_user(animator).can_move()
    assert space_event.permissions_for_user(staff).can_move()
    assert Page.objects.get(pk=space_event.pk).specific.permissions_for_user(staff).can_move()


def test_a_new_time_published_in_the_admin_is_announced_to_participants(
    client, organiser, open_space, make_event, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        event = make_event(space=open_space, organisers=[organiser])
    participant = register(event)
    mailoutbox.clear()
    client.force_login(organiser)
    year = timezone.now().year + 1

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            edit_url(event),
            event_form_data(
                title=event.title,
                slug=event.slug,
                space=str(open_space.pk),
                organisers=[organiser],
                start=f"{year}-02-03 14:00",
                end=f"{year}-02-03 17:00",
                **{"action-publish": "1"},
            ),
        )

    assert response.status_code == 302
    # Winter time in Paris: UTC+1.
    assert EventPage.objects.get(pk=event.pk).start == datetime(year, 2, 3, 13, 0, tzinfo=UTC)
    assert Notification.objects.filter(recipient=participant.user, verb="event.changed").exists()
    assert [m.to for m in mailoutbox] == [[participant.user.email]]
    assert "14:00" in mailoutbox[0].body
