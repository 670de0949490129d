from django.http import HttpResponse


def health(request):
    """A trivial view: load balancers poll it, and benches use it as their reference."""
    return HttpResponse("ok", content_type="text/plain")
