"""StreamField blocks for editorial pages."""

from django.utils.translation import gettext_lazy as _
from wagtail import blocks
from wagtail.images.blocks import ImageBlock


class CalloutBlock(blocks.StructBlock):
    title = blocks.CharBlock(label=_("title"), max_length=120)
    text = blocks.RichTextBlock(label=_("text"), features=["bold", "italic", "link"])

    class Meta:
        icon = "help"
        template = "blocks/callout.html"
        label = _("Callout")


class QuoteBlock(blocks.StructBlock):
    quote = blocks.TextBlock(label=_("quote"))
    attribution = blocks.CharBlock(label=_("attribution"), required=False, max_length=150)

    class Meta:
        icon = "openquote"
        template = "blocks/quote.html"
        label = _("Quote")


class ContentStreamBlock(blocks.StreamBlock):
    heading = blocks.CharBlock(
        label=_("Heading"), form_classname="title", template="blocks/heading.html"
    )
    paragraph = blocks.RichTextBlock(
        label=_("Paragraph"), features=["h3", "bold", "italic", "link", "ol", "ul"]
    )
    image = ImageBlock(label=_("Image"))
    quote = QuoteBlock()
    callout = CalloutBlock()
