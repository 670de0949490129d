from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext as _

from community.models import Profile
from community.models.users import unique_handle

from ._common import apply_fields, set_many, validate
from .organisations import leave_referent_role

PROFILE_FIELDS = (
    "display_name",
    "photo",
    "bio",
    "languages",
    "country",
    "region",
    "sectors",
    "themes",
    "roles",
    "organisation",
    "profile_visibility",
    *(f"{name}_visibility" for name in Profile.VISIBILITY_FIELDS),
)


def profile_create(*, user, display_name: str) -> Profile:
    """The profile of an account, named at sign-up (renamed if it already has one)."""
    profile = Profile.objects.filter(user=user).first() or Profile(user=user)
    profile.display_name = display_name.strip()
    if not profile.handle:
        profile.handle = unique_handle(profile.display_name)
    validate(profile)
    profile.save()
    return profile


def profile_update(*, by, profile: Profile, **fields) -> Profile:
    """A member edits their own profile; nobody edits another's."""
    if by.pk != profile.user_id:
        raise PermissionDenied(_("You can only edit your own profile."))
    with transaction.atomic():
        profile = Profile.objects.select_for_update().get(pk=profile.pk)
        previous_organisation_id = profile.organisation_id
        many = apply_fields(profile, fields, PROFILE_FIELDS)
        if "display_name" in fields:
            profile.display_name = profile.display_name.strip()
        validate(profile)
        profile.save()
        set_many(profile, fields, many)
        if previous_organisation_id != profile.organisation_id:
            leave_referent_role(user_id=profile.user_id, organisation_id=previous_organisation_id)
    return profile
