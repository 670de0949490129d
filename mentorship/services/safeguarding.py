"""Safeguarding: guardians' consents and concern reports (issue 7, items 3 and 7;
docs/safeguarding.md).

Consent. A minor takes part (books, is asked for, chats) only once their guardian has consented
through a link sent to the guardian's e-mail (`consent_request`); under 15 the mentee agrees
too (`consent_mentee_agree`). The link's token is random (`secrets.token_urlsafe`), only its
sha256 is stored, and it is answered within `CONSENT_DAYS`. The guardian gives or refuses with
their typed name (`consent_answer`): when, which text version and the name are recorded. The
same link lets them withdraw later (`consent_withdraw`), which pauses everything at once: the
mentee's open relationships go to `paused`, their upcoming bookings are cancelled, mentors and
coordinators are told. A changed guardian address voids the consent (`consent_invalidate`).
The checks themselves are `mentorship.permissions.consent_is_valid` and
`check_minor_may_take_part`, called by every service that books, requests or sends.

Concerns. Anyone reports a concern about a message of a mentorship conversation or about a
person (`concern_report`): it goes to the programme's safeguarding lead (notification and
e-mail; platform staff when no programme is concerned) and freezes the conversation as evidence
(`Room.frozen_at`: nothing can be sent, edited or deleted in it, by anyone). The lead reviews
and closes it with an outcome (`concern_update`); unfreezing is their deliberate, logged act.
"""

import hashlib
import secrets
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Q
from django.http import Http404
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from community import realtime
from community.models import User
from community.notifications import notification_send
from community.permissions import check_signed_in, is_platform_staff
from community.services._common import refuse
from community.tasks import send_email
from forum.chat.models import Message, ModerationAction, Room
from forum.chat.permissions import can_read_room
from forum.chat.services import room_group
from mentorship import permissions
from mentorship.models import (
    CONSENT_TEXT_VERSION,
    OPEN_STATES,
    Booking,
    ConcernReport,
    Enrolment,
    GuardianConsent,
    MenteeProfile,
    Programme,
    ProgrammeMentor,
    Relationship,
)

VERBS = {
    "mentorship.became_minor": gettext_lazy(
        "%(actor)s's profile now says they are under 18: their mentoring is paused until a "
        "guardian consents."
    ),
    "mentorship.consent_given": gettext_lazy(
        "%(actor)s gave the guardian's consent for the mentoring of %(target)s."
    ),
    "mentorship.consent_refused": gettext_lazy(
        "%(actor)s refused the guardian's consent for the mentoring of %(target)s."
    ),
    "mentorship.consent_withdrawn": gettext_lazy(
        "The guardian's consent for %(target)s was withdrawn: the mentoring is paused."
    ),
    "mentorship.consent_needs_mentee": gettext_lazy(
        "%(actor)s has consented: please agree too, on your consent page."
    ),
    "mentorship.contact_flagged": gettext_lazy(
        "%(actor)s wrote contact details in a mentoring conversation of %(target)s (hidden)."
    ),
    "mentorship.concern_reported": gettext_lazy(
        "A safeguarding concern was reported (%(target)s): please look into it."
    ),
}

# The consent text, versioned: a guardian consents to one version, and a new version needs a
# new consent (ask again from the mentee's consent page).
CONSENT_TEXTS = {
    "2026-11": gettext_lazy(
        "I am the parent or legal guardian of the young person named above. I agree that they "
        "take part in the mentoring programme(s) named above: they may be matched with a "
        "volunteer mentor who has been vetted by the programme (identity checked and "
        "criminal-record attestation seen), book sessions with them, and talk with them in the "
        "platform's supervised conversation only. I understand that the programme's "
        "coordinators are members of that conversation and can read all of it, that e-mail "
        "addresses and phone numbers written there are hidden, and that anyone can report a "
        "concern to the programme's safeguarding lead, which freezes the conversation as "
        "evidence. I can withdraw this consent at any time with the same link: everything is "
        "then paused."
    ),
}
CONSENT_DAYS = 14
# A request is not sent again within this delay (a guardian's inbox is not a target).
RESEND_MINUTES = 10
NAME_MAX = 120
CONCERN_MAX = 4000


