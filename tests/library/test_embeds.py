"""Video addresses: only known hosts become a player, built from the video's identifier alone."""

import pytest
from django.core.exceptions import ValidationError

from community.library.embeds import Embed, parse_video_url, validate_video_url


@pytest.fixture(autouse=True)
def peertube_hosts(settings):
    settings.LIBRARY_PEERTUBE_HOSTS = ["framatube.org", "videos.egalite-clusters.example"]


@pytest.mark.parametrize(
    "address, embed",
    [
        (
            "https://www.youtube.com/watch?v=dQw4w9WgXcQ",
            Embed(
                "YouTube",
                "https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ",
                "https://www.youtube.com/watch?v=dQw4w9WgXcQ",
            ),
        ),
        (
            "https://youtu.be/dQw4w9WgXcQ",
            Embed(
                "YouTube",
                "https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ",
                "https://www.youtube.com/watch?v=dQw4w9WgXcQ",
            ),
        ),
        (
            "https://youtube.com/shorts/dQw4w9WgXcQ",
            Embed(
                "YouTube",
                "https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ",
                "https://www.youtube.com/watch?v=dQw4w9WgXcQ",
            ),
        ),
        (
            "https://vimeo.com/123456",
            Embed(
                "Vimeo", "https://player.vimeo.com/video/123456?dnt=1", "https://vimeo.com/123456"
            ),
        ),
        (
            "https://dai.ly/x8abc",
            Embed(
                "Dailymotion",
                "https://www.dailymotion.com/embed/video/x8abc",
                "https://www.dailymotion.com/video/x8abc",
            ),
        ),
        (
            "https://www.dailymotion.com/video/x8abc_titre",
            Embed(
                "Dailymotion",
                "https://www.dailymotion.com/embed/video/x8abc",
                "https://www.dailymotion.com/video/x8abc",
            ),
        ),
        (
            "https://framatube.org/w/7QmTzXhJvR2c",
            Embed(
                "PeerTube",
                "https://framatube.org/videos/embed/7QmTzXhJvR2c",
                "https://framatube.org/w/7QmTzXhJvR2c",
            ),
        ),
        (
            "https://Videos.Egalite-Clusters.example/videos/watch/abc-123",
            Embed(
                "PeerTube",
                "https://videos.egalite-clusters.example/videos/embed/abc-123",
                "https://videos.egalite-clusters.example/w/abc-123",
            ),
        ),
    ],
)
def test_each_provider_gives_a_player_built_from_the_identifier(address, embed):
    assert parse_video_url(address) == embed


def test_a_peertube_instance_keeps_its_port():
    embed = parse_video_url("https://framatube.org:8443/w/abcdef")
    assert embed.player_url == "https://framatube.org:8443/videos/embed/abcdef"
    assert embed.watch_url == "https://framatube.org:8443/w/abcdef"
    assert embed.host == "framatube.org:8443"


@pytest.mark.parametrize(
    "address",
    [
        # A PeerTube-shaped path on a host that is not an accepted instance.
        "https://evil.example/w/abcdef",
        "https://evil.example/videos/watch/abc-123",
        "https://127.0.0.1/w/abcdef",
        "https://localhost:8000/w/abcdef",
        # Hosts that merely contain a provider's name.
        "https://evilyoutube.com/watch?v=abcdef",
        "https://www.youtube.com.evil.example/watch?v=abcdef",
        "https://notdailymotion.com/video/x8abc",
        # A user name that disguises the real host.
        "https://www.youtube.com@evil.example/w/abcdef",
        "https://www.youtube.com@evil.example/watch?v=abcdef",
        "https://user:pass@framatube.org/w/abcdef",
        # Other schemes, broken ports, identifiers that are not identifiers.
        "javascript:alert(1)",
        "http://www.youtube.com/watch?v=abcdef",
        "https://framatube.org:99999/w/abcdef",
        'https://youtube.com/watch?v=abc"onload',
        "https://framatube.org/w/ab",
        "",
    ],
)
def test_an_address_that_is_not_a_known_video_is_refused(address):
    assert parse_video_url(address) is None
    if address:
        with pytest.raises(ValidationError) as refused:
            validate_video_url(address)
        assert refused.value.code == "video_url"


def test_the_peertube_instances_come_from_the_settings(settings):
    settings.LIBRARY_PEERTUBE_HOSTS = ["tube.example"]
    assert parse_video_url("https://framatube.org/w/abcdef") is None
    assert parse_video_url("https://tube.example/w/abcdef").provider == "PeerTube"


def test_the_seeded_peertube_address_is_accepted_by_default(settings):
    """The demo's videos live on an instance of the default list (see _seed_library.py)."""
    from config.settings import base

    settings.LIBRARY_PEERTUBE_HOSTS = base.LIBRARY_PEERTUBE_HOSTS
    assert parse_video_url("https://videos.egalite-clusters.example/w/7QmTzXhJvR2cN4pLbW9sKe")
