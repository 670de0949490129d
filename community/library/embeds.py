"""Videos from the usual hosts, embedded without a third-party request until the reader asks.

The platform sets only essential cookies, so a video host's player is not loaded with the page:
the page shows a button, and the player (from the host's privacy-friendly domain where it has
one) loads when the reader presses it. The player's address is built here from the video's
identifier, never copied from what a contributor typed, so no other address can end up in a
frame. PeerTube instances are many and anyone can run one, so only the instances listed in
the LIBRARY_PEERTUBE_HOSTS setting are accepted.
"""

import re
from dataclasses import dataclass
from urllib.parse import parse_qs, urlparse

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Embed:
    provider: str
    player_url: str
    watch_url: str

    @property
    def host(self) -> str:
        """Where the player comes from: a PeerTube video is only as trustworthy as its instance."""
        return urlparse(self.player_url).netloc


_ID = re.compile(r"^[A-Za-z0-9_-]{3,64}$")


def _on(host: str, domain: str) -> bool:
    """The host is the domain or one of its subdomains (``evilyoutube.com`` is neither)."""
    return host == domain or host.endswith("." + domain)


def _youtube(url) -> str | None:
    host = url.hostname or ""
    if host == "youtu.be":
        return url.path.lstrip("/").split("/")[0]
    if _on(host, "youtube.com") or _on(host, "youtube-nocookie.com"):
        if url.path == "/watch":
            return (parse_qs(url.query).get("v") or [""])[0]
        parts = [p for p in url.path.split("/") if p]
        if len(parts) == 2 and parts[0] in {"embed", "shorts", "live"}:
            return parts[1]
    return None


def _vimeo(url) -> str | None:
    host = url.hostname or ""
    if host in {"vimeo.com", "www.vimeo.com", "player.vimeo.com"}:
        parts = [p for p in url.path.split("/") if p]
        digits = [p for p in parts if p.isdigit()]
        return digits[0] if digits else None
    return None


def _dailymotion(url) -> str | None:
    host = url.hostname or ""
    if host == "dai.ly":
        return url.path.lstrip("/")
    if _on(host, "dailymotion.com"):
        parts = [p for p in url.path.split("/") if p]
        if "video" in parts and parts.index("video") + 1 < len(parts):
            return parts[parts.index("video") + 1].split("_")[0]
    return None


def _peertube(url) -> str | None:
    if (url.hostname or "") not in {h.lower() for h in settings.LIBRARY_PEERTUBE_HOSTS}:
        return None
    parts = [p for p in url.path.split("/") if p]
    if len(parts) == 2 and parts[0] == "w":
        return parts[1]
    if len(parts) == 3 and parts[:2] == ["videos", "watch"]:
        return parts[2]
    return None


def parse_video_url(address: str) -> Embed | None:
    """The embeddable player for a video address, or None when it is not one we know."""
    try:
        url = urlparse((address or "").strip())
    except ValueError:
        return None
    try:
        port = url.port
    except ValueError:
        return None
    # A user name or password in the address only serves to disguise its real host.
    if url.scheme != "https" or not url.hostname or url.username is not None:
        return None
    if (video := _youtube(url)) and _ID.match(video):
        return Embed(
            "YouTube",
            f"https://www.youtube-nocookie.com/embed/{video}",
            f"https://www.youtube.com/watch?v={video}",
        )
    if (video := _vimeo(url)) and _ID.match(video):
        return Embed(
            "Vimeo",
            f"https://player.vimeo.com/video/{video}?dnt=1",
            f"https://vimeo.com/{video}",
        )
    if (video := _dailymotion(url)) and _ID.match(video):
        return Embed(
            "Dailymotion",
            f"https://www.dailymotion.com/embed/video/{video}",
            f"https://www.dailymotion.com/video/{video}",
        )
    if (video := _peertube(url)) and _ID.match(video):
        host = url.hostname if port is None else f"{url.hostname}:{port}"
        return Embed(
            "PeerTube",
            f"https://{host}/videos/embed/{video}",
            f"https://{host}/w/{video}",
        )
    return None


def validate_video_url(address: str) -> None:
    if address and parse_video_url(address) is None:
        raise ValidationError(
            _("Give an https address of a video on YouTube, Vimeo, Dailymotion or PeerTube."),
            code="video_url",
        )