def consent_text(version: str = CONSENT_TEXT_VERSION) -> str:
    return str(CONSENT_TEXTS.get(version, CONSENT_TEXTS[CONSENT_TEXT_VERSION]))


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _absolute(url: str) -> str:
    return settings.SITE_URL.rstrip("/") + url


def _mail(*, subject: str, template: str, context: dict, recipients: list[str]) -> None:
    """An e-mail sent once the transaction has committed."""
    recipients = [address for address in recipients if address]
    if not recipients:
        return
    body = render_to_string(f"mentorship/safeguarding/emails/{template}.txt", context)
    transaction.on_commit(
        lambda: send_email.enqueue(subject=str(subject), body=body, recipients=recipients)
    )


def _programmes_of(mentee: MenteeProfile) -> list[Programme]:
    """The programmes the mentee is enrolled in or has a relationship in."""
    return list(
        Programme.objects.filter(
            Q(enrolments__mentee=mentee, enrolments__status=Enrolment.Status.ACTIVE)
            | Q(relationships__mentee=mentee, relationships__state__in=OPEN_STATES)
        )
        .distinct()
        .order_by("title")
    )


def _uncovered(consent: GuardianConsent, mentee: MenteeProfile) -> list[Programme]:
    """The mentee's programmes that a given consent does not name (see
    `permissions.consent_covers`)."""
    covered = set(consent.programmes.values_list("pk", flat=True))
    if not covered:
        return []
    return [p for p in _programmes_of(mentee) if p.pk not in covered]


def _coordinators_of(programmes) -> list[User]:
    return list(
        User.objects.filter(coordinated_programmes__in=programmes, is_active=True).distinct()
    )


def _programme_label(programmes) -> str:
    return ", ".join(programme.title for programme in programmes) or _("a mentoring programme")


# --- Consent ------------------------------------------------------------------------------------


def check_request_consent(user, mentee: MenteeProfile) -> None:
    """The mentee themselves, or a coordinator of a programme they are enrolled in."""
    check_signed_in(user)
    if mentee.user_id == user.pk or is_platform_staff(user):
        return
    enrolled = (
        Programme.objects.filter(enrolments__mentee=mentee, coordinators=user).exists()
        or Programme.objects.filter(relationships__mentee=mentee, coordinators=user).exists()
    )
    if not enrolled:
        raise PermissionDenied(
            _("Only the mentee or a coordinator of their programme can ask for consent.")
        )


def consent_request(*, by, mentee: MenteeProfile) -> GuardianConsent:
    """Send the guardian a consent link (a new one each time: older pending links stop
    working). The token is returned on the object (`consent.token`) and never stored."""
    check_request_consent(by, mentee)
    if not mentee.is_minor:
        refuse(_("Only a mentee under 18 needs a guardian's consent."), "not_minor")
    if not (mentee.guardian_name and mentee.guardian_email):
        refuse(
            _("Give the guardian's name and e-mail address in the mentee's profile first."),
            "no_guardian",
        )
    now = timezone.now()
    token = secrets.token_urlsafe(32)
    with transaction.atomic():
        # One request at a time per mentee: the profile row is the lock.
        mentee = MenteeProfile.objects.select_for_update().select_related("user").get(pk=mentee.pk)
        latest = mentee.consents.order_by("-requested_at", "-pk").first()
        if (
            latest is not None
            and latest.state == GuardianConsent.State.GIVEN
            and latest.text_version == CONSENT_TEXT_VERSION
            and latest.guardian_email == mentee.guardian_email
            and not _uncovered(latest, mentee)
        ):
            refuse(_("The guardian has already consented."), "already_given")
        if (
            latest is not None
            and latest.state == GuardianConsent.State.PENDING
            and latest.expires_at > now
            and now - latest.requested_at < timedelta(minutes=RESEND_MINUTES)
        ):
            refuse(
                _("A request was sent a few minutes ago: wait %(minutes)d minutes to send another.")
                % {"minutes": RESEND_MINUTES},
                "too_soon",
            )
        # The older links no longer work.
        mentee.consents.filter(state=GuardianConsent.State.PENDING, expires_at__gt=now).update(
            expires_at=now
        )
        consent = GuardianConsent.objects.create(
            mentee=mentee,
            guardian_name=mentee.guardian_name,
            guardian_email=mentee.guardian_email,
            token_hash=hash_token(token),
            text_version=CONSENT_TEXT_VERSION,
            requested_by=by,
            requested_at=now,
            expires_at=now + timedelta(days=CONSENT_DAYS),
        )
        programmes = _programmes_of(mentee)
        _mail(
            subject=_("Your consent is asked for a mentoring programme"),
            template="consent_request",
            context={
                "consent": consent,
                "mentee_name": _public_name(mentee.user),
                "programmes": _programme_label(programmes),
                "url": _absolute(reverse("mentorship:consent_guardian", kwargs={"token": token})),
                "days": CONSENT_DAYS,
            },
            recipients=[consent.guardian_email],
        )
    mentee.__dict__.pop("_current_consent", None)
    consent.token = token
    return consent


