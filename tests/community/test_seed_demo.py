from io import StringIO

import pytest
from django.core.management import call_command
from notifications.models import Notification

from community.models import (
    Cluster,
    ContentPage,
    HomePage,
    Invitation,
    LegalPages,
    Membership,
    Organisation,
    Profile,
    Space,
    User,
)

pytestmark = pytest.mark.django_db

DEMO_PASSWORD = "demo-egalite-2026"


def seed() -> str:
    out = StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


def counts() -> dict[str, int]:
    models = (
        Cluster,
        ContentPage,
        Invitation,
        Membership,
        Notification,
        Organisation,
        Profile,
        Space,
        User,
    )
    return {model.__name__: model.objects.count() for model in models}


def test_seed_demo_builds_the_world_once():
    first_output = seed()
    after_first = counts()
    second_output = seed()

    assert counts() == after_first
    assert after_first["Cluster"] == 3
    assert after_first["Space"] == 6
    assert after_first["Organisation"] >= 10
    assert after_first["User"] >= 20
    assert Space.objects.filter(visibility=Space.Visibility.PRIVATE).exists()
    assert Membership.objects.filter(state=Membership.State.REQUESTED).count() >= 2
    assert Membership.objects.filter(state=Membership.State.INVITED).exists()
    assert Notification.objects.filter(verb="membership.requested").exists()
    assert Notification.objects.filter(verb="invitation.received").exists()
    for output in (first_output, second_output):
        assert DEMO_PASSWORD in output
        assert "admin@demo.egalite.example" in output


def test_seed_demo_accounts_match_the_printed_table():
    seed()

    staff = User.objects.get(email="admin@demo.egalite.example")
    assert staff.is_staff and staff.is_superuser
    assert staff.check_password(DEMO_PASSWORD)
    assert staff.emailaddress_set.get().verified
    assert (
        Cluster.objects.get(slug="cluster-egalite-armor")
        .animators.filter(email="claire.morvan@demo.egalite.example")
        .exists()
    )
    assert Membership.objects.filter(
        user__email="hugo.kerbrat@demo.egalite.example", state=Membership.State.REQUESTED
    ).exists()
    assert Membership.objects.filter(
        user__email="andrei.popa@demo.egalite.example",
        space__visibility=Space.Visibility.PRIVATE,
        state=Membership.State.INVITED,
    ).exists()
    assert Profile.objects.filter(profile_visibility="private").exists()
    assert Profile.objects.filter(profile_visibility="spaces").exists()
    for organisation in Organisation.objects.all():
        assert organisation.members.filter(user=organisation.equality_referent).exists()


def test_seed_demo_publishes_the_editorial_pages():
    seed()

    home = HomePage.objects.get()
    assert home.featured_spaces.count() == 3
    legal = LegalPages.for_site(home.get_site())
    assert legal.privacy_page.slug == "confidentialite"
    assert legal.terms_page.slug == "conditions-utilisation"
    assert ContentPage.objects.live().count() == 2
