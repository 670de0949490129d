from django.db import transaction
from django.utils.translation import gettext as _

from community.models import Cluster, Organisation, Profile
from community.permissions import check_edit_cluster, check_edit_organisation, check_signed_in

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


def organisation_create(*, by, join: bool = True, **fields) -> Organisation:
    """Any member may add their organisation; with `join`, it becomes their profile's."""
    check_signed_in(by)
    with transaction.atomic():
        organisation = Organisation()
        apply_fields(organisation, fields, ORGANISATION_FIELDS)
        validate(organisation)
        organisation.save()
        if join:
            Profile.objects.filter(user=by).update(organisation=organisation)
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


def cluster_update(*, by, cluster: Cluster, **fields) -> Cluster:
    check_edit_cluster(by, cluster)
    with transaction.atomic():
        cluster = Cluster.objects.select_for_update().get(pk=cluster.pk)
        many = apply_fields(cluster, fields, CLUSTER_FIELDS)
        validate(cluster)
        cluster.save()
        set_many(cluster, fields, many)
    return cluster
