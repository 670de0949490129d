"""Who may see and do what in mentorship.

Roles come from the data, never from a flag on the account:
- a *coordinator* of a programme is one of its `coordinators`; platform staff act as
  coordinators everywhere;
- the programme's *safeguarding lead* receives its concern reports;
- a *mentor* has a `MentorProfile`, a *mentee* a `MenteeProfile`; a mentee is a *minor* when
  their age band is under 18.

`can_view_relationship` is the one function that decides who reads a relationship (its page,
bookings, shared notes, feedback); `access_relationship` and `access_booking` fetch and
authorise in one step and answer 404 to anyone else, so ids leak nothing.

A minor's guardian must have consented (`consent_is_valid`) before any booking or conversation,
and a withdrawal stops both at once: `check_minor_may_take_part` is called by every service that
books, requests or sends for a minor.

`check_*` raises PermissionDenied with a translated reason; `can_*` returns a bool.
"""

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import gettext as _

from community.permissions import is_platform_staff

from .models import (
    CONSENT_TEXT_VERSION,
    Booking,
    GuardianConsent,
    MenteeProfile,
    MentorProfile,
    Programme,
    Relationship,
)


def _signed_in(user) -> bool:
    return bool(user and user.is_authenticated and user.is_active)


def mentor_of(user) -> MentorProfile | None:
    if not _signed_in(user):
        return None
    try:
        return user.mentor_profile
    except MentorProfile.DoesNotExist:
        return None


def mentee_of(user) -> MenteeProfile | None:
    if not _signed_in(user):
        return None
    try:
        return user.mentee_profile
    except MenteeProfile.DoesNotExist:
        return None


def is_minor(user) -> bool:
    """A signed-in member whose mentee profile says they are under 18."""
    mentee = mentee_of(user)
    return bool(mentee and mentee.is_minor)


def coordinated_programme_ids(user) -> set[int]:
    """The programmes the user coordinates, looked up once per request."""
    if not _signed_in(user):
        return set()
    cached = user.__dict__.get("_coordinated_programmes")
    if cached is None:
        cached = set(user.coordinated_programmes.values_list("pk", flat=True))
        user.__dict__["_coordinated_programmes"] = cached
    return cached


def forget_coordination(user) -> None:
    """Drop the per-request memo of the programmes `user` coordinates (after a change)."""
    if user is not None:
        user.__dict__.pop("_coordinated_programmes", None)


def is_coordinator(user, programme: Programme | None = None) -> bool:
    """Coordinates `programme` (or any programme when None); staff coordinate everything."""
    if not _signed_in(user):
        return False
    if is_platform_staff(user):
        return True
    ids = coordinated_programme_ids(user)
    return programme.pk in ids if programme is not None else bool(ids)


def is_safeguarding_lead(user, programme: Programme) -> bool:
    return _signed_in(user) and (
        programme.safeguarding_lead_id == user.pk or is_platform_staff(user)
    )


def check_coordinate(user, programme: Programme) -> None:
    if not is_coordinator(user, programme):
        raise PermissionDenied(_("Only the programme's coordinators can do this."))


# --- A minor's consent ------------------------------------------------------------------------


def current_consent(mentee: MenteeProfile) -> GuardianConsent | None:
    """The latest consent request sent for this mentee, whatever its state."""
    cached = mentee.__dict__.get("_current_consent", False)
    if cached is False:
        cached = mentee.consents.order_by("-requested_at", "-pk").first()
        mentee.__dict__["_current_consent"] = cached
    return cached


def consent_covers(consent: GuardianConsent, programme: Programme | None) -> bool:
    """Whether a consent names `programme`. The guardian consents to the programmes the page
    showed them (`GuardianConsent.programmes`); a consent that names none (given before the
    mentee joined any programme) covers the programmes she then joins."""
    if programme is None:
        return True
    named = consent.__dict__.get("_programme_ids")
    if named is None:
        named = consent.__dict__["_programme_ids"] = set(
            consent.programmes.values_list("pk", flat=True)
        )
    return not named or programme.pk in named


