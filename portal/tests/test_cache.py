"""``portal.cache.RedisCache``: one Redis client per connection pool, reused."""

from django.core.cache.backends.redis import RedisCache as DjangoRedisCache

from conftest import need_service
from portal.cache import RedisCache


def test_the_client_is_built_once_per_pool():
    cache = RedisCache("redis://127.0.0.1:6379/3", {})
    first = cache._cache.get_client()
    assert cache._cache.get_client() is first
    assert cache._cache.get_client(write=True) is first  # one server: one pool
    # Django's own backend builds a new one for every call.
    django_cache = DjangoRedisCache("redis://127.0.0.1:6379/3", {})
    assert django_cache._cache.get_client() is not django_cache._cache.get_client()


def test_it_stores_and_reads_like_djangos_backend():
    import redis

    cache = RedisCache("redis://127.0.0.1:6379/3", {"KEY_PREFIX": "portal-cache-test"})
    try:
        cache.get("probe")
    except redis.ConnectionError:
        need_service(False, "needs Redis on 127.0.0.1:6379")
    cache.set("key", {"a": [1, "å"]}, 30)
    assert cache.get("key") == {"a": [1, "å"]}
    cache.delete("key")
    assert cache.get("key") is None
