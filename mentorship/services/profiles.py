"""Mentor and mentee profiles, and the vetting of mentors.

- `mentor_profile_save`: a member's own mentor profile; saving it the first time makes them a
  mentor.
- `mentee_profile_save`: a member's own mentee profile. A minor names a guardian (name and
  e-mail); changing the guardian's e-mail address makes the consent given so far invalid
  (`safeguarding.consent_invalidate`): a new guardian must consent again. A mentee cannot move
  themselves from a minor's age band to the adult one (that would lift the guardian's consent):
  a coordinator is asked to.
- `mentor_vetting_set`: by a coordinator of a programme the mentor takes part in, or staff. Only
  the outcome and dates are stored, never a document; dates cannot be in the future.
"""

from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext as _

from community.notifications import notification_send
from community.permissions import is_platform_staff
from events.timezones import time_zone_choices
from mentorship.models import MINOR_BANDS, MenteeProfile, MentorProfile, ProgrammeMentor
from mentorship.permissions import coordinated_programme_ids

MAX_CAPACITY = 20


def _signed_in(user) -> None:
    if not (user and user.is_authenticated and user.is_active):
        raise PermissionDenied(_("Sign in first."))


def _valid_time_zone(name: str) -> None:
    if name not in {value for value, _label in time_zone_choices()}:
        raise ValidationError({"time_zone": _("Choose a time zone from the list.")})


def mentor_profile_save(
    *,
    by,
    headline: str = "",
    themes=(),
    sectors=(),
    languages=(),
    country: str = "",
    region: str = "",
    online: bool = True,
    in_person: bool = False,
    capacity: int = 2,
    paused: bool = False,
    time_zone: str = "Europe/Paris",
    session_minutes: int = 60,
) -> MentorProfile:
    """Create or update `by`'s own mentor profile. Vetting is not set here
    (`mentor_vetting_set`)."""
    _signed_in(by)
    if not (online or in_person):
        raise ValidationError(_("Choose at least one way to meet: online or in person."))
    if capacity is None or not 1 <= int(capacity) <= MAX_CAPACITY:
        raise ValidationError(
            {
                "capacity": _("Follow between 1 and %(max)s mentees at once; pause to take none.")
                % {"max": MAX_CAPACITY}
            }
        )
    _valid_time_zone(time_zone)
    with transaction.atomic():
        profile = MentorProfile.objects.select_for_update().filter(user=by).first()
        if profile is None:
            profile = MentorProfile(user=by)
        profile.headline = (headline or "").strip()
        profile.country = country or ""
        profile.region = (region or "").strip()
        profile.online = bool(online)
        profile.in_person = bool(in_person)
        profile.capacity = int(capacity)
        profile.paused = bool(paused)
        profile.time_zone = time_zone
        profile.session_minutes = session_minutes
        profile.full_clean(exclude=["user", "themes", "sectors", "languages"])
        profile.save()
        profile.themes.set(themes)
        profile.sectors.set(sectors)
        profile.languages.set(languages)
    return profile


def _consent_invalidate(mentee: MenteeProfile, reason: str) -> None:
    """The safeguarding area's invalidation: the consent given for the old address no longer
    counts."""
    from mentorship.services.safeguarding import consent_invalidate

    consent_invalidate(mentee=mentee, reason=reason)


