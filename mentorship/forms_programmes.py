"""The programme form: coordinators and the safeguarding lead are named by e-mail address, so
the form never lists the platform's members."""

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from community.models import Cluster
from community.permissions import is_platform_staff
from mentorship.models import Programme


def _user_by_email(email: str):
    return get_user_model().objects.filter(email__iexact=email.strip(), is_active=True).first()


class ProgrammeForm(forms.ModelForm):
    safeguarding_lead_email = forms.EmailField(
        label=_("Safeguarding lead's e-mail address"),
        help_text=_("A member of the platform who receives every concern reported."),
    )
    coordinator_emails = forms.CharField(
        label=_("Other coordinators' e-mail addresses"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("One per line. You are a coordinator of the programmes you create."),
    )

    class Meta:
        model = Programme
        fields = [
            "kind",
            "title",
            "slug",
            "summary",
            "cluster",
            "starts_on",
            "ends_on",
            "capacity",
            "eligibility",
            "request_days",
            "reminder_days",
            "completion_min_sessions",
        ]
        widgets = {
            "starts_on": forms.DateInput(attrs={"type": "date"}),
            "ends_on": forms.DateInput(attrs={"type": "date"}),
            "summary": forms.Textarea(attrs={"rows": 4}),
        }

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        if not is_platform_staff(user):
            self.fields["cluster"].queryset = Cluster.objects.filter(animators=user)
            self.fields["cluster"].required = True
        if self.instance.pk:
            del self.fields["kind"]
            self.initial["safeguarding_lead_email"] = self.instance.safeguarding_lead.email
            self.initial["coordinator_emails"] = "\n".join(
                u.email for u in self.instance.coordinators.exclude(pk=user.pk)
            )

    def clean_safeguarding_lead_email(self):
        lead = _user_by_email(self.cleaned_data["safeguarding_lead_email"])
        if lead is None:
            raise forms.ValidationError(_("No active member has this e-mail address."))
        return lead

    def clean_coordinator_emails(self):
        users, unknown = [], []
        for line in self.cleaned_data["coordinator_emails"].splitlines():
            if not line.strip():
                continue
            found = _user_by_email(line)
            (users if found else unknown).append(found or line.strip())
        if unknown:
            raise forms.ValidationError(
                _("No active member has these addresses: %(emails)s")
                % {"emails": ", ".join(unknown)}
            )
        return users

    def service_fields(self) -> dict:
        fields = {name: self.cleaned_data[name] for name in self.Meta.fields if name in self.fields}
        fields["safeguarding_lead"] = self.cleaned_data["safeguarding_lead_email"]
        return fields
