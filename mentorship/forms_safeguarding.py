"""Forms of the safeguarding pages: the guardian's answer, concern reports and their handling.

Forms only parse; the services (`services/safeguarding.py`) decide and validate.
"""

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import ConcernReport
from .services.safeguarding import CONCERN_MAX, NAME_MAX


class GuardianAnswerForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Your answer"),
        choices=[("give", _("I give my consent")), ("refuse", _("I refuse"))],
        widget=forms.RadioSelect,
    )
    signed_name = forms.CharField(
        label=_("Your full name, as your signature"),
        max_length=NAME_MAX,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )


class GuardianWithdrawForm(forms.Form):
    confirm = forms.BooleanField(
        label=_("I withdraw my consent: everything is paused until I give it again."),
        required=True,
    )


class ConcernForm(forms.Form):
    text = forms.CharField(
        label=_("What worries you?"),
        max_length=CONCERN_MAX,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_(
            "Only the programme's safeguarding lead reads this. The conversation is kept as it "
            "is (nobody can change or delete it) while they look into it."
        ),
    )


class ConcernUpdateForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=ConcernReport.Status.choices)
    outcome = forms.CharField(
        label=_("Outcome"),
        required=False,
        max_length=CONCERN_MAX,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Needed to close the report: what was decided and done."),
    )
    unfreeze = forms.BooleanField(
        label=_("Unfreeze the conversation (people can write, edit and delete again)"),
        required=False,
    )
