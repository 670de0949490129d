"""The participants' forms: registering for an event (its seats and questions), feedback.

The forms shape the input; the services decide. Field names follow the services' error keys
(`seats`, `q_<question id>`, `rating`, `comment`), so a service's refusal lands on its field.
"""

from django import forms
from django.utils.translation import gettext_lazy as _

from events.models import EventPage, EventQuestion
from events.services import MAX_ANSWER_LENGTH

ANSWER_REQUIRED = _("Please answer this question.")


def question_field_name(question: EventQuestion) -> str:
    return f"q_{question.pk}"


def _question_field(question: EventQuestion) -> forms.Field:
    common = {
        "label": question.label,
        "help_text": question.help_text,
        "required": question.required,
        "error_messages": {"required": ANSWER_REQUIRED},
    }
    if question.kind == EventQuestion.Kind.YES_NO:
        # Two radios rather than a checkbox: "no" is an answer, an empty box is not.
        return forms.ChoiceField(
            choices=[("yes", _("Yes")), ("no", _("No"))], widget=forms.RadioSelect, **common
        )
    if question.kind == EventQuestion.Kind.CHOICE:
        choices = [(choice, choice) for choice in question.choice_list]
        return forms.ChoiceField(choices=[("", _("Choose…")), *choices], **common)
    return forms.CharField(max_length=MAX_ANSWER_LENGTH, **common)


class RegistrationForm(forms.Form):
    """Seats (when a registration may hold more than one) and the event's questions."""

    def __init__(self, *args, event: EventPage, questions, **kwargs):
        super().__init__(*args, **kwargs)
        self.event = event
        self.questions = list(questions)
        if event.max_seats_per_registration > 1:
            # No max_value here: the service's refusal says why (the event's own limit).
            self.fields["seats"] = forms.IntegerField(
                label=_("Seats"),
                initial=1,
                help_text=_("Up to %(max)s seats in one registration.")
                % {"max": event.max_seats_per_registration},
                widget=forms.NumberInput(
                    attrs={
                        "min": 1,
                        "max": event.max_seats_per_registration,
                        "inputmode": "numeric",
                    }
                ),
            )
        for question in self.questions:
            self.fields[question_field_name(question)] = _question_field(question)

    @property
    def seats(self) -> int:
        # 0 or less reaches the service, which refuses it with its own message.
        seats = self.cleaned_data.get("seats")
        return 1 if seats is None else seats

    @property
    def answers(self) -> dict[str, str]:
        """Answers keyed by question id (as text), as the service takes them."""
        answers = {}
        for question in self.questions:
            value = self.cleaned_data.get(question_field_name(question))
            if value:
                answers[str(question.pk)] = value
        return answers


class FeedbackForm(forms.Form):
    RATINGS = [
        (5, _("5 – Excellent")),
        (4, _("4 – Good")),
        (3, _("3 – Fair")),
        (2, _("2 – Poor")),
        (1, _("1 – Very poor")),
    ]

    rating = forms.TypedChoiceField(
        label=_("Your rating"),
        choices=RATINGS,
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose a rating from 1 to 5.")},
    )
    comment = forms.CharField(
        label=_("Comment"),
        required=False,
        max_length=2000,
        help_text=_("What was useful, what could be better. The organisers read it."),
        widget=forms.Textarea(attrs={"rows": 4}),
    )
