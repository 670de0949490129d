"""Forms parse and label; the services decide (limits, permissions, pseudonyms)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from community.models import Space, Theme

from .models import BODY_MAX, PSEUDONYM_MAX, TITLE_MAX, Report, Topic

BODY_HELP = _(
    "Markdown: **bold**, *italic*, lists, [links](https://…), > quotes. Type @ and a name to "
    "mention a member of this space."
)


class BodyField(forms.CharField):
    def __init__(self, **kwargs):
        kwargs.setdefault("label", _("Message"))
        kwargs.setdefault("help_text", BODY_HELP)
        # The service gives the clear message on an oversized body; the browser limit helps.
        super().__init__(
            widget=forms.Textarea(attrs={"rows": 8, "maxlength": BODY_MAX, "data-mentions": ""}),
            strip=False,
            **kwargs,
        )


class TopicForm(forms.Form):
    title = forms.CharField(
        label=_("Title"),
        max_length=TITLE_MAX,
        help_text=_("Your question in one sentence."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "data-similar": ""}),
    )
    kind = forms.ChoiceField(label=_("Kind"), choices=Topic.Kind.choices)
    body = BodyField()
    themes = forms.ModelMultipleChoiceField(
        label=_("Themes"),
        queryset=Theme.objects.all(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    tags = forms.CharField(
        label=_("Tags"),
        required=False,
        max_length=500,
        help_text=_("Free keywords, separated by commas."),
    )
    confidential = forms.BooleanField(
        label=_("Ask confidentially, under a pseudonym"),
        required=False,
        help_text=_(
            "Other members see only the pseudonym. The space's moderators and animators can "
            "see who you are."
        ),
    )
    pseudonym = forms.CharField(label=_("Pseudonym"), max_length=PSEUDONYM_MAX, required=False)

    def __init__(self, *args, can_announce=False, **kwargs):
        super().__init__(*args, **kwargs)
        if not can_announce:
            self.fields["kind"].choices = [
                c for c in Topic.Kind.choices if c[0] != Topic.Kind.ANNOUNCEMENT
            ]

    def clean(self):
        data = super().clean()
        if data.get("confidential") and not (data.get("pseudonym") or "").strip():
            self.add_error("pseudonym", _("Choose a pseudonym to ask confidentially."))
        if not data.get("confidential"):
            data["pseudonym"] = ""
        return data


class TopicEditForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=TITLE_MAX)
    body = BodyField()
    themes = TopicForm.base_fields["themes"]
    tags = forms.CharField(label=_("Tags"), required=False, max_length=500)


class ReplyForm(forms.Form):
    body = BodyField(label=_("Your reply"))


class ReportForm(forms.Form):
    reason = forms.ChoiceField(
        label=_("Why?"), choices=Report.Reason.choices, widget=forms.RadioSelect
    )
    comment = forms.CharField(
        label=_("Details for the moderators"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class MoveForm(forms.Form):
    to_space = forms.ModelChoiceField(label=_("Move to"), queryset=Space.objects.none())
    reason = forms.CharField(label=_("Reason"), required=False, max_length=500)

    def __init__(self, *args, spaces=None, **kwargs):
        super().__init__(*args, **kwargs)
        if spaces is not None:
            self.fields["to_space"].queryset = spaces


class ModerationReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), required=False, max_length=500)


class ImageForm(forms.Form):
    file = forms.ImageField(label=_("Image"))
