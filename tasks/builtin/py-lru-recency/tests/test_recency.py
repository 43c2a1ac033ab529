from cachekit import LRUCache, memoize


def test_read_counts_as_use():
    c = LRUCache(2)
    c.put("a", 1)
    c.put("b", 2)
    assert c.get("a") == 1
    c.put("c", 3)
    assert "a" in c and "b" not in c


def test_memo_keeps_hot_entry():
    calls = []

    @memoize(2)
    def f(x):
        calls.append(x)
        return x

    f(1); f(2); f(1); f(3); f(1)
    assert calls == [1, 2, 3]
