"""The events in the Wagtail admin: the speakers snippet, the "Events" menu item, page lists."""

import pytest
from django.contrib.auth.models import Group, Permission
from django.urls import reverse
from wagtail.models import GroupPagePermission

from events.models import Speaker
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

SPEAKERS = "wagtailsnippets_events_speaker"


def chooser_html(response) -> str:
    """The page chooser answers JSON whose HTML has its accents escaped: read it decoded."""
    assert response.status_code == 200
    return response.json()["html"]


def test_an_animator_lists_searches_and_adds_speakers(client, animator):
    Speaker.objects.create(name="Anne Kervella", organisation_name="Université de Lannvor")
    Speaker.objects.create(name="Rozenn Le Gall", organisation_name="Services de l'État")
    client.force_login(animator)

    found = client.get(reverse(f"{SPEAKERS}:list"), {"q": "lannvor"})
    assert found.status_code == 200
    assert b"Anne Kervella" in found.content and b"Rozenn Le Gall" not in found.content

    response = client.post(
        reverse(f"{SPEAKERS}:add"),
        {"name": "Yannick Le Floch", "job_title": "", "organisation_name": "", "bio": ""},
    )
    assert response.status_code == 302
    assert Speaker.objects.filter(name="Yannick Le Floch").exists()


def test_an_animator_cannot_delete_a_speaker_other_programmes_may_name(client, animator):
    speaker = Speaker.objects.create(name="Anne Kervella")
    client.force_login(animator)

    response = client.post(reverse(f"{SPEAKERS}:delete", args=[speaker.pk]))

    assert response.status_code in (302, 403)
    assert Speaker.objects.filter(pk=speaker.pk).exists()


def test_a_member_who_animates_nothing_cannot_reach_the_speakers(client, member):
    client.force_login(member)

    response = client.post(reverse(f"{SPEAKERS}:add"), {"name": "Intrus"})

    assert response.status_code == 302
    assert "/cms/login/" in response["Location"]
    assert not Speaker.objects.exists()


def test_the_speaker_form_never_names_a_member_whose_profile_is_hidden(client, animator):
    UserFactory(profile__display_name="Zoe Hidden", profile__profile_visibility="private")
    UserFactory(profile__display_name="Victor Visible")
    client.force_login(animator)

    page = client.get(reverse(f"{SPEAKERS}:add")).content.decode()

    assert "Victor Visible" in page
    assert "Zoe Hidden" not in page


def test_the_events_menu_item_leads_an_animator_to_the_events_they_run(client, animator):
    client.force_login(animator)

    dashboard = client.get("/cms/").content.decode()

    assert reverse("events:managed_events") in dashboard


def test_the_events_menu_item_is_shown_to_an_organiser_who_animates_nothing(
    client, organiser, make_event
):
    make_event(organisers=[organiser])
    client.force_login(organiser)

    dashboard = client.get("/cms/").content.decode()

    assert reverse("events:managed_events") in dashboard


def test_the_explorer_refuses_an_animator_which_is_why_the_menu_points_elsewhere(
    client, animator, events_index
):
    client.force_login(animator)

    response = client.get(reverse("wagtailadmin_explore", args=[events_index.pk]))

    assert response.status_code in (302, 403)


def test_the_events_menu_item_opens_the_explorer_on_the_events_index_for_a_superuser(
    client, staff, events_index
):
    client.force_login(staff)

    dashboard = client.get("/cms/").content.decode()

    assert reverse("wagtailadmin_explore", args=[events_index.pk]) in dashboard
    assert reverse("events:managed_events") not in dashboard


def test_the_menu_has_no_events_item_for_an_editor_who_may_not_create_events(client, events_index):
    editor = UserFactory()
    group = Group.objects.create(name="Rédaction")
    group.permissions.add(Permission.objects.get(codename="access_admin"))
    editor.groups.add(group)
    client.force_login(editor)

    dashboard = client.get("/cms/").content.decode()

    assert reverse("events:managed_events") not in dashboard


def test_an_editor_with_page_rights_explores_only_the_events_they_run(
    client, events_index, make_event
):
    editor = UserFactory()
    group = Group.objects.create(name="Rédaction")
    group.permissions.add(Permission.objects.get(codename="access_admin"))
    GroupPagePermission.objects.create(
        group=group,
        page=events_index,
        permission=Permission.objects.get(
            content_type__app_label="wagtailcore", codename="change_page"
        ),
    )
    editor.groups.add(group)
    make_event(title="Atelier que je prépare", organisers=[editor])
    make_event(title="Atelier voisin")
    client.force_login(editor)

    page = client.get(reverse("wagtailadmin_explore", args=[events_index.pk])).content.decode()

    assert "Atelier que je prépare" in page
    assert "Atelier voisin" not in page


def test_the_page_chooser_never_names_an_event_of_a_private_space_to_an_outsider(
    client, events_index, make_event, private_space, other_animator
):
    make_event(title="Atelier ouvert à toutes et tous")
    make_event(title="Réunion du comité secret", space=private_space)
    client.force_login(other_animator)

    browse = chooser_html(
        client.get(reverse("wagtailadmin_choose_page_child", args=[events_index.pk]))
    )
    search = client.get(reverse("wagtailadmin_choose_page_search"), {"q": "réunion"})

    assert "Atelier ouvert" in browse
    assert "comité secret" not in browse
    assert search.status_code == 200
    assert "comité secret" not in search.content.decode()


def test_the_page_chooser_shows_an_event_of_a_private_space_to_its_animator(
    client, events_index, make_event, private_space, animator
):
    make_event(title="Réunion du comité secret", space=private_space)
    client.force_login(animator)

    browse = chooser_html(
        client.get(reverse("wagtailadmin_choose_page_child", args=[events_index.pk]))
    )
    search = client.get(reverse("wagtailadmin_choose_page_search"), {"q": "réunion"})

    assert "comité secret" in browse
    assert "comité secret" in search.content.decode()
