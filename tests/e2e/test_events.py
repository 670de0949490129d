"""Events in a real browser: a member waitlisted for a full workshop who is offered a freed seat,
claims it and is checked in with her ticket's QR code; the agenda's filters and a programme
with parallel tracks on a phone; markup in a registration answer that never runs.

Everything is done by clicking, on the demo data served by daphne (`live_site`). The members
below are ones the forum and chat tests do not act as; the events are the demo's own (see
`community/management/commands/_seed_events.py`).
"""

import email
import re
from datetime import datetime, timedelta
from email.header import decode_header, make_header
from pathlib import Path
from urllib.parse import quote
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

from tests.e2e.test_forum import sign_in

pytestmark = pytest.mark.e2e

DOMAIN = "demo.egalite.example"
WORKSHOP = "atelier-offres-emploi-sans-stereotypes"  # 6 seats, full, a waiting list
WORKSHOP_TITLE = "Atelier pratique : des offres d'emploi sans stéréotypes"
SEMINAR = "seminaire-capitalisation-saint-malo"
SEMINAR_TITLE = "Séminaire de capitalisation des Clusters Égalité à Saint-Malo"
WEBINAR_TITLE = "Webinaire : l'index de l'égalité professionnelle, pas à pas"
PAST_TITLES = (
    "Matinée « Raconte-moi ton métier : un métier n'a pas de sexe »",
    "En classe : les métiers de la maintenance ont-ils un sexe ?",
)
BRING_AN_OFFER = "Apportez-vous une offre d'emploi à retravailler ?"
CLAIM_WINDOW = timedelta(hours=72)  # the workshop's claim window

FITS = "() => document.scrollingElement.scrollWidth <= window.innerWidth"

CANARY = """
window.__xss = [];
window.alert = function (message) { window.__xss.push("alert: " + String(message)); };
window.confirm = window.prompt = window.alert;
"""


def address(login: str) -> str:
    return f"{login}@{DOMAIN}"


def open_my_ticket(page, url: str, slug: str) -> None:
    """From the event page, as a member would: the registration box links to the ticket."""
    page.goto(f"{url}/events/{slug}/")
    page.locator("#register").get_by_role("link", name="See my registration").click()
    expect(page).to_have_url(re.compile(r"/events/registrations/\d+/$"))


def cancel_my_registration(page) -> None:
    """On one's own ticket: the cancel link asks to confirm, then the form cancels."""
    page.get_by_role("link", name="Cancel my registration").click()
    expect(page.get_by_role("heading", name="Cancel the registration?")).to_be_visible()
    page.get_by_role("button", name="Yes, cancel").click()
    expect(page.get_by_text("Your registration is cancelled.")).to_be_visible()
    expect(page.locator(".ticket .pill").first).to_have_text("Cancelled")
    expect(page.get_by_role("link", name="Cancel my registration")).to_have_count(0)


def offer_deadlines(before: datetime, after: datetime, zone: str) -> set[str]:
    """The deadline as the ticket writes it, for an offer made between `before` and `after`."""
    minute = (before + CLAIM_WINDOW).astimezone(ZoneInfo(zone)).replace(second=0, microsecond=0)
    last = (after + CLAIM_WINDOW).astimezone(ZoneInfo(zone))
    shown = set()
    while minute <= last:
        shown.add(minute.strftime("%A %-d %B, %H:%M"))
        minute += timedelta(minutes=1)
    return shown


def emails_to(mail_dir: Path, recipient: str) -> list[tuple[str, str]]:
    """(subject, body) of the e-mails the site wrote to `mail_dir` for `recipient`, in order.

    The e-mails are sent after commit by the immediate task backend, so before the response
    that made them."""
    found = []
    for path in sorted(mail_dir.iterdir()):
        for raw in path.read_text(encoding="utf-8").split("\n" + "-" * 79 + "\n"):
            if not raw.strip():
                continue
            message = email.message_from_string(raw.strip())
            if message["To"] == recipient:
                subject = str(make_header(decode_header(message["Subject"])))
                found.append((" ".join(subject.split()), message.get_payload()))
    return found


