from django import template

from forum.markdown import excerpt as make_excerpt

register = template.Library()


@register.filter
def excerpt(text: str, length: int = 220) -> str:
    """A post's text without its Markdown signs, shortened (autoescaped by the template)."""
    return make_excerpt(text, int(length))


@register.inclusion_tag("forum/partials/latest_topics.html", takes_context=True)
def latest_topics(context, space, count: int = 5):
    """The space's latest topics, for its page (a fixed number of queries)."""
    from forum import permissions, selectors

    user = context["request"].user
    topics = selectors.topic_list(user=user, filters=selectors.TopicFilters(space=space))
    return {
        "space": space,
        "topics": selectors.decorate_topics(topics[:count], user=user),
        "can_post": permissions.can_post_in(user, space),
        "request": context["request"],
    }
