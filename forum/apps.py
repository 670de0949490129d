from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ForumConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "forum"
    verbose_name = _("Forum")

    def ready(self):
        from community.notifications import register_verbs

        from . import notifications, streams

        register_verbs(notifications.VERBS)
        streams.register()
