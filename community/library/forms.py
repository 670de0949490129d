"""Forms of the library's contribution and review pages.

The contribution form is cut into steps (`views/contribute.py`); each step has its forms here.
Rich text fields are plain textareas: `services.contributions.text_to_html` builds the page's
HTML from what the member typed, escaping everything, and `html_to_text` gives it back for
editing. Each row of a list (steps, obstacles, stakeholders...) is a model form of its orderable,
so the model's own rules (a stakeholder needs an organisation or a name, a video a known host)
are checked where the member typed.
"""

from datetime import date

from django import forms
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from community.countries import COUNTRIES
from community.library.embeds import validate_video_url
from community.library.models import (
    LibraryItem,
    PracticeContact,
    PracticeIndicator,
    PracticeObstacle,
    PracticeStakeholder,
    PracticeStep,
    PracticeVideo,
)
from community.library.services.contributions import MAX_ROWS, MAX_TEXT, html_to_text
from community.models import Organisation, Sector, Theme
from community.validators import validate_image_upload

IMAGE_ACCEPT = "image/jpeg,image/png,image/webp"
PARAGRAPHS_HELP = _(
    "Plain text. Leave an empty line between paragraphs; start a line with “- ” for a list."
)


def _text_field(label, *, help_text=PARAGRAPHS_HELP, rows=6):
    return forms.CharField(
        label=label,
        required=False,
        max_length=MAX_TEXT,
        help_text=help_text,
        widget=forms.Textarea(attrs={"rows": rows}),
    )


def _year_field(label, help_text=""):
    return forms.IntegerField(
        label=label,
        required=False,
        min_value=1950,
        max_value=date.today().year + 5,
        help_text=help_text,
    )


