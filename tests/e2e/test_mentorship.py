"""Mentorship in a real browser, on the demo data: Léa (16, her guardian consented) finds a
mentor among the suggestions and asks Sophie; Sophie accepts; Léa books one of Sophie's free
slots; Sophie sees the session in her list; and they talk in the supervised conversation, where
the programme's coordinator is a member and the notice says so. An e-mail address typed in a
message never reaches the other side."""

import re
import uuid

import pytest
from playwright.sync_api import expect

from tests.e2e.test_forum import sign_in

pytestmark = pytest.mark.e2e

MENTEE = "lea.guillou@demo.egalite.example"
MENTOR = "sophie.lemoine@demo.egalite.example"
PROGRAMME = "wi-filles-coaching"
WAIT = 15_000


def test_a_minor_finds_a_mentor_books_a_session_and_chats_under_supervision(live_site, browser):
    url, _mail_dir = live_site
    mentee_context = browser.new_context(locale="en-GB")
    mentor_context = browser.new_context(locale="en-GB")
    lea = sign_in(mentee_context, url, MENTEE)
    sophie = sign_in(mentor_context, url, MENTOR)
    lea.set_viewport_size({"width": 390, "height": 844})  # Léa is on her phone.
    suffix = uuid.uuid4().hex[:6]

    # Léa finds her mentor, with the reasons of each suggestion, on a phone-sized screen.
    lea.goto(f"{url}/mentorship/programmes/{PROGRAMME}/")
    lea.get_by_role("link", name="Find my mentor").click()
    card = lea.locator("li.card", has=lea.get_by_role("heading", name="Sophie Lemoine"))
    expect(card).to_contain_text("points")
    card.get_by_label("Message to the mentor").fill(
        f"Bonjour, j'aimerais découvrir l'industrie ({suffix})"
    )
    card.get_by_role("button", name="Request this mentor").click()
    expect(lea.locator(".messages")).to_be_visible()

    # Sophie accepts the request.
    sophie.goto(f"{url}/mentorship/requests/")
    request = sophie.locator("li", has_text=suffix).first
    expect(request).to_contain_text("Léa Guillou")
    request.get_by_role("button", name="Accept").click()
    expect(sophie.locator(".messages")).to_be_visible()

    # Léa books the first free slot, shown in her own time zone.
    lea.goto(f"{url}/mentorship/mine/")
    lea.get_by_role("link", name=re.compile("Sophie Lemoine")).first.click()
    expect(lea).to_have_url(re.compile(r"/mentorship/relationships/\d+/$"))
    relationship_url = lea.url
    lea.get_by_role("link", name="Book a session").click()
    expect(lea.locator("legend").first).to_contain_text("Europe/Paris")
    first_slot = lea.locator("input[name=starts_at]").first
    chosen = first_slot.get_attribute("value")
    first_slot.check()
    lea.get_by_role("button", name="Book this slot").click()
    expect(lea.locator(".messages")).to_be_visible()
    lea.goto(relationship_url)
    expect(lea.locator("a[href*='/mentorship/bookings/']").first).to_be_visible()

    # Sophie sees it among her sessions, with Léa's name.
    sophie.goto(f"{url}/mentorship/sessions/")
    expect(sophie.locator("main")).to_contain_text("Léa Guillou")
    assert chosen  # the slot Léa picked, as an ISO instant

    # The supervised conversation: the notice, the coordinator among its members.
    lea.goto(relationship_url)
    lea.get_by_role("link", name="Open the conversation").click()
    expect(lea).to_have_url(re.compile(r"/chat/\d+/$"))
    room_url = lea.url
    expect(lea.locator("[data-room-notice]")).to_contain_text("coordinator")
    expect(lea.locator("main")).to_contain_text("Claire Morvan")
    lea.wait_for_function("window.platformSocket && window.platformSocket.status === 'open'")

    sophie.goto(room_url)
    sophie.wait_for_function("window.platformSocket && window.platformSocket.status === 'open'")
    expect(sophie.locator("[data-room-notice]")).to_be_visible()

    hello = f"Bonjour Sophie ! Mon adresse est lea.perso@example.org ({suffix})"
    box = lea.get_by_label("Your message")
    box.fill(hello)
    box.press("Enter")
    received = sophie.locator("#chat-messages li.chat-msg[data-seq]", has_text=suffix)
    expect(received).to_have_count(1, timeout=WAIT)
    expect(received).not_to_contain_text("lea.perso@example.org")
    expect(received.get_by_role("link", name=re.compile("Report a concern"))).to_be_attached()

    mentee_context.close()
    mentor_context.close()


def test_a_coordinator_takes_attendance_and_a_marraine_volunteers_and_is_confirmed(
    live_site, browser
):
    """The two other kinds of programme on the demo data: the cohort's register, then an
    intervention need that Sophie volunteers for, Claire confirms, and whose practical details
    Sophie then sees."""
    url, _mail_dir = live_site
    coordinator_context = browser.new_context(locale="en-GB")
    marraine_context = browser.new_context(locale="en-GB")
    claire = sign_in(coordinator_context, url, "claire.morvan@demo.egalite.example")
    sophie = sign_in(marraine_context, url, MENTOR)

    # The cohort: Yasmine missed the first session; Claire corrects the register.
    claire.goto(f"{url}/mentorship/cohorts/wi-filles-promo-2026/")
    claire.get_by_role("link", name="Take attendance").first.click()
    yasmine = claire.locator("fieldset", has_text="Yasmine Haddad")
    expect(yasmine.get_by_label("Absent")).to_be_checked()
    yasmine.get_by_label("Present").check()
    claire.get_by_role("button", name="Save the attendance").click()
    expect(claire.locator(".messages")).to_be_visible()
    claire.goto(f"{url}/mentorship/cohorts/wi-filles-promo-2026/")
    claire.get_by_role("link", name="Take attendance").first.click()
    expect(
        claire.locator("fieldset", has_text="Yasmine Haddad").get_by_label("Present")
    ).to_be_checked()

    # An intervention: Sophie volunteers for the class talk.
    sophie.goto(f"{url}/mentorship/interventions/elles-bougent-bretagne/")
    sophie.get_by_role("link", name=re.compile("collège Jean-Moulin")).click()
    need_url = sophie.url
    expect(sophie.locator("main")).not_to_contain_text("Accueil à 8 h 45")
    sophie.get_by_role("button", name="I volunteer").click()
    expect(sophie.locator(".messages")).to_be_visible()

    # Claire confirms her; Sophie now reads the practical details.
    claire.goto(need_url)
    row = claire.locator("li, tr", has_text="Sophie Lemoine").filter(
        has=claire.get_by_role("button", name="Confirm")
    )
    row.get_by_role("button", name="Confirm").first.click()
    expect(claire.locator(".messages")).to_be_visible()
    sophie.goto(need_url)
    expect(sophie.locator("main")).to_contain_text("Accueil à 8 h 45")

    coordinator_context.close()
    marraine_context.close()