def assert_nothing_ran(page, where: str) -> None:
    """No script of the canary's ran: once every image has loaded or failed (a failed image
    fires its error event as it becomes complete), nothing can still run from the markup."""
    page.wait_for_load_state("load")
    page.wait_for_function("() => Array.from(document.images).every(image => image.complete)")
    assert page.evaluate("window.__xss") == [], f"a script ran on {where}"
    assert page.evaluate("window.__pwned") is None, f"a script ran on {where}"


# --- Waitlisted, offered a seat, confirmed, checked in -------------------------------------------


def test_a_member_is_waitlisted_a_cancellation_promotes_her_and_her_ticket_shows_its_qr_code(
    live_site, browser
):
    url, mail_dir = live_site
    contexts = {
        login: browser.new_context(locale="en-GB")
        for login in (
            "sophie.lemoine",  # not registered for the workshop yet
            "maelle.legoff",  # 1st on the waiting list
            "pablo.navarro",  # 2nd on the waiting list
            "hugo.kerbrat",  # offered Thomas's seat
            "elodie.marchand",  # confirmed
            "claire.morvan",  # organiser
        )
    }
    pages = {login: sign_in(context, url, address(login)) for login, context in contexts.items()}
    sophie = pages["sophie.lemoine"]

    # From the agenda to the event page: the workshop is full.
    sophie.goto(f"{url}/events/")
    card = sophie.locator(".event-card", has_text=WORKSHOP_TITLE)
    expect(card.locator(".event-seats")).to_contain_text("Full – waiting list")
    card.get_by_role("link", name=WORKSHOP_TITLE).click()
    expect(sophie).to_have_url(f"{url}/events/{WORKSHOP}/")
    expect(sophie.locator("h1")).to_have_text(WORKSHOP_TITLE)
    box = sophie.locator("#register")
    expect(box).to_contain_text("Full – waiting list")
    expect(box).to_contain_text("2 people waiting.")
    action = box.locator("form").get_attribute("action")
    event_id = int(re.fullmatch(r"/events/(\d+)/register/", action).group(1))

    # She registers, answering the event's question, and lands on her ticket, third in line.
    box.get_by_role("group", name=BRING_AN_OFFER).get_by_label("Yes").check()
    box.get_by_role("button", name="Join the waiting list").click()
    expect(sophie).to_have_url(re.compile(r"/events/registrations/\d+/$"))
    ticket_url = sophie.url
    expect(
        sophie.get_by_text("The event is full: you are on the waiting list, in position 3.")
    ).to_be_visible()
    facts = sophie.locator(".ticket .event-facts")
    expect(sophie.locator(".ticket .pill").first).to_have_text("On the waiting list")
    expect(facts.locator("dt", has_text="Position on the waiting list")).to_be_visible()
    expect(facts.locator("dt:has-text('Position on the waiting list') + dd")).to_have_text("3")
    expect(facts.locator(f'dt:has-text("{BRING_AN_OFFER}") + dd')).to_have_text("Yes")
    expect(sophie.locator("img.ticket-qr")).to_have_count(0)
    expect(sophie.get_by_role("button", name="Claim the seat")).to_have_count(0)

    # The two people ahead of her leave the waiting list, each from her or his own ticket.
    for login in ("maelle.legoff", "pablo.navarro"):
        page = pages[login]
        open_my_ticket(page, url, WORKSHOP)
        expect(page.locator(".ticket .pill").first).to_have_text("On the waiting list")
        cancel_my_registration(page)
    sophie.reload()
    expect(facts.locator("dt:has-text('Position on the waiting list') + dd")).to_have_text("1")
    expect(sophie.locator(".ticket .pill").first).to_have_text("On the waiting list")

    # Hugo takes the seat he was offered: nothing is free for her yet.
    hugo = pages["hugo.kerbrat"]
    open_my_ticket(hugo, url, WORKSHOP)
    expect(hugo.locator(".ticket .pill").first).to_have_text("Seat offered")
    hugo.get_by_role("button", name="Claim the seat").click()
    expect(hugo.get_by_text("The seat is yours: your registration is confirmed.")).to_be_visible()
    expect(hugo.locator(".ticket .pill").first).to_have_text("Confirmed")
    sophie.reload()
    expect(sophie.locator(".ticket .pill").first).to_have_text("On the waiting list")

    # A confirmed participant cancels: her seat is offered to Sophie, first in line.
    elodie = pages["elodie.marchand"]
    open_my_ticket(elodie, url, WORKSHOP)
    expect(elodie.locator(".ticket .pill").first).to_have_text("Confirmed")
    before = datetime.now(ZoneInfo("UTC"))
    cancel_my_registration(elodie)
    after = datetime.now(ZoneInfo("UTC"))

    sophie.reload()
    expect(sophie.locator(".ticket .pill").first).to_have_text("Seat offered")
    offer = sophie.locator("section[aria-labelledby='offer-title']")
    expect(offer.get_by_role("heading", name="A seat is free for you")).to_be_visible()
    sentence = offer.locator("p").first.inner_text()
    match = re.fullmatch(
        r"Take it before (.+) \(Europe/Paris\), or it goes to the next person\.", sentence
    )
    assert match, sentence
    assert match.group(1) in offer_deadlines(before, after, "Europe/Paris")
    expect(facts.locator("dt", has_text="Position on the waiting list")).to_have_count(0)
    ticket_path = ticket_url.removeprefix(url)
    offered = [
        body
        for subject, body in emails_to(mail_dir, address("sophie.lemoine"))
        if subject == f"A seat is free for you: {WORKSHOP_TITLE}"
    ]
    assert len(offered) == 1
    assert ticket_path in offered[0]

    # She claims it: confirmed, with the QR code of her ticket.
    offer.get_by_role("button", name="Claim the seat").click()
    expect(sophie).to_have_url(ticket_url)
    expect(sophie.get_by_text("The seat is yours: your registration is confirmed.")).to_be_visible()
    expect(sophie.locator(".ticket .pill").first).to_have_text("Confirmed")
    expect(sophie.get_by_role("heading", name="Your ticket")).to_be_visible()
    qr = sophie.get_by_role("img", name="QR code of the ticket, to show at the door")
    expect(qr).to_be_visible()
    sophie.wait_for_function(
        "image => image.complete && image.naturalWidth > 0", arg=qr.element_handle()
    )
    qr_url = url + qr.get_attribute("src")
    mine = contexts["sophie.lemoine"].request.get(qr_url)
    assert mine.status == 200
    assert mine.headers["content-type"].startswith("image/svg+xml")
    assert mine.text().lstrip().startswith(("<?xml", "<svg"))
    assert contexts["pablo.navarro"].request.get(qr_url).status == 404
    confirmed = [
        body
        for subject, body in emails_to(mail_dir, address("sophie.lemoine"))
        if subject == f"Your registration is confirmed: {WORKSHOP_TITLE}"
    ]
    assert len(confirmed) == 1
    assert ticket_path in confirmed[0]
    code = sophie.locator("code.ticket-code-text").inner_text().strip()
    assert re.fullmatch(r"[\w-]{16,64}", code), code

    # At the door: the organiser's phone opens the address the QR code holds.
    claire = pages["claire.morvan"]
    check_in_url = f"{url}/events/{event_id}/check-in/{code}/"
    claire.goto(check_in_url)
    expect(claire.locator("h1")).to_have_text("Sophie Lemoine")
    expect(claire.locator(".checkin-ticket")).to_contain_text("Confirmed")
    claire.get_by_role("button", name="Check in").click()
    expect(claire.get_by_text("Sophie Lemoine is checked in.")).to_be_visible()
    expect(claire.locator(".checkin-ticket")).to_contain_text("Already checked in at")
    expect(claire.get_by_role("button", name="Check in")).to_have_count(0)

    claire.get_by_role("navigation", name="Organiser tools").get_by_role(
        "link", name="Participants"
    ).click()
    expect(claire).to_have_url(f"{url}/events/{event_id}/attendees/")
    row = claire.locator("#attendee-results tbody tr", has_text="Sophie Lemoine")
    expect(row).to_have_count(1)
    expect(row.locator("td").nth(2)).to_contain_text("Confirmed")
    expect(row.locator("td").nth(5)).to_contain_text("Present")
    expect(claire.locator(".figures dt:text-is('Present') + dd")).to_have_text("1")
    # The others' moves show too: Élodie, Maëlle and Pablo are no longer listed, Hugo has a seat.
    for name in ("Élodie Marchand", "Maëlle Le Goff", "Pablo Navarro"):
        expect(claire.locator("#attendee-results tbody tr", has_text=name)).to_have_count(0)
    hugo_row = claire.locator("#attendee-results tbody tr", has_text="Hugo Kerbrat")
    expect(hugo_row.locator("td").nth(2)).to_contain_text("Confirmed")

    # Her ticket says she was checked in; another member cannot open it.
    sophie.reload()
    expect(facts.locator("dt:has-text('Attendance') + dd")).to_have_text("Present")
    assert contexts["pablo.navarro"].request.get(ticket_url).status == 404

    for context in contexts.values():
        context.close()


