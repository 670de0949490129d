"""The practice library as Wagtail pages: one index, four kinds of item.

Every item is a `LibraryItem` (a concrete page model): the facets the library filters on
(themes, sectors, country and region, type of actor, kind) live in that one table, so
browsing 5,000 items with combined facets and counts is a handful of SQL queries whatever the
kinds. Each kind adds its own fields in its own table:

- `PracticeSheetPage`: the clusters' structure for a good practice (observation, steps,
  objectives, obstacles, stakeholders, indicators, results and lessons, contacts, period);
- `InterviewPage`: a person, their organisation, questions and answers, a recording, a transcript;
- `VideoCapsulePage`: a video with its duration, and captions or a transcript (one is required);
- `ToolboxItemPage`: guides, templates and trainer kits as Wagtail documents, which may sit in a
  collection private to a space's members (`documents.py`).

Translations are Wagtail locales: an English sheet is a page of the `en` locale sharing its
original's `translation_key`, placed beside it under the one index (there is no English tree:
the language is the reader's choice, not a URL prefix). `translation_source_published_at`
records which publication of the original the translation follows, so a translation can say
that its original changed after it.
"""

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey, ParentalManyToManyField
from wagtail import blocks
from wagtail.admin.panels import FieldPanel, FieldRowPanel, InlinePanel, MultiFieldPanel
from wagtail.fields import RichTextField, StreamField
from wagtail.models import Orderable, Page
from wagtail.search import index

from community.countries import COUNTRIES

from .revisions import without_dangling_references

# Paths under the library index that the site's own views answer (see library/urls.py).
RESERVED_SLUGS = {"contribute", "contributions", "review", "feed", "documents", "search", "adopt"}

TEXT_FEATURES = ["bold", "italic", "link", "ol", "ul"]


class LibraryIndexPage(Page):
    """The one page under which every library item lives; it browses and searches them."""

    introduction = RichTextField(_("introduction"), blank=True, features=["bold", "italic", "link"])

    content_panels = [*Page.content_panels, FieldPanel("introduction")]
    parent_page_types = ["community.HomePage"]
    subpage_types = [
        "library.PracticeSheetPage",
        "library.InterviewPage",
        "library.VideoCapsulePage",
        "library.ToolboxItemPage",
    ]
    max_count = 1

    class Meta:
        verbose_name = _("library index")

    def serve(self, request, *args, **kwargs):
        from community.library.views import library_index

        return library_index(request, index_page=self)

    def serve_preview(self, request, mode_name):
        return self.serve(request)

    def permissions_for_user(self, user):
        from community.library.wagtail_permissions import LibraryIndexPermissionTester

        return LibraryIndexPermissionTester(user, self)