def _profile(user):
    """What a notification names a person by: their profile (never the e-mail address)."""
    return getattr(user, "profile", None)


def _public_name(user) -> str:
    from forum.chat.selectors import public_name

    return public_name(user)


def access_consent_by_token(*, token: str) -> GuardianConsent:
    """The consent a guardian's link points to; 404 for any other token (the newest request's
    link only: an older one was replaced)."""
    if not isinstance(token, str) or not 20 <= len(token) <= 100:
        raise Http404
    consent = (
        GuardianConsent.objects.select_related("mentee__user__profile")
        .filter(token_hash=hash_token(token))
        .first()
    )
    if consent is None:
        raise Http404
    return consent


def consent_is_answerable(consent: GuardianConsent) -> bool:
    return consent.state == GuardianConsent.State.PENDING and consent.expires_at > timezone.now()


def _lock_mentee(mentee_id: int) -> None:
    """Take the mentee's profile row first, as the booking and request services do (after the
    mentor's): a booking being made waits for a withdrawal, or the withdrawal for the booking,
    so no booking is confirmed after the consent is gone."""
    MenteeProfile.objects.select_for_update().filter(pk=mentee_id).first()


def _lock_consent(consent: GuardianConsent) -> GuardianConsent:
    return (
        GuardianConsent.objects.select_for_update(of=("self",))
        .select_related("mentee__user")
        .get(pk=consent.pk)
    )


def consent_answer(*, token: str, give: bool, signed_name: str) -> GuardianConsent:
    """The guardian (no account) gives or refuses consent, signing with their typed name."""
    consent = access_consent_by_token(token=token)
    signed_name = " ".join((signed_name or "").split())
    if len(signed_name) < 2:
        refuse(_("Type your full name to sign."), "no_name", "signed_name")
    if len(signed_name) > NAME_MAX:
        refuse(
            _("A name has at most %(max)d characters.") % {"max": NAME_MAX},
            "too_long",
            "signed_name",
        )
    with transaction.atomic():
        consent = _lock_consent(consent)
        if consent.state != GuardianConsent.State.PENDING:
            refuse(_("This request has already been answered."), "answered")
        if consent.expires_at <= timezone.now():
            refuse(
                _("This link has expired. Ask the young person or their programme for a new one."),
                "expired",
            )
        consent.state = GuardianConsent.State.GIVEN if give else GuardianConsent.State.REFUSED
        consent.signed_name = signed_name
        consent.answered_at = timezone.now()
        consent.save(update_fields=["state", "signed_name", "answered_at"])
        mentee = consent.mentee
        programmes = _programmes_of(mentee)
        if give:
            consent.programmes.set(programmes)
        notification_send(
            recipients=[mentee.user, *_coordinators_of(programmes)],
            actor=consent,
            actor_label=signed_name,
            verb="mentorship.consent_given" if give else "mentorship.consent_refused",
            target=_profile(mentee.user),
            url=reverse("mentorship:consent"),
        )
        if give and mentee.is_under_15 and consent.mentee_agreed_at is None:
            notification_send(
                recipients=[mentee.user],
                actor=consent,
                actor_label=signed_name,
                verb="mentorship.consent_needs_mentee",
                target=_profile(mentee.user),
                url=reverse("mentorship:consent"),
            )
    return consent


