"""The relationship page's forms. They only parse: the services decide and refuse."""

from django import forms
from django.utils.translation import gettext_lazy as _

from mentorship.models import SessionFeedback
from mentorship.services.relationships import MAX_REASON

RATINGS = [(n, str(n)) for n in range(1, 6)]


class CancelForm(forms.Form):
    reason = forms.CharField(
        label=_("Why does the relationship end?"),
        max_length=MAX_REASON,
        help_text=_("The other person and the coordinators read it."),
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class MilestoneForm(forms.Form):
    title = forms.CharField(label=_("Goal or milestone"), max_length=200)
    due_on = forms.DateField(
        label=_("By (optional)"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )


class NoteForm(forms.Form):
    body = forms.CharField(
        label=_("Note"), max_length=5000, widget=forms.Textarea(attrs={"rows": 4})
    )
    booking = forms.TypedChoiceField(
        label=_("Session (optional)"), required=False, coerce=int, empty_value=None
    )
    shared = forms.BooleanField(
        label=_("Share with the mentee (the coordinators read it too)"),
        required=False,
        help_text=_("Unshared, only you can read this note."),
    )

    def __init__(self, *args, sessions=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["booking"].choices = [("", _("No particular session"))] + [
            (booking.pk, label) for booking, label in sessions
        ]


class FeedbackForm(forms.Form):
    rating = forms.TypedChoiceField(
        label=_("How useful was the session? (1: not at all, 5: very)"),
        choices=RATINGS,
        coerce=int,
        widget=forms.RadioSelect,
    )
    working = forms.ChoiceField(
        label=_("Is this pairing working?"),
        choices=SessionFeedback.Working.choices,
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(
        label=_("Comment (optional)"),
        max_length=2000,
        required=False,
        help_text=_("Only you and the programme's coordinators read your feedback."),
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, booking_id=None, **kwargs):
        # One form per session on the page: ids must not repeat.
        kwargs.setdefault("auto_id", f"id_feedback_{booking_id}_%s")
        super().__init__(*args, **kwargs)


class EndSurveyForm(forms.Form):
    goals_reached = forms.TypedChoiceField(
        label=_("How far were your goals reached? (1: not at all, 5: fully)"),
        choices=RATINGS,
        coerce=int,
        widget=forms.RadioSelect,
    )
    would_recommend = forms.BooleanField(label=_("I would recommend the programme"), required=False)
    comment = forms.CharField(
        label=_("What should we keep or change?"),
        max_length=3000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
