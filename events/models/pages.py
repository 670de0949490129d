"""Event pages (Wagtail): the events index, an event with its programme, questions and speakers.

What an event *is* lives in the page and its revisions. What happens *to* it (registrations,
check-in, the closing report) lives in plain models beside it (`registrations.py`), because
publishing a revision rewrites every page field: a seat counter kept on the page would be
overwritten by the next publish.
"""

from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey, ParentalManyToManyField
from modelcluster.models import ClusterableModel
from wagtail.admin.panels import FieldPanel, FieldRowPanel, InlinePanel, MultiFieldPanel
from wagtail.fields import RichTextField
from wagtail.models import Orderable, Page
from wagtail.search import index

from community.countries import COUNTRIES
from events.page_forms import EventPageForm
from events.timezones import DEFAULT_TIME_ZONE, time_zone_choices, utc_to_local

# Paths under the events index that the site's own views answer (see events/urls.py).
RESERVED_SLUGS = {"mine", "calendar", "manage", "registrations"}


class EventIndexPage(Page):
    """The one page under which every event lives; it lists upcoming and past events."""

    introduction = RichTextField(_("introduction"), blank=True, features=["bold", "italic", "link"])

    content_panels = [*Page.content_panels, FieldPanel("introduction")]
    parent_page_types = ["community.HomePage"]
    subpage_types = ["events.EventPage"]
    max_count = 1

    class Meta:
        verbose_name = _("events index")

    def serve(self, request, *args, **kwargs):
        from events.views import event_index

        return event_index(request, index_page=self)

    def serve_preview(self, request, mode_name):
        # Wagtail previews render `template` with the bare page context; ours go through the
        # same view as the live page.
        return self.serve(request)

    def permissions_for_user(self, user):
        from events.wagtail_permissions import EventIndexPermissionTester

        return EventIndexPermissionTester(user, self)


class Speaker(models.Model):
    """Someone who speaks or leads a table; linked to a member profile where there is one."""

    name = models.CharField(_("name"), max_length=120)
    job_title = models.CharField(_("job title"), max_length=150, blank=True)
    organisation_name = models.CharField(_("organisation"), max_length=150, blank=True)
    profile = models.ForeignKey(
        "community.Profile",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("member profile"),
        help_text=_("When the speaker is a member of the platform, their name links to it."),
    )
    bio = models.TextField(_("short biography"), max_length=1000, blank=True)

    panels = [
        FieldPanel("name"),
        FieldPanel("job_title"),
        FieldPanel("organisation_name"),
        FieldPanel("profile"),
        FieldPanel("bio"),
    ]

    class Meta:
        verbose_name = _("speaker")
        verbose_name_plural = _("speakers")
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.organisation_name})" if self.organisation_name else self.name


