""" "We adopt this practice": declaring, updating, withdrawing, what the sheet shows."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from notifications.models import Notification
from wagtail.models import Locale

from community.library.models import Adoption, InterviewPage
from community.library.services.adoptions import adoption_declare, adoption_withdraw
from community.notifications import render
from tests.factories import OrganisationFactory, UserFactory

ADOPTING = Adoption.Status.ADOPTING
ADOPTED = Adoption.Status.ADOPTED


def employee(organisation, name):
    return UserFactory(profile__display_name=name, profile__organisation=organisation)


@pytest.fixture
def acme(db):
    return OrganisationFactory(name="Forges Acme")


@pytest.fixture
def adopter(acme):
    return employee(acme, "Agathe Acme")


@pytest.fixture
def colleague(acme):
    return employee(acme, "Colin Acme")


@pytest.fixture
def rival(db):
    return employee(OrganisationFactory(name="Bâtiments Bretons"), "Bruno Bâtiment")


@pytest.fixture
def owner(db):
    return UserFactory(profile__display_name="Odile Autrice")


@pytest.fixture
def practice(make_sheet, owner):
    return make_sheet(owner=owner, title="Les Clusters Égalité")


def rows():
    return list(
        Adoption.objects.order_by("pk").values_list(
            "practice_id", "organisation_id", "declared_by_id", "status", "note", "show_publicly"
        )
    )


def notifications_of(user):
    return list(Notification.objects.filter(recipient=user).order_by("pk"))


# --- Declaring ------------------------------------------------------------------------------------


def test_a_member_declares_that_their_organisation_is_adopting_a_practice(
    adopter, acme, owner, practice
):
    adoption = adoption_declare(
        by=adopter, practice=practice, status=ADOPTING, note="  Testé en atelier.  "
    )
    assert rows() == [(practice.pk, acme.pk, adopter.pk, ADOPTING, "Testé en atelier.", True)]
    assert adoption.organisation == acme
    [notification] = notifications_of(owner)
    assert notification.verb == "library.adoption_adopting"
    assert render(notification) == "Forges Acme is adopting your practice “Les Clusters Égalité”."
    assert notification.data["url"] == practice.url


def test_declaring_again_updates_the_organisations_declaration_in_place(
    adopter, colleague, acme, owner, practice
):
    adoption_declare(by=adopter, practice=practice, status=ADOPTING)
    adoption_declare(by=colleague, practice=practice, status=ADOPTED, note="Déployé partout.")
    assert rows() == [(practice.pk, acme.pk, colleague.pk, ADOPTED, "Déployé partout.", True)]
    assert [n.verb for n in notifications_of(owner)] == [
        "library.adoption_adopting",
        "library.adoption_adopted",
    ]
    # A new note without a new status tells the owner nothing new.
    adoption_declare(by=adopter, practice=practice, status=ADOPTED, note="Et ça marche.")
    assert len(notifications_of(owner)) == 2
    assert Adoption.objects.get().note == "Et ça marche."


def test_an_organisation_that_asks_not_to_be_shown_is_not_named_to_the_owner_either(
    adopter, owner, practice
):
    adoption_declare(by=adopter, practice=practice, status=ADOPTED, show_publicly=False)
    [notification] = notifications_of(owner)
    assert notification.verb == "library.adoption_adopted_unnamed"
    assert "Acme" not in render(notification)
    assert "Acme" not in str(notification.data)
    assert notification.actor == practice


def test_the_owner_is_not_notified_of_their_own_organisations_declaration(acme, make_sheet):
    author = employee(acme, "Alice Autrice")
    sheet = make_sheet(owner=author)
    adoption_declare(by=author, practice=sheet, status=ADOPTED)
    assert Adoption.objects.count() == 1
    assert notifications_of(author) == []


def test_a_member_without_an_organisation_is_refused_and_nothing_is_written(
    member, owner, practice
):
    with pytest.raises(PermissionDenied) as refused:
        adoption_declare(by=member, practice=practice, status=ADOPTED)
    assert "Add your organisation to your profile" in str(refused.value)
    assert rows() == []
    assert notifications_of(owner) == []


@pytest.mark.parametrize("who", ["visitor", "deactivated"])
def test_a_visitor_or_a_deactivated_account_cannot_declare(who, acme, practice):
    user = AnonymousUser() if who == "visitor" else employee(acme, "Ex")
    if who == "deactivated":
        user.is_active = False
        user.save()
    with pytest.raises(PermissionDenied):
        adoption_declare(by=user, practice=practice, status=ADOPTED)
    assert rows() == []


def test_an_unpublished_sheet_cannot_be_adopted(adopter, make_sheet):
    draft = make_sheet(publish=False)
    with pytest.raises(PermissionDenied):
        adoption_declare(by=adopter, practice=draft, status=ADOPTED)
    assert rows() == []


@pytest.mark.parametrize(
    "fields, field",
    [({"status": "maybe"}, "status"), ({"status": ADOPTED, "note": "x" * 1001}, "note")],
)
def test_bad_input_is_refused_and_leaves_the_declaration_as_it_was(
    adopter, owner, practice, fields, field
):
    adoption_declare(by=adopter, practice=practice, status=ADOPTING, note="Avant")
    before = rows()
    with pytest.raises(ValidationError) as refused:
        adoption_declare(by=adopter, practice=practice, **fields)
    assert field in refused.value.message_dict
    assert rows() == before
    assert len(notifications_of(owner)) == 1


def test_adopting_a_translation_counts_on_the_original_sheet(adopter, make_sheet, owner):
    original = make_sheet(owner=owner, locale=Locale.objects.get(language_code="fr"))
    translation = make_sheet(
        slug="english-version",
        locale=Locale.objects.get(language_code="en"),
        translation_key=original.translation_key,
        translation_source_published_at=original.last_published_at,
    )
    adoption = adoption_declare(by=adopter, practice=translation, status=ADOPTED)
    assert adoption.practice_id == original.pk
    assert notifications_of(owner)[0].data["url"] == original.url


# --- Withdrawing ---------------------------------------------------------------------------------


def test_a_member_withdraws_their_organisations_declaration_and_no_other(
    adopter, colleague, rival, practice
):
    adoption_declare(by=adopter, practice=practice, status=ADOPTED)
    adoption_declare(by=rival, practice=practice, status=ADOPTING)
    adoption_withdraw(by=colleague, practice=practice)  # a colleague speaks for Acme too
    assert [row[1] for row in rows()] == [rival.profile.organisation_id]


def test_another_organisations_declaration_cannot_be_touched(adopter, rival, acme, practice):
    adoption_declare(by=adopter, practice=practice, status=ADOPTED, note="Notre note")
    before = rows()
    with pytest.raises(ValidationError) as refused:
        adoption_withdraw(by=rival, practice=practice)
    assert refused.value.code == "not_declared"
    assert rows() == before
    # Declaring makes the rival's own row; Acme's stays as it was.
    adoption_declare(by=rival, practice=practice, status=ADOPTING, note="La nôtre")
    assert rows()[0] == before[0]
    assert len(rows()) == 2


def test_withdrawing_is_refused_without_an_organisation_or_an_account(member, adopter, practice):
    adoption_declare(by=adopter, practice=practice, status=ADOPTED)
    before = rows()
    for user in (member, AnonymousUser()):
        with pytest.raises(PermissionDenied):
            adoption_withdraw(by=user, practice=practice)
    assert rows() == before


# --- The sheet's adoption block -------------------------------------------------------------------


def test_the_sheet_counts_each_status_and_names_only_those_that_agreed(
    client, adopter, rival, colleague, practice
):
    adoption_declare(by=adopter, practice=practice, status=ADOPTED, note="Mis en œuvre en 2024.")
    adoption_declare(by=rival, practice=practice, status=ADOPTING)
    discreet = employee(OrganisationFactory(name="Discrète SARL"), "Denise")
    adoption_declare(by=discreet, practice=practice, status=ADOPTED, show_publicly=False)

    response = client.get(practice.url)
    content = response.content.decode()
    assert response.context["adoption_counts"] == {"adopting": 1, "adopted": 2}
    assert "Adopted by 3 organisations" in content
    assert "Forges Acme" in content and "Bâtiments Bretons" in content
    assert "Mis en œuvre en 2024." in content
    assert "Discrète SARL" not in content


def test_a_member_with_an_organisation_gets_the_form_with_their_declaration(
    client, adopter, practice
):
    adoption_declare(by=adopter, practice=practice, status=ADOPTING, note="En cours")
    client.force_login(adopter)
    content = client.get(practice.url).content.decode()
    action = reverse("library:adopt", args=[practice.pk])
    assert f'hx-post="{action}"' in content
    assert 'type="radio" name="adoption-status" value="adopting"' in content
    assert "checked" in content.split('value="adopting"')[1].split(">")[0]
    assert '<label for="id_adoption-note">' in content and "En cours</textarea>" in content
    assert 'name="adoption-show_publicly"' in content
    assert reverse("library:adopt_withdraw", args=[practice.pk]) in content


def test_a_member_without_an_organisation_is_sent_to_their_profile(client, member, practice):
    client.force_login(member)
    content = client.get(practice.url).content.decode()
    assert reverse("community:profile_edit") in content
    assert reverse("library:adopt", args=[practice.pk]) not in content


def test_a_visitor_is_invited_to_sign_in(client, practice):
    content = client.get(practice.url).content.decode()
    assert "Sign in to declare that your organisation adopts this practice." in content
    assert reverse("library:adopt", args=[practice.pk]) not in content


def test_other_kinds_have_no_adoption_block(client, make_item):
    response = client.get(make_item(InterviewPage).url)
    assert "adoption_page" not in response.context
    assert 'id="adoption"' not in response.content.decode()


# --- The views ------------------------------------------------------------------------------------


def test_declaring_through_the_form_redirects_to_the_sheet(client, adopter, acme, practice):
    client.force_login(adopter)
    response = client.post(
        reverse("library:adopt", args=[practice.pk]),
        {"adoption-status": "adopted", "adoption-note": "Oui", "adoption-show_publicly": "on"},
    )
    assert response.status_code == 302
    assert response["Location"] == practice.url + "#adoption"
    assert rows() == [(practice.pk, acme.pk, adopter.pk, ADOPTED, "Oui", True)]


def test_htmx_gets_the_refreshed_block_with_the_message(client, adopter, practice):
    client.force_login(adopter)
    response = client.post(
        reverse("library:adopt", args=[practice.pk]),
        {"adoption-status": "adopting"},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    assert [t.name for t in response.templates][0] == "library/partials/item_adoption.html"
    content = response.content.decode()
    assert content.lstrip().startswith('<section id="adoption"')
    assert "Adopted by 1 organisation" in content
    assert "Your organisation&#x27;s declaration is saved." in content
    assert rows()[0][5] is False  # the box left unticked: not shown
    assert "HX-Request" in response["Vary"]

    response = client.post(
        reverse("library:adopt_withdraw", args=[practice.pk]), headers={"HX-Request": "true"}
    )
    assert response.status_code == 200
    assert "No organisation has declared adopting this practice yet." in response.content.decode()
    assert rows() == []


def test_a_form_error_comes_back_on_the_form_and_writes_nothing(client, adopter, practice):
    client.force_login(adopter)
    url = reverse("library:adopt", args=[practice.pk])
    response = client.post(url, {"adoption-status": "maybe"}, headers={"HX-Request": "true"})
    assert response.status_code == 200  # htmx swaps only successful answers
    assert 'id="id_adoption-status_error"' in response.content.decode()
    response = client.post(url, {"adoption-status": "maybe"})
    assert response.status_code == 400
    assert [t.name for t in response.templates][0] == "library/sheet_page.html"
    assert rows() == []


def test_a_member_without_an_organisation_gets_the_reason_through_the_view(
    client, member, practice
):
    client.force_login(member)
    response = client.post(
        reverse("library:adopt", args=[practice.pk]),
        {"adoption-status": "adopted"},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    assert "Add your organisation to your profile" in response.content.decode()
    assert rows() == []


def test_the_views_want_a_signed_in_post_on_a_published_sheet(client, adopter, make_sheet):
    practice = make_sheet()
    url = reverse("library:adopt", args=[practice.pk])
    response = client.post(url, {"adoption-status": "adopted"})
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    client.force_login(adopter)
    assert client.get(url).status_code == 405
    draft = make_sheet(publish=False)
    assert (
        client.post(reverse("library:adopt", args=[draft.pk]), {"adoption-status": "adopted"})
    ).status_code == 404
    assert client.post(reverse("library:adopt", args=[2**63])).status_code == 404
    assert rows() == []
