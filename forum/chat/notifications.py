"""The chat's notification verbs (registered with `community.notifications` at start-up)."""

from django.utils.translation import gettext_lazy as _

VERBS = {
    "chat.mention": _("%(actor)s mentioned you in %(target)s."),
    "chat.reported": _("A message was reported in %(target)s."),
}
