"""Django's Redis cache with one client object per connection pool instead of one per call.

Django's ``RedisCacheClient`` builds a new ``redis.Redis`` around its pool for every get and
set; a signed-in page does three or four of them, and building the client cost more than the
round trip. A ``redis.Redis`` is safe to share between threads (each command takes a
connection from the pool), so one per pool is kept.
"""

from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient


class _SharedClients(RedisCacheClient):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients: dict = {}

    def get_client(self, key=None, *, write=False):
        index = self._get_connection_pool_index(write)
        client = self._clients.get(index)
        if client is None:
            client = self._clients.setdefault(
                index, self._client(connection_pool=self._get_connection_pool(index))
            )
        return client


class RedisCache(DjangoRedisCache):
    """``django.core.cache.backends.redis.RedisCache`` with shared clients (see above)."""

    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = _SharedClients
