from settings import deep_merge, merge_settings


def test_flat():
    assert deep_merge({"a": 1}, {"b": 2}) == {"a": 1, "b": 2}


def test_no_mutation():
    base = {"a": [1]}
    deep_merge(base, {"a": [2]})
    assert base == {"a": [1]}


def test_layers_skip_none():
    assert merge_settings({"a": 1}, None, {"a": 2}) == {"a": 2}
