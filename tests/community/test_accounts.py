"""Accounts: e-mail verification, throttled log-ins, and no way to learn who has an account."""

import pytest
from django.urls import reverse

from community.models import User

PASSWORD = "correct-horse-battery"


@pytest.mark.django_db
def test_a_new_account_must_confirm_its_address_before_logging_in(client, mailoutbox):
    client.post(
        reverse("account_signup"),
        {
            "email": "lea@example.org",
            "display_name": "Léa",
            "password1": "a-long-Passphrase-42",
            "password2": "a-long-Passphrase-42",
        },
    )
    user = User.objects.get(email="lea@example.org")
    assert user.profile.display_name == "Léa"
    assert any("confirm-email" in m.body for m in mailoutbox)
    client.logout()
    response = client.post(
        reverse("account_login"), {"login": "lea@example.org", "password": "a-long-Passphrase-42"}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("account_email_verification_sent")
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_signing_up_with_a_taken_address_looks_the_same_as_a_new_one(client, member, mailoutbox):
    def sign_up(email):
        client.cookies.clear()
        return client.post(
            reverse("account_signup"),
            {
                "email": email,
                "display_name": "Quelqu'un",
                "password1": "a-long-Passphrase-42",
                "password2": "a-long-Passphrase-42",
            },
        )

    taken = sign_up(member.email)
    fresh = sign_up("nobody-yet@example.org")
    assert taken.status_code == fresh.status_code == 302
    assert taken["Location"] == fresh["Location"]
    # The owner of the address is told by e-mail; the page says nothing.
    assert any(member.email in m.to for m in mailoutbox)
    assert User.objects.filter(email__iexact=member.email).count() == 1


@pytest.mark.django_db
def test_a_password_reset_answers_alike_for_known_and_unknown_addresses(client, member):
    known = client.post(reverse("account_reset_password"), {"email": member.email})
    unknown = client.post(reverse("account_reset_password"), {"email": "ghost@example.org"})
    assert known.status_code == unknown.status_code == 302
    assert known["Location"] == unknown["Location"]


@pytest.mark.django_db
def test_log_in_attempts_are_throttled_after_repeated_failures(client, member):
    url = reverse("account_login")
    for _ in range(5):
        response = client.post(url, {"login": member.email, "password": "wrong"})
        assert response.status_code == 200
    response = client.post(url, {"login": member.email, "password": PASSWORD})
    # Even the right password is refused while the address is throttled.
    assert "_auth_user_id" not in client.session
    assert response.status_code in (200, 429)
    assert "Too many failed login attempts" in response.content.decode()


@pytest.mark.django_db
def test_a_member_logs_in_with_the_right_password(client, member):
    response = client.post(reverse("account_login"), {"login": member.email, "password": PASSWORD})
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(member.pk)
