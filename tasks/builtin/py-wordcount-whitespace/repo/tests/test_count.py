from wordfreq import count_words, top_words


def test_simple():
    assert count_words("a b a") == {"a": 2, "b": 1}


def test_case_and_punct():
    assert count_words("Hi, hi!") == {"hi": 2}


def test_top():
    assert top_words("x y y z z z", 2) == ["z", "y"]
