from .lru import LRUCache

_MISS = object()


def memoize(capacity):
    def wrap(fn):
        cache = LRUCache(capacity)

        def inner(*args):
            hit = cache.get(args, _MISS)
            if hit is _MISS:
                hit = fn(*args)
                cache.put(args, hit)
            return hit

        inner.cache = cache
        return inner

    return wrap