def mentee_profile_save(
    *,
    by,
    age_band: str,
    goals: str = "",
    themes=(),
    sectors=(),
    languages=(),
    country: str = "",
    region: str = "",
    time_zone: str = "Europe/Paris",
    prefers_online: bool = True,
    prefers_in_person: bool = True,
    guardian_name: str = "",
    guardian_email: str = "",
) -> MenteeProfile:
    """Create or update `by`'s own mentee profile."""
    _signed_in(by)
    if not (prefers_online or prefers_in_person):
        raise ValidationError(_("Choose at least one way to meet: online or in person."))
    _valid_time_zone(time_zone)
    guardian_name = (guardian_name or "").strip()
    guardian_email = (guardian_email or "").strip()
    minor = age_band in MINOR_BANDS
    if minor and not (guardian_name and guardian_email):
        raise ValidationError(
            {
                "guardian_email": _(
                    "A mentee under 18 needs a guardian: give their name and e-mail address."
                )
            }
        )
    if minor and guardian_email.lower() == (by.email or "").lower():
        raise ValidationError(
            {"guardian_email": _("Give your guardian's e-mail address, not your own.")}
        )
    if not minor:
        # An adult has no guardian on record.
        guardian_name = guardian_email = ""
    with transaction.atomic():
        profile = MenteeProfile.objects.select_for_update().filter(user=by).first()
        old_email = ""
        became_minor = False
        if profile is None:
            profile = MenteeProfile(user=by)
        else:
            old_email = profile.guardian_email
            became_minor = minor and not profile.is_minor
            if profile.is_minor and not minor:
                raise ValidationError(
                    {
                        "age_band": _(
                            "Your profile says you are under 18: ask a coordinator to change "
                            "your age."
                        )
                    }
                )
        profile.goals = (goals or "").strip()
        profile.country = country or ""
        profile.region = (region or "").strip()
        profile.age_band = age_band
        profile.time_zone = time_zone
        profile.prefers_online = bool(prefers_online)
        profile.prefers_in_person = bool(prefers_in_person)
        profile.guardian_name = guardian_name
        profile.guardian_email = guardian_email
        profile.full_clean(exclude=["user", "themes", "sectors", "languages"])
        profile.save()
        profile.themes.set(themes)
        profile.sectors.set(sectors)
        profile.languages.set(languages)
        if old_email and old_email.lower() != guardian_email.lower():
            _consent_invalidate(profile, reason="guardian_changed")
        if became_minor:
            from mentorship.services.safeguarding import mentee_became_minor

            mentee_became_minor(mentee=profile)
    return profile


# --- Vetting ----------------------------------------------------------------------------------


def can_vet(user, mentor: MentorProfile) -> bool:
    """Staff, or a coordinator of a programme the mentor takes part in; never the mentor
    themselves (a coordinator who also mentors is vetted by someone else)."""
    if not (user and user.is_authenticated and user.is_active):
        return False
    if mentor.user_id == user.pk:
        return False
    if is_platform_staff(user):
        return True
    ids = coordinated_programme_ids(user)
    return (
        bool(ids) and ProgrammeMentor.objects.filter(mentor=mentor, programme_id__in=ids).exists()
    )


def check_vet(user, mentor: MentorProfile) -> None:
    if not can_vet(user, mentor):
        raise PermissionDenied(
            _("Only a coordinator of one of this mentor's programmes can set their vetting.")
        )


def mentor_vetting_set(
    *,
    by,
    mentor: MentorProfile,
    vetting: str,
    identity_checked_on: date | None,
    record_seen_on: date | None,
) -> MentorProfile:
    """Record the outcome of a mentor's vetting and the dates the checks were made."""
    check_vet(by, mentor)
    Vetting = MentorProfile.Vetting
    if vetting not in Vetting.values:
        raise ValidationError({"vetting": _("Choose one of the listed outcomes.")})
    today = date.today()
    errors = {}
    for name, value in (
        ("identity_checked_on", identity_checked_on),
        ("record_seen_on", record_seen_on),
    ):
        if value is not None and value > today:
            errors[name] = _("This date is in the future: give the date the check was made.")
    if vetting in (Vetting.IDENTITY, Vetting.CLEARED) and identity_checked_on is None:
        errors["identity_checked_on"] = _("Give the date the identity was checked.")
    if vetting == Vetting.CLEARED and record_seen_on is None:
        errors["record_seen_on"] = _("Give the date the criminal-record attestation was seen.")
    if errors:
        raise ValidationError(errors)
    if vetting == Vetting.NONE:
        identity_checked_on = record_seen_on = None
    elif vetting == Vetting.IDENTITY:
        record_seen_on = None
    with transaction.atomic():
        mentor = MentorProfile.objects.select_for_update().select_related("user").get(pk=mentor.pk)
        mentor.vetting = vetting
        mentor.identity_checked_on = identity_checked_on
        mentor.record_seen_on = record_seen_on
        mentor.vetted_by = by
        mentor.full_clean(exclude=["user", "themes", "sectors", "languages"])
        mentor.save(update_fields=["vetting", "identity_checked_on", "record_seen_on", "vetted_by"])
        notification_send(
            recipients=[mentor.user],
            actor=by,
            verb="mentorship.vetting_set",
            url=reverse("mentorship:mentor_profile"),
        )
    return mentor
