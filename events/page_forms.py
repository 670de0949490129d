"""The Wagtail admin form of an event page.

Times are typed as wall-clock times in the event's own time zone, whatever the organiser's
browser or the server use; a time the clocks skip is refused. The form also keeps organisers to
the spaces and clusters they animate, and refuses a capacity below the seats already taken.
(Models are imported inside methods: `events.models` imports this module.)
"""

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from wagtail.admin.forms import WagtailAdminPageForm
from wagtail.admin.widgets import AdminDateTimeInput

from events.timezones import local_to_utc, utc_to_local

WALL_CLOCK_FIELDS = ("start", "end", "registration_opens", "registration_closes")


class WallClockDateTimeField(forms.DateTimeField):
    """A date and time without a time zone: the form decides which zone it is in."""

    def to_python(self, value):
        if isinstance(value, str):
            value = value.strip()
        if not value:
            return None
        for fmt in self.input_formats:
            try:
                return self.strptime(value, fmt)
            except (ValueError, TypeError):
                continue
        raise forms.ValidationError(self.error_messages["invalid"], code="invalid")


class EventPageForm(WagtailAdminPageForm):
    start = WallClockDateTimeField(label=gettext_lazy("start"), widget=AdminDateTimeInput)
    end = WallClockDateTimeField(label=gettext_lazy("end"), widget=AdminDateTimeInput)
    registration_opens = WallClockDateTimeField(
        label=gettext_lazy("registration opens"), required=False, widget=AdminDateTimeInput
    )
    registration_closes = WallClockDateTimeField(
        label=gettext_lazy("registration closes"),
        required=False,
        widget=AdminDateTimeInput,
        help_text=gettext_lazy("Leave empty to close registration when the event starts."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        instance = self.instance
        for name in WALL_CLOCK_FIELDS:
            value = getattr(instance, name, None)
            if value is not None:
                self.initial[name] = utc_to_local(value, instance.time_zone)
        self._limit_choices()

    def _limit_choices(self):
        """Animators place events only in the spaces and clusters they animate.

        The event's current space and cluster stay on offer: an organiser who animates neither
        can still edit the event without moving it.
        """
        from django.db.models import Q

        from community.models import Cluster, Space
        from community.permissions import is_platform_staff
        from community.selectors import spaces_editable_by

        user = self.for_user
        self._limit_organisers(user)
        if user is None or is_platform_staff(user):
            return
        current_space, current_cluster = self._saved_place()
        if "space" in self.fields:
            self.fields["space"].queryset = Space.objects.filter(
                Q(pk__in=spaces_editable_by(user).values("pk")) | Q(pk=current_space)
            )
        if "cluster" in self.fields:
            self.fields["cluster"].queryset = Cluster.objects.filter(
                Q(animators=user) | Q(pk=current_cluster)
            ).distinct()

    def _limit_organisers(self, user):
        """Organisers are chosen by name among the profiles the editor may find (as in the
        directory), plus those already listed: the list never reveals a hidden member."""
        from django.contrib.auth import get_user_model
        from django.db.models import Q

        from community.permissions import is_platform_staff
        from community.selectors import profiles_visible_to

        field = self.fields.get("organisers")
        if field is None:
            return
        users = get_user_model().objects.filter(is_active=True)
        if user is not None and not is_platform_staff(user):
            current = self.instance.organisers.all() if self.instance.pk else []
            users = users.filter(
                Q(profile__in=profiles_visible_to(user).values("pk"))
                | Q(pk__in=[organiser.pk for organiser in current])
            )
        # A user's label is their display name (User.__str__), never their e-mail address.
        field.queryset = users.select_related("profile").order_by("profile__display_name")

    def _saved_place(self) -> tuple[int | None, int | None]:
        """The space and cluster ids of the event as stored (None for a new event)."""
        from events.models import EventPage

        if not self.instance.pk:
            return None, None
        saved = EventPage.objects.filter(pk=self.instance.pk).values("space", "cluster").first()
        return (saved["space"], saved["cluster"]) if saved else (None, None)

    def clean(self):
        cleaned = super().clean()
        tz_name = cleaned.get("time_zone") or self.instance.time_zone
        for name in WALL_CLOCK_FIELDS:
            naive = cleaned.get(name)
            if naive is None:
                continue
            try:
                cleaned[name] = local_to_utc(naive, tz_name)
            except forms.ValidationError as error:
                self.add_error(name, error.messages)
                cleaned.pop(name, None)
        self._check_place(cleaned)
        self._check_capacity(cleaned)
        return cleaned

    def _check_place(self, cleaned):
        from events.permissions import can_manage_event, may_organise_in

        user = self.for_user
        if user is None:
            return
        space, cluster = cleaned.get("space"), cleaned.get("cluster")
        unmoved = self.instance.pk and self._saved_place() == (
            getattr(space, "pk", None),
            getattr(cluster, "pk", None),
        )
        # Those who run the event (its organisers, say) keep it where it is; moving it needs
        # the right to organise in the new place.
        if unmoved and can_manage_event(user, self.instance):
            return
        if not may_organise_in(user, space=space, cluster=cluster):
            self.add_error(
                "space", _("Choose a space or a cluster you animate: the event belongs to it.")
            )

    def _check_capacity(self, cleaned):
        from events.selectors import seats_held

        capacity = cleaned.get("capacity")
        if capacity is None or not self.instance.pk:
            return
        held = seats_held(self.instance)
        if capacity < held:
            self.add_error(
                "capacity",
                _(
                    "%(held)s seats are already confirmed or offered: the capacity cannot go "
                    "below that. Cancel registrations first, or keep the capacity."
                )
                % {"held": held},
            )