def consent_is_valid(mentee: MenteeProfile, programme: Programme | None = None) -> bool:
    """An adult needs none; a minor needs the guardian's given, unwithdrawn consent to the
    current text, naming the programme when one is given, and under 15 their own agreement."""
    if not mentee.is_minor:
        return True
    consent = current_consent(mentee)
    if consent is None or consent.state != GuardianConsent.State.GIVEN:
        return False
    if consent.text_version != CONSENT_TEXT_VERSION:
        return False
    if not consent_covers(consent, programme):
        return False
    return not (mentee.is_under_15 and consent.mentee_agreed_at is None)


def check_minor_may_take_part(mentee: MenteeProfile, programme: Programme | None = None) -> None:
    if not consent_is_valid(mentee, programme):
        consent = current_consent(mentee)
        if (
            consent is not None
            and consent.state == GuardianConsent.State.GIVEN
            and not consent_covers(consent, programme)
        ):
            raise PermissionDenied(
                _(
                    "The guardian consented to other programmes, not to %(programme)s: ask them "
                    "again from the consent page."
                )
                % {"programme": programme}
            )
        if consent is not None and consent.state == GuardianConsent.State.WITHDRAWN:
            raise PermissionDenied(
                _(
                    "The guardian's consent was withdrawn: everything is paused until it is "
                    "given again."
                )
            )
        if (
            consent is not None
            and consent.state == GuardianConsent.State.GIVEN
            and consent.text_version != CONSENT_TEXT_VERSION
        ):
            raise PermissionDenied(
                _(
                    "The consent text has changed since the guardian agreed: they must consent "
                    "to the new text before going on."
                )
            )
        if consent is not None and consent.state == GuardianConsent.State.GIVEN:
            raise PermissionDenied(
                _("The guardian has consented; the mentee must agree too before going on.")
            )
        raise PermissionDenied(
            _("A guardian must consent before a mentee under 18 books a session or chats.")
        )


# --- Relationships and bookings ----------------------------------------------------------------


def can_view_relationship(user, relationship: Relationship) -> bool:
    """Its mentor, its mentee and the programme's coordinators (and safeguarding lead)."""
    if not _signed_in(user):
        return False
    if relationship.mentor.user_id == user.pk or relationship.mentee.user_id == user.pk:
        return True
    programme = relationship.programme
    return is_coordinator(user, programme) or programme.safeguarding_lead_id == user.pk


def access_relationship(*, user, relationship_id: int) -> Relationship:
    relationship = (
        Relationship.objects.select_related(
            "programme", "mentor__user__profile", "mentee__user__profile", "room"
        )
        .filter(pk=relationship_id)
        .first()
    )
    if relationship is None or not can_view_relationship(user, relationship):
        raise Http404
    return relationship


def access_booking(*, user, booking_id: int) -> Booking:
    booking = (
        Booking.objects.select_related(
            "relationship__programme",
            "relationship__mentor__user__profile",
            "relationship__mentee__user__profile",
            "mentor__user",
            "mentee__user",
        )
        .filter(pk=booking_id)
        .first()
    )
    if booking is None or not can_view_relationship(user, booking.relationship):
        raise Http404
    return booking


def is_party(user, relationship: Relationship) -> bool:
    """The mentor or the mentee (coordinators read, but do not act in their place)."""
    return _signed_in(user) and user.pk in (
        relationship.mentor.user_id,
        relationship.mentee.user_id,
    )


def allowed_formats(mentor: MentorProfile) -> set[str]:
    """What a mentor may run. One-to-one needs full vetting (identity and attestation); an
    unvetted mentor runs only group formats (cohort sessions, interventions) or supervised ones
    (where a coordinator is present)."""
    formats = {"group", "supervised"}
    if mentor.is_cleared:
        formats.add("one_to_one")
    return formats


def check_runs_one_to_one(mentor: MentorProfile) -> None:
    if "one_to_one" not in allowed_formats(mentor):
        raise PermissionDenied(
            _(
                "This mentor is not vetted for one-to-one mentoring yet: a coordinator must "
                "check their identity and see their criminal-record attestation first."
            )
        )
