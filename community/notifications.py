"""The one notification service every app calls, and how a notification reads.

A notification row (django-notifications-community's model) stores a verb code and, in
`data`, the names and link it needs, so the centre renders without looking up generic
relations and says it in the reader's language. After commit, each recipient's sockets get
the new notification and the new unread count on the `notifications` stream.
"""

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils.translation import gettext_lazy as _
from notifications.models import Notification

from community import realtime

# Verb code -> sentence; the placeholders come from the notification's data.
VERBS = {
    "membership.requested": _("%(actor)s asked to join %(target)s."),
    "membership.approved": _("%(actor)s accepted your request to join %(target)s."),
    "membership.declined": _("Your request to join %(target)s was declined."),
    "membership.removed": _("You are no longer a member of %(target)s."),
    "membership.joined": _("%(actor)s joined %(target)s."),
    "invitation.received": _("%(actor)s invited you to join %(target)s."),
    "invitation.accepted": _("%(actor)s accepted your invitation to %(target)s."),
}

NOTIFICATIONS_STREAM = "notifications"


def register_verbs(verbs: dict) -> None:
    """Other apps add their verb codes (in their AppConfig.ready)."""
    VERBS.update(verbs)


def notifications_group(user_id: int) -> str:
    return f"notifications.{user_id}"


def render(notification: Notification) -> str:
    data = notification.data or {}
    template = VERBS.get(notification.verb)
    if template is None:
        return notification.description or notification.verb
    return str(template) % {"actor": data.get("actor", ""), "target": data.get("target", "")}


def serialise(notification: Notification) -> dict:
    return {
        "id": notification.pk,
        "verb": notification.verb,
        "text": render(notification),
        "url": (notification.data or {}).get("url", ""),
        "timestamp": notification.timestamp.isoformat(),
        "unread": notification.unread,
    }


def unread_count(user) -> int:
    return Notification.objects.filter(recipient=user, unread=True).count()


def _publish_unread(user, *, event: str, notification: dict | None = None) -> None:
    """After commit, tell the user's sockets their unread count (and the new notification).

    The count is read once the transaction has committed: it is then exact, and it is not read
    while the caller holds its locks (a registration holds the event's row).
    """

    def publish():
        data = {"unread": unread_count(user)}
        if notification is not None:
            data["notification"] = notification
        realtime.send_now(
            notifications_group(user.pk),
            {"type": "stream.event", "stream": NOTIFICATIONS_STREAM, "event": event, "data": data},
        )

    transaction.on_commit(publish, robust=True)


def notification_send(
    *, recipients, actor, verb: str, target=None, url: str = "", exclude=None, actor_label=None
) -> list:
    """Notify each recipient (never the actor) that `actor` did `verb` on `target`.

    The actor may be a person or a thing (a space). When a person acts under a pseudonym, pass
    the space or topic as `actor`, the pseudonym as `actor_label` and the person as `exclude`:
    the row then holds nothing that names them.
    """
    if verb not in VERBS:
        raise ValueError(f"Unknown notification verb: {verb}")
    data = {
        "actor": actor_label if actor_label is not None else str(actor),
        "target": str(target) if target is not None else "",
        "url": url,
    }
    # Never notify people of their own action.
    actor_user_id = actor.pk if isinstance(actor, get_user_model()) else None
    if exclude is not None:
        actor_user_id = exclude.pk
    unique = {
        r.pk: r for r in recipients if r is not None and r.pk != actor_user_id and r.is_active
    }
    created = []
    # No savepoint of its own: a failure here fails the caller's whole transaction anyway.
    with transaction.atomic(savepoint=False):
        for recipient in unique.values():
            notification = Notification.objects.create(
                recipient=recipient,
                actor=actor,
                verb=verb,
                target=target,
                data=data,
            )
            created.append(notification)
            _publish_unread(
                recipient, event="notification.created", notification=serialise(notification)
            )
    return created


def notification_mark_read(*, user, notification_id: int) -> Notification:
    """Mark one of the user's own notifications read; another user's id is simply not found."""
    with transaction.atomic():
        notification = Notification.objects.get(pk=notification_id, recipient=user)
        if notification.unread:
            notification.unread = False
            notification.save(update_fields=["unread"])
        _publish_unread(user, event="notification.read")
    return notification


def notification_mark_all_read(*, user) -> int:
    with transaction.atomic():
        count = Notification.objects.filter(recipient=user, unread=True).update(unread=False)
        _publish_unread(user, event="notification.read")
    return count


def notifications_for(user):
    return Notification.objects.filter(recipient=user).order_by("-timestamp", "-pk")
