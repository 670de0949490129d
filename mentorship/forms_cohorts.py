"""Forms of the cohort pages: a session of the schedule, the attendance register."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from events.models import EventPage
from events.page_forms import WallClockDateTimeField
from events.selectors import events_visible_to
from events.timezones import DEFAULT_TIME_ZONE, time_zone_choices, utc_to_local
from mentorship.models import CohortSession

LOCAL_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"]
EVENT_CHOICES = 200


def local_field(label):
    return WallClockDateTimeField(
        label=label,
        input_formats=LOCAL_FORMATS,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )


class SessionForm(forms.Form):
    """Times are typed as wall-clock times in the chosen zone; the service converts them."""

    title = forms.CharField(label=_("Title"), max_length=160)
    kind = forms.ChoiceField(label=_("Kind"), choices=CohortSession.Kind.choices)
    starts_at = local_field(_("Starts at"))
    ends_at = local_field(_("Ends at"))
    time_zone = forms.ChoiceField(
        label=_("Time zone"),
        choices=time_zone_choices,
        initial=DEFAULT_TIME_ZONE,
        help_text=_("The times above are read in this zone."),
    )
    place = forms.CharField(label=_("Place"), max_length=200, required=False)
    event = forms.ModelChoiceField(
        label=_("Event of the platform"),
        queryset=EventPage.objects.none(),
        required=False,
        help_text=_("Optional: the event this session is part of."),
    )

    def __init__(self, *args, viewer, session: CohortSession | None = None, **kwargs):
        if session is not None and "initial" not in kwargs:
            kwargs["initial"] = {
                "title": session.title,
                "kind": session.kind,
                "starts_at": utc_to_local(session.starts_at, session.time_zone),
                "ends_at": utc_to_local(session.ends_at, session.time_zone),
                "time_zone": session.time_zone,
                "place": session.place,
                "event": session.event_id,
            }
        super().__init__(*args, **kwargs)
        since = timezone.now() - timezone.timedelta(days=365)
        self.fields["event"].queryset = (
            events_visible_to(viewer).filter(end__gte=since).order_by("start", "pk")
        )
        self.fields["event"].queryset = self.fields["event"].queryset.filter(
            pk__in=list(self.fields["event"].queryset.values_list("pk", flat=True)[:EVENT_CHOICES])
        )

    def service_fields(self) -> dict:
        return dict(self.cleaned_data)


class AttendanceForm(forms.Form):
    """One choice per member: present, absent, or not recorded (left as it was)."""

    CHOICES = [("", _("Not recorded")), ("1", _("Present")), ("0", _("Absent"))]

    def __init__(self, *args, rows, **kwargs):
        """`rows`: (enrolment, name, present or None) for each member."""
        super().__init__(*args, **kwargs)
        self.rows = rows
        for enrolment, name, present in rows:
            self.fields[f"m{enrolment.pk}"] = forms.ChoiceField(
                label=name,
                choices=self.CHOICES,
                required=False,
                widget=forms.RadioSelect,
                initial="" if present is None else ("1" if present else "0"),
            )

    def register(self) -> dict[int, bool]:
        return {
            enrolment.pk: self.cleaned_data[f"m{enrolment.pk}"] == "1"
            for enrolment, _name, _present in self.rows
            if self.cleaned_data.get(f"m{enrolment.pk}") in ("0", "1")
        }
