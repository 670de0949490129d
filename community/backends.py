"""An authentication backend that only answers permission questions.

Cluster animators and space animators may open the Wagtail admin (/cms/) without being put in
a group by hand: their right follows from their role, and ends with it.
"""

from django.contrib.auth.backends import BaseBackend

ADMIN_ACCESS = "wagtailadmin.access_admin"


def is_animator(user) -> bool:
    from community.models import Membership

    if not (user and user.is_active and user.is_authenticated):
        return False
    cache_name = "_is_animator_cache"
    if not hasattr(user, cache_name):
        setattr(
            user,
            cache_name,
            user.animated_clusters.exists()
            or Membership.objects.filter(
                user=user, role=Membership.Role.ANIMATOR, state=Membership.State.ACTIVE
            ).exists(),
        )
    return getattr(user, cache_name)


class AnimatorBackend(BaseBackend):
    def authenticate(self, request, **credentials):
        return None

    def has_perm(self, user_obj, perm, obj=None):
        return perm == ADMIN_ACCESS and is_animator(user_obj)