class EventPage(Page):
    class Type(models.TextChoices):
        WORKSHOP = "workshop", _("Workshop")
        WEBINAR = "webinar", _("Webinar")
        SEMINAR = "seminar", _("Capitalisation seminar")
        PILOT_TRAINING = "pilot_training", _("Pilot training")
        INFORMATION = "information", _("Information session")
        JOB_DATING = "job_dating", _("Job dating")
        SCHOOL = "school", _("School intervention")
        COMPANY_VISIT = "company_visit", _("Company visit")

    class Format(models.TextChoices):
        IN_PERSON = "in_person", _("In person")
        ONLINE = "online", _("Online")
        HYBRID = "hybrid", _("In person and online")

    class Approval(models.TextChoices):
        AUTOMATIC = "automatic", _("Automatic: seats are confirmed at once")
        APPROVED = "approved", _("Approved: an organiser accepts each registration")

    event_type = models.CharField(_("type"), max_length=20, choices=Type.choices)
    summary = models.CharField(_("summary"), max_length=300)
    description = RichTextField(
        _("description"), blank=True, features=["h3", "bold", "italic", "link", "ol", "ul"]
    )
    start = models.DateTimeField(_("start"))
    end = models.DateTimeField(_("end"))
    time_zone = models.CharField(
        _("time zone"), max_length=64, choices=time_zone_choices, default=DEFAULT_TIME_ZONE
    )
    format = models.CharField(
        _("format"), max_length=10, choices=Format.choices, default=Format.IN_PERSON
    )
    venue_name = models.CharField(_("venue"), max_length=150, blank=True)
    address = models.CharField(_("address"), max_length=250, blank=True)
    city = models.CharField(_("city"), max_length=100, blank=True)
    country = models.CharField(_("country"), max_length=2, choices=COUNTRIES, blank=True)
    online_url = models.URLField(
        _("online link"),
        blank=True,
        help_text=_("Shown only to confirmed participants and organisers."),
    )
    space = models.ForeignKey(
        "community.Space",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="events",
        verbose_name=_("space"),
        help_text=_("The event of a private space is seen only by those who see the space."),
    )
    cluster = models.ForeignKey(
        "community.Cluster",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="events",
        verbose_name=_("cluster"),
    )
    organisers = ParentalManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        related_name="organised_events",
        verbose_name=_("organisers"),
        help_text=_(
            "Members who manage registrations and check-in, besides the animators of the "
            "space and cluster."
        ),
    )
    themes = ParentalManyToManyField("community.Theme", blank=True, verbose_name=_("themes"))
    audience = models.CharField(_("audience"), max_length=200, blank=True)
    language = models.CharField(
        _("language"), max_length=10, choices=settings.LANGUAGES, default="fr"
    )
    accessibility = models.TextField(
        _("accessibility"),
        max_length=1000,
        blank=True,
        help_text=_("Step-free access, induction loop, captions, sign language…"),
    )
    capacity = models.PositiveIntegerField(
        _("capacity"),
        null=True,
        blank=True,
        help_text=_("Number of seats. Leave empty for no limit."),
    )
    max_seats_per_registration = models.PositiveSmallIntegerField(
        _("most seats in one registration"),
        default=1,
        help_text=_("More than 1 lets a teacher register a class, for example."),
    )
    registration_opens = models.DateTimeField(_("registration opens"), null=True, blank=True)
    registration_closes = models.DateTimeField(
        _("registration closes"),
        null=True,
        blank=True,
        help_text=_("Leave empty to close registration when the event starts."),
    )
    approval = models.CharField(
        _("registration"), max_length=10, choices=Approval.choices, default=Approval.AUTOMATIC
    )
    claim_window_hours = models.PositiveSmallIntegerField(
        _("hours to claim a freed seat"),
        default=24,
        help_text=_(
            "When a seat frees up, the next person on the waiting list has this long to take "
            "it before it is offered to the one after (never later than the event's start)."
        ),
    )
    id_required = models.BooleanField(_("ID required at the door"), default=False)
    practices = ParentalManyToManyField(
        "library.LibraryItem",
        blank=True,
        related_name="citing_events",
        limit_choices_to={"live": True},
        verbose_name=_("practices presented"),
        help_text=_("Practice sheets, interviews or tools of the library presented at the event."),
    )

    content_panels = [
        *Page.content_panels,
        FieldPanel("event_type"),
        FieldPanel("summary"),
        FieldPanel("description"),
        MultiFieldPanel(
            [
                FieldRowPanel([FieldPanel("start"), FieldPanel("end")]),
                FieldPanel("time_zone"),
            ],
            heading=_("When"),
            help_text=_("Times are wall-clock times in the event's time zone."),
        ),
        MultiFieldPanel(
            [
                FieldPanel("format"),
                FieldPanel("venue_name"),
                FieldPanel("address"),
                FieldRowPanel([FieldPanel("city"), FieldPanel("country")]),
                FieldPanel("online_url"),
                FieldPanel("accessibility"),
            ],
            heading=_("Where"),
        ),
        MultiFieldPanel(
            [
                FieldPanel("space"),
                FieldPanel("cluster"),
                FieldPanel("organisers"),
                FieldPanel("themes"),
                FieldPanel("audience"),
                FieldPanel("language"),
            ],
            heading=_("Who"),
        ),
        FieldPanel("practices"),
        MultiFieldPanel(
            [
                FieldRowPanel([FieldPanel("capacity"), FieldPanel("max_seats_per_registration")]),
                FieldRowPanel(
                    [FieldPanel("registration_opens"), FieldPanel("registration_closes")]
                ),
                FieldPanel("approval"),
                FieldPanel("claim_window_hours"),
                FieldPanel("id_required"),
            ],
            heading=_("Registration"),
        ),
        InlinePanel("questions", label=_("Registration questions"), max_num=10),
        InlinePanel("slots", label=_("Programme")),
    ]
    base_form_class = EventPageForm
    search_fields = [
        *Page.search_fields,
        index.SearchField("summary"),
        index.SearchField("description"),
        index.FilterField("start"),
        index.FilterField("event_type"),
    ]
    parent_page_types = ["events.EventIndexPage"]
    subpage_types: list[str] = []

    class Meta:
        verbose_name = _("event")
        verbose_name_plural = _("events")
        indexes = [models.Index(fields=["start"]), models.Index(fields=["end"])]

    def serve(self, request, *args, **kwargs):
        from events.views import event_detail

        return event_detail(request, event=self)

    def serve_preview(self, request, mode_name):
        # Wagtail previews render `template` with the bare page context; ours go through the
        # same view as the live page.
        return self.serve(request)

    def permissions_for_user(self, user):
        from events.wagtail_permissions import EventPermissionTester

        return EventPermissionTester(user, self)

    def clean(self):
        super().clean()
        errors = {}
        if self.slug in RESERVED_SLUGS:
            errors["slug"] = _("This address is used by the site; choose another.")
        if self.start and self.end and self.end <= self.start:
            errors["end"] = _("The end must be after the start.")
        if self.format != self.Format.ONLINE and not (self.venue_name or self.city):
            errors["venue_name"] = _("Give the venue or at least the city of an in-person event.")
        if self.format != self.Format.IN_PERSON and not self.online_url:
            errors["online_url"] = _("Give the link of an online event.")
        if (
            self.registration_opens
            and self.registration_closes
            and self.registration_closes <= self.registration_opens
        ):
            errors["registration_closes"] = _("Registration must close after it opens.")
        if self.registration_closes and self.end and self.registration_closes > self.end:
            errors["registration_closes"] = _("Registration cannot close after the event ends.")
        if self.capacity == 0:
            errors["capacity"] = _(
                "Leave the capacity empty for no limit; 0 seats is not an event."
            )
        if self.claim_window_hours is not None and self.claim_window_hours < 1:
            errors["claim_window_hours"] = _("Give at least one hour to claim a freed seat.")
        if self.max_seats_per_registration < 1:
            errors["max_seats_per_registration"] = _("A registration holds at least one seat.")
        if errors:
            raise ValidationError(errors)

    # --- Reading the event ---------------------------------------------------------------------

    @property
    def local_start(self) -> datetime:
        return utc_to_local(self.start, self.time_zone)

    @property
    def local_end(self) -> datetime:
        return utc_to_local(self.end, self.time_zone)

    @property
    def closes_at(self) -> datetime:
        """When registration closes: the given time, or the start of the event."""
        return self.registration_closes or self.start

    @property
    def is_past(self) -> bool:
        return self.end <= timezone.now()

    @property
    def is_online(self) -> bool:
        return self.format == self.Format.ONLINE

    @property
    def duration(self) -> timedelta:
        # In UTC: two times of one zone subtract by their wall clocks (an hour off across a
        # change of summer time).
        return self.end.astimezone(UTC) - self.start.astimezone(UTC)

    @property
    def place(self) -> str:
        """The venue in one line, as a calendar's LOCATION."""
        return ", ".join(part for part in (self.venue_name, self.address, self.city) if part)

    def claim_deadline(self, now: datetime) -> datetime:
        """Until when a seat offered at `now` is held; never past the start of the event."""
        return min(now + timedelta(hours=max(self.claim_window_hours or 0, 1)), self.start)

    @cached_property
    def programme(self) -> list:
        slots = self.slots.all()
        # A preview holds slots not saved yet, which related lookups cannot filter by.
        if any(slot.pk is None for slot in slots):
            return list(slots)
        return list(slots.prefetch_related("speakers__profile"))

    @cached_property
    def practices_presented(self) -> list:
        """The library items the event presents, those published: the page links to them."""
        return [item for item in self.practices.order_by("title") if item.live]

    def get_ics_url(self) -> str:
        return reverse("events:event_ics", kwargs={"event_id": self.pk})


