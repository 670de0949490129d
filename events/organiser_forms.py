"""The organisers' forms: add someone by hand, the closing report."""

from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from wagtail.documents import get_document_model

from community.library.documents import DocumentAccess
from community.models import Organisation
from community.selectors import profiles_visible_to
from events.models import EventPage


class AttendeeAddForm(forms.Form):
    """A member found by the e-mail address of their account, or a name for someone without one.

    `cleaned_data["user"]` is the member, or None for someone without an account.
    """

    email = forms.EmailField(
        label=_("E-mail address"),
        required=False,
        help_text=_(
            "The address of the member's account. For someone without an account, also give "
            "their name: the address is then kept to write to them."
        ),
    )
    guest_name = forms.CharField(
        label=_("Name (someone without an account)"),
        max_length=120,
        required=False,
        help_text=_("Leave empty when the address is a member's."),
    )
    seats = forms.IntegerField(label=_("Seats"), min_value=1, initial=1)

    def __init__(self, *args, event: EventPage, viewer, **kwargs):
        super().__init__(*args, **kwargs)
        self.viewer = viewer
        self.fields["seats"].widget.attrs["max"] = event.max_seats_per_registration
        self.fields["email"].widget.attrs["autocomplete"] = "off"

    def clean(self):
        data = super().clean()
        email = data.get("email") or ""
        name = (data.get("guest_name") or "").strip()
        data["guest_name"] = name
        data["user"] = None
        if email:
            # Only members the organiser may find: a hidden profile is not revealed by its address.
            profile = (
                profiles_visible_to(self.viewer)
                .select_related("user")
                .filter(user__email__iexact=email)
                .first()
            )
            if profile is not None:
                data["user"] = profile.user
            elif not name:
                self.add_error(
                    "email",
                    _(
                        "No member has this address. To add someone without an account, "
                        "also give their name."
                    ),
                )
        elif not name and "email" not in self.errors:
            raise forms.ValidationError(
                _(
                    "Give the e-mail address of a member, or the name of someone without "
                    "an account."
                ),
                code="nobody",
            )
        return data


class ReportForm(forms.Form):
    organisations = forms.ModelMultipleChoiceField(
        queryset=Organisation.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label=_("Attending organisations on the platform"),
        help_text=_("The organisations of the members checked in."),
    )
    other_organisations = forms.CharField(
        label=_("Other attending organisations"),
        required=False,
        max_length=3000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Organisations not on the platform, one per line."),
    )
    outcomes = forms.CharField(
        label=_("Outcomes"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("Practice sheets drafted at the workshop tables, decisions, next steps."),
    )
    lessons = forms.CharField(
        label=_("Lessons learned"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 6}),
    )
    recording_url = forms.URLField(
        label=_("Recording"),
        required=False,
        assume_scheme="https",
        help_text=_("The address of the recording, if there is one."),
    )
    documents = forms.ModelMultipleChoiceField(
        queryset=get_document_model().objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label=_("Documents"),
        help_text=_("Documents of the document library (slides, practice sheets…)."),
    )

    def __init__(self, *args, organisations, viewer, **kwargs):
        """`viewer`: the organiser; the documents offered are those they may open (and not
        awaiting review). Documents already on the report that they may not open are neither
        named nor offered, and stay on the report."""
        super().__init__(*args, **kwargs)
        access = DocumentAccess(viewer)
        attached = list(
            get_document_model()
            .objects.filter(pk__in=[document.pk for document in self.initial.get("documents", ())])
            .select_related("collection")
        )
        self.kept_documents = [document for document in attached if not access.may_open(document)]
        shown = [document.pk for document in attached if document not in self.kept_documents]
        documents = (
            get_document_model()
            .objects.filter(access.published_q() | Q(pk__in=shown))
            .order_by("title", "pk")
        )
        # A list with nothing to choose is left out (the view leaves that part as it is).
        for name, queryset in (("organisations", organisations), ("documents", documents)):
            if queryset.exists():
                self.fields[name].queryset = queryset
            else:
                del self.fields[name]

    def clean_documents(self):
        return [*self.cleaned_data["documents"], *self.kept_documents]
