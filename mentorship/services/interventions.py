"""Interventions: needs posted by schools, companies and animators; marraines who volunteer or are
suggested; confirmation under lock; feedback from both sides; the pupils reached.

Rules (also in docs/mentorship.md):

- Who posts a need (`can_post_need`): platform staff, the programme's coordinators, and the
  animators of the programme's cluster (its cluster animators and the active animators of its
  spaces); when the programme has no cluster, any cluster animator. A school or a company posts
  through one of them, or is given a coordinator's hand. The poster and the coordinators
  manage the need (cancel it, give the host's feedback).
- Marraines are the programme's mentors (`ProgrammeMentor`). A marraine volunteers once per
  need, while it is open and before it starts. An unvetted marraine may volunteer
  (interventions are group formats with a teacher present: `allowed_formats` gives "group" to
  everyone), but a mentor whose vetting was *refused* may not.
- Coordinators see suggested marraines (`suggest_marraines`) and invite them
  (`volunteer_suggest`); an invited marraine accepts by volunteering, or declines.
- Coordinators confirm volunteers (`volunteer_confirm`), the need's row locked: never more
  confirmed than `marraines_wanted`, even concurrently (tests/integration/
  test_mentorship_interventions_postgres.py). Nobody is confirmed at a time she is already
  confirmed elsewhere (another intervention or a one-to-one booking). The confirmed marraine
  gets the practical details by e-mail; a full need becomes `confirmed`.
- After the end: the marraine's feedback (`volunteer_feedback`) and the host's
  (`need_feedback`, with the pupils reached), which marks the need `done`.
"""

from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Case, Count, Exists, IntegerField, OuterRef, Q, Sum, Value, When
from django.db.models.functions import Lower
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from community.models import Membership
from community.notifications import notification_send
from community.permissions import is_cluster_animator
from community.tasks import send_email
from events.timezones import DEFAULT_TIME_ZONE, local_to_utc, time_zone_choices, utc_to_local
from mentorship.models import Booking, InterventionNeed, MentorProfile, Programme, Volunteer
from mentorship.permissions import check_coordinate, is_coordinator, mentor_of

VERBS = {
    "mentorship.need_posted": gettext_lazy("%(actor)s posted a need: %(target)s."),
    "mentorship.need_volunteered": gettext_lazy("%(actor)s volunteered for %(target)s."),
    "mentorship.need_suggested": gettext_lazy("%(actor)s invites you to take part in %(target)s."),
    "mentorship.volunteer_confirmed": gettext_lazy(
        "You are confirmed for %(target)s: the practical details are on its page."
    ),
    "mentorship.need_full": gettext_lazy("%(target)s has all the marraines it needs."),
    "mentorship.volunteer_declined": gettext_lazy("%(actor)s declined for %(target)s."),
    "mentorship.volunteer_withdrew": gettext_lazy("%(actor)s withdrew from %(target)s."),
    "mentorship.need_cancelled": gettext_lazy("%(target)s was cancelled."),
}

NEED_FIELDS = (
    "kind",
    "title",
    "host",
    "starts_at",
    "ends_at",
    "time_zone",
    "place",
    "country",
    "region",
    "audience",
    "marraines_wanted",
    "details",
)
NeedStatus = InterventionNeed.Status
VStatus = Volunteer.Status
# A marraine counts as busy at these times: confirmed interventions not cancelled.
LIVE_NEED = (NeedStatus.OPEN, NeedStatus.CONFIRMED, NeedStatus.DONE)
SUGGESTIONS = 20


def _refuse(message: str, code: str, field_name: str | None = None):
    if field_name:
        raise ValidationError({field_name: ValidationError(message, code=code)})
    raise ValidationError(message, code=code)


def _signed_in(user) -> bool:
    return bool(user and user.is_authenticated and user.is_active)


# --- Permissions --------------------------------------------------------------------------------


