"""Every write of the community app. Views, consumers, admin, commands and tests call these."""

from .accounts import user_deactivate
from .organisations import cluster_update, organisation_create, organisation_update
from .profiles import profile_create, profile_update
from .spaces import (
    invitation_accept,
    invitation_decline,
    membership_decide,
    membership_remove,
    membership_set_role,
    space_create,
    space_invite,
    space_join,
    space_leave,
    space_update,
)

__all__ = [
    "cluster_update",
    "invitation_accept",
    "invitation_decline",
    "membership_decide",
    "membership_remove",
    "membership_set_role",
    "organisation_create",
    "organisation_update",
    "profile_create",
    "profile_update",
    "space_create",
    "space_invite",
    "space_join",
    "space_leave",
    "space_update",
    "user_deactivate",
]
