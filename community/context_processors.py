from community.notifications import unread_count


def platform(request):
    """The header's unread badge: one query per page for a signed-in member, none otherwise."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"unread_notifications": 0}
    return {"unread_notifications": unread_count(user)}