def consent_mentee_agree(*, by, consent: GuardianConsent) -> GuardianConsent:
    """Under 15, the mentee agrees too, signed in, once their guardian has consented."""
    check_signed_in(by)
    if consent.mentee.user_id != by.pk:
        raise PermissionDenied(_("Only the young person themselves can agree."))
    with transaction.atomic():
        consent = _lock_consent(consent)
        if consent.state != GuardianConsent.State.GIVEN:
            refuse(_("Your guardian has to consent first."), "not_given")
        if consent.mentee_agreed_at is not None:
            refuse(_("You have already agreed."), "agreed")
        consent.mentee_agreed_at = timezone.now()
        consent.save(update_fields=["mentee_agreed_at"])
    return consent


def _pause_everything(mentee: MenteeProfile, *, by=None) -> tuple[list[Relationship], int]:
    """Open relationships paused, upcoming confirmed bookings cancelled: returns the
    relationships paused and the number of bookings cancelled."""
    now = timezone.now()
    relationships = list(
        Relationship.objects.select_for_update(of=("self",))
        .filter(mentee=mentee, state__in=(Relationship.State.REQUESTED, Relationship.State.ACTIVE))
        .select_related("mentor__user", "programme")
    )
    Relationship.objects.filter(pk__in=[r.pk for r in relationships]).update(
        state=Relationship.State.PAUSED
    )
    bookings = list(
        Booking.objects.select_for_update(of=("self",)).filter(
            mentee=mentee, status=Booking.Status.CONFIRMED, starts_at__gt=now
        )
    )
    for booking in bookings:
        booking.status = Booking.Status.CANCELLED
        booking.cancelled_at = now
        booking.cancelled_by = by
        booking.cancel_reason = _("Consent withdrawn")
        booking.sequence += 1
        booking.save(
            update_fields=["status", "cancelled_at", "cancelled_by", "cancel_reason", "sequence"]
        )
    return relationships, len(bookings)


def mentee_became_minor(*, mentee: MenteeProfile) -> None:
    """An adult mentee's profile now says they are under 18 (inside the profile's transaction,
    its row locked): nothing goes on until a guardian consents. Open relationships pause,
    upcoming sessions are cancelled, and each conversation gets the programme's coordinators
    as members (the supervised room a minor needs)."""
    from mentorship.services.conversations import conversation_open

    relationships, _cancelled = _pause_everything(mentee)
    for relationship in Relationship.objects.filter(
        mentee=mentee, room__isnull=False, state__in=(Relationship.State.PAUSED,)
    ).select_related("programme"):
        conversation_open(relationship=relationship)
    notification_send(
        recipients=_coordinators_of([r.programme for r in relationships]),
        actor=mentee.user,
        verb="mentorship.became_minor",
        target=mentee.user,
        url=reverse("mentorship:mine"),
    )


def _withdraw(consent: GuardianConsent, *, withdrawn_by: str, by=None) -> GuardianConsent:
    """Inside a transaction, `consent` locked."""
    was_given = consent.state == GuardianConsent.State.GIVEN
    consent.state = GuardianConsent.State.WITHDRAWN
    consent.withdrawn_at = timezone.now()
    consent.withdrawn_by = withdrawn_by
    consent.save(update_fields=["state", "withdrawn_at", "withdrawn_by"])
    mentee = consent.mentee
    mentee.__dict__.pop("_current_consent", None)
    if not was_given:
        return consent
    relationships, _cancelled = _pause_everything(mentee, by=by)
    programmes = _programmes_of(mentee) + [r.programme for r in relationships]
    programmes = list({programme.pk: programme for programme in programmes}.values())
    mentors = list(
        {
            relationship.mentor.user.pk: relationship.mentor.user for relationship in relationships
        }.values()
    )
    recipients = [*mentors, *_coordinators_of(programmes), mentee.user]
    notification_send(
        recipients=recipients,
        actor=consent,
        actor_label=_("The guardian"),
        verb="mentorship.consent_withdrawn",
        target=_profile(mentee.user),
        url="",
        exclude=by,
    )
    return consent