def can_post_need(user, programme: Programme) -> bool:
    if not _signed_in(user) or programme.kind != Programme.Kind.INTERVENTIONS:
        return False
    if is_coordinator(user, programme):
        return True
    if programme.cluster_id is None:
        return user.animated_clusters.exists()
    if is_cluster_animator(user, programme.cluster):
        return True
    return Membership.objects.filter(
        user=user,
        space__cluster_id=programme.cluster_id,
        state=Membership.State.ACTIVE,
        role=Membership.Role.ANIMATOR,
    ).exists()


def is_poster(user, need: InterventionNeed) -> bool:
    return _signed_in(user) and need.posted_by_id == user.pk


def can_manage_need(user, need: InterventionNeed) -> bool:
    """The poster and the programme's coordinators."""
    return is_poster(user, need) or is_coordinator(user, need.programme)


def marraine_of(user, programme: Programme) -> MentorProfile | None:
    """The user's mentor profile when she is a mentor of the programme."""
    mentor = mentor_of(user)
    if mentor is None:
        return None
    cache = user.__dict__.setdefault("_programme_mentor", {})
    if programme.pk not in cache:
        cache[programme.pk] = mentor.programme_links.filter(programme=programme).exists()
    return mentor if cache[programme.pk] else None


def can_view_need(user, need: InterventionNeed) -> bool:
    return can_manage_need(user, need) or marraine_of(user, need.programme) is not None


def check_manage_need(user, need: InterventionNeed) -> None:
    if not can_manage_need(user, need):
        raise PermissionDenied(_("Only the person who posted the need or a coordinator can."))


def _need_url(need: InterventionNeed) -> str:
    return reverse("mentorship:need", kwargs={"pk": need.pk})


def _coordinators(programme: Programme) -> list:
    return list(programme.coordinators.filter(is_active=True))


# --- Needs --------------------------------------------------------------------------------------


def _clean_need(need: InterventionNeed, fields: dict) -> None:
    unknown = set(fields) - set(NEED_FIELDS) - {"themes"}
    if unknown:
        raise ValueError(f"Unknown need fields: {sorted(unknown)}")
    fields = {k: v for k, v in fields.items() if k != "themes"}
    tz_name = fields.get("time_zone") or need.time_zone or DEFAULT_TIME_ZONE
    if tz_name not in dict(time_zone_choices()):
        _refuse(_("Choose a time zone from the list."), "invalid_time_zone", "time_zone")
    fields["time_zone"] = tz_name
    for name in ("starts_at", "ends_at"):
        value = fields.get(name)
        if isinstance(value, datetime) and timezone.is_naive(value):
            fields[name] = local_to_utc(value, tz_name, field=name)
    for name, value in fields.items():
        setattr(need, name, value)
    if need.starts_at and need.ends_at and need.ends_at <= need.starts_at:
        _refuse(_("The intervention must end after it starts."), "ends_before_start", "ends_at")
    if need.starts_at and need.starts_at <= timezone.now():
        _refuse(_("Choose a date in the future."), "in_the_past", "starts_at")
    if need.marraines_wanted is not None and not 1 <= need.marraines_wanted <= 20:
        _refuse(_("Ask for 1 to 20 marraines."), "invalid_wanted", "marraines_wanted")
    need.full_clean()


def need_create(*, by, programme: Programme, themes=(), **fields) -> InterventionNeed:
    if not can_post_need(by, programme):
        raise PermissionDenied(
            _(
                "Needs are posted by the programme's coordinators, the animators of its "
                "cluster and the platform's team."
            )
        )
    need = InterventionNeed(programme=programme, posted_by=by)
    _clean_need(need, fields)
    with transaction.atomic():
        need.save()
        need.themes.set(themes)
        marraines = [
            link.mentor.user
            for link in programme.mentor_links.select_related("mentor__user").filter(
                mentor__paused=False, mentor__country=need.country
            )
        ]
        notification_send(
            recipients=[*marraines, *_coordinators(programme)],
            actor=by,
            verb="mentorship.need_posted",
            target=need,
            url=_need_url(need),
        )
    return need


