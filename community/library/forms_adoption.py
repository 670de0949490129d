"""The "we adopt this practice" form shown on a practice sheet."""

from django import forms
from django.utils.translation import gettext_lazy as _

from community.library.models import Adoption


class AdoptionForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Where is your organisation?"),
        choices=Adoption.Status.choices,
        widget=forms.RadioSelect,
    )
    note = forms.CharField(
        label=_("Note (optional)"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "How you adapted it, what it changed. Shown on the practice beside your "
            "organisation's name, when you let the name be shown."
        ),
    )
    show_publicly = forms.BooleanField(
        label=_("Show our organisation's name on the practice"),
        required=False,
        initial=True,
    )

    @classmethod
    def for_adoption(cls, adoption: Adoption | None, *, prefix: str = "adoption"):
        """An unbound form holding the organisation's current declaration, if any."""
        if adoption is None:
            return cls(prefix=prefix)
        return cls(
            prefix=prefix,
            initial={
                "status": adoption.status,
                "note": adoption.note,
                "show_publicly": adoption.show_publicly,
            },
        )
