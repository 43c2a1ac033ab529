from statkit import median, summary


def test_even():
    assert median([1, 2, 3, 4]) == 2.5


def test_summary_even():
    assert summary([10, 0])["median"] == 5