def need_cancel(*, by, need: InterventionNeed) -> InterventionNeed:
    check_manage_need(by, need)
    with transaction.atomic():
        need = InterventionNeed.objects.select_for_update().get(pk=need.pk)
        if need.status not in (NeedStatus.OPEN, NeedStatus.CONFIRMED):
            _refuse(_("This need is already closed."), "closed")
        if need.starts_at <= timezone.now():
            _refuse(_("This intervention has already started."), "started")
        need.status = NeedStatus.CANCELLED
        need.save(update_fields=["status"])
        people = [
            v.mentor.user
            for v in need.volunteers.select_related("mentor__user").filter(
                status__in=(VStatus.SUGGESTED, VStatus.VOLUNTEERED, VStatus.CONFIRMED)
            )
        ]
        notification_send(
            recipients=people,
            actor=by,
            verb="mentorship.need_cancelled",
            target=need,
            url=_need_url(need),
        )
    return need


def need_feedback(
    *, by, need: InterventionNeed, pupils_reached: int, feedback: str = ""
) -> InterventionNeed:
    """The host's side (the poster or a coordinator), after the end: the need is then held."""
    check_manage_need(by, need)
    try:
        pupils = int(str(pupils_reached).strip())
    except ValueError:
        _refuse(_("Give the number of pupils reached."), "invalid_pupils", "pupils_reached")
    if pupils < 0 or pupils > 100000:
        _refuse(_("Give the number of pupils reached."), "invalid_pupils", "pupils_reached")
    feedback = (feedback or "").strip()
    if len(feedback) > 3000:
        _refuse(_("Keep the feedback under 3,000 characters."), "too_long", "host_feedback")
    with transaction.atomic():
        need = InterventionNeed.objects.select_for_update().get(pk=need.pk)
        if need.ends_at > timezone.now():
            _refuse(_("Feedback comes after the intervention."), "not_over")
        if need.status == NeedStatus.CANCELLED:
            _refuse(_("This intervention was cancelled."), "cancelled")
        if not need.volunteers.filter(status=VStatus.CONFIRMED).exists():
            _refuse(_("No marraine was confirmed for this intervention."), "no_marraine")
        need.pupils_reached = pupils
        need.host_feedback = feedback
        need.status = NeedStatus.DONE
        need.save(update_fields=["pupils_reached", "host_feedback", "status"])
    return need


# --- Volunteers ---------------------------------------------------------------------------------


def _check_open(need: InterventionNeed) -> None:
    if need.status != NeedStatus.OPEN:
        _refuse(_("This need is no longer looking for marraines."), "not_open")
    if need.starts_at <= timezone.now():
        _refuse(_("This intervention has already taken place."), "past")


def _check_may_take_part(mentor: MentorProfile) -> None:
    if mentor.vetting == MentorProfile.Vetting.REFUSED:
        raise PermissionDenied(
            _("Your vetting was refused: you cannot take part in interventions.")
        )


def volunteer_offer(*, by, need: InterventionNeed, note: str = "") -> Volunteer:
    """A marraine of the programme volunteers (or accepts an invitation): once, before the date."""
    mentor = marraine_of(by, need.programme)
    if mentor is None:
        raise PermissionDenied(_("Only the programme's marraines can volunteer."))
    _check_may_take_part(mentor)
    note = (note or "").strip()
    if len(note) > 500:
        _refuse(_("Keep the note under 500 characters."), "too_long", "note")
    with transaction.atomic():
        need = InterventionNeed.objects.select_for_update().get(pk=need.pk)
        _check_open(need)
        volunteer = Volunteer.objects.filter(need=need, mentor=mentor).first()
        if volunteer is not None and volunteer.status != VStatus.SUGGESTED:
            _refuse(_("You have already answered for this need."), "already")
        if volunteer is None:
            volunteer = Volunteer(need=need, mentor=mentor)
        volunteer.status = VStatus.VOLUNTEERED
        volunteer.note = note
        volunteer.save()
        notification_send(
            recipients=[*_coordinators(need.programme), need.posted_by],
            actor=by,
            verb="mentorship.need_volunteered",
            target=need,
            url=_need_url(need),
        )
    return volunteer


