"""Chat forms parse and label; the services decide (limits, permissions, who may be added)."""

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from community.selectors import profiles_visible_to

from .models import CLIENT_ID_MAX
from .services import REASON_MAX, TITLE_MAX


class MessageForm(forms.Form):
    """The composer without JavaScript. The client id is made when the page is rendered, so a
    form submitted twice is stored once (the service finds the first one)."""

    client_id = forms.CharField(max_length=CLIENT_ID_MAX, widget=forms.HiddenInput)
    body = forms.CharField(
        label=_("Your message"),
        strip=False,
        # The service gives the clear message on an oversized body; the browser limit helps.
        widget=forms.Textarea(attrs={"rows": 2, "maxlength": 4000, "autocomplete": "off"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["body"].widget.attrs["maxlength"] = settings.CHAT["MESSAGE_MAX_CHARS"]


class PeopleField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return obj.display_name


def people_to_talk_with(user, exclude_users=()):
    """People the member shares a space with and may find, by name."""
    return (
        profiles_visible_to(user)
        .filter(shares_space=True)
        .exclude(user=user)
        .exclude(user__in=list(exclude_users))
        .select_related("user")
        .order_by("display_name")
    )


def _others_max() -> int:
    return settings.CHAT["GROUP_MAX_MEMBERS"] - 1


class MembersMixin:
    def clean_members(self):
        members = self.cleaned_data["members"]
        if len(members) > self.others_max:
            raise forms.ValidationError(
                _("Choose at most %(max)d people.") % {"max": self.others_max}, code="too_many"
            )
        return [profile.user for profile in members]


class GroupForm(MembersMixin, forms.Form):
    title = forms.CharField(
        label=_("Name of the group"),
        max_length=TITLE_MAX,
        required=False,
        help_text=_("Optional. Without a name, the group is called by its members' names."),
    )
    members = PeopleField(
        label=_("People"),
        queryset=None,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("People you share a space with."),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.others_max = _others_max()
        self.fields["members"].queryset = people_to_talk_with(user)
        self.fields["members"].help_text = _("People you share a space with: at most %(max)d.") % {
            "max": self.others_max
        }


class AddMembersForm(MembersMixin, forms.Form):
    members = PeopleField(label=_("Add people"), queryset=None, widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args, user, current_users=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.others_max = _others_max()
        self.fields["members"].queryset = people_to_talk_with(user, exclude_users=current_users)


class ReportForm(forms.Form):
    reason = forms.CharField(
        label=_("What is wrong with this message?"),
        max_length=REASON_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class MuteForm(forms.Form):
    user = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    minutes = forms.TypedChoiceField(
        label=_("Mute for"),
        coerce=int,
        choices=[
            (10, _("10 minutes")),
            (60, _("1 hour")),
            (60 * 24, _("1 day")),
            (60 * 24 * 7, _("7 days")),
            (60 * 24 * 30, _("30 days")),
        ],
    )
    reason = forms.CharField(label=_("Reason"), max_length=REASON_MAX, required=False)


class PreferencesForm(forms.Form):
    share_presence = forms.BooleanField(label=_("Show others when I am in a room"), required=False)
    share_typing = forms.BooleanField(label=_("Show others when I am typing"), required=False)
