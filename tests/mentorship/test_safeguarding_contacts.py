"""Contact details typed in a mentorship conversation are masked: the pure function."""

import pytest

from mentorship.contacts import mask_contacts

EMAILS = [
    "jeanne.dupont@gmail.com",
    "Jeanne.Dupont+cours@Example.ORG",
    "jeanne . dupont @ gmail . com",
    "jeanne(at)gmail(dot)com",
    "jeanne [at] gmail [dot] fr",
    "jeanne at gmail dot com",
    "jeanne arobase orange point fr",
    "a.b-c@sub.domain.co.uk",
]

PHONES = [
    "06 12 34 56 78",
    "06.12.34.56.78",
    "06-12-34-56-78",
    "0612345678",
    "+33 6 12 34 56 78",
    "+33 (0)6 12 34 56 78",
    "0033 6 12 34 56 78",
    "+33612345678",
    "+44 20 7946 0958",
    "(+33) 612345678",
    "+1 415-555-0134",
]


@pytest.mark.parametrize("address", EMAILS)
def test_an_email_address_in_any_usual_spelling_is_masked(address):
    masked, kinds = mask_contacts(f"Écris-moi à {address} ce soir")

    assert kinds == ["email"]
    assert masked.startswith("Écris-moi à ")
    assert masked.endswith(" ce soir")
    assert "gmail" not in masked.lower() and "@" not in masked and "domain" not in masked


@pytest.mark.parametrize("number", PHONES)
def test_a_phone_number_in_french_or_international_format_is_masked(number):
    masked, kinds = mask_contacts(f"Appelle-moi au {number}, merci.")

    assert kinds == ["phone"]
    assert masked.startswith("Appelle-moi au ")
    assert masked.endswith(", merci.")
    assert sum(char.isdigit() for char in masked) == 0


def test_both_kinds_in_one_message_are_masked_and_reported_in_order():
    masked, kinds = mask_contacts("06 12 34 56 78 ou jeanne@example.org")

    assert kinds == ["email", "phone"]
    assert "06" not in masked and "example" not in masked


@pytest.mark.parametrize(
    "text",
    [
        "Rendez-vous le 2026-11-24 à 18:00",
        "Le 24/11/2026 à 18h30, salle 12",
        "I am at home. Then we go to school.",
        "Il y a 120 élèves et 3 classes, 45 000 habitants",
        "Lis https://example.org/page?id=123456789 stp",
        "Merci @claire. À demain",
        "@yasmine-benali tu viens ?",
        "see you at 5 pm",
    ],
)
def test_ordinary_text_dates_numbers_links_and_mentions_are_left_alone(text):
    assert mask_contacts(text) == (text, [])
