"""The forum's notification verbs (registered with community.notifications at start-up).

`actor` is the person who acted, the space's name when the moderators did, or the pseudonym of
a confidential asker; `target` is the topic's title.
"""

from django.utils.translation import gettext_lazy as _

VERBS = {
    "forum.reply_to_topic": _("%(actor)s replied to your topic “%(target)s”."),
    "forum.reply_in_followed": _("%(actor)s replied in “%(target)s”, which you follow."),
    "forum.topic_in_followed_space": _("%(actor)s started “%(target)s” in a space you follow."),
    "forum.mention": _("%(actor)s mentioned you in “%(target)s”."),
    "forum.answer_accepted": _("Your answer in “%(target)s” was accepted."),
    "forum.answer_validated": _(
        "%(actor)s marked your answer in “%(target)s” as expert-validated."
    ),
    "forum.reported": _("A message in “%(target)s” was reported to the moderators of %(actor)s."),
    "forum.post_hidden": _("The moderators of %(actor)s hid your message in “%(target)s”."),
    "forum.post_auto_hidden": _(
        "Your message in “%(target)s” is hidden until a moderator of %(actor)s reviews the "
        "reports on it."
    ),
    "forum.post_unhidden": _(
        "The moderators of %(actor)s showed your message in “%(target)s” again."
    ),
    "forum.post_deleted": _("The moderators of %(actor)s deleted your message in “%(target)s”."),
    "forum.topic_locked": _("The moderators of %(actor)s locked your topic “%(target)s”."),
    "forum.topic_moved": _("The moderators moved your topic “%(target)s” to %(actor)s."),
}
