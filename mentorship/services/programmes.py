"""Programmes and who takes part: creating and editing a programme, a mentee's enrolment, a
mentor joining.

- A programme is created by platform staff or by an animator of the cluster it belongs to;
  its creator is its first coordinator. Its coordinators edit it.
- A mentee enrols herself (or a coordinator enrols her) when the programme admits her age band
  and has a place left: the programme row is locked to count the places, so two last-minute
  enrolments never exceed the capacity.
- A mentor joins a programme; a coordinator may remove them. Vetting is set elsewhere
  (`services.profiles.mentor_vetting_set`).
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from community.permissions import is_cluster_animator, is_platform_staff
from mentorship.models import (
    Enrolment,
    MenteeProfile,
    MentorProfile,
    Programme,
    ProgrammeMentor,
)
from mentorship.permissions import check_coordinate, forget_coordination, is_coordinator
from mentorship.services.conversations import conversation_sync_coordinators

PROGRAMME_FIELDS = (
    "kind",
    "title",
    "slug",
    "summary",
    "cluster",
    "starts_on",
    "ends_on",
    "capacity",
    "eligibility",
    "request_days",
    "reminder_days",
    "completion_min_sessions",
    "safeguarding_lead",
)


def can_create_programme(user, cluster=None) -> bool:
    if not (user and user.is_authenticated and user.is_active):
        return False
    if is_platform_staff(user):
        return True
    # An animator creates programmes for their own cluster only.
    return is_cluster_animator(user, cluster)


def _set_fields(programme: Programme, fields: dict) -> None:
    unknown = set(fields) - set(PROGRAMME_FIELDS)
    if unknown:
        raise ValueError(f"Unknown programme fields: {sorted(unknown)}")
    for name, value in fields.items():
        setattr(programme, name, value)


def programme_create(*, by, coordinators=(), **fields) -> Programme:
    if not can_create_programme(by, fields.get("cluster")):
        raise PermissionDenied(
            _("Only the platform's team or an animator of the cluster can create a programme.")
        )
    programme = Programme()
    _set_fields(programme, fields)
    programme.full_clean()
    with transaction.atomic():
        programme.save()
        programme.coordinators.set({by, *coordinators})
    for user in (by, *coordinators):
        forget_coordination(user)
    return programme


def programme_update(*, by, programme: Programme, coordinators=None, **fields) -> Programme:
    check_coordinate(by, programme)
    if "kind" in fields and fields["kind"] != programme.kind:
        raise ValidationError({"kind": _("The kind of a programme cannot change.")})
    _set_fields(programme, fields)
    programme.full_clean()
    with transaction.atomic():
        programme.save()
        if coordinators is not None:
            if not coordinators:
                raise ValidationError(
                    {"coordinators": _("A programme needs at least one coordinator.")}
                )
            programme.coordinators.set(coordinators)
            # Minors' conversations have the programme's coordinators as members.
            conversation_sync_coordinators(programme=programme)
    if coordinators:
        for user in (by, *coordinators):
            forget_coordination(user)
    return programme


def enrolment_create(*, by, programme: Programme, mentee: MenteeProfile) -> Enrolment:
    """The mentee herself, or a coordinator of the programme, enrols her."""
    if by.pk != mentee.user_id and not is_coordinator(by, programme):
        raise PermissionDenied(_("You can only enrol yourself."))
    if programme.kind == Programme.Kind.INTERVENTIONS:
        raise ValidationError(
            _("Interventions take no mentees: schools and companies post their needs.")
        )
    if not programme.admits(mentee.age_band):
        raise ValidationError(
            _("This programme is for %(who)s.")
            % {"who": programme.get_eligibility_display().lower()}
        )
    with transaction.atomic():
        locked = Programme.objects.select_for_update().get(pk=programme.pk)
        existing = Enrolment.objects.filter(programme=locked, mentee=mentee).first()
        if existing is not None and existing.status == Enrolment.Status.ACTIVE:
            return existing
        taken = Enrolment.objects.filter(programme=locked, status=Enrolment.Status.ACTIVE).count()
        if taken >= locked.capacity:
            raise ValidationError(_("The programme is full."))
        if existing is not None:
            existing.status = Enrolment.Status.ACTIVE
            existing.completed_at = None
            existing.save(update_fields=["status", "completed_at"])
            return existing
        return Enrolment.objects.create(programme=locked, mentee=mentee)


def enrolment_leave(*, by, enrolment: Enrolment) -> Enrolment:
    if by.pk != enrolment.mentee.user_id and not is_coordinator(by, enrolment.programme):
        raise PermissionDenied(_("You can only leave a programme yourself."))
    if enrolment.status != Enrolment.Status.ACTIVE:
        raise ValidationError(_("This enrolment has already ended."))
    enrolment.status = Enrolment.Status.LEFT
    enrolment.save(update_fields=["status"])
    return enrolment


def programme_mentor_join(*, by, programme: Programme, mentor: MentorProfile) -> ProgrammeMentor:
    if by.pk != mentor.user_id and not is_coordinator(by, programme):
        raise PermissionDenied(_("Mentors join a programme themselves."))
    if programme.kind == Programme.Kind.COHORT and not is_coordinator(by, programme):
        raise PermissionDenied(_("The coordinators choose the mentors of a cohort."))
    link, _created = ProgrammeMentor.objects.get_or_create(programme=programme, mentor=mentor)
    return link


def programme_mentor_remove(*, by, link: ProgrammeMentor) -> None:
    if by.pk != link.mentor.user_id:
        check_coordinate(by, link.programme)
    link.delete()
