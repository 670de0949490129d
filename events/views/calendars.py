"""(being written)"""

from django.http import Http404


def calendar_feed(request, **kwargs):
    raise Http404


def calendar_settings(request, **kwargs):
    raise Http404


def event_ics(request, **kwargs):
    raise Http404