def volunteer_suggest(*, by, need: InterventionNeed, mentor: MentorProfile) -> Volunteer:
    """A coordinator invites a marraine of the programme."""
    check_coordinate(by, need.programme)
    if not mentor.programme_links.filter(programme=need.programme).exists():
        _refuse(_("This person is not a marraine of the programme."), "not_a_marraine")
    _check_may_take_part(mentor)
    with transaction.atomic():
        need = InterventionNeed.objects.select_for_update().get(pk=need.pk)
        _check_open(need)
        if Volunteer.objects.filter(need=need, mentor=mentor).exists():
            _refuse(_("This marraine has already been asked or has answered."), "already")
        volunteer = Volunteer.objects.create(need=need, mentor=mentor, status=VStatus.SUGGESTED)
        notification_send(
            recipients=[mentor.user],
            actor=by,
            verb="mentorship.need_suggested",
            target=need,
            url=_need_url(need),
        )
    return volunteer


def _busy_q(starts_at, ends_at, *, exclude_need_id=None, mentor_ref="pk"):
    """Another confirmed intervention or a confirmed booking overlapping [starts_at, ends_at)."""
    other = Volunteer.objects.filter(
        mentor_id=OuterRef(mentor_ref),
        status=VStatus.CONFIRMED,
        need__status__in=LIVE_NEED,
        need__starts_at__lt=ends_at,
        need__ends_at__gt=starts_at,
    )
    if exclude_need_id is not None:
        other = other.exclude(need_id=exclude_need_id)
    booked = Booking.objects.filter(
        mentor_id=OuterRef(mentor_ref),
        status=Booking.Status.CONFIRMED,
        starts_at__lt=ends_at,
        ends_at__gt=starts_at,
    )
    return Exists(other) | Exists(booked)


def volunteer_confirm(*, by, volunteer: Volunteer) -> Volunteer:
    """Confirm a volunteer, the need's row locked: never more confirmed than wanted."""
    need = volunteer.need
    check_coordinate(by, need.programme)
    with transaction.atomic():
        # The marraine's profile row first, as bookings take it: two needs at the same time,
        # or a need and a one-to-one session, never both confirm her.
        MentorProfile.objects.select_for_update().filter(pk=volunteer.mentor_id).first()
        need = InterventionNeed.objects.select_for_update().get(pk=need.pk)
        volunteer = Volunteer.objects.select_related("mentor__user").get(pk=volunteer.pk)
        _check_open(need)
        if volunteer.status != VStatus.VOLUNTEERED:
            _refuse(
                _("Only a marraine who volunteered (or accepted the invitation) can be confirmed."),
                "not_volunteered",
            )
        confirmed = need.volunteers.filter(status=VStatus.CONFIRMED).count()
        if confirmed >= need.marraines_wanted:
            _refuse(_("This need already has all the marraines it wants."), "full")
        busy = MentorProfile.objects.filter(pk=volunteer.mentor_id).filter(
            _busy_q(need.starts_at, need.ends_at, exclude_need_id=need.pk)
        )
        if busy.exists():
            _refuse(_("This marraine is already booked at that time."), "busy")
        volunteer.status = VStatus.CONFIRMED
        volunteer.decided_at = timezone.now()
        volunteer.save(update_fields=["status", "decided_at"])
        if confirmed + 1 >= need.marraines_wanted:
            need.status = NeedStatus.CONFIRMED
            need.save(update_fields=["status"])
            if need.posted_by_id:
                notification_send(
                    recipients=[need.posted_by],
                    actor=need.programme,
                    verb="mentorship.need_full",
                    target=need,
                    url=_need_url(need),
                    exclude=by,
                )
        notification_send(
            recipients=[volunteer.mentor.user],
            actor=by,
            verb="mentorship.volunteer_confirmed",
            target=need,
            url=_need_url(need),
        )
        _email_details(volunteer, need)
    return volunteer