def consent_withdraw(*, token: str | None = None, by=None, mentee: MenteeProfile | None = None):
    """Withdraw the consent: by the guardian with their link (`token`), or signed in (`by`) by
    the mentee or a coordinator of their programme (`mentee`). Pauses everything at once."""
    if token is not None:
        consent = access_consent_by_token(token=token)
        withdrawn_by = "guardian"
        by = None
    else:
        if mentee is None:
            raise ValueError("consent_withdraw needs a token, or a user and a mentee")
        check_request_consent(by, mentee)
        consent = permissions.current_consent(mentee)
        if consent is None:
            refuse(_("There is no consent to withdraw."), "no_consent")
        withdrawn_by = "mentee" if mentee.user_id == by.pk else "coordinator"
    with transaction.atomic():
        _lock_mentee(consent.mentee_id)
        consent = _lock_consent(consent)
        if consent.state not in (GuardianConsent.State.GIVEN, GuardianConsent.State.PENDING):
            refuse(_("This consent is not in force: there is nothing to withdraw."), "not_given")
        return _withdraw(consent, withdrawn_by=withdrawn_by, by=by)


def consent_invalidate(*, mentee: MenteeProfile, reason: str) -> GuardianConsent | None:
    """The consent given (or asked) no longer counts, e.g. the guardian's address changed: a new
    one must be asked. Pauses everything like a withdrawal. Called by the profile services."""
    with transaction.atomic():
        _lock_mentee(mentee.pk)
        current = mentee.consents.order_by("-requested_at", "-pk").first()
        if current is None or current.state not in (
            GuardianConsent.State.GIVEN,
            GuardianConsent.State.PENDING,
        ):
            return None
        consent = _lock_consent(current)
        # `reason` is kept short in the record (what the mentee's page says).
        return _withdraw(consent, withdrawn_by=(reason or "invalidated")[:20])


# --- Concerns -----------------------------------------------------------------------------------


def _relationship_between(by, about) -> Relationship | None:
    return (
        Relationship.objects.filter(
            Q(mentor__user=by, mentee__user=about) | Q(mentor__user=about, mentee__user=by)
        )
        .select_related("programme", "room")
        .order_by("-requested_at")
        .first()
    )


def _programme_of_person(user) -> Programme | None:
    return (
        Programme.objects.filter(
            Q(enrolments__mentee__user=user)
            | Q(pk__in=ProgrammeMentor.objects.filter(mentor__user=user).values("programme"))
        )
        .order_by("-starts_on")
        .first()
    )


def _freeze(room: Room, by) -> None:
    """Inside a transaction. The room row is locked: a send waiting on it sees the freeze."""
    locked = Room.objects.select_for_update(no_key=True, of=("self",)).get(pk=room.pk)
    if locked.frozen_at is not None:
        return
    Room.objects.filter(pk=room.pk).update(frozen_at=timezone.now(), frozen_by=by)
    ModerationAction.objects.create(room=room, actor=by, action=ModerationAction.Action.ROOM_FROZEN)
    realtime.publish_event(
        group=room_group(room.pk), stream=room.stream, event="room.changed", data={"room": room.pk}
    )


def concern_report(*, by, about=None, message: Message | None = None, text: str) -> ConcernReport:
    """Report a concern about a message of a mentorship conversation, or about a person. Goes
    to the programme's safeguarding lead (staff when no programme is concerned) and freezes the
    conversation concerned."""
    check_signed_in(by)
    text = (text or "").strip()
    if not text:
        refuse(_("Say what worries you."), "empty", "text")
    if len(text) > CONCERN_MAX:
        refuse(_("At most %(max)d characters, please.") % {"max": CONCERN_MAX}, "too_long", "text")
    if message is None and about is None:
        refuse(_("Say what the concern is about."), "nothing")
    room = programme = None
    if message is not None:
        if not can_read_room(by, message.room):
            raise Http404
        room = message.room
        if room.kind != Room.Kind.MENTORSHIP:
            raise PermissionDenied(
                _("Concerns are reported on mentoring conversations; use “Report” here.")
            )
        relationship = Relationship.objects.select_related("programme").filter(room=room).first()
        programme = relationship.programme if relationship else None
        about = about or message.sender
    elif about is not None:
        if about.pk == by.pk:
            refuse(_("You cannot report a concern about yourself."), "own")
        relationship = _relationship_between(by, about)
        if relationship is not None:
            programme, room = relationship.programme, relationship.room
        else:
            programme = _programme_of_person(about)
    with transaction.atomic():
        concern = ConcernReport.objects.create(
            reporter=by,
            programme=programme,
            about=about,
            room=room,
            message=message,
            quoted=message.body if message is not None else "",
            text=text,
        )
        if room is not None:
            _freeze(room, by)
        leads = (
            [programme.safeguarding_lead]
            if programme is not None
            else list(User.objects.filter(is_staff=True, is_active=True))
        )
        url = reverse("mentorship:concern", kwargs={"pk": concern.pk})
        target = programme.title if programme is not None else _("the platform")
        notification_send(
            recipients=leads,
            actor=concern,
            actor_label=_("A member"),
            verb="mentorship.concern_reported",
            target=programme if programme is not None else concern,
            url=url,
            exclude=by,
        )
        _mail(
            subject=_("A safeguarding concern was reported"),
            template="concern_reported",
            context={"target": target, "url": _absolute(url)},
            recipients=[lead.email for lead in leads if lead.email],
        )
    return concern


