"""Atom feeds of a space's new topics. Only public spaces have one: a feed reader signs in as
nobody. A confidential topic is named by its pseudonym, as on the page."""

from django.contrib.syndication.views import Feed
from django.http import Http404
from django.utils.feedgenerator import Atom1Feed
from django.utils.translation import gettext as _

from community.models import Space

from .markdown import excerpt
from .models import Post, Topic
from .selectors import topics_visible_to


class SpaceTopicsFeed(Feed):
    feed_type = Atom1Feed

    def get_object(self, request, slug):
        space = Space.objects.filter(slug=slug, visibility=Space.Visibility.PUBLIC).first()
        if space is None:
            raise Http404
        return space

    def title(self, space):
        return _("New topics in %(space)s") % {"space": space.name}

    def link(self, space):
        from django.urls import reverse

        return reverse("forum:space_forum", kwargs={"slug": space.slug})

    def subtitle(self, space):
        return space.tagline

    def items(self, space):
        topics = topics_visible_to(None).filter(space=space).select_related("author__profile")
        topics = list(topics.order_by("-created_at")[:30])
        openings = {
            post.topic_id: post
            for post in Post.objects.filter(topic__in=topics, number=1).only("topic_id", "body")
        }
        for topic in topics:
            topic.opening_body = openings[topic.pk].body if topic.pk in openings else ""
        return topics

    def item_title(self, topic: Topic):
        return topic.title

    def item_description(self, topic: Topic):
        return excerpt(topic.opening_body, 400)

    def item_author_name(self, topic: Topic):
        return topic.pseudonym or topic.author.profile.display_name

    def item_pubdate(self, topic: Topic):
        return topic.created_at

    def item_link(self, topic: Topic):
        return topic.get_absolute_url()