class LibraryItem(Page):
    """What every library item has: the facets, a summary, a cover and its spaces."""

    class Kind(models.TextChoices):
        SHEET = "sheet", _("Practice sheet")
        INTERVIEW = "interview", _("Interview")
        VIDEO = "video", _("Video capsule")
        TOOLBOX = "toolbox", _("Toolbox")

    class ActorType(models.TextChoices):
        CLUSTER = "cluster", _("Cluster")
        SME = "sme", _("SME")
        SCHOOL = "school", _("School or training body")
        PUBLIC_BODY = "public_body", _("Public body")
        ASSOCIATION = "association", _("Association")

    # Set by each concrete kind; stored so that the library filters and counts by kind in SQL.
    KIND = ""

    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, editable=False)
    summary = models.CharField(
        _("summary"), max_length=400, help_text=_("Two or three sentences shown in lists.")
    )
    cover_image = models.ForeignKey(
        "wagtailimages.Image",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("cover image"),
    )
    themes = ParentalManyToManyField("community.Theme", blank=True, verbose_name=_("themes"))
    sectors = ParentalManyToManyField("community.Sector", blank=True, verbose_name=_("sectors"))
    country = models.CharField(_("country"), max_length=2, choices=COUNTRIES, blank=True)
    region = models.CharField(_("region"), max_length=100, blank=True)
    actor_type = models.CharField(
        _("type of actor"), max_length=20, choices=ActorType.choices, blank=True
    )
    spaces = ParentalManyToManyField(
        "community.Space",
        blank=True,
        related_name="library_items",
        verbose_name=_("spaces"),
        help_text=_("The thematic spaces this item belongs to; their pages show it."),
    )
    featured = models.BooleanField(
        _("featured"), default=False, help_text=_("Shown first on the home and space pages.")
    )
    translation_source_published_at = models.DateTimeField(
        _("original's publication translated"), null=True, blank=True, editable=False
    )

    search_fields = [
        *Page.search_fields,
        index.SearchField("summary"),
        index.FilterField("kind"),
        index.FilterField("country"),
        index.FilterField("actor_type"),
    ]

    facet_panels = [
        FieldPanel("summary"),
        FieldPanel("cover_image"),
        MultiFieldPanel(
            [
                FieldPanel("themes"),
                FieldPanel("sectors"),
                FieldRowPanel([FieldPanel("country"), FieldPanel("region")]),
                FieldPanel("actor_type"),
                FieldPanel("spaces"),
                FieldPanel("featured"),
            ],
            heading=_("Where it belongs"),
        ),
    ]

    parent_page_types = ["library.LibraryIndexPage"]
    subpage_types: list[str] = []
    is_creatable = False

    class Meta:
        verbose_name = _("library item")
        indexes = [models.Index(fields=["kind", "country"], name="library_item_kind_country")]

    def save(self, *args, **kwargs):
        if self.KIND:
            self.kind = self.KIND
        return super().save(*args, **kwargs)

    def clean(self):
        super().clean()
        # The library's own views answer these paths: an item there could never be reached.
        if (self.slug or "").lower() in RESERVED_SLUGS:
            raise ValidationError(
                {
                    "slug": ValidationError(
                        _("The address “%(slug)s” is used by the library: choose another."),
                        code="reserved_slug",
                        params={"slug": self.slug},
                    )
                }
            )

    def full_clean(self, *args, **kwargs):
        # `kind` is derived from the class, never typed: fill it before validation.
        if self.KIND:
            self.kind = self.KIND
        return super().full_clean(*args, **kwargs)

    @cached_property
    def original(self):
        """The page this one translates, or None for an original."""
        if not self.translation_source_published_at:
            return None
        return (
            LibraryItem.objects.filter(translation_key=self.translation_key)
            .exclude(pk=self.pk)
            .filter(translation_source_published_at__isnull=True)
            .first()
        )

    def original_changed_since_translation(self) -> bool:
        original = self.original
        return bool(
            original
            and original.last_published_at
            and original.last_published_at > self.translation_source_published_at
        )

    def get_template(self, request, *args, **kwargs):
        return f"library/{self.KIND}_page.html"

    def serve(self, request, *args, **kwargs):
        from community.library.views import library_item

        return library_item(request, page=self)

    def serve_preview(self, request, mode_name):
        from community.library.views import library_item

        return library_item(request, page=self, preview=True)

    def permissions_for_user(self, user):
        from community.library.wagtail_permissions import LibraryItemPermissionTester

        return LibraryItemPermissionTester(user, self)

    @classmethod
    def from_serializable_data(cls, data, check_fks=True, strict_fks=False):
        # A draft is rebuilt from its revision with its references checked in one query per
        # referenced model, not one per row (see revisions.py).
        if check_fks:
            data = without_dangling_references(cls, data)
        return super().from_serializable_data(data, check_fks=False, strict_fks=strict_fks)