class EventQuestion(Orderable):
    """A question asked at registration (organisation, dietary needs…)."""

    class Kind(models.TextChoices):
        TEXT = "text", _("Short answer")
        CHOICE = "choice", _("One choice in a list")
        YES_NO = "yes_no", _("Yes or no")

    page = ParentalKey(EventPage, on_delete=models.CASCADE, related_name="questions")
    label = models.CharField(_("question"), max_length=200)
    help_text = models.CharField(_("help text"), max_length=250, blank=True)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.TEXT)
    choices = models.TextField(
        _("choices"), max_length=1000, blank=True, help_text=_("One choice per line.")
    )
    required = models.BooleanField(_("required"), default=False)

    panels = [
        FieldPanel("label"),
        FieldPanel("help_text"),
        FieldRowPanel([FieldPanel("kind"), FieldPanel("required")]),
        FieldPanel("choices"),
    ]

    class Meta(Orderable.Meta):
        verbose_name = _("registration question")

    def __str__(self) -> str:
        return self.label

    @property
    def choice_list(self) -> list[str]:
        return [line.strip() for line in self.choices.splitlines() if line.strip()]

    def clean(self):
        if self.kind == self.Kind.CHOICE and len(self.choice_list) < 2:
            raise ValidationError({"choices": _("Give at least two choices, one per line.")})


