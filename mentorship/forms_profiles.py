"""Forms of the profiles and matching pages. They only parse: the services decide
(`mentorship.services.profiles`, `mentorship.services.matching`)."""

from datetime import date

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from community.models import Language, Sector, Theme
from mentorship.models import MenteeProfile, MentorProfile

PROFILE_EXCLUDE = ["user", "themes", "sectors", "languages"]


def _vocabulary(model, label, help_text=""):
    return forms.ModelMultipleChoiceField(
        queryset=model.objects.all(),
        required=False,
        label=label,
        help_text=help_text,
        widget=forms.CheckboxSelectMultiple,
    )


class _ProfileForm(forms.ModelForm):
    """Validates the fields one by one; the service validates the whole (and owns the save)."""

    def _post_clean(self):
        # The model's own clean() runs in the service, on the real row, inside its transaction.
        pass


class MentorProfileForm(_ProfileForm):
    themes = _vocabulary(Theme, _("themes"), _("What you can help with."))
    sectors = _vocabulary(Sector, _("sectors"))
    languages = _vocabulary(Language, _("languages"), _("The languages you mentor in."))

    class Meta:
        model = MentorProfile
        fields = [
            "headline",
            "themes",
            "sectors",
            "languages",
            "country",
            "region",
            "online",
            "in_person",
            "capacity",
            "paused",
            "time_zone",
            "session_minutes",
        ]
        widgets = {
            "capacity": forms.NumberInput(attrs={"min": 1, "max": 20}),
            "session_minutes": forms.NumberInput(attrs={"min": 15, "max": 180, "step": 15}),
        }


class MenteeProfileForm(_ProfileForm):
    themes = _vocabulary(Theme, _("interests"), _("What you would like to talk about."))
    sectors = _vocabulary(Sector, _("sectors"), _("The sectors that interest you."))
    languages = _vocabulary(Language, _("languages"), _("The languages you speak."))

    class Meta:
        model = MenteeProfile
        fields = [
            "goals",
            "themes",
            "sectors",
            "languages",
            "country",
            "region",
            "age_band",
            "time_zone",
            "prefers_online",
            "prefers_in_person",
            "guardian_name",
            "guardian_email",
        ]
        widgets = {"goals": forms.Textarea(attrs={"rows": 4})}
        help_texts = {
            "guardian_name": _("Under 18: the parent or guardian who will be asked to consent."),
            "guardian_email": _(
                "Under 18: the consent link is sent to this address. Changing it asks for consent "
                "again."
            ),
        }


class VettingForm(forms.Form):
    vetting = forms.ChoiceField(label=_("outcome"), choices=MentorProfile.Vetting.choices)
    identity_checked_on = forms.DateField(
        label=_("identity checked on"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    record_seen_on = forms.DateField(
        label=_("criminal-record attestation seen on"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("Only the date is recorded: never keep a copy of the document."),
    )

    def clean(self):
        data = super().clean()
        for name in ("identity_checked_on", "record_seen_on"):
            value = data.get(name)
            if value and value > date.today():
                self.add_error(
                    name, ValidationError(_("This date is in the future."), code="future")
                )
        return data


class RequestForm(forms.Form):
    message = forms.CharField(
        label=_("Message to the mentor"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Say what you hope to work on together."),
    )


class DeclineForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason (optional, shown to the mentee)"),
        required=False,
        max_length=300,
    )


class AssignForm(forms.Form):
    mentee = forms.ModelChoiceField(label=_("mentee"), queryset=MenteeProfile.objects.none())
    mentor = forms.ModelChoiceField(label=_("mentor"), queryset=MentorProfile.objects.none())

    def __init__(self, *args, programme, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["mentee"].queryset = (
            MenteeProfile.objects.filter(
                enrolments__programme=programme, enrolments__status="active"
            )
            .select_related("user__profile")
            .order_by("user__profile__display_name")
        )
        self.fields["mentor"].queryset = (
            MentorProfile.objects.filter(programme_links__programme=programme)
            .select_related("user__profile")
            .order_by("user__profile__display_name")
        )
