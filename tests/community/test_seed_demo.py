from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone
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
from forum.models import Follow, Post, Topic, Vote
from forum.permissions import can_post_in

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
        Follow,
        Invitation,
        Membership,
        Notification,
        Organisation,
        Post,
        Profile,
        Space,
        Topic,
        User,
        Vote,
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


def test_seed_demo_fills_the_forum():
    seed()

    topics = Topic.objects.all()
    assert 12 <= topics.count() <= 16
    assert topics.values("space").distinct().count() == Space.objects.count()
    assert topics.filter(status=Topic.Status.ANSWERED, accepted_post__isnull=False).count() >= 3
    for topic in topics.filter(accepted_post__isnull=False):
        assert topic.accepted_post.topic_id == topic.pk
    confidential = topics.exclude(pseudonym="")
    assert confidential.count() == 1
    harassment = confidential.get()
    assert harassment.space.slug == "reseau-referents-egalite"
    assert harassment.accepted_post.author.email == "claire.morvan@demo.egalite.example"
    assert harassment.accepted_post.helpful_count > 0
    assert topics.filter(kind=Topic.Kind.ANNOUNCEMENT, is_pinned=True).count() == 1
    assert topics.filter(kind=Topic.Kind.DISCUSSION).count() == 1
    # Questions still waiting for a first answer, opened days to weeks ago.
    waiting = topics.filter(kind=Topic.Kind.QUESTION, reply_count=0)
    assert waiting.count() >= 3
    ages = {(timezone.now() - topic.created_at).days for topic in waiting}
    assert min(ages) >= 1 and max(ages) >= 14
    validated = Post.objects.get(validated_by__isnull=False)
    assert validated.validated_by.email == "claire.morvan@demo.egalite.example"
    assert Post.objects.filter(mentions__isnull=False).exists()
    assert 'class="mention"' in Post.objects.filter(mentions__isnull=False).first().body_html
    assert Vote.objects.exists()
    assert Follow.objects.filter(space__isnull=False).exists()
    # Every author wrote as an active member (or manager) of the topic's space.
    for post in Post.objects.select_related("topic__space", "author"):
        assert can_post_in(post.author, post.topic.space), post
    # The pseudonymous asker is never named in the notifications the forum sent.
    asker_name = harassment.author.profile.display_name
    assert not Notification.objects.filter(
        verb__startswith="forum.", data__actor=asker_name, target_object_id=str(harassment.pk)
    ).exists()