def _email_details(volunteer: Volunteer, need: InterventionNeed) -> None:
    """The practical details, to the confirmed marraine, in her own time zone, after commit."""
    user = volunteer.mentor.user
    if not user.email:
        return
    tz_name = volunteer.mentor.time_zone or need.time_zone
    body = render_to_string(
        "mentorship/interventions/emails/confirmed.txt",
        {
            "need": need,
            "starts": utc_to_local(need.starts_at, tz_name),
            "ends": utc_to_local(need.ends_at, tz_name),
            "zone": tz_name,
            "url": settings.SITE_URL.rstrip("/") + _need_url(need),
        },
    )
    subject = _("Confirmed: %(title)s") % {"title": need.title}
    address = user.email
    transaction.on_commit(
        lambda: send_email.enqueue(subject=subject, body=body, recipients=[address])
    )


def volunteer_decline(*, by, volunteer: Volunteer) -> Volunteer:
    """The marraine declines an invitation, or a coordinator declines an offer (not once
    confirmed: the marraine then withdraws herself, or the need is cancelled)."""
    need = volunteer.need
    own = mentor_of(by) is not None and mentor_of(by).pk == volunteer.mentor_id
    if not own:
        check_coordinate(by, need.programme)
    with transaction.atomic():
        InterventionNeed.objects.select_for_update().get(pk=need.pk)
        volunteer = Volunteer.objects.select_related("mentor__user").get(pk=volunteer.pk)
        allowed = (VStatus.SUGGESTED,) if own else (VStatus.SUGGESTED, VStatus.VOLUNTEERED)
        if volunteer.status not in allowed:
            _refuse(_("This answer can no longer be declined."), "not_pending")
        volunteer.status = VStatus.DECLINED
        volunteer.decided_at = timezone.now()
        volunteer.save(update_fields=["status", "decided_at"])
        recipients = _coordinators(need.programme) if own else [volunteer.mentor.user]
        notification_send(
            recipients=recipients,
            actor=by if own else need.programme,
            verb="mentorship.volunteer_declined",
            target=need,
            url=_need_url(need),
            exclude=by,
        )
    return volunteer


def volunteer_withdraw(*, by, volunteer: Volunteer) -> Volunteer:
    """The marraine withdraws before the date; a confirmed need looks for someone again."""
    mentor = mentor_of(by)
    if mentor is None or mentor.pk != volunteer.mentor_id:
        raise PermissionDenied(_("Only the marraine herself can withdraw."))
    with transaction.atomic():
        need = InterventionNeed.objects.select_for_update().get(pk=volunteer.need_id)
        volunteer = Volunteer.objects.get(pk=volunteer.pk)
        if volunteer.status not in (VStatus.VOLUNTEERED, VStatus.CONFIRMED):
            _refuse(_("You are not taking part in this need."), "not_taking_part")
        if need.starts_at <= timezone.now():
            _refuse(_("This intervention has already started."), "started")
        was_confirmed = volunteer.status == VStatus.CONFIRMED
        volunteer.status = VStatus.WITHDRAWN
        volunteer.decided_at = timezone.now()
        volunteer.save(update_fields=["status", "decided_at"])
        if was_confirmed and need.status == NeedStatus.CONFIRMED:
            need.status = NeedStatus.OPEN
            need.save(update_fields=["status"])
        notification_send(
            recipients=[*_coordinators(need.programme), need.posted_by],
            actor=by,
            verb="mentorship.volunteer_withdrew",
            target=need,
            url=_need_url(need),
        )
    return volunteer


