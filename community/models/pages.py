"""Editorial Wagtail pages: the home page and generic content pages (privacy, terms...)."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey
from wagtail.admin.panels import FieldPanel, InlinePanel
from wagtail.contrib.settings.models import BaseSiteSetting, register_setting
from wagtail.fields import RichTextField, StreamField
from wagtail.models import Orderable, Page

from community.blocks import ContentStreamBlock


class HomePage(Page):
    introduction = RichTextField(_("introduction"), blank=True, features=["bold", "italic", "link"])
    body = StreamField(ContentStreamBlock(), blank=True, verbose_name=_("body"))

    content_panels = [
        *Page.content_panels,
        FieldPanel("introduction"),
        InlinePanel("featured_spaces", label=_("Featured spaces"), max_num=6),
        FieldPanel("body"),
    ]
    max_count = 1
    # Other apps' page types named by string: community imports none of them.
    subpage_types = [
        "community.ContentPage",
        "events.EventIndexPage",
        "library.LibraryIndexPage",
    ]

    class Meta:
        verbose_name = _("home page")

    def get_context(self, request, *args, **kwargs):
        from community import selectors

        context = super().get_context(request, *args, **kwargs)
        context["featured_spaces"] = selectors.featured_spaces_for(user=request.user, home=self)
        return context


class HomeFeaturedSpace(Orderable):
    page = ParentalKey(HomePage, on_delete=models.CASCADE, related_name="featured_spaces")
    space = models.ForeignKey(
        "community.Space", on_delete=models.CASCADE, related_name="+", verbose_name=_("space")
    )

    panels = [FieldPanel("space")]


class ContentPage(Page):
    introduction = models.CharField(_("introduction"), max_length=300, blank=True)
    body = StreamField(ContentStreamBlock(), verbose_name=_("body"))

    content_panels = [*Page.content_panels, FieldPanel("introduction"), FieldPanel("body")]
    parent_page_types = ["community.HomePage", "community.ContentPage"]

    class Meta:
        verbose_name = _("content page")


@register_setting(icon="link")
class LegalPages(BaseSiteSetting):
    """The pages linked from every footer."""

    privacy_page = models.ForeignKey(
        Page,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("privacy policy page"),
    )
    terms_page = models.ForeignKey(
        Page,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("terms of use page"),
    )

    panels = [FieldPanel("privacy_page"), FieldPanel("terms_page")]

    class Meta:
        verbose_name = _("legal pages")
