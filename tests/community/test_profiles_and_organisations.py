"""Profiles, organisations, clusters and accounts through their services."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied, ValidationError

from community import permissions, services
from community.models import Language, Organisation, Profile, Theme, Visibility
from tests.factories import OrganisationFactory, UserFactory

pytestmark = pytest.mark.django_db


def profile_of(user) -> Profile:
    return Profile.objects.get(user=user)


# --- Profiles ---------------------------------------------------------------------------------


def test_a_new_account_gets_a_profile_with_a_trimmed_name(db):
    user = UserFactory(profile=None)

    profile = services.profile_create(user=user, display_name="  Inès Morel  ")

    assert profile_of(user).display_name == "Inès Morel"
    assert profile.profile_visibility == Visibility.MEMBERS


def test_a_blank_display_name_is_refused_at_sign_up(db):
    user = UserFactory(profile=None)

    with pytest.raises(ValidationError) as refused:
        services.profile_create(user=user, display_name="   ")

    assert "display_name" in refused.value.error_dict
    assert not Profile.objects.filter(user=user).exists()


def test_a_member_edits_their_own_profile_field_by_field(member):
    organisation = OrganisationFactory()
    french, romanian = Language.objects.filter(slug__in=["fr", "ro"]).order_by("slug")
    theme = Theme.objects.get(slug="parenthood")

    services.profile_update(
        by=member,
        profile=member.profile,
        display_name=" Claire M. ",
        bio="Je pilote l'index de l'égalité.",
        region="Bretagne",
        country="FR",
        organisation=organisation,
        languages=[french, romanian],
        themes=[theme],
        profile_visibility=Visibility.SPACES,
        bio_visibility=Visibility.PRIVATE,
    )

    profile = profile_of(member)
    assert profile.display_name == "Claire M."
    assert profile.bio == "Je pilote l'index de l'égalité."
    assert (profile.country, profile.region) == ("FR", "Bretagne")
    assert profile.organisation == organisation
    assert set(profile.languages.all()) == {french, romanian}
    assert list(profile.themes.all()) == [theme]
    assert profile.profile_visibility == Visibility.SPACES
    assert profile.bio_visibility == Visibility.PRIVATE
    assert profile.location_visibility == Visibility.MEMBERS


def test_a_profile_update_leaves_unnamed_fields_alone(member):
    member.profile.themes.add(Theme.objects.get(slug="digital"))

    services.profile_update(by=member, profile=member.profile, bio="Nouveau")

    assert [theme.slug for theme in profile_of(member).themes.all()] == ["digital"]


@pytest.mark.parametrize(
    "fields",
    [
        {"display_name": "n" * 81},
        {"display_name": "   "},
        {"bio": "b" * 2001},
        {"profile_visibility": "everyone"},
        {"location_visibility": "world"},
        {"country": "XX"},
    ],
    ids=[
        "long-name",
        "blank-name",
        "long-bio",
        "bad-visibility",
        "bad-field-visibility",
        "country",
    ],
)
def test_an_invalid_profile_edit_changes_nothing(member, fields):
    before = Profile.objects.filter(pk=member.profile.pk).values().get()

    with pytest.raises(ValidationError) as refused:
        services.profile_update(by=member, profile=member.profile, **fields)

    assert set(refused.value.error_dict) == set(fields)
    assert Profile.objects.filter(pk=member.profile.pk).values().get() == before


def test_a_profile_edit_cannot_reach_fields_outside_the_form(member):
    with pytest.raises(ValueError):
        services.profile_update(by=member, profile=member.profile, user=UserFactory())

    assert profile_of(member).user == member


def test_html_in_a_bio_is_stored_as_typed(member):
    bio = "<img src=x onerror=alert(1)> J'aime l'<b>égalité</b>"

    services.profile_update(by=member, profile=member.profile, bio=bio)

    assert profile_of(member).bio == bio


# --- Organisations ----------------------------------------------------------------------------


def test_a_member_adds_their_organisation_and_joins_it(member):
    organisation = services.organisation_create(
        by=member,
        name="Atelier Textile Quimper",
        slug="atelier-textile-quimper",
        kind=Organisation.Kind.COMPANY,
        size_band=Organisation.SizeBand.PME,
        country="FR",
    )

    assert Organisation.objects.get(pk=organisation.pk).name == "Atelier Textile Quimper"
    assert profile_of(member).organisation == organisation


def test_a_member_may_add_an_organisation_without_joining_it(member):
    organisation = services.organisation_create(
        by=member, join=False, name="Autre", slug="autre", kind="association", country="RO"
    )

    assert organisation.pk is not None
    assert profile_of(member).organisation is None


def test_the_creator_may_name_themself_equality_referent(member):
    organisation = services.organisation_create(
        by=member, name="Réf", slug="ref", kind="company", country="FR", equality_referent=member
    )

    assert organisation.equality_referent == member


def test_a_referent_who_does_not_belong_to_the_organisation_is_refused(member, other_member):
    with pytest.raises(ValidationError) as refused:
        services.organisation_create(
            by=member,
            name="Réf",
            slug="ref",
            kind="company",
            country="FR",
            equality_referent=other_member,
        )

    assert refused.value.error_dict["equality_referent"][0].code == "referent_not_member"
    assert not Organisation.objects.exists()
    # The whole creation was undone, the creator's profile included.
    assert profile_of(member).organisation is None


@pytest.mark.parametrize(
    "fields",
    [
        {"name": "n" * 151},
        {"kind": "secret-society"},
        {"country": "ZZ"},
        {"website": "javascript:alert(1)"},
        {"description": "d" * 3001},
    ],
    ids=["long-name", "kind", "country", "website", "long-description"],
)
def test_an_invalid_organisation_is_not_created(member, fields):
    values = {"name": "Valide", "slug": "valide", "kind": "company", "country": "FR", **fields}

    with pytest.raises(ValidationError) as refused:
        services.organisation_create(by=member, **values)

    assert set(fields) <= set(refused.value.error_dict)
    assert not Organisation.objects.exists()
    assert profile_of(member).organisation is None


def test_a_duplicate_organisation_slug_is_refused(member):
    existing = OrganisationFactory(name="Déjà là", slug="deja-la")

    with pytest.raises(ValidationError) as refused:
        services.organisation_create(
            by=member, name="Autre", slug="deja-la", kind="company", country="FR"
        )

    assert "slug" in refused.value.error_dict
    assert list(Organisation.objects.all()) == [existing]


def test_a_visitor_cannot_add_an_organisation(db):
    with pytest.raises(PermissionDenied):
        services.organisation_create(
            by=AnonymousUser(), name="Anonyme", slug="anonyme", kind="company", country="FR"
        )

    assert not Organisation.objects.exists()


def test_the_referent_can_hand_over_to_a_colleague_of_the_organisation(member, other_member):
    organisation = OrganisationFactory()
    for user in (member, other_member):
        services.profile_update(by=user, profile=user.profile, organisation=organisation)
    organisation.equality_referent = member
    organisation.save()

    services.organisation_update(
        by=member, organisation=organisation, equality_referent=other_member
    )

    assert Organisation.objects.get(pk=organisation.pk).equality_referent == other_member


def test_the_referent_cannot_hand_over_to_an_outsider(member, other_member):
    organisation = OrganisationFactory()
    services.profile_update(by=member, profile=member.profile, organisation=organisation)
    organisation.equality_referent = member
    organisation.save()

    with pytest.raises(ValidationError) as refused:
        services.organisation_update(
            by=member, organisation=organisation, equality_referent=other_member
        )

    assert refused.value.error_dict["equality_referent"][0].code == "referent_not_member"
    assert Organisation.objects.get(pk=organisation.pk).equality_referent == member


def test_an_organisation_edit_that_breaks_a_rule_changes_nothing(animator, cluster):
    organisation = OrganisationFactory(name="Intacte")
    cluster.organisations.add(organisation)

    with pytest.raises(ValidationError):
        services.organisation_update(
            by=animator, organisation=organisation, name="Renommée", description="d" * 3001
        )

    assert Organisation.objects.get(pk=organisation.pk).name == "Intacte"


# --- Clusters ---------------------------------------------------------------------------------


def test_a_cluster_animator_edits_the_description_but_not_who_belongs_to_the_cluster(
    animator, other_member, cluster, db_state
):
    organisation = OrganisationFactory()
    services.cluster_update(by=animator, cluster=cluster, description="Le cluster breton.")
    cluster.refresh_from_db()
    assert cluster.description == "Le cluster breton."

    # Members and animators decide who may edit organisations and spaces: staff only.
    for change in ({"animators": [animator, other_member]}, {"organisations": [organisation]}):
        with pytest.raises(PermissionDenied):
            services.cluster_update(by=animator, cluster=cluster, **change)
    assert set(cluster.animators.all()) == {animator}
    assert not cluster.organisations.exists()


def test_staff_name_cluster_animators_and_a_dropped_animator_loses_access_at_once(
    animator, other_member, staff, cluster, published, django_capture_on_commit_callbacks
):
    organisation = OrganisationFactory()

    with django_capture_on_commit_callbacks(execute=True):
        services.cluster_update(
            by=staff, cluster=cluster, animators=[other_member], organisations=[organisation]
        )

    assert set(cluster.animators.all()) == {other_member}
    assert list(cluster.organisations.all()) == [organisation]
    assert (f"user.{animator.pk}", {"type": "access.changed"}) in published


def test_an_animator_cannot_annex_an_organisation_to_gain_edit_rights(animator, cluster):
    foreign = OrganisationFactory()
    with pytest.raises(PermissionDenied):
        services.cluster_update(by=animator, cluster=cluster, organisations=[foreign])
    assert not permissions.can_edit_organisation(animator, foreign)


def test_a_referent_who_creates_a_new_organisation_leaves_the_old_referent_role(member):
    old = services.organisation_create(
        by=member, name="Ancienne", slug="ancienne", kind="company", country="FR"
    )
    services.organisation_update(by=member, organisation=old, equality_referent=member)
    old.refresh_from_db()
    assert old.equality_referent == member

    services.organisation_create(
        by=member, name="Nouvelle", slug="nouvelle", kind="company", country="FR"
    )

    old.refresh_from_db()
    assert old.equality_referent is None


def test_a_cluster_description_over_5000_characters_is_refused(animator, cluster):
    with pytest.raises(ValidationError) as refused:
        services.cluster_update(by=animator, cluster=cluster, description="d" * 5001)

    assert "description" in refused.value.error_dict
    cluster.refresh_from_db()
    assert cluster.description == ""


# --- Accounts ---------------------------------------------------------------------------------


def test_a_member_deactivates_their_account_and_every_socket_closes(
    member, published, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.user_deactivate(user=member, by=member)

    member.refresh_from_db()
    assert not member.is_active
    assert published == [(f"user.{member.pk}", {"type": "session.ended", "session_key": None})]


def test_staff_can_deactivate_an_account(member, staff):
    services.user_deactivate(user=member, by=staff)

    member.refresh_from_db()
    assert not member.is_active


@pytest.mark.parametrize("by", ["other_member", "animator"])
def test_nobody_else_deactivates_an_account(member, by, request, published):
    with pytest.raises(PermissionDenied):
        services.user_deactivate(user=member, by=request.getfixturevalue(by))

    member.refresh_from_db()
    assert member.is_active
    assert published == []