class EssentialsForm(forms.Form):
    """Step 1: what the sheet is about, where, when, by whom, and its cover."""

    title = forms.CharField(label=_("Title"), max_length=255)
    summary = forms.CharField(
        label=_("Summary"),
        required=False,
        max_length=400,
        help_text=_("Two or three sentences shown in lists."),
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    themes = forms.ModelMultipleChoiceField(
        label=_("Themes"),
        queryset=Theme.objects.all(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    sectors = forms.ModelMultipleChoiceField(
        label=_("Sectors"),
        queryset=Sector.objects.all(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    country = forms.ChoiceField(label=_("Country"), choices=[("", "—"), *COUNTRIES], required=False)
    region = forms.CharField(label=_("Region"), max_length=100, required=False)
    actor_type = forms.ChoiceField(
        label=_("Type of actor"),
        choices=[("", "—"), *LibraryItem.ActorType.choices],
        required=False,
        help_text=_("Who led the practice."),
    )
    start_year = _year_field(_("Start year"))
    end_year = _year_field(_("End year"), _("Leave empty if it is still running."))
    spaces = forms.ModelMultipleChoiceField(
        label=_("Spaces"),
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("The spaces of yours this practice belongs to; their animators review it."),
    )
    cover_image = forms.FileField(
        label=_("Cover image"),
        required=False,
        validators=[validate_image_upload],
        widget=forms.FileInput(attrs={"accept": IMAGE_ACCEPT}),
        help_text=_("JPEG, PNG or WebP."),
    )
    remove_cover = forms.BooleanField(label=_("Remove the cover image"), required=False)
    language = forms.ChoiceField(
        label=_("Language of the sheet"),
        choices=[("fr", _("French")), ("en", _("English"))],
        initial="fr",
    )

    PAGE_FIELDS = (
        "title",
        "summary",
        "themes",
        "sectors",
        "country",
        "region",
        "actor_type",
        "start_year",
        "end_year",
        "spaces",
    )

    def __init__(self, *args, spaces, draft=None, **kwargs):
        if draft is not None and "initial" not in kwargs:
            kwargs["initial"] = {
                **{
                    name: getattr(draft, name)
                    for name in self.PAGE_FIELDS
                    if name not in ("themes", "sectors", "spaces")
                },
                "themes": list(draft.themes.all()),
                "sectors": list(draft.sectors.all()),
                "spaces": list(draft.spaces.all()),
            }
        super().__init__(*args, **kwargs)
        self.fields["spaces"].queryset = spaces
        if draft is not None:
            # The language is chosen once, when the sheet is created.
            del self.fields["language"]
        if draft is None or not draft.cover_image_id:
            del self.fields["remove_cover"]

    def clean(self):
        data = super().clean()
        start, end = data.get("start_year"), data.get("end_year")
        if start and end and end < start:
            self.add_error("end_year", _("The end year cannot come before the start year."))
        return data

    def payload(self) -> dict:
        data = self.cleaned_data
        fields = {name: data[name] for name in self.PAGE_FIELDS}
        for name in ("themes", "sectors", "spaces"):
            fields[name] = list(fields[name])
        if data.get("cover_image"):
            fields["cover_image"] = data["cover_image"]
        elif data.get("remove_cover"):
            fields["cover_image"] = None
        return fields


class _TextStepForm(forms.Form):
    """A step made of rich text fields, edited as plain text."""

    def __init__(self, *args, draft=None, **kwargs):
        if draft is not None and "initial" not in kwargs:
            kwargs["initial"] = {
                name: html_to_text(getattr(draft, name)) for name in self.base_fields
            }
        super().__init__(*args, **kwargs)

    def payload(self) -> dict:
        return dict(self.cleaned_data)


class ObservationForm(_TextStepForm):
    """Step 2: the observation (the problem seen) and the objectives."""

    observation = _text_field(
        _("Observation"),
        help_text=_(
            "The problem seen: what was not working, for whom, and how it showed. "
            "Leave an empty line between paragraphs; start a line with “- ” for a list."
        ),
        rows=8,
    )
    objectives = _text_field(_("Objectives"))


class ResultsForm(_TextStepForm):
    """Step 6: results, lessons, and what did not work."""

    results = _text_field(_("Results"))
    lessons = _text_field(
        _("Lessons"),
        help_text=_(
            "What others should know before starting. Leave an empty line between "
            "paragraphs; start a line with “- ” for a list."
        ),
    )
    did_not_work = _text_field(_("What did not work"))


# --- Rows -------------------------------------------------------------------------------------


class StepForm(forms.ModelForm):
    class Meta:
        model = PracticeStep
        fields = ["title", "description"]
        widgets = {"description": forms.Textarea(attrs={"rows": 4})}


class ObstacleForm(forms.ModelForm):
    class Meta:
        model = PracticeObstacle
        fields = ["obstacle", "response"]
        widgets = {"response": forms.Textarea(attrs={"rows": 3})}


class StakeholderForm(forms.ModelForm):
    class Meta:
        model = PracticeStakeholder
        fields = ["organisation", "name", "role"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = Organisation.objects.order_by("name")
        self.fields["organisation"].empty_label = _("— not on the platform —")


class IndicatorForm(forms.ModelForm):
    class Meta:
        model = PracticeIndicator
        fields = ["code", "label", "value", "unit"]


class ContactForm(forms.ModelForm):
    """A member to contact: chosen among the members the author can see, never an address."""

    class Meta:
        model = PracticeContact
        fields = ["user", "role"]

    def __init__(self, *args, candidates, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = candidates
        self.fields["user"].label_from_instance = lambda user: str(user)


class VideoForm(forms.ModelForm):
    url = forms.URLField(
        label=capfirst(PracticeVideo._meta.get_field("url").verbose_name),
        help_text=PracticeVideo._meta.get_field("url").help_text,
        assume_scheme="https",
    )

    class Meta:
        model = PracticeVideo
        fields = ["title", "url"]

    def clean_url(self):
        # On the field, so the error shows beside the address (the model says it for the row).
        url = self.cleaned_data["url"]
        validate_video_url(url)
        return url


class _RowFormSet(forms.BaseFormSet):
    """Rows of a list; a row marked for removal, or left empty, is dropped."""

    def rows(self) -> list[dict]:
        rows = []
        for form in self.forms:
            if self.can_delete and self._should_delete_form(form):
                continue
            if not form.has_changed() and form.empty_permitted:
                continue
            data = {key: value for key, value in form.cleaned_data.items() if key != "DELETE"}
            if data:
                rows.append(data)
        return rows


def _formset(form_class):
    return forms.formset_factory(
        form_class,
        formset=_RowFormSet,
        extra=0,
        can_delete=True,
        max_num=MAX_ROWS,
        validate_max=True,
    )


StepFormSet = _formset(StepForm)
ObstacleFormSet = _formset(ObstacleForm)
StakeholderFormSet = _formset(StakeholderForm)
IndicatorFormSet = _formset(IndicatorForm)
ContactFormSet = _formset(ContactForm)
VideoFormSet = _formset(VideoForm)


class DocumentUploadForm(forms.Form):
    """One document to add to the sheet; the upload service checks its content."""

    file = forms.FileField(label=_("Document"), required=False)
    title = forms.CharField(label=_("Title of the document"), max_length=255, required=False)

    def clean(self):
        data = super().clean()
        if data.get("title") and not data.get("file"):
            self.add_error("file", _("Choose the file to upload."))
        return data

    def upload(self) -> dict | None:
        if not self.cleaned_data.get("file"):
            return None
        return {"file": self.cleaned_data["file"], "title": self.cleaned_data.get("title", "")}


# --- Review -----------------------------------------------------------------------------------


class ReviewDecisionForm(forms.Form):
    """A reviewer's decision; the button pressed gives the action."""

    LABELS = {
        "approve": _("Approve and publish"),
        "expert": _("Ask an expert"),
        "reject": _("Request changes"),
    }

    comment = forms.CharField(
        label=_("Comment"),
        required=False,
        max_length=3000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_(
            "Required to request changes or to ask an expert: the author, or the expert, reads it."
        ),
    )
    action = forms.ChoiceField(widget=forms.HiddenInput, choices=())

    def __init__(self, *args, actions, **kwargs):
        super().__init__(*args, **kwargs)
        self.actions = actions
        self.fields["action"].choices = [(action, self.LABELS[action]) for action in actions]

    def buttons(self) -> list[tuple[str, str]]:
        return [(action, self.LABELS[action]) for action in self.actions]
