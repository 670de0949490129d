from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ChatConfig(AppConfig):
    """Live chat: space rooms, direct conversations and small groups (docs/chat.md)."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "forum.chat"
    label = "chat"
    verbose_name = _("Chat")

    def ready(self):
        from community.notifications import register_verbs

        from . import notifications, protocol, signals, streams  # noqa: F401

        register_verbs(notifications.VERBS)
        streams.register()
        protocol.register()