class PracticeSheetPage(LibraryItem):
    """A good practice in the clusters' structure (see the seed documents' sheets)."""

    KIND = LibraryItem.Kind.SHEET

    observation = RichTextField(
        _("observation"),
        features=TEXT_FEATURES,
        help_text=_("The problem seen: what was not working, for whom, and how it showed."),
    )
    objectives = RichTextField(_("objectives"), features=TEXT_FEATURES, blank=True)
    results = RichTextField(_("results"), features=TEXT_FEATURES, blank=True)
    lessons = RichTextField(
        _("lessons"),
        features=TEXT_FEATURES,
        blank=True,
        help_text=_("What others should know before starting, including what did not work."),
    )
    did_not_work = RichTextField(_("what did not work"), features=TEXT_FEATURES, blank=True)
    start_year = models.PositiveSmallIntegerField(_("start year"), null=True, blank=True)
    end_year = models.PositiveSmallIntegerField(
        _("end year"), null=True, blank=True, help_text=_("Leave empty if it is still running.")
    )

    content_panels = [
        *Page.content_panels,
        *LibraryItem.facet_panels,
        FieldPanel("observation"),
        InlinePanel("steps", label=_("What was done, step by step"), min_num=1),
        FieldPanel("objectives"),
        InlinePanel("obstacles", label=_("Obstacles and how they were handled")),
        InlinePanel("stakeholders", label=_("Stakeholders")),
        InlinePanel("indicators", label=_("Indicators")),
        FieldPanel("results"),
        FieldPanel("lessons"),
        FieldPanel("did_not_work"),
        InlinePanel("contacts", label=_("Contacts")),
        FieldRowPanel([FieldPanel("start_year"), FieldPanel("end_year")], heading=_("Period")),
        InlinePanel("documents", label=_("Documents")),
        InlinePanel("videos", label=_("Videos")),
    ]
    search_fields = [
        *LibraryItem.search_fields,
        index.SearchField("observation"),
        index.SearchField("objectives"),
        index.SearchField("results"),
        index.SearchField("lessons"),
        index.RelatedFields(
            "steps", [index.SearchField("title"), index.SearchField("description")]
        ),
    ]

    class Meta:
        verbose_name = _("practice sheet")
        verbose_name_plural = _("practice sheets")

    def clean(self):
        super().clean()
        if self.start_year and self.end_year and self.end_year < self.start_year:
            raise ValidationError(
                {"end_year": _("The end year cannot come before the start year.")},
                code="period",
            )

    @property
    def period_label(self) -> str:
        if not self.start_year:
            return ""
        if not self.end_year:
            return _("since %(year)s") % {"year": self.start_year}
        if self.end_year == self.start_year:
            return str(self.start_year)
        return f"{self.start_year}–{self.end_year}"


class PracticeStep(Orderable):
    page = ParentalKey(PracticeSheetPage, on_delete=models.CASCADE, related_name="steps")
    title = models.CharField(_("step"), max_length=200)
    description = models.TextField(_("what was done"), max_length=3000, blank=True)

    panels = [FieldPanel("title"), FieldPanel("description")]


class PracticeObstacle(Orderable):
    page = ParentalKey(PracticeSheetPage, on_delete=models.CASCADE, related_name="obstacles")
    obstacle = models.CharField(_("obstacle"), max_length=300)
    response = models.TextField(_("how it was handled"), max_length=2000, blank=True)

    panels = [FieldPanel("obstacle"), FieldPanel("response")]


class PracticeStakeholder(Orderable):
    page = ParentalKey(PracticeSheetPage, on_delete=models.CASCADE, related_name="stakeholders")
    organisation = models.ForeignKey(
        "community.Organisation",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("organisation on the platform"),
    )
    name = models.CharField(
        _("name"),
        max_length=150,
        blank=True,
        help_text=_("For a stakeholder that is not on the platform."),
    )
    role = models.CharField(_("role in the practice"), max_length=200, blank=True)

    panels = [FieldPanel("organisation"), FieldPanel("name"), FieldPanel("role")]

    def clean(self):
        if not self.organisation_id and not self.name.strip():
            raise ValidationError(
                _("Choose an organisation or type the stakeholder's name."), code="stakeholder"
            )

    @property
    def display_name(self) -> str:
        return self.organisation.name if self.organisation_id else self.name


