from wordfreq import count_words, tokenize


def test_tabs_newlines():
    assert count_words("a\tb\nb") == {"a": 1, "b": 2}


def test_double_space():
    assert tokenize("one  two") == ["one", "two"]
