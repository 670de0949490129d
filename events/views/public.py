"""(being written)"""

from django.http import Http404


def cancel(request, **kwargs):
    raise Http404


def claim(request, **kwargs):
    raise Http404


def feedback(request, **kwargs):
    raise Http404


def my_events(request, **kwargs):
    raise Http404


def register(request, **kwargs):
    raise Http404


def ticket(request, **kwargs):
    raise Http404


def ticket_qr(request, **kwargs):
    raise Http404


def event_index(request, *, index_page):
    raise Http404


def event_detail(request, *, event):
    raise Http404
