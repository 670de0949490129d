"""Forms of the intervention pages: a need, an offer, feedback from both sides."""

from django import forms
from django.utils.translation import gettext_lazy as _

from community.countries import COUNTRIES
from community.models import Theme
from events.timezones import DEFAULT_TIME_ZONE, time_zone_choices
from mentorship.forms_cohorts import local_field
from mentorship.models import InterventionNeed


class NeedForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=InterventionNeed.Kind.choices)
    title = forms.CharField(label=_("Title"), max_length=160)
    host = forms.CharField(label=_("School or company"), max_length=160)
    starts_at = local_field(_("Date and time"))
    ends_at = local_field(_("Ends at"))
    time_zone = forms.ChoiceField(
        label=_("Time zone"),
        choices=time_zone_choices,
        initial=DEFAULT_TIME_ZONE,
        help_text=_("The times above are read in this zone."),
    )
    place = forms.CharField(label=_("Place"), max_length=200)
    country = forms.ChoiceField(label=_("Country"), choices=COUNTRIES, initial="FR")
    region = forms.CharField(label=_("Region"), max_length=100, required=False)
    audience = forms.CharField(
        label=_("Audience"),
        max_length=200,
        help_text=_("For example: two classes of 4e, 50 pupils."),
    )
    themes = forms.ModelMultipleChoiceField(
        label=_("Themes"),
        queryset=Theme.objects.all(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    marraines_wanted = forms.IntegerField(
        label=_("Marraines wanted"), min_value=1, max_value=20, initial=1
    )
    details = forms.CharField(
        label=_("Practical details"),
        max_length=3000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("Access, contact on the day, equipment: sent only to the confirmed marraines."),
    )


class OfferForm(forms.Form):
    note = forms.CharField(
        label=_("A note for the coordinators (optional)"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class MarraineFeedbackForm(forms.Form):
    feedback = forms.CharField(
        label=_("How did it go?"), max_length=3000, widget=forms.Textarea(attrs={"rows": 4})
    )


class HostFeedbackForm(forms.Form):
    pupils_reached = forms.IntegerField(label=_("Pupils reached"), min_value=0, max_value=100000)
    host_feedback = forms.CharField(
        label=_("The host's feedback"),
        max_length=3000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