class ProgrammeSlot(Orderable, ClusterableModel):
    """A time slot of the programme; slots at the same time in different tracks run in parallel."""

    class Kind(models.TextChoices):
        TALK = "talk", _("Talk")
        KEYNOTE = "keynote", _("Keynote")
        WORKSHOP = "workshop", _("Workshop")
        ROUND_TABLE = "round_table", _("Round table")
        BREAK = "break", _("Break")
        OTHER = "other", _("Other")

    page = ParentalKey(EventPage, on_delete=models.CASCADE, related_name="slots")
    day = models.DateField(
        _("day"), null=True, blank=True, help_text=_("Leave empty for the first day.")
    )
    starts_at = models.TimeField(_("starts at"))
    ends_at = models.TimeField(_("ends at"))
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices, default=Kind.TALK)
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), max_length=2000, blank=True)
    room = models.CharField(_("room"), max_length=100, blank=True)
    track = models.CharField(
        _("track"),
        max_length=100,
        blank=True,
        help_text=_("Slots at the same time in different tracks run in parallel."),
    )
    speakers = ParentalManyToManyField(Speaker, blank=True, verbose_name=_("speakers"))
    tables = models.TextField(
        _("workshop tables"),
        max_length=3000,
        blank=True,
        help_text=_("One table per line, e.g. “Table 2 – Job ads without stereotypes”."),
    )

    panels = [
        FieldRowPanel([FieldPanel("day"), FieldPanel("starts_at"), FieldPanel("ends_at")]),
        FieldRowPanel([FieldPanel("kind"), FieldPanel("track"), FieldPanel("room")]),
        FieldPanel("title"),
        FieldPanel("description"),
        FieldPanel("speakers"),
        FieldPanel("tables"),
    ]

    class Meta(Orderable.Meta):
        verbose_name = _("programme slot")

    def __str__(self) -> str:
        return self.title

    def clean(self):
        if self.starts_at and self.ends_at and self.ends_at <= self.starts_at:
            raise ValidationError({"ends_at": _("A slot must end after it starts.")})

    @property
    def table_list(self) -> list[str]:
        return [line.strip() for line in self.tables.splitlines() if line.strip()]
