from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST
from notifications.models import Notification

from community import notifications

from ._helpers import paginate


@login_required
def notification_list(request):
    page = paginate(request, notifications.notifications_for(request.user), per_page=30)
    items = [(n, notifications.render(n)) for n in page.object_list]
    return render(request, "community/notification_list.html", {"page": page, "items": items})


@require_POST
@login_required
def notification_read(request, notification_id):
    try:
        notification = notifications.notification_mark_read(
            user=request.user, notification_id=notification_id
        )
    except Notification.DoesNotExist as missing:
        raise Http404 from missing
    url = (notification.data or {}).get("url")
    if (
        request.POST.get("follow")
        and url
        and url_has_allowed_host_and_scheme(url, allowed_hosts={request.get_host()})
    ):
        return redirect(url)
    return redirect("community:notification_list")


@require_POST
@login_required
def notification_read_all(request):
    notifications.notification_mark_all_read(user=request.user)
    return redirect("community:notification_list")
