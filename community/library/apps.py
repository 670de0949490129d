from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LibraryConfig(AppConfig):
    """The practice library: sheets, interviews, video capsules and the toolbox (Wagtail)."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "community.library"
    label = "library"
    verbose_name = _("Practice library")

    def ready(self):
        from community.library import signals  # noqa: F401 - workflow and publish receivers
