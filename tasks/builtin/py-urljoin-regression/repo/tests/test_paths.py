from urlkit import join_url, normalize_path


def test_normalize():
    assert normalize_path("/a//b/./c/") == "a/b/c"


def test_join_plain():
    assert join_url("https://h", "x") == "https://h/x"


def test_join_trailing_base():
    assert join_url("https://h/", "x/") == "https://h/x"