class PracticeIndicator(Orderable):
    """A named figure: 120 people sensitised, 3 agreements signed..."""

    class Code(models.TextChoices):
        PEOPLE_SENSITISED = "people_sensitised", _("People sensitised")
        COMPANIES = "companies", _("Companies involved")
        WOMEN_RECRUITED = "women_recruited", _("Women recruited or trained")
        AGREEMENTS = "agreements", _("Agreements signed")
        TRAININGS = "trainings", _("Trainings held")
        OTHER = "other", _("Other")

    page = ParentalKey(PracticeSheetPage, on_delete=models.CASCADE, related_name="indicators")
    code = models.CharField(
        _("counts as"),
        max_length=20,
        choices=Code.choices,
        default=Code.OTHER,
        help_text=_("Lets the platform's indicators add this figure up across practices."),
    )
    label = models.CharField(_("indicator"), max_length=150)
    value = models.DecimalField(_("value"), max_digits=12, decimal_places=2)
    unit = models.CharField(_("unit"), max_length=30, blank=True)

    panels = [FieldPanel("code"), FieldPanel("label"), FieldPanel("value"), FieldPanel("unit")]

    @property
    def value_display(self):
        # `normalize()` alone would write 120 as 1.2E+2.
        if self.value == self.value.to_integral_value():
            return self.value.quantize(Decimal(1))
        return self.value.normalize()


class PracticeContact(Orderable):
    """A member to contact about the practice: their profile, never a raw e-mail address."""

    page = ParentalKey(PracticeSheetPage, on_delete=models.CASCADE, related_name="contacts")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("member"),
    )
    role = models.CharField(_("role"), max_length=150, blank=True)

    panels = [FieldPanel("user"), FieldPanel("role")]


class PracticeDocument(Orderable):
    page = ParentalKey(PracticeSheetPage, on_delete=models.CASCADE, related_name="documents")
    document = models.ForeignKey(
        settings.WAGTAILDOCS_DOCUMENT_MODEL,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("document"),
    )

    panels = [FieldPanel("document")]


class PracticeVideo(Orderable):
    page = ParentalKey(PracticeSheetPage, on_delete=models.CASCADE, related_name="videos")
    title = models.CharField(_("title"), max_length=200)
    url = models.URLField(
        _("video address"), help_text=_("YouTube, Vimeo, Dailymotion or PeerTube.")
    )

    panels = [FieldPanel("title"), FieldPanel("url")]

    def clean(self):
        from community.library.embeds import validate_video_url

        validate_video_url(self.url)


class QuestionAnswerBlock(blocks.StructBlock):
    question = blocks.CharBlock(label=_("Question"), max_length=300)
    answer = blocks.RichTextBlock(label=_("Answer"), features=TEXT_FEATURES)

    class Meta:
        icon = "help"
        label = _("Question and answer")


class InterviewPage(LibraryItem):
    KIND = LibraryItem.Kind.INTERVIEW

    person_name = models.CharField(_("person interviewed"), max_length=150)
    person_role = models.CharField(_("their role"), max_length=150, blank=True)
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("member profile"),
        help_text=_("When the person is a member, their name links to their profile."),
    )
    organisation = models.ForeignKey(
        "community.Organisation",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("organisation on the platform"),
    )
    organisation_name = models.CharField(_("organisation"), max_length=150, blank=True)
    interview_date = models.DateField(_("date of the interview"), null=True, blank=True)
    questions = StreamField(
        [("qa", QuestionAnswerBlock())], verbose_name=_("questions and answers")
    )
    media_url = models.URLField(
        _("audio or video address"),
        blank=True,
        help_text=_("YouTube, Vimeo, Dailymotion or PeerTube."),
    )
    media_document = models.ForeignKey(
        settings.WAGTAILDOCS_DOCUMENT_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("audio file"),
    )
    transcript = RichTextField(_("transcript"), features=TEXT_FEATURES, blank=True)

    content_panels = [
        *Page.content_panels,
        *LibraryItem.facet_panels,
        MultiFieldPanel(
            [
                FieldPanel("person_name"),
                FieldPanel("person_role"),
                FieldPanel("person"),
                FieldPanel("organisation"),
                FieldPanel("organisation_name"),
                FieldPanel("interview_date"),
            ],
            heading=_("Who"),
        ),
        FieldPanel("questions"),
        FieldPanel("media_url"),
        FieldPanel("media_document"),
        FieldPanel("transcript"),
    ]
    search_fields = [
        *LibraryItem.search_fields,
        index.SearchField("person_name"),
        index.SearchField("organisation_name"),
        index.SearchField("questions"),
        index.SearchField("transcript"),
    ]

    class Meta:
        verbose_name = _("interview")
        verbose_name_plural = _("interviews")

    def clean(self):
        super().clean()
        if self.media_url:
            from community.library.embeds import validate_video_url

            try:
                validate_video_url(self.media_url)
            except ValidationError as error:
                raise ValidationError({"media_url": error.messages}) from error

    @property
    def organisation_display(self) -> str:
        return self.organisation.name if self.organisation_id else self.organisation_name


