"""Redis: an unprotected remote Redis stops start-up; the cache never unpickles a planted value."""

import os
import pickle

from django.core.cache import cache

from deflection.tests.test_settings_guards import PROD_ENV, run_manage


class Planted:
    """Unpickling this makes a directory: the proof that planted code ran."""

    def __init__(self, path):
        self.path = path

    def __reduce__(self):
        return (os.mkdir, (self.path,))


def raw_redis():
    return cache._cache.get_client(write=True)


def test_a_planted_unsigned_pickle_is_not_executed(tmp_path):
    marker = str(tmp_path / "planted-code-ran")
    key = cache.make_and_validate_key("reports:leaderboard")
    raw_redis().set(key, pickle.dumps(Planted(marker)))
    assert cache.get("reports:leaderboard") is None
    assert not os.path.exists(marker)


def test_a_pickle_signed_with_another_key_is_not_executed(tmp_path, settings):
    marker = str(tmp_path / "planted-code-ran")
    settings.SECRET_KEY = "an-attackers-guess-at-the-key-0123456789-abcdefghijklmnop"
    cache.set("planted", Planted(marker))
    settings.SECRET_KEY = "the-real-key-0123456789-abcdefghijklmnopqrstuvwxyz-0123456789"
    assert cache.get("planted") is None
    assert not os.path.exists(marker)


def test_the_cache_round_trips_values_and_counts():
    cache.set("figures", {"referrals": 12, "engaged": [1, 2]}, 60)
    assert cache.get("figures") == {"referrals": 12, "engaged": [1, 2]}
    cache.set("flag", True)
    assert cache.get("flag") is True
    cache.set("count", 1)
    assert cache.incr("count") == 2
    assert cache.get("count") == 2


def test_a_remote_redis_without_a_password_stops_start_up():
    result = run_manage("check", env={**PROD_ENV, "REDIS_URL": "redis://redis.internal:6379/0"})
    assert result.returncode != 0
    assert "REDIS_URL points at another machine without a password" in result.stderr


def test_a_remote_redis_with_a_password_or_a_local_one_starts():
    for url in ["redis://:s3cret@redis.internal:6379/0", "redis://127.0.0.1:6379/0"]:
        result = run_manage("check", env={**PROD_ENV, "REDIS_URL": url})
        assert "REDIS_URL points at another machine" not in result.stderr, url
