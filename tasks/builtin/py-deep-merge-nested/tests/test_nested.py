from settings import merge_settings


def test_nested_kept():
    out = merge_settings({"db": {"host": "x", "port": 5432}}, {"db": {"port": 6000}})
    assert out == {"db": {"host": "x", "port": 6000}}


def test_lists_replaced():
    assert merge_settings({"a": {"l": [1, 2]}}, {"a": {"l": [3]}}) == {"a": {"l": [3]}}