# --- The agenda's filters, and a programme on a phone ------------------------------------------


def test_the_agenda_filters_the_list_in_place_and_the_seminar_programme_fits_a_phone(
    live_site, browser
):
    url, _mail_dir = live_site
    context = browser.new_context(locale="en-GB")
    # A signed-in member: the webinar's space is shown to members only, not to visitors.
    page = sign_in(context, url, address("carmen.ortiz"))

    page.goto(f"{url}/events/")
    cards = page.locator("#event-list .event-card")
    expect(cards.filter(has_text=WORKSHOP_TITLE)).to_have_count(1)
    expect(cards.filter(has_text=WEBINAR_TITLE)).to_have_count(1)
    assert cards.count() > 1
    page.evaluate("window.__sameDocument = true")  # Gone if the page ever reloads.

    # A type: only webinars, swapped in place, the address follows.
    page.get_by_label("Type").select_option("webinar")
    expect(page).to_have_url(re.compile(r"[?&]type=webinar(&|$)"))
    expect(cards).to_have_count(1)
    expect(cards.first).to_contain_text(WEBINAR_TITLE)
    expect(cards.first.locator(".event-card-type .pill").first).to_have_text("Webinar")
    expect(page.locator("#event-list > p.meta")).to_have_text("1 event")
    assert page.evaluate("window.__sameDocument === true")

    # Past events: the ones that happened, none of those ahead.
    page.get_by_label("Type").select_option("")
    expect(cards.filter(has_text=WORKSHOP_TITLE)).to_have_count(1)
    page.get_by_label("When").select_option("past")
    expect(page).to_have_url(re.compile(r"[?&]when=past(&|$)"))
    for title in PAST_TITLES:
        expect(cards.filter(has_text=title)).to_have_count(1)
    expect(cards.filter(has_text=WORKSHOP_TITLE)).to_have_count(0)
    expect(cards.filter(has_text=WEBINAR_TITLE)).to_have_count(0)
    expect(page.locator("#event-list .event-seats")).to_have_count(0)
    assert page.evaluate("window.__sameDocument === true")

    # The filtered address, opened afresh, shows the same list.
    page.goto(f"{url}/events/?when=past&type=webinar")
    expect(cards).to_have_count(0)
    expect(page.get_by_text("No past event matches these filters.")).to_be_visible()
    expect(page.get_by_label("When")).to_have_value("past")
    expect(page.get_by_label("Type")).to_have_value("webinar")

    # The seminar's programme: two days, and two parallel tracks twice on the first.
    page.goto(f"{url}/events/")
    page.get_by_role("link", name=SEMINAR_TITLE).click()
    expect(page).to_have_url(f"{url}/events/{SEMINAR}/")
    programme = page.get_by_role("region", name="Programme")
    expect(programme.locator(".programme-day")).to_have_count(2)
    parallel = programme.locator(".programme-row.is-parallel")
    expect(parallel).to_have_count(2)
    for index in range(2):
        row = parallel.nth(index)
        expect(row.locator(".programme-slot")).to_have_count(2)
        expect(row.locator(".programme-track")).to_have_text(
            ["Parcours A – Repérer les stéréotypes", "Parcours B – Recruter sans stéréotypes"]
        )
    first = parallel.first
    expect(first.locator(".programme-time")).to_contain_text("10:45")
    expect(first).to_contain_text("Quiz de la mixité et chasse aux stéréotypes")
    expect(first).to_contain_text("Des offres d'emploi qui s'adressent à toutes et à tous")
    expect(first.locator(".programme-tables li")).to_have_count(6)
    expect(programme.get_by_text("Room: Salle Duguay-Trouin").first).to_be_visible()

    # On a 360 px wide phone, nothing scrolls sideways (the agenda with its filters neither).
    page.set_viewport_size({"width": 360, "height": 780})
    page.goto(f"{url}/events/")
    expect(cards.filter(has_text=SEMINAR_TITLE)).to_have_count(1)
    assert page.evaluate(FITS), "the agenda scrolls sideways at 360 px"
    page.goto(f"{url}/events/{SEMINAR}/")
    expect(programme.locator(".programme-row.is-parallel")).to_have_count(2)
    assert page.evaluate(FITS), "the seminar's page scrolls sideways at 360 px"
    # Both tracks stay readable, one under the other or side by side within the screen.
    for box in (parallel.first.locator(".programme-slot").nth(i).bounding_box() for i in range(2)):
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 360

    context.close()


