from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ForumConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "forum"
    verbose_name = _("Forum")

    def ready(self):
        from community.library.citations import register_citation_source
        from community.notifications import register_verbs

        from . import notifications, selectors, streams

        register_verbs(notifications.VERBS)
        streams.register()
        # The topics that link to a library item are listed on its page.
        register_citation_source("forum", selectors.library_citations)
