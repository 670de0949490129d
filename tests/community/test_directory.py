"""The member directory and profiles: nobody learns what a member chose to hide from them."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.http import Http404

from community import selectors
from community.models import Language, Membership, Role, Sector, Theme, Visibility
from tests.factories import MembershipFactory, OrganisationFactory, SpaceFactory, UserFactory

pytestmark = pytest.mark.django_db

DirectoryFilters = selectors.DirectoryFilters


def names(profiles) -> list[str]:
    return [profile.display_name for profile in profiles]


def find(viewer, **filters) -> list[str]:
    return names(selectors.directory(viewer=viewer, filters=DirectoryFilters(**filters)))


def shared_space(*users, state=Membership.State.ACTIVE):
    space = SpaceFactory()
    for user in users:
        MembershipFactory(space=space, user=user, state=state)
    return space


@pytest.fixture
def viewer(db):
    return UserFactory(profile__display_name="Victor Lecteur")


# --- Who appears ------------------------------------------------------------------------------


def test_visitors_get_nothing_from_the_directory(member, other_member):
    visitor = AnonymousUser()

    assert find(visitor) == []
    assert find(visitor, query="Claire", region="Bretagne", theme="recruitment") == []
    assert list(selectors.profiles_visible_to(visitor)) == []
    assert list(selectors.profiles_visible_to(None)) == []
    with pytest.raises(Http404):
        selectors.access_profile(viewer=visitor, profile_id=member.profile.pk)


def test_members_see_each_other_by_default(member, other_member, viewer):
    assert find(viewer) == ["Claire Martin", "Victor Lecteur", "Yasmine Benali"]
    assert find(viewer, query="yas") == ["Yasmine Benali"]


def test_a_private_profile_never_appears_to_other_members(member, other_member, viewer):
    UserFactory(profile__display_name="Paula Privée", profile__profile_visibility="private")
    shared_space(viewer, member)
    hidden = UserFactory(profile__display_name="Pia Privée", profile__profile_visibility="private")
    shared_space(viewer, hidden)

    assert "Paula Privée" not in find(viewer)
    assert "Pia Privée" not in find(viewer)
    assert find(viewer, query="Privée") == []
    with pytest.raises(Http404):
        selectors.access_profile(viewer=viewer, profile_id=hidden.profile.pk)


def test_a_private_profile_appears_to_the_member_themself_and_to_staff(staff):
    hidden = UserFactory(profile__display_name="Pia Privée", profile__profile_visibility="private")

    assert "Pia Privée" in find(hidden)
    assert "Pia Privée" in find(staff)
    assert selectors.access_profile(viewer=hidden, profile_id=hidden.profile.pk).is_self
    assert selectors.access_profile(viewer=staff, profile_id=hidden.profile.pk).display_name == (
        "Pia Privée"
    )


def test_a_spaces_profile_appears_only_to_members_of_a_space_in_common(viewer):
    discreet = UserFactory(
        profile__display_name="Diane Discrète", profile__profile_visibility="spaces"
    )
    stranger = UserFactory(profile__display_name="Sam Inconnu")
    shared_space(viewer, discreet)

    assert "Diane Discrète" in find(viewer)
    assert "Diane Discrète" not in find(stranger)
    assert selectors.access_profile(viewer=viewer, profile_id=discreet.profile.pk)
    with pytest.raises(Http404):
        selectors.access_profile(viewer=stranger, profile_id=discreet.profile.pk)


@pytest.mark.parametrize(
    "state",
    [Membership.State.REQUESTED, Membership.State.INVITED, Membership.State.REMOVED],
)
def test_a_spaces_profile_stays_hidden_when_either_side_is_not_an_active_member(viewer, state):
    discreet = UserFactory(
        profile__display_name="Diane Discrète", profile__profile_visibility="spaces"
    )
    space = shared_space(discreet)
    MembershipFactory(space=space, user=viewer, state=state)
    other_space = shared_space(viewer)
    MembershipFactory(space=other_space, user=discreet, state=state)

    assert "Diane Discrète" not in find(viewer)


def test_a_deactivated_member_leaves_the_directory(member, viewer, staff):
    member.is_active = False
    member.save()

    assert "Claire Martin" not in find(viewer)
    assert "Claire Martin" not in find(staff)


# --- Filters never reveal a hidden field ------------------------------------------------------

FILTERS = [
    pytest.param("region", "location_visibility", id="region"),
    pytest.param("theme", "themes_visibility", id="theme"),
    pytest.param("sector", "sectors_visibility", id="sector"),
    pytest.param("role", "roles_visibility", id="role"),
    pytest.param("language", "languages_visibility", id="language"),
]


def _give(profile, filter_name: str) -> str:
    """Give the profile a value for the filter; return what to filter on."""
    if filter_name == "region":
        profile.region = "Bretagne"
        profile.save()
        return "bretagne"
    model, relation, slug = {
        "theme": (Theme, "themes", "recruitment"),
        "sector": (Sector, "sectors", "textile"),
        "role": (Role, "roles", Role.MENTOR),
        "language": (Language, "languages", "ro"),
    }[filter_name]
    getattr(profile, relation).add(model.objects.get(slug=slug))
    return slug


@pytest.mark.parametrize(("filter_name", "visibility_field"), FILTERS)
def test_filtering_on_a_private_field_does_not_reveal_the_member(
    viewer, staff, filter_name, visibility_field
):
    hider = UserFactory(profile__display_name="Hélène Cachée")
    setattr(hider.profile, visibility_field, Visibility.PRIVATE)
    hider.profile.save()
    value = _give(hider.profile, filter_name)
    shared_space(viewer, hider)

    assert find(viewer, **{filter_name: value}) == []
    # The member is still in the directory; only the hidden field is not searchable.
    assert "Hélène Cachée" in find(viewer)
    assert find(hider, **{filter_name: value}) == ["Hélène Cachée"]
    assert find(staff, **{filter_name: value}) == ["Hélène Cachée"]


@pytest.mark.parametrize(("filter_name", "visibility_field"), FILTERS)
def test_filtering_on_a_field_shown_to_space_members_finds_only_for_them(
    viewer, filter_name, visibility_field
):
    sharer = UserFactory(profile__display_name="Sophie Partage")
    setattr(sharer.profile, visibility_field, Visibility.SPACES)
    sharer.profile.save()
    value = _give(sharer.profile, filter_name)
    stranger = UserFactory(profile__display_name="Sam Inconnu")
    shared_space(viewer, sharer)

    assert find(viewer, **{filter_name: value}) == ["Sophie Partage"]
    assert find(stranger, **{filter_name: value}) == []
    assert "Sophie Partage" in find(stranger)


@pytest.mark.parametrize(("filter_name", "visibility_field"), FILTERS)
def test_filtering_on_a_field_shown_to_all_members_finds_the_member(
    viewer, filter_name, visibility_field
):
    open_book = UserFactory(profile__display_name="Olivia Ouverte")
    value = _give(open_book.profile, filter_name)

    assert find(viewer, **{filter_name: value}) == ["Olivia Ouverte"]


def test_a_private_bretagne_region_is_not_found_by_region_but_the_member_is_listed(viewer):
    UserFactory(
        profile__display_name="Brigitte Bretonne",
        profile__region="Bretagne",
        profile__location_visibility="private",
    )
    UserFactory(profile__display_name="Bruno Breton", profile__region="Bretagne")

    assert find(viewer, region="Bretagne") == ["Bruno Breton"]
    assert "Brigitte Bretonne" in find(viewer)


def test_combined_filters_each_respect_their_own_field(viewer):
    mixed = UserFactory(
        profile__display_name="Marie Mélange",
        profile__region="Bretagne",
        profile__themes_visibility="private",
    )
    mixed.profile.themes.add(Theme.objects.get(slug="recruitment"))

    assert find(viewer, region="Bretagne") == ["Marie Mélange"]
    assert find(viewer, region="Bretagne", theme="recruitment") == []


def test_a_member_with_several_matching_terms_appears_once(viewer):
    polyglot = UserFactory(profile__display_name="Paul Polyglotte")
    polyglot.profile.languages.add(*Language.objects.filter(slug__in=["fr", "en", "ro"]))
    polyglot.profile.themes.add(*Theme.objects.filter(slug__in=["digital", "industry"]))

    assert find(viewer).count("Paul Polyglotte") == 1
    assert find(viewer, language="ro") == ["Paul Polyglotte"]


def test_the_directory_reads_in_a_bounded_number_of_queries(viewer, django_assert_max_num_queries):
    for n in range(8):
        user = UserFactory(profile__display_name=f"Membre {n}")
        user.profile.themes.add(Theme.objects.get(slug="digital"))
        user.profile.languages.add(Language.objects.get(slug="fr"))

    with django_assert_max_num_queries(6):
        profiles = list(selectors.directory(viewer=viewer, filters=DirectoryFilters()))
        for profile in profiles:
            view = selectors.ProfileView(profile, viewer)
            view.themes, view.languages, view.roles, view.sectors  # noqa: B018

    assert len(profiles) == 9


# --- One profile as one viewer sees it ---------------------------------------------------------


@pytest.fixture
def guarded(db):
    """A member who shows her organisation and themes to all, the rest to herself only."""
    organisation = OrganisationFactory(name="Bois de Bretagne")
    user = UserFactory(
        profile__display_name="Gaëlle Gardée",
        profile__bio="Référente égalité depuis 2019.",
        profile__country="FR",
        profile__region="Bretagne",
        profile__organisation=organisation,
        profile__bio_visibility="private",
        profile__location_visibility="private",
        profile__languages_visibility="private",
        profile__sectors_visibility="private",
        profile__roles_visibility="private",
        profile__photo_visibility="private",
    )
    profile = user.profile
    profile.languages.add(Language.objects.get(slug="fr"))
    profile.sectors.add(Sector.objects.get(slug="furniture-wood"))
    profile.roles.add(Role.objects.get(slug=Role.MENTOR))
    profile.themes.add(Theme.objects.get(slug="recruitment"))
    return user


def test_a_profile_view_hides_the_fields_the_member_hid(guarded, viewer):
    view = selectors.access_profile(viewer=viewer, profile_id=guarded.profile.pk)

    assert view.display_name == "Gaëlle Gardée"
    assert view.bio == ""
    assert view.country == ""
    assert view.region == ""
    assert view.languages == []
    assert view.sectors == []
    assert view.roles == []
    assert view.photo is None
    assert view.organisation.name == "Bois de Bretagne"
    assert [theme.slug for theme in view.themes] == ["recruitment"]
    assert not view.is_self


@pytest.mark.parametrize("who", ["self", "staff"])
def test_a_profile_view_shows_everything_to_the_member_and_to_staff(guarded, staff, who):
    viewer = guarded if who == "self" else staff

    view = selectors.access_profile(viewer=viewer, profile_id=guarded.profile.pk)

    assert view.bio == "Référente égalité depuis 2019."
    assert view.country == "France"
    assert view.region == "Bretagne"
    assert [language.slug for language in view.languages] == ["fr"]
    assert [sector.slug for sector in view.sectors] == ["furniture-wood"]
    assert [role.slug for role in view.roles] == [Role.MENTOR]


def test_a_profile_view_shows_space_level_fields_only_to_space_members(viewer):
    sharer = UserFactory(
        profile__display_name="Sophie Partage",
        profile__bio="Je partage avec mes espaces.",
        profile__bio_visibility="spaces",
        profile__organisation=OrganisationFactory(),
        profile__organisation_visibility="spaces",
    )
    stranger = UserFactory()
    shared_space(viewer, sharer)

    seen_by_peer = selectors.access_profile(viewer=viewer, profile_id=sharer.profile.pk)
    seen_by_stranger = selectors.access_profile(viewer=stranger, profile_id=sharer.profile.pk)

    assert seen_by_peer.bio == "Je partage avec mes espaces."
    assert seen_by_peer.organisation is not None
    assert seen_by_stranger.bio == ""
    assert seen_by_stranger.organisation is None


# --- Members of a space and of an organisation ------------------------------------------------


def test_space_members_omits_members_hidden_from_the_viewer_but_keeps_animators(
    animator, open_space
):
    hidden_animator_space = open_space
    shown = UserFactory(profile__display_name="Anaïs Visible")
    hidden = UserFactory(profile__display_name="Hugo Caché", profile__profile_visibility="private")
    private_animator = UserFactory(
        profile__display_name="Ariane Animatrice", profile__profile_visibility="private"
    )
    private_moderator = UserFactory(
        profile__display_name="Mona Modératrice", profile__profile_visibility="private"
    )
    for user in (shown, hidden):
        MembershipFactory(space=hidden_animator_space, user=user)
    MembershipFactory(space=open_space, user=private_animator, role=Membership.Role.ANIMATOR)
    MembershipFactory(space=open_space, user=private_moderator, role=Membership.Role.MODERATOR)
    outsider = UserFactory()

    seen = [
        m.user.profile.display_name
        for m in selectors.space_members(space=open_space, viewer=outsider)
    ]

    assert "Hugo Caché" not in seen
    assert sorted(seen) == [
        "Anaïs Visible",
        "Anne Animatrice",
        "Ariane Animatrice",
        "Mona Modératrice",
    ]
    # Even a fellow member does not see a profile its owner keeps to herself.
    seen_by_peer = [m.user_id for m in selectors.space_members(space=open_space, viewer=shown)]
    assert hidden.pk not in seen_by_peer
    seen_by_self = [m.user_id for m in selectors.space_members(space=open_space, viewer=hidden)]
    assert hidden.pk in seen_by_self


def test_space_members_lists_only_active_members(animator, open_space, staff):
    for state in (
        Membership.State.REQUESTED,
        Membership.State.INVITED,
        Membership.State.REMOVED,
    ):
        MembershipFactory(space=open_space, state=state)

    members = selectors.space_members(space=open_space, viewer=staff)

    assert [m.user for m in members] == [animator]
    assert (
        list(selectors.space_members(space=open_space, viewer=staff, role=Membership.Role.MEMBER))
        == []
    )


def test_a_spaces_profile_is_listed_to_fellow_members_of_that_space(open_space):
    discreet = UserFactory(
        profile__display_name="Diane Discrète", profile__profile_visibility="spaces"
    )
    fellow = UserFactory()
    outsider = UserFactory()
    MembershipFactory(space=open_space, user=discreet)
    MembershipFactory(space=open_space, user=fellow)

    assert discreet.pk in [
        m.user_id for m in selectors.space_members(space=open_space, viewer=fellow)
    ]
    assert discreet.pk not in [
        m.user_id for m in selectors.space_members(space=open_space, viewer=outsider)
    ]


def test_a_visitor_sees_only_the_people_who_speak_for_a_space(animator, open_space):
    MembershipFactory(space=open_space)

    members = selectors.space_members(space=open_space, viewer=AnonymousUser())

    assert [m.user for m in members] == [animator]


def test_organisation_members_respects_who_may_see_the_employer(viewer, staff):
    organisation = OrganisationFactory(name="Menuiserie Durand")
    UserFactory(profile__display_name="Odile Ouverte", profile__organisation=organisation)
    discreet = UserFactory(
        profile__display_name="Émilie Discrète",
        profile__organisation=organisation,
        profile__organisation_visibility="spaces",
    )
    secret = UserFactory(
        profile__display_name="Sarah Secrète",
        profile__organisation=organisation,
        profile__organisation_visibility="private",
    )
    UserFactory(
        profile__display_name="Pia Privée",
        profile__organisation=organisation,
        profile__profile_visibility="private",
    )
    UserFactory(profile__display_name="Ailleurs", profile__organisation=OrganisationFactory())

    def members(user) -> set[str]:
        return set(names(selectors.organisation_members(organisation=organisation, viewer=user)))

    assert members(viewer) == {"Odile Ouverte"}
    shared_space(viewer, discreet)
    assert members(viewer) == {"Odile Ouverte", "Émilie Discrète"}
    assert members(secret) == {"Odile Ouverte", "Sarah Secrète"}
    assert members(staff) == {"Odile Ouverte", "Pia Privée", "Sarah Secrète", "Émilie Discrète"}
    assert members(AnonymousUser()) == set()
