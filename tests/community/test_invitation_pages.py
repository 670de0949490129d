"""The invitation link works for someone without an account, and refuses misuse with a message."""

import pytest
from allauth.account.models import EmailAddress
from django.urls import reverse

from community import services
from community.models import Membership
from tests.factories import UserFactory


@pytest.fixture
def invitation(private_space, animator):
    return services.space_invite(space=private_space, by=animator, email="new.person@example.org")


def open_url(invitation):
    return reverse("community:invitation_open", kwargs={"token": invitation.token})


@pytest.mark.django_db
def test_a_newcomer_signs_up_from_the_link_and_lands_in_the_space(
    client, invitation, private_space, mailoutbox
):
    page = client.get(open_url(invitation))
    assert private_space.name in page.content.decode()

    client.post(
        reverse("account_signup"),
        {
            "email": "new.person@example.org",
            "display_name": "Nouvelle Personne",
            "password1": "a-long-Passphrase-42",
            "password2": "a-long-Passphrase-42",
        },
    )
    confirmation = next(m for m in mailoutbox if "confirm-email" in m.body)
    key_url = next(w for w in confirmation.body.split() if "/accounts/confirm-email/" in w)
    response = client.post(key_url[key_url.index("/accounts/") :])
    # Confirming logs in and comes back to the invitation, which the member accepts.
    assert response["Location"] == open_url(invitation)
    response = client.post(open_url(invitation), follow=True)
    assert response.redirect_chain[-1][0] == private_space.get_absolute_url()
    membership = Membership.objects.get(space=private_space, user__email="new.person@example.org")
    assert membership.state == Membership.State.ACTIVE


@pytest.mark.django_db
def test_a_foreign_link_is_refused_with_a_message_and_changes_nothing(
    client, invitation, private_space, member
):
    client.force_login(member)
    response = client.post(open_url(invitation), follow=True)
    assert "sent to another e-mail address" in response.content.decode()
    assert not Membership.objects.filter(space=private_space, user=member).exists()


@pytest.mark.django_db
def test_a_used_link_shows_that_it_cannot_be_used(client, invitation, private_space):
    user = UserFactory(email="new.person@example.org")
    services.invitation_accept(token=invitation.token, user=user)
    other = UserFactory()
    EmailAddress.objects.create(user=other, email="new.person@example.org", verified=False)
    client.force_login(other)
    page = client.get(open_url(invitation))
    assert "This invitation cannot be used" in page.content.decode()
    assert private_space.name not in page.content.decode()


@pytest.mark.django_db
def test_a_garbage_link_reveals_nothing(client):
    page = client.get(reverse("community:invitation_open", kwargs={"token": "not-a-token"}))
    assert page.status_code == 200
    assert "This invitation cannot be used" in page.content.decode()
