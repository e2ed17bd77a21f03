"""The playback services: signed URLs, tracks and the key URL."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

from learninghub_streaming.playback import services


def test_master_url_is_signed_for_the_user_scope_and_stream(world, signed):
    url = signed(world, world.learner, services.master_url)
    parts = url.split("/")
    assert parts[1:4] == ["streaming", "hls", world.scope]
    assert parts[4] == str(world.stream.id)
    assert parts[-1] == "master.m3u8"
    exp = int(parts[5])
    assert exp >= services.now() + 14400 - 1
    other = signed(world, world.outsider, services.master_url)
    assert other.split("/")[6] != parts[6]  # another user, another signature


def test_key_url_carries_scope_exp_and_token(world, signed):
    url = signed(world, world.learner, services.key_url)
    split = urlsplit(url)
    assert split.path == f"/streaming/keys/{world.stream.id}"
    query = parse_qs(split.query)
    assert query["scope"] == [world.scope]
    assert int(query["exp"][0]) <= services.now() + 120
    assert query["t"][0]