# --- Markup in an answer -------------------------------------------------------------------------


def test_markup_in_a_registration_answer_is_shown_as_text_to_the_organisers_and_never_runs(
    live_site, browser
):
    url, _mail_dir = live_site
    attack = (
        "<img src=x onerror=alert(1)> <script>alert(1)</script> "
        "<img src=x onerror=\"window.__pwned='img'\"> "
        '"><svg/onload=alert(2)> <a href=javascript:alert(3)>Kerlann</a>'
    )
    member_context = browser.new_context(locale="en-GB")
    organiser_context = browser.new_context(locale="en-GB")
    for context in (member_context, organiser_context):
        context.add_init_script(CANARY)
    member = sign_in(member_context, url, address("mihaela.stan"))  # not registered for it
    organiser = sign_in(organiser_context, url, address("lucia.ferrer"))  # one of its organisers

    # She registers for the seminar, her organisation given as markup.
    member.goto(f"{url}/events/{SEMINAR}/")
    box = member.locator("#register")
    box.get_by_label("Votre organisation").fill(attack)
    box.get_by_label("Régime alimentaire").select_option("Aucun")
    box.get_by_role("button", name="Register").click()
    expect(member.get_by_text("You are registered: your seat is confirmed.")).to_be_visible()
    answer = member.locator(".ticket .event-facts dt:has-text('Votre organisation') + dd")
    expect(answer).to_have_text(attack)
    expect(answer.locator("*")).to_have_count(0)
    assert_nothing_ran(member, "her ticket")

    # The organisers' list shows it as text.
    organiser.goto(f"{url}/events/{SEMINAR}/")
    organiser.get_by_role("navigation", name="Organiser tools").get_by_role(
        "link", name="Attendees"
    ).click()
    expect(organiser.locator("h1")).to_have_text("Participants")
    row = organiser.locator("#attendee-results tbody tr", has_text="Mihaela Stan")
    expect(row).to_have_count(1)
    shown = row.locator("dl.answers dt:has-text('Votre organisation') + dd")
    expect(shown).to_have_text(attack)
    expect(shown.locator("*")).to_have_count(0)
    expect(row.locator("img, script, svg, a[href^='javascript']")).to_have_count(0)
    assert_nothing_ran(organiser, "the attendee list")

    # The list filtered by a search that carries markup too (put back into the search box).
    search = organiser.get_by_label("Name or e-mail address")
    search.fill("<script>alert('q')</script>")
    search.press("Enter")
    expect(organiser).to_have_url(re.compile(r"[?&]q=%3Cscript"))
    expect(organiser.get_by_text("No registration matches these filters.")).to_be_visible()
    assert_nothing_ran(organiser, "the attendee list searched in place")
    organiser.goto(organiser.url.split("?")[0] + "?q=" + quote('"><img src=x onerror=alert(4)>'))
    expect(organiser.get_by_label("Name or e-mail address")).to_have_value(
        '"><img src=x onerror=alert(4)>'
    )

    assert_nothing_ran(organiser, "the attendee list searched by its address")
    # Cleared, the search shows her row again, swapped in by htmx this time.
    search.fill("")
    search.press("Enter")
    expect(row.locator("dl.answers dt:has-text('Votre organisation') + dd")).to_have_text(attack)
    assert_nothing_ran(organiser, "the attendee list swapped in place")

    member_context.close()
    organiser_context.close()
