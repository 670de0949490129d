from django import forms
from django.utils.translation import gettext_lazy as _

from community.models import Cluster, Membership, Organisation, Profile, Space
from community.selectors import organisation_members
from community.services import profile_create
from community.services.organisations import ORGANISATION_FIELDS
from community.services.profiles import PROFILE_FIELDS
from community.services.spaces import SPACE_FIELDS


class SignupExtraForm(forms.Form):
    """The fields allauth's sign-up form adds to e-mail and password."""

    display_name = forms.CharField(
        label=_("Display name"),
        max_length=80,
        help_text=_("How other members will see you, e.g. “Claire M.”."),
    )

    def signup(self, request, user):
        profile_create(user=user, display_name=self.cleaned_data["display_name"])


class ProfileForm(forms.ModelForm):
    class Meta:
        model = Profile
        fields = PROFILE_FIELDS
        widgets = {
            "languages": forms.CheckboxSelectMultiple,
            "sectors": forms.CheckboxSelectMultiple,
            "themes": forms.CheckboxSelectMultiple,
            "roles": forms.CheckboxSelectMultiple,
            "bio": forms.Textarea(attrs={"rows": 5}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["photo"].widget.attrs["accept"] = "image/jpeg,image/png,image/webp"

    def visibility_fields(self):
        return [self[f"{name}_visibility"] for name in Profile.VISIBILITY_FIELDS]


class SpaceForm(forms.ModelForm):
    class Meta:
        model = Space
        fields = SPACE_FIELDS
        widgets = {
            "themes": forms.CheckboxSelectMultiple,
            "description": forms.Textarea(attrs={"rows": 6}),
            "visibility": forms.RadioSelect,
            "join_policy": forms.RadioSelect,
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["cover"].widget.attrs["accept"] = "image/jpeg,image/png,image/webp"


class OrganisationForm(forms.ModelForm):
    class Meta:
        model = Organisation
        fields = ORGANISATION_FIELDS

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        referent = self.fields["equality_referent"]
        visible = (
            organisation_members(organisation=self.instance, viewer=user)
            if self.instance.pk
            else None
        )
        current = self.instance.equality_referent_id
        if visible is None or (current and not visible.filter(user_id=current).exists()):
            # A new organisation has no members yet; a referent hidden from this editor is
            # neither shown nor silently cleared: the field is left out.
            del self.fields["equality_referent"]
        else:
            referent.queryset = referent.queryset.filter(
                pk__in=visible.values("user_id")
            ).select_related("profile")


class ClusterForm(forms.ModelForm):
    class Meta:
        model = Cluster
        fields = ["name", "slug", "country", "region", "description", "logo", "website"]


class JoinRequestForm(forms.Form):
    message = forms.CharField(
        label=_("A word for the animators (optional)"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class InviteForm(forms.Form):
    email = forms.EmailField(label=_("E-mail address"), max_length=254)
    role = forms.ChoiceField(
        label=_("Role"), choices=Membership.Role.choices, initial=Membership.Role.MEMBER
    )


class DirectoryFilterForm(forms.Form):
    q = forms.CharField(label=_("Name"), required=False, max_length=80)
    theme = forms.ChoiceField(label=_("Theme"), required=False)
    sector = forms.ChoiceField(label=_("Sector"), required=False)
    region = forms.CharField(label=_("Region"), required=False, max_length=100)
    role = forms.ChoiceField(label=_("Role"), required=False)
    language = forms.ChoiceField(label=_("Language"), required=False)

    def __init__(self, *args, vocabularies: dict, **kwargs):
        super().__init__(*args, **kwargs)
        for name, terms in vocabularies.items():
            self.fields[name].choices = [("", _("Any"))] + [(t.slug, t.label) for t in terms]
