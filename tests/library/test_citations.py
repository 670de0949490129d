"""What cites an item: its spaces, the events presenting it, the forum topics linking to it —
each only where the reader may look, in one query per source."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from wagtail.models import Locale

from community.library import citations
from community.library.citations import Citation, citations_for
from community.library.models import PracticeSheetPage
from events.models import EventIndexPage, EventPage
from forum import services as forum
from forum.models import Post
from tests.factories import MembershipFactory


@pytest.fixture
def make_event(db):
    index = EventIndexPage.objects.get()
    counter = {"n": 0}

    def make(*, practices=(), publish=True, days=3, **fields):
        counter["n"] += 1
        start = timezone.now() + timedelta(days=days)
        event = EventPage(
            title=fields.pop("title", f"Atelier {counter['n']}"),
            slug=f"atelier-{counter['n']}",
            event_type=EventPage.Type.WORKSHOP,
            summary="Présentation de pratiques.",
            start=start,
            end=start + timedelta(hours=2),
            city="Rennes",
            **fields,
        )
        index.add_child(instance=event)
        event.practices.set(practices)
        if publish:
            event.save_revision().publish()
        else:
            event.live = False
            event.save()
        return EventPage.objects.get(pk=event.pk)

    return make


def cite_in_forum(author, space, sheet, *, title="Qui a testé ?"):
    return forum.topic_create(
        author=author,
        space=space,
        title=title,
        body=f"Voir la fiche [ici](https://egalite.example{sheet.url}) avant la réunion.",
    )


def titles(user, page, kind):
    return [c.title for c in citations_for(user=user, page=page) if c.kind == kind]


# --- Spaces ---------------------------------------------------------------------------------------


def test_an_item_lists_only_the_spaces_the_reader_may_see(
    client, member, make_sheet, open_space, private_space
):
    sheet = make_sheet(spaces=[open_space, private_space])
    assert titles(AnonymousUser(), sheet, "space") == [open_space.name]
    assert titles(member, sheet, "space") == [open_space.name]
    MembershipFactory(space=private_space, user=member)
    assert sorted(titles(member, sheet, "space")) == sorted([open_space.name, private_space.name])

    content = client.get(sheet.url).content.decode()
    assert f'href="{open_space.get_absolute_url()}"' in content
    assert private_space.name not in content


# --- Events ---------------------------------------------------------------------------------------


def test_events_presenting_an_item_come_upcoming_first_then_past(member, make_sheet, make_event):
    sheet = make_sheet()
    make_event(title="Passé récent", practices=[sheet], days=-2)
    make_event(title="Passé ancien", practices=[sheet], days=-30)
    make_event(title="Dans un mois", practices=[sheet], days=30)
    make_event(title="Demain", practices=[sheet], days=1)
    make_event(title="Sans la fiche", days=2)
    make_event(title="Brouillon", practices=[sheet], publish=False)
    assert titles(member, sheet, "event") == [
        "Demain",
        "Dans un mois",
        "Passé récent",
        "Passé ancien",
    ]


def test_an_event_of_a_private_space_is_listed_only_to_who_sees_the_space(
    member, make_sheet, make_event, private_space
):
    sheet = make_sheet()
    make_event(title="Comité restreint", practices=[sheet], space=private_space)
    assert titles(member, sheet, "event") == []
    assert titles(AnonymousUser(), sheet, "event") == []
    MembershipFactory(space=private_space, user=member)
    assert titles(member, sheet, "event") == ["Comité restreint"]


def test_an_event_presenting_the_other_language_version_cites_this_one_too(
    member, make_sheet, make_event
):
    original = make_sheet(locale=Locale.objects.get(language_code="fr"))
    translation = make_sheet(
        slug="english",
        locale=Locale.objects.get(language_code="en"),
        translation_key=original.translation_key,
        translation_source_published_at=original.last_published_at,
    )
    make_event(title="Présentée en français", practices=[original])
    make_event(title="Présentée deux fois", practices=[original, translation])
    assert titles(member, translation, "event") == ["Présentée en français", "Présentée deux fois"]


def test_the_event_page_links_to_the_published_practices_it_presents(
    client, make_sheet, make_event
):
    sheet = make_sheet(title="Fiche publiée")
    draft = make_sheet(title="Fiche en brouillon", publish=False)
    event = make_event(practices=[sheet, draft])
    content = client.get(event.url).content.decode()
    assert "Practices presented" in content
    assert f'<a href="{sheet.url}">Fiche publiée</a>' in content
    assert "Fiche en brouillon" not in content


# --- Forum ----------------------------------------------------------------------------------------


def test_a_private_spaces_topic_citing_an_item_is_not_shown_to_a_non_member(
    client, member, animator, make_sheet, open_space, private_space
):
    sheet = make_sheet()
    cite_in_forum(animator, open_space, sheet, title="Retour d'expérience")
    cite_in_forum(animator, private_space, sheet, title="Sujet du comité secret")

    client.force_login(member)
    content = client.get(sheet.url).content.decode()
    assert "Retour d&#x27;expérience" in content
    assert "Sujet du comité secret" not in content
    assert titles(AnonymousUser(), sheet, "topic") == ["Retour d'expérience"]

    MembershipFactory(space=private_space, user=member)
    assert sorted(titles(member, sheet, "topic")) == [
        "Retour d'expérience",
        "Sujet du comité secret",
    ]


def test_only_readable_posts_linking_to_this_very_item_count(
    member, animator, make_sheet, open_space
):
    sheet = make_sheet(slug="mixite")
    neighbour = make_sheet(slug="mixite-industrie")
    cite_in_forum(animator, open_space, neighbour, title="Une autre fiche")
    hidden = cite_in_forum(animator, open_space, sheet, title="Message masqué")
    Post.objects.filter(topic=hidden).update(is_visible=False)
    assert titles(member, sheet, "topic") == []
    cite_in_forum(animator, open_space, sheet, title="La bonne fiche")
    assert titles(member, sheet, "topic") == ["La bonne fiche"]


# --- The registry ---------------------------------------------------------------------------------


def test_a_registered_source_is_asked_and_shown_under_its_heading(client, make_sheet, monkeypatch):
    sheet = make_sheet()
    asked = []

    def source(user, page):
        asked.append((user, page.pk))
        return [Citation("course", "Formation des référentes", "/formations/1/", "2026")]

    monkeypatch.setitem(citations._SOURCES, "courses", source)
    content = client.get(sheet.url).content.decode()
    assert asked and asked[0][1] == sheet.pk
    assert '<a href="/formations/1/">Formation des référentes</a>' in content
    assert ">Cited in</h3>" in content


def test_an_item_not_saved_yet_is_cited_by_nothing(member):
    assert citations_for(user=member, page=PracticeSheetPage(title="Nouvelle")) == []


@pytest.mark.parametrize("viewer", ["visitor", "member"])
def test_citations_cost_one_query_per_source_whatever_their_number(
    viewer, member, animator, make_sheet, make_event, open_space, request_space
):
    user = AnonymousUser() if viewer == "visitor" else member
    sheet = make_sheet(spaces=[open_space])
    make_event(practices=[sheet])
    cite_in_forum(animator, open_space, sheet)
    citations_for(user=user, page=sheet)  # per-request caches of who sees what
    with CaptureQueriesContext(connection) as small:
        citations_for(user=user, page=sheet)

    sheet.spaces.add(request_space)
    for n in range(4):
        make_event(practices=[sheet])
        cite_in_forum(animator, open_space, sheet, title=f"Sujet {n}")
    with CaptureQueriesContext(connection) as big:
        found = citations_for(user=user, page=sheet)
    assert len(found) > 3
    assert len(big) == len(small) == 3
