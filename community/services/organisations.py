from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext as _

from community import realtime
from community.models import Cluster, Organisation, Profile
from community.permissions import (
    check_edit_cluster,
    check_edit_organisation,
    check_signed_in,
    is_platform_staff,
)

from ._common import apply_fields, refuse, set_many, validate

ORGANISATION_FIELDS = (
    "name",
    "slug",
    "kind",
    "size_band",
    "sector",
    "country",
    "region",
    "website",
    "description",
    "equality_referent",
)
CLUSTER_FIELDS = (
    "name",
    "slug",
    "country",
    "region",
    "description",
    "logo",
    "website",
    "organisations",
    "animators",
)


def _check_referent(organisation: Organisation) -> None:
    referent = organisation.equality_referent
    if referent is None:
        return
    if not Profile.objects.filter(user=referent, organisation=organisation).exists():
        refuse(
            _("The equality referent must be a member of the organisation."),
            "referent_not_member",
            "equality_referent",
        )


def leave_referent_role(*, user_id: int, organisation_id: int | None) -> None:
    """A member who leaves an organisation is no longer its equality referent."""
    if organisation_id:
        Organisation.objects.filter(pk=organisation_id, equality_referent_id=user_id).update(
            equality_referent=None
        )


def organisation_create(*, by, join: bool = True, **fields) -> Organisation:
    """Any member may add their organisation; with `join`, it becomes their profile's."""
    check_signed_in(by)
    with transaction.atomic():
        organisation = Organisation(created_by=by)
        apply_fields(organisation, fields, ORGANISATION_FIELDS)
        validate(organisation)
        organisation.save()
        if join:
            profile = Profile.objects.select_for_update().filter(user=by).first()
            if profile is not None:
                previous = profile.organisation_id
                profile.organisation = organisation
                profile.save(update_fields=["organisation", "updated_at"])
                leave_referent_role(user_id=by.pk, organisation_id=previous)
        _check_referent(organisation)
    return organisation


def organisation_update(*, by, organisation: Organisation, **fields) -> Organisation:
    check_edit_organisation(by, organisation)
    with transaction.atomic():
        organisation = Organisation.objects.select_for_update().get(pk=organisation.pk)
        apply_fields(organisation, fields, ORGANISATION_FIELDS)
        validate(organisation)
        _check_referent(organisation)
        organisation.save()
    return organisation


# Who belongs to a cluster decides who may edit organisations and spaces: staff only.
CLUSTER_STAFF_FIELDS = ("organisations", "animators")


def cluster_update(*, by, cluster: Cluster, **fields) -> Cluster:
    check_edit_cluster(by, cluster)
    with transaction.atomic():
        cluster = Cluster.objects.select_for_update().get(pk=cluster.pk)
        current = {
            "organisations": set(cluster.organisations.values_list("pk", flat=True)),
            "animators": set(cluster.animators.values_list("pk", flat=True)),
        }
        changed = {
            name
            for name in CLUSTER_STAFF_FIELDS
            if name in fields and {item.pk for item in fields[name]} != current[name]
        }
        if changed and not is_platform_staff(by):
            raise PermissionDenied(
                _("Only platform staff can change a cluster's organisations or animators.")
            )
        many = apply_fields(cluster, fields, CLUSTER_FIELDS)
        validate(cluster)
        cluster.save()
        set_many(cluster, fields, many)
        if "animators" in changed:
            kept = {user.pk for user in fields["animators"]}
            for user_id in current["animators"] - kept:
                realtime.publish_access_changed(user_id=user_id)
    return cluster
