"""Template tags of the chat: what a page may offer, decided by `forum.chat.permissions`."""

from django import template

from ..permissions import can_start_conversation_with

register = template.Library()


@register.simple_tag(takes_context=True)
def can_message(context, profile) -> bool:
    """Whether the viewer may start a conversation with this profile's member (a profile view
    or a Profile)."""
    request = context.get("request")
    viewer = getattr(request, "user", None)
    if viewer is None or not viewer.is_authenticated:
        return False
    inner = getattr(profile, "profile", profile)
    other = getattr(inner, "user", None)
    return other is not None and can_start_conversation_with(viewer, other)
