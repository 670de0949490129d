from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CommunityConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "community"
    verbose_name = _("Community")

    def ready(self):
        # Closes the open sockets of a session when it logs out (documented in docs/realtime.md).
        from community import signals, streams  # noqa: F401

        streams.register()