class VideoCapsulePage(LibraryItem):
    KIND = LibraryItem.Kind.VIDEO

    video_url = models.URLField(
        _("video address"), blank=True, help_text=_("YouTube, Vimeo, Dailymotion or PeerTube.")
    )
    video_document = models.ForeignKey(
        settings.WAGTAILDOCS_DOCUMENT_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("video file"),
        help_text=_("An MP4 or WebM file, instead of an address."),
    )
    duration = models.DurationField(_("duration"), help_text=_("For example 00:04:30."))
    captions = models.ForeignKey(
        settings.WAGTAILDOCS_DOCUMENT_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("captions (WebVTT)"),
    )
    transcript = RichTextField(_("transcript"), features=TEXT_FEATURES, blank=True)

    content_panels = [
        *Page.content_panels,
        *LibraryItem.facet_panels,
        FieldPanel("video_url"),
        FieldPanel("video_document"),
        FieldPanel("duration"),
        FieldPanel("captions"),
        FieldPanel("transcript"),
    ]
    search_fields = [*LibraryItem.search_fields, index.SearchField("transcript")]

    class Meta:
        verbose_name = _("video capsule")
        verbose_name_plural = _("video capsules")

    def clean(self):
        super().clean()
        errors = {}
        if not self.video_url and not self.video_document_id:
            errors["video_url"] = _("Give the video's address or upload its file.")
        elif self.video_url:
            from community.library.embeds import validate_video_url

            try:
                validate_video_url(self.video_url)
            except ValidationError as error:
                errors["video_url"] = error.messages
        if not self.captions_id and not _has_text(self.transcript):
            errors["transcript"] = _(
                "A video needs captions or a transcript, for those who cannot hear it."
            )
        if errors:
            raise ValidationError(errors)

    @property
    def duration_label(self) -> str:
        seconds = int(self.duration.total_seconds()) if self.duration else 0
        minutes, seconds = divmod(seconds, 60)
        if not minutes:
            return _("%(s)s s") % {"s": seconds}
        return _("%(m)s min %(s)02d s") % {"m": minutes, "s": seconds}


class ToolboxItemPage(LibraryItem):
    KIND = LibraryItem.Kind.TOOLBOX

    class ToolKind(models.TextChoices):
        GUIDE = "guide", _("Guide")
        TEMPLATE = "template", _("Template")
        TRAINER_KIT = "trainer_kit", _("Trainer kit")
        CHECKLIST = "checklist", _("Checklist")
        OTHER = "other", _("Other tool")

    tool_kind = models.CharField(_("kind of tool"), max_length=20, choices=ToolKind.choices)
    description = RichTextField(_("description"), features=TEXT_FEATURES, blank=True)
    audience = models.CharField(_("for whom"), max_length=200, blank=True)

    content_panels = [
        *Page.content_panels,
        *LibraryItem.facet_panels,
        FieldPanel("tool_kind"),
        FieldPanel("audience"),
        FieldPanel("description"),
        InlinePanel("tool_documents", label=_("Documents"), min_num=1),
    ]
    search_fields = [*LibraryItem.search_fields, index.SearchField("description")]

    class Meta:
        verbose_name = _("toolbox item")
        verbose_name_plural = _("toolbox items")


class ToolboxDocument(Orderable):
    page = ParentalKey(ToolboxItemPage, on_delete=models.CASCADE, related_name="tool_documents")
    document = models.ForeignKey(
        settings.WAGTAILDOCS_DOCUMENT_MODEL,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("document"),
    )
    note = models.CharField(_("note"), max_length=200, blank=True)

    panels = [FieldPanel("document"), FieldPanel("note")]


def _has_text(html: str) -> bool:
    from django.utils.html import strip_tags

    return bool(strip_tags(html or "").strip())
