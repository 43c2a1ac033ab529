from urlkit import join_url, normalize_path


def test_leading_slash_part():
    assert join_url("https://a.example/api", "/v1/items") == "https://a.example/api/v1/items"


def test_many_parts():
    assert join_url("https://a.example", "v1", "/items/", "7") == "https://a.example/v1/items/7"


def test_normalize_unchanged():
    assert normalize_path("x/") == "x"
