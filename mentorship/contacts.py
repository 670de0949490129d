"""Contact details typed in a mentorship conversation are masked before they are stored.

A mentor and a mentee (often a minor) talk in the supervised conversation only; an e-mail
address or a phone number would take them elsewhere. `mask_contacts` is a pure function: it
returns the text with each address and number replaced by a marker, and the kinds it found
("email", "phone"). The conversation's room policy (`services/conversations.py`) stores the
masked text and flags the message to the programme's coordinators.

What is recognised, "within reason" (the aim is to stop the honest slip and the usual tricks,
not a determined adversary, whom the coordinators reading the conversation are for):

- e-mail addresses, also with spaces around the "@", or the "@" written "(at)", "[at]", "{at}",
  " at ", "arobase", and the dots written "(dot)", "[dot]", " dot ", " point ";
- phone numbers: international ("+33 6 12 34 56 78", "0033 6…", "+44 (0)20 7946 0958") and
  French ("06 12 34 56 78", "06.12.34.56.78", "06-12-34-56-78", "0612345678"), digits separated
  by spaces, dots, dashes, slashes or brackets: nine digits or more (eight after a "+"), so
  dates ("2026-11-24"), times and small numbers are left alone. Digits inside a word or a web
  address (after "/", "=", "#", "?" or "&") are left alone too.
"""

import re

from django.utils.translation import gettext as _

_OPEN, _CLOSE = r"[\(\[\{<]", r"[\)\]\}>]"
_LOCAL = r"[a-z0-9][a-z0-9_%+-]{0,63}"
_LABEL = r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
_WRITTEN_DOT = rf"(?:\s*{_OPEN}\s*(?:dot|point|\.)\s*{_CLOSE}\s*|\s+(?:dot|point)\s+)"


def _address(at: str, dot: str) -> re.Pattern:
    local = rf"{_LOCAL}(?:{dot}{_LOCAL})*"
    return re.compile(
        rf"(?<![\w.%+-]){local}{at}{_LABEL}(?:{dot}{_LABEL})*{dot}[a-z]{{2,24}}\b", re.IGNORECASE
    )


# With a real or bracketed "@", dots may be spaced out ("jeanne . dupont @ gmail . com"); with
# "at" written as a word, a spaced dot would catch sentences ("I am at home. Then"), so not.
EMAILS = (
    _address(
        rf"(?:\s*@\s*|\s*{_OPEN}\s*(?:at|arobase|@)\s*{_CLOSE}\s*)",
        # Spaced on both sides or not at all: "@claire. Merci" is a mention ending a sentence.
        rf"(?:\.|\s+\.\s+|{_WRITTEN_DOT})",
    ),
    _address(r"\s+(?:at|arobase)\s+", rf"(?:\.|{_WRITTEN_DOT})"),
)

# A run of digits and separators that may be a phone number; its digits are counted after.
PHONE = re.compile(
    r"(?<![\w/=#?&@.,+-])(?:\(?(?:\+|00)\s?)?\(?\d(?:[\s.\-/()]{0,3}\d){7,17}(?!\w)",
)
PHONE_MIN_DIGITS = 9
INTERNATIONAL_MIN_DIGITS = 8


def _is_phone(candidate: str) -> bool:
    digits = sum(char.isdigit() for char in candidate)
    international = candidate.lstrip("( ").startswith(("+", "00"))
    minimum = INTERNATIONAL_MIN_DIGITS if international else PHONE_MIN_DIGITS
    return minimum <= digits <= 17


def mask_contacts(text: str) -> tuple[str, list[str]]:
    """The text with e-mail addresses and phone numbers replaced by a marker, and the kinds
    found, in a fixed order ("email" before "phone"); an empty list when nothing was."""
    kinds = []
    masked, count = text, 0
    for pattern in EMAILS:
        masked, found_here = pattern.subn(_("[e-mail address hidden]"), masked)
        count += found_here
    if count:
        kinds.append("email")
    found = False

    def phone(match: re.Match) -> str:
        nonlocal found
        if not _is_phone(match.group(0)):
            return match.group(0)
        found = True
        return _("[phone number hidden]")

    masked = PHONE.sub(phone, masked)
    if found:
        kinds.append("phone")
    return masked, kinds


def masked_for(mentee, text: str) -> str:
    """`text` as the other side of a minor's mentoring may read it: contact details masked
    (a request's message, a reason, a place, a milestone, a shared note). An adult mentee's
    texts are kept as written."""
    if not text or not getattr(mentee, "is_minor", False):
        return text
    return mask_contacts(text)[0]