def volunteer_feedback(*, by, volunteer: Volunteer, feedback: str) -> Volunteer:
    """The confirmed marraine's feedback, after the end."""
    mentor = mentor_of(by)
    if mentor is None or mentor.pk != volunteer.mentor_id:
        raise PermissionDenied(_("Only the marraine herself gives her feedback."))
    feedback = (feedback or "").strip()
    if not feedback:
        _refuse(_("Write a few words."), "empty", "feedback")
    if len(feedback) > 3000:
        _refuse(_("Keep the feedback under 3,000 characters."), "too_long", "feedback")
    with transaction.atomic():
        volunteer = (
            Volunteer.objects.select_for_update().select_related("need").get(pk=volunteer.pk)
        )
        need = volunteer.need
        if volunteer.status != VStatus.CONFIRMED:
            _refuse(_("Only a confirmed marraine gives feedback."), "not_confirmed")
        if need.status == NeedStatus.CANCELLED:
            _refuse(_("This intervention was cancelled."), "cancelled")
        if need.ends_at > timezone.now():
            _refuse(_("Feedback comes after the intervention."), "not_over")
        volunteer.feedback = feedback
        volunteer.save(update_fields=["feedback"])
    return volunteer


# --- Suggestions --------------------------------------------------------------------------------


@dataclass
class Suggestion:
    mentor: MentorProfile
    same_region: bool
    shared_themes: int

    @property
    def reasons(self) -> list[str]:
        reasons = []
        if self.same_region:
            reasons.append(_("same region"))
        if self.shared_themes:
            reasons.append(_("%(count)s theme(s) in common") % {"count": self.shared_themes})
        return reasons


def suggest_marraines(need: InterventionNeed, *, limit: int = SUGGESTIONS) -> list[Suggestion]:
    """The programme's marraines for a need, in one query: same region first, then the themes
    they share with it; never one who is paused, refused, already asked or answering, or
    confirmed at that time elsewhere (another intervention or a one-to-one booking)."""
    theme_ids = list(need.themes.values_list("pk", flat=True))
    region = (need.region or "").strip().lower()
    same_region = (
        Case(
            When(Q(country=need.country, region_lower=region), then=Value(1)),
            default=Value(0),
            output_field=IntegerField(),
        )
        if region
        else Value(0, output_field=IntegerField())
    )
    shared = (
        Count("themes", filter=Q(themes__in=theme_ids), distinct=True)
        if theme_ids
        else Value(0, output_field=IntegerField())
    )
    mentors = (
        MentorProfile.objects.filter(programme_links__programme_id=need.programme_id)
        .filter(paused=False, user__is_active=True)
        .exclude(vetting=MentorProfile.Vetting.REFUSED)
        .exclude(volunteering__need=need)
        .exclude(_busy_q(need.starts_at, need.ends_at, exclude_need_id=need.pk))
        .select_related("user__profile")
        .alias(region_lower=Lower("region"))
        .annotate(shared=shared, same_region=same_region)
        .order_by("-same_region", "-shared", "user__profile__display_name", "pk")
    )
    return [
        Suggestion(mentor=m, same_region=bool(m.same_region), shared_themes=m.shared)
        for m in mentors[:limit]
    ]


# --- Indicators ---------------------------------------------------------------------------------


def intervention_figures(programme: Programme) -> dict:
    """For the coordinator dashboard: needs held, pupils reached, marraines involved (distinct
    marraines confirmed on a held need); and the needs open and confirmed to come."""
    counts = InterventionNeed.objects.filter(programme=programme).aggregate(
        held=Count("pk", filter=Q(status=NeedStatus.DONE)),
        open=Count("pk", filter=Q(status=NeedStatus.OPEN)),
        confirmed=Count("pk", filter=Q(status=NeedStatus.CONFIRMED)),
        pupils=Sum("pupils_reached", filter=Q(status=NeedStatus.DONE)),
    )
    marraines = (
        Volunteer.objects.filter(
            need__programme=programme, need__status=NeedStatus.DONE, status=VStatus.CONFIRMED
        )
        .values("mentor_id")
        .distinct()
        .count()
    )
    return {
        "needs_held": counts["held"],
        "pupils_reached": counts["pupils"] or 0,
        "marraines_involved": marraines,
        "needs_open": counts["open"],
        "needs_confirmed": counts["confirmed"],
    }
