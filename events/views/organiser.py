"""(being written)"""

from django.http import Http404


def attendance(request, **kwargs):
    raise Http404


def attendee_add(request, **kwargs):
    raise Http404


def attendees(request, **kwargs):
    raise Http404


def attendees_csv(request, **kwargs):
    raise Http404


def check_in(request, **kwargs):
    raise Http404


def check_in_ticket(request, **kwargs):
    raise Http404


def decide(request, **kwargs):
    raise Http404


def managed_events(request, **kwargs):
    raise Http404


def report(request, **kwargs):
    raise Http404
