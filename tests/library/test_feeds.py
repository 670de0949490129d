"""Atom feeds of new practices: valid XML, live items only, per theme, signed by the site."""

import xml.etree.ElementTree as ET

import pytest

from community.models import Theme

pytestmark = pytest.mark.django_db

ATOM = "{http://www.w3.org/2005/Atom}"


def parse(response):
    """The feed as XML (raises on invalid XML)."""
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/atom+xml")
    return ET.fromstring(response.content)  # noqa: S314 - our own server's feed


def entries(client, url):
    feed = parse(client.get(url))
    return feed, feed.findall(f"{ATOM}entry")


@pytest.fixture
def themes(db):
    return {theme.slug: theme for theme in Theme.objects.all()}


def test_the_feed_lists_live_items_newest_first_with_title_summary_link_and_dates(
    client, make_sheet, member
):
    make_sheet(title="Première", summary="Des marraines en atelier", owner=member)
    make_sheet(title="Seconde", summary="Un forum des métiers", owner=member)
    make_sheet(title="Brouillon", publish=False, owner=member)
    feed, found = entries(client, "/library/feed/")
    assert [e.findtext(f"{ATOM}title") for e in found] == ["Seconde", "Première"]
    first = found[0]
    assert first.findtext(f"{ATOM}summary") == "Un forum des métiers"
    assert first.find(f"{ATOM}link").get("href").startswith("http://testserver/library/")
    assert first.findtext(f"{ATOM}published")
    assert first.findtext(f"{ATOM}updated")
    assert feed.find(f"{ATOM}link[@rel='self']").get("href") == "http://testserver/library/feed/"


def test_entries_are_signed_by_the_site_never_by_a_member(client, make_sheet, member):
    make_sheet(title="Première", owner=member)
    response = client.get("/library/feed/")
    feed = parse(response)
    names = {name.text for name in feed.iter(f"{ATOM}name")}
    assert names and member.email not in response.content.decode()
    assert member.profile.display_name not in names


def test_a_theme_feed_lists_only_that_themes_items(client, make_sheet, themes):
    make_sheet(title="Recrutement", themes=[themes["recruitment"]])
    make_sheet(title="Numérique", themes=[themes["digital"]])
    feed, found = entries(client, "/library/feed/recruitment/")
    assert [e.findtext(f"{ATOM}title") for e in found] == ["Recrutement"]
    assert [c.get("term") for c in found[0].findall(f"{ATOM}category")] == [
        themes["recruitment"].label_en
    ]
    assert "Recruitment" in feed.findtext(f"{ATOM}title")


def test_an_unknown_theme_has_no_feed(client):
    assert client.get("/library/feed/nope/").status_code == 404


def test_the_index_links_its_feed_and_a_theme_filtered_view_the_themes_feed(client, sheet):
    content = client.get("/library/").content.decode()
    assert '<link rel="alternate" type="application/atom+xml" href="/library/feed/"' in content
    assert "/library/feed/recruitment/" not in content
    content = client.get("/library/?theme=recruitment").content.decode()
    assert (
        '<link rel="alternate" type="application/atom+xml" href="/library/feed/recruitment/"'
        in content
    )