def can_handle_concern(user, concern: ConcernReport) -> bool:
    if not (user and user.is_authenticated and user.is_active):
        return False
    if is_platform_staff(user):
        return True
    return concern.programme is not None and concern.programme.safeguarding_lead_id == user.pk


def concerns_for(user):
    """The reports a user handles: those of the programmes they are the lead of; staff all."""
    reports = ConcernReport.objects.select_related(
        "programme", "reporter__profile", "about__profile"
    )
    if is_platform_staff(user):
        return reports
    return reports.filter(programme__safeguarding_lead=user)


def access_concern(*, user, concern_id: int) -> ConcernReport:
    concern = (
        ConcernReport.objects.select_related(
            "programme", "reporter__profile", "about__profile", "room", "message__sender__profile"
        )
        .filter(pk=concern_id)
        .first()
    )
    if concern is None or not can_handle_concern(user, concern):
        raise Http404
    return concern


def concern_update(
    *, by, concern: ConcernReport, status: str, outcome: str = "", unfreeze: bool = False
) -> ConcernReport:
    """The lead moves a report to review or closes it with an outcome; unfreezing the
    conversation is a separate, deliberate choice, logged."""
    if not can_handle_concern(by, concern):
        raise Http404
    if status not in ConcernReport.Status.values:
        refuse(_("Unknown status."), "bad_status", "status")
    outcome = (outcome or "").strip()
    if status == ConcernReport.Status.CLOSED and not outcome:
        refuse(_("Say what was decided before closing."), "no_outcome", "outcome")
    if len(outcome) > CONCERN_MAX:
        refuse(
            _("At most %(max)d characters, please.") % {"max": CONCERN_MAX}, "too_long", "outcome"
        )
    with transaction.atomic():
        concern = ConcernReport.objects.select_for_update(of=("self",)).get(pk=concern.pk)
        if concern.status == ConcernReport.Status.CLOSED and status != ConcernReport.Status.CLOSED:
            refuse(_("This report is closed."), "closed", "status")
        concern.status = status
        if outcome:
            concern.outcome = outcome
        concern.handled_by = by
        concern.handled_at = timezone.now()
        concern.save(update_fields=["status", "outcome", "handled_by", "handled_at"])
        if unfreeze and concern.room_id is not None:
            room = Room.objects.select_for_update(no_key=True, of=("self",)).get(pk=concern.room_id)
            others = (
                ConcernReport.objects.filter(room_id=room.pk)
                .exclude(pk=concern.pk)
                .exclude(status=ConcernReport.Status.CLOSED)
            )
            if others.exists():
                refuse(
                    _(
                        "Another concern about this conversation is still open: it stays frozen "
                        "until that one is closed too."
                    ),
                    "other_concern_open",
                )
            if room.frozen_at is not None:
                Room.objects.filter(pk=room.pk).update(frozen_at=None, frozen_by=None)
                ModerationAction.objects.create(
                    room=room,
                    actor=by,
                    action=ModerationAction.Action.ROOM_UNFROZEN,
                    note=_("Concern #%(id)d") % {"id": concern.pk},
                )
                realtime.publish_event(
                    group=room_group(room.pk),
                    stream=room.stream,
                    event="room.changed",
                    data={"room": room.pk},
                )
    return concern
