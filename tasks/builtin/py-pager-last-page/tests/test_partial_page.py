from pager import page_count, paginate


def test_partial_last_page_counted():
    assert page_count(11, 5) == 3


def test_partial_last_page_items():
    assert paginate(list(range(11)), 3, 5) == [10]


def test_empty():
    assert page_count(0, 5) == 0
