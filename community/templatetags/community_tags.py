from django import template

register = template.Library()


@register.simple_tag
def query_with(request, **changes) -> str:
    """The current query string with some parameters replaced (for pagination links)."""
    query = request.GET.copy()
    for key, value in changes.items():
        query[key] = value
    return query.urlencode()
