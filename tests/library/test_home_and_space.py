"""The home page and the space pages show featured practices first, then the latest."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from community.models import Membership, Theme
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db


def count_queries(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


def section(content: str) -> str:
    """The practices block of a page (from its heading to the link to the library)."""
    start = content.index('id="practices-title"')
    return content[start : content.index("Browse the practice library", start)]


def test_the_home_page_shows_featured_practices_first_then_the_latest(client, make_sheet, member):
    make_sheet(title="Ancienne à la une", featured=True)
    make_sheet(title="Récente")
    make_sheet(title="Brouillon", publish=False, owner=member)
    content = client.get("/").content.decode()
    practices = section(content)
    assert practices.index("Ancienne à la une") < practices.index("Récente")
    assert "Brouillon" not in content
    assert '<a href="/library/">Browse the practice library</a>' in content


def test_the_home_page_shows_six_practices_at_most(client, make_sheet):
    for n in range(7):
        make_sheet(title=f"Fiche numéro {n}")
    practices = section(client.get("/").content.decode())
    assert practices.count('<article class="card library-card">') == 6
    assert "Fiche numéro 0" not in practices


def test_the_menu_links_the_library(client):
    assert '<li><a href="/library/">Library</a></li>' in client.get("/").content.decode()


def test_a_space_page_shows_the_practices_placed_in_that_space_only(
    client, make_sheet, member, open_space, other_space
):
    make_sheet(title="Dans l'espace", spaces=[open_space])
    make_sheet(title="À la une dans l'espace", spaces=[open_space], featured=True)
    make_sheet(title="Ailleurs", spaces=[other_space], featured=True)
    make_sheet(title="Brouillon de l'espace", spaces=[open_space], publish=False, owner=member)
    client.force_login(member)
    content = client.get(open_space.get_absolute_url()).content.decode()
    practices = section(content)
    assert practices.index("À la une dans l&#x27;espace") < practices.index("Dans l&#x27;espace")
    assert "Ailleurs" not in content
    assert "Brouillon" not in content


def test_a_space_without_practices_says_so(client, member, open_space):
    client.force_login(member)
    content = client.get(open_space.get_absolute_url()).content.decode()
    assert "No practice has been placed in this space yet." in content


def grow(make_sheet, space, n):
    themes = list(Theme.objects.all()[:3])
    for _ in range(n):
        make_sheet(themes=themes, spaces=[space], start_year=2022, country="FR")


def test_the_home_and_space_pages_keep_their_query_count_when_practices_grow(
    client, make_sheet, member, open_space, django_assert_max_num_queries
):
    MembershipFactory(space=open_space, user=member, role=Membership.Role.MEMBER)
    client.force_login(member)
    urls = ["/", open_space.get_absolute_url()]
    grow(make_sheet, open_space, 1)
    for url in urls:
        client.get(url)  # fill the caches a first visit fills (site root paths)
    small = {url: count_queries(client, url) for url in urls}
    grow(make_sheet, open_space, 9)
    for url in urls:
        client.get(url)  # warm the caches the growth emptied (site root paths)
        with django_assert_max_num_queries(small[url]):
            client.get(url)
    # The practices block costs two queries: its items and their themes.
    assert small["/"] <= 14
    assert small[open_space.get_absolute_url()] <= 17
