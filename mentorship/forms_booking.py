"""Forms of the availability and booking pages: they parse; the services decide."""

from datetime import datetime

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Weekday


class RuleForm(forms.Form):
    weekday = forms.TypedChoiceField(label=_("Day"), choices=Weekday.choices, coerce=int)
    starts_at = forms.TimeField(
        label=_("From"), widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
    )
    ends_at = forms.TimeField(
        label=_("To"), widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
    )
    valid_from = forms.DateField(
        label=_("First date (optional)"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    valid_until = forms.DateField(
        label=_("Last date (optional)"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )


class ExceptionForm(forms.Form):
    KINDS = [
        ("day_off", _("Away all day")),
        ("hours_off", _("Away at these hours")),
        ("extra", _("Available at these extra hours")),
    ]
    date = forms.DateField(
        label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    kind = forms.ChoiceField(label=_("Change"), choices=KINDS, initial="day_off")
    starts_at = forms.TimeField(
        label=_("From"),
        required=False,
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
    )
    ends_at = forms.TimeField(
        label=_("To"),
        required=False,
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        help_text=_("Leave the hours empty for a whole day off."),
    )

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        whole_day = data["kind"] == "day_off"
        return {
            "date": data["date"],
            "available": data["kind"] == "extra",
            "starts_at": None if whole_day else data.get("starts_at"),
            "ends_at": None if whole_day else data.get("ends_at"),
        }

    def clean(self):
        data = super().clean()
        if data.get("kind") in ("hours_off", "extra") and not (
            data.get("starts_at") and data.get("ends_at")
        ):
            raise forms.ValidationError(_("Give the start and the end of these hours."))
        return data


class SlotField(forms.CharField):
    """A slot's start as sent by the page: an ISO 8601 instant with its offset."""

    default_error_messages = {"invalid": _("Choose one of the free slots.")}

    def to_python(self, value):
        value = super().to_python(value)
        if not value:
            return None
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid") from None
        if parsed.tzinfo is None:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return parsed


class BookForm(forms.Form):
    starts_at = SlotField(
        label=_("Slot"), error_messages={"required": _("Choose one of the free slots.")}
    )
    format = forms.ChoiceField(
        label=_("How you meet"),
        choices=[("online", _("Online")), ("in_person", _("In person"))],
        widget=forms.RadioSelect,
        initial="online",
    )
    place = forms.CharField(
        label=_("Place (in person)"),
        max_length=200,
        required=False,
        help_text=_("Where you meet: a public place, or the mentor's workplace."),
    )

    def __init__(self, *args, mentor=None, **kwargs):
        super().__init__(*args, **kwargs)
        if mentor is not None:
            offered = [
                choice
                for choice in self.fields["format"].choices
                if (choice[0] == "online" and mentor.online)
                or (choice[0] == "in_person" and mentor.in_person)
            ]
            self.fields["format"].choices = offered or self.fields["format"].choices
            if offered:
                self.fields["format"].initial = offered[0][0]
            if not mentor.in_person:
                del self.fields["place"]


class CancelForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason (the other side reads it)"),
        max_length=300,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class RescheduleForm(forms.Form):
    starts_at = SlotField(
        label=_("New slot"), error_messages={"required": _("Choose one of the free slots.")}
    )
