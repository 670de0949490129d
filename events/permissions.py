"""Who may see, join and run an event.

`can_*` return a bool for templates; `check_*` raise PermissionDenied with a translated reason.
`access_*` in `selectors.py` fetch and authorise in one step (404 for what one may not see).
Services call these checks themselves, so the site, the Wagtail admin and commands agree.
"""

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from community.permissions import (
    can_edit_space,
    can_view_space,
    is_cluster_animator,
    is_platform_staff,
)
from events.models import EventPage, Registration


def _signed_in(user) -> bool:
    return bool(user and user.is_authenticated and user.is_active)


def can_view_event(user, event: EventPage) -> bool:
    """A live event is public, unless its space is not visible to the user."""
    if not event.live and not can_manage_event(user, event):
        return False
    return (
        event.space_id is None or can_view_space(user, event.space) or can_manage_event(user, event)
    )


def can_manage_event(user, event: EventPage) -> bool:
    """Run the event: its organisers, the animators of its space and cluster, staff."""
    if not _signed_in(user):
        return False
    if is_platform_staff(user):
        return True
    cache = user.__dict__.setdefault("_event_managers", {})
    if event.pk not in cache:
        cache[event.pk] = (
            (event.space_id is not None and can_edit_space(user, event.space))
            or (event.cluster_id is not None and is_cluster_animator(user, event.cluster))
            # The saved relation, never the page's in-memory one: the Wagtail editor builds the
            # page from its latest draft, whose organisers are a plain list.
            or (event.pk is not None and user.organised_events.filter(pk=event.pk).exists())
        )
    return cache[event.pk]


def may_organise_in(user, *, space, cluster) -> bool:
    """Whether the user may place an event in this space and cluster (one of them at least)."""
    if is_platform_staff(user):
        return True
    if space is None and cluster is None:
        return False
    if space is not None and not can_edit_space(user, space):
        return False
    # The cluster of the chosen space comes with it; another cluster needs its own right.
    return (
        cluster is None
        or is_cluster_animator(user, cluster)
        or (space is not None and space.cluster_id == cluster.pk)
    )


def can_create_events(user) -> bool:
    """Open the event form at all: staff, cluster animators and space animators."""
    from community.backends import is_animator

    return is_platform_staff(user) or is_animator(user)


def can_open_organiser_tools(user) -> bool:
    """The "Events I organise" page: those who can create events, and listed organisers."""
    if not _signed_in(user):
        return False
    return can_create_events(user) or user.organised_events.exists()


def can_view_registration(user, registration: Registration) -> bool:
    """A ticket: its holder while they can still see the event, and the event's organisers.

    Someone removed from the private space of an event loses its ticket (and its online link)
    with the event itself.
    """
    if not _signed_in(user):
        return False
    if can_manage_event(user, registration.event):
        return True
    return registration.user_id == user.pk and can_view_event(user, registration.event)


def can_see_online_link(user, event: EventPage, registration: Registration | None) -> bool:
    if can_manage_event(user, event):
        return True
    return bool(
        registration is not None
        and registration.user_id == getattr(user, "pk", None)
        and registration.status == Registration.Status.CONFIRMED
        and can_view_event(user, event)
    )


def check_view_event(user, event: EventPage) -> None:
    if not can_view_event(user, event):
        raise PermissionDenied(_("You cannot see this event."))


def check_manage_event(user, event: EventPage) -> None:
    if not can_manage_event(user, event):
        raise PermissionDenied(_("Only the event's organisers can do this."))


def check_signed_in(user) -> None:
    if not _signed_in(user):
        raise PermissionDenied(_("Sign in to register."))
