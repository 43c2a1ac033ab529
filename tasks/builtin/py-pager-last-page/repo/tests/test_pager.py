import pytest
from pager import PageOutOfRange, page_count, paginate


def test_exact_multiple():
    assert page_count(10, 5) == 2


def test_first_page():
    assert paginate(list(range(10)), 1, 5) == [0, 1, 2, 3, 4]


def test_page_zero_rejected():
    with pytest.raises(PageOutOfRange):
        paginate([1, 2], 0, 5)
