from intervals import covers, merge_intervals


def test_touching_merged():
    assert merge_intervals([(1, 3), (3, 5)]) == [(1, 5)]


def test_covers_across_touch_point():
    assert covers([(9, 12), (12, 14)], 10, 13)


def test_gap_still_gap():
    assert not covers([(1, 2), (3, 4)], 1, 4)
