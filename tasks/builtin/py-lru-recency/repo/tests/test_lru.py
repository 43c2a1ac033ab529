from cachekit import LRUCache, memoize


def test_capacity():
    c = LRUCache(2)
    for k in "abc":
        c.put(k, k)
    assert len(c) == 2 and "a" not in c


def test_default():
    assert LRUCache(1).get("x", 5) == 5


def test_memoize_calls_once():
    calls = []

    @memoize(4)
    def sq(x):
        calls.append(x)
        return x * x

    assert sq(3) == 9 and sq(3) == 9 and calls == [3]
