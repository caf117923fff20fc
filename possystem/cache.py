"""Django's Redis cache, with one Redis client per connection pool instead of one per operation.

Django's `RedisCacheClient.get_client` builds a `redis.Redis` for every cache call, and building one
fills its table of response callbacks: about 0.1 ms, as much as the round trip to Redis itself.
The API's rate limits, the snapshots' versions and the sign-in throttle make several cache calls a
request. A client holds no state of its own beyond its pool (which is what `get_client` reuses
already, and which is thread- and fork-safe), so one per pool serves every call.
"""

from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient


class _ClientPerPool(RedisCacheClient):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients[id(pool)] = self._client(connection_pool=pool)
        return client


class RedisCache(DjangoRedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = _ClientPerPool
